"""The wheel carries the ontology, shapes, queries and registry, and works from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (found,) = out.glob("kgload-*.whl")
    return found


def test_wheel_contains_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "kgload/_data/ontology/kgload.ttl",
        "kgload/_data/shapes/kgload-shapes.ttl",
        "kgload/_data/queries/who-threatened-whom.rq",
        "kgload/_data/registry/world.yaml",
        "kgload/schema/facts-1.schema.json",
        "kgload/cli.py",
        "kgload/web/index.html",  # the page at / (kgload serve), its JavaScript inline
        "kgload/web/docs.html",
    ):
        assert expected in names, f"{expected} is not in {wheel.name}"
    bundled = {n.rsplit("/", 1)[-1] for n in names if n.startswith("kgload/_data/queries/")}
    assert bundled == {p.name for p in (ROOT / "queries").glob("*.rq")}


def test_installed_wheel_runs_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, text=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    example = ROOT / "examples" / "colombia-eln.yaml"
    code = (
        "import sys, kgload.resources as r; from kgload.cli import main;"
        "assert '_data' in str(r.data_dir('ontology')), r.data_dir('ontology');"
        "sys.argv=['kgload', 'validate', sys.argv[1]]; main()"
    )
    result = subprocess.run([sys.executable, "-c", code, str(example)], cwd=elsewhere, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "1 valid, 0 rejected." in result.stdout  # the verdict is the result: stdout
