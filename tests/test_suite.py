"""The test suite's own rules: the slow list names real tests, the slow marker is registered."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from conftest import ROOT, SLOW

TESTS = Path(__file__).resolve().parent


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_the_slow_list_names_tests_that_exist() -> None:
    """A renamed or removed test would silently leave the slow marker's list."""
    stale = []
    for name, tests in SLOW.items():
        path = TESTS / name
        if not path.is_file():
            stale.append(name)
            continue
        defined = _test_functions(path)
        stale.extend(f"{name}::{test}" for test in tests if test != "*" and test not in defined)
    assert not stale, f"tests/conftest.py SLOW names tests that do not exist: {stale}"


def test_the_slow_marker_is_registered_and_markers_are_strict() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pytest_options = config["tool"]["pytest"]["ini_options"]
    assert any(m.startswith("slow:") for m in pytest_options["markers"])
    assert "--strict-markers" in pytest_options["addopts"]


def test_the_virtuoso_suite_is_opt_in() -> None:
    """tests/test_virtuoso.py starts a Virtuoso: only with KGLOAD_TEST_VIRTUOSO=1."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(m.startswith("virtuoso:") for m in config["tool"]["pytest"]["ini_options"]
               ["markers"])
    source = (TESTS / "test_virtuoso.py").read_text(encoding="utf-8")
    assert "pytest.mark.virtuoso" in source
    assert 'os.environ.get("KGLOAD_TEST_VIRTUOSO") != "1"' in source
