"""A store whose database files are damaged: exit 4 naming the store, and `check-store`.

Truncated ``CURRENT``, ``MANIFEST`` or SST files used to exit 5 ("a bug in kgload"); a
damaged SST block could pass `stats` and fail only when `export` read it.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ARTICLE_ID, CliRun
from kgload.iris import Iris
from kgload.store import Store

IRIS = Iris()
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "loader")}
COMMANDS = [["articles"], ["stats"], ["export", "--format", "nquads"], ["check-store"]]


def _assert_damaged(result: object, store: Path) -> None:
    assert result.exit_code == 4, result.output  # type: ignore[attr-defined]
    _assert_damaged_text(result.output, store)  # type: ignore[attr-defined]


def _assert_damaged_text(message: str, store: Path) -> None:
    assert f"kgload: error: the store at {store} is damaged" in message
    assert "restore it from a backup (kgload restore)" in message
    assert "internal error" not in message


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)


@pytest.mark.parametrize("damage", ["CURRENT", "MANIFEST", "SST"])
def test_a_truncated_database_file_exits_4_naming_the_store(store_copy: Path, cli: CliRun,
                                                           damage: str) -> None:
    if damage == "CURRENT":
        _truncate(store_copy / "CURRENT", 3)
    elif damage == "MANIFEST":
        for manifest in store_copy.glob("MANIFEST-*"):
            _truncate(manifest, 100)
    else:
        for sst in store_copy.glob("*.sst"):
            _truncate(sst, sst.stat().st_size // 2)
    for command in COMMANDS:
        _assert_damaged(cli(*command, store=store_copy), store_copy)


def test_a_sound_store_passes_check_store(example_store: Path, cli: CliRun) -> None:
    result = cli("check-store", store=example_store)
    assert result.exit_code == 0, result.output
    assert "1 articles: no damage found" in result.output


def _flip_byte(path: Path, where: float) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0xFF
    path.write_bytes(data)


CHILD_MEMORY = 2 << 30  # bytes of address space: a reader that loops on damage fails fast


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def _kgload(store: Path, *args: object) -> subprocess.CompletedProcess[str]:
    """A fresh process: an in-process run would read blocks cached from another copy of
    the store (the copies' files have the same ids, so RocksDB's cache keys collide).
    Its memory is bounded, so that a read looping on damage fails (a signal, not 0 or 4)
    instead of taking the machine's memory until the system kills something."""
    return subprocess.run([sys.executable, "-c", "from kgload.cli import main; main()",
                           "--store", str(store), *map(str, args)],
                          capture_output=True, text=True, env=ENV, timeout=300,
                          preexec_fn=_bounded)


@pytest.mark.parametrize("where", [0.05, 0.35, 0.5])
def test_check_store_finds_every_damaged_block_that_export_finds(
        example_store: Path, tmp_path: Path, where: float) -> None:
    """One byte flipped in each SST file in turn: whatever `export` trips on,
    `check-store` reports too (it reads every quad, through two indexes), and neither
    runs on: pyoxigraph's COUNT(*) looped on some damaged blocks, taking memory until the
    system killed the process, when opening the store counted its articles that way."""
    caught = 0
    for sst in sorted(example_store.glob("*.sst")):
        copy = tmp_path / f"copy-{sst.stem}"
        shutil.copytree(example_store, copy)
        _flip_byte(copy / sst.name, where)
        checked = _kgload(copy, "check-store")
        assert checked.returncode in (0, 4), checked.stderr
        if checked.returncode == 4:
            _assert_damaged_text(checked.stderr, copy)
            caught += 1
        exported = _kgload(copy, "export", "--format", "nquads", "-o", tmp_path / "x.nq")
        assert exported.returncode in (0, 4), exported.stderr
        if exported.returncode == 4:
            _assert_damaged_text(exported.stderr, copy)
            assert checked.returncode == 4, f"{sst.name}: export failed, check-store did not"
        shutil.rmtree(copy)
    assert caught  # some of the flipped bytes were in blocks that are read


def test_check_store_reports_a_missing_article_graph(store_copy: Path, cli: CliRun) -> None:
    with Store(store_copy, write=True) as store:
        store.ox.remove_graph(ox.NamedNode(str(IRIS.inferred_graph(ARTICLE_ID))))
    assert cli("stats", store=store_copy).exit_code == 0  # stats does not notice
    result = cli("check-store", store=store_copy)
    _assert_damaged(result, store_copy)
    assert (f"damage: article <{IRIS.article(ARTICLE_ID)}>: its inferred graph "
            f"<{IRIS.inferred_graph(ARTICLE_ID)}> is missing") in result.output


def test_check_store_reports_a_graph_left_without_its_article(store_copy: Path,
                                                              cli: CliRun) -> None:
    stray = ox.NamedNode(str(IRIS.asserted_graph("gone-article")))
    with Store(store_copy, write=True) as store:
        store.ox.add(ox.Quad(stray, stray, stray, stray))
    result = cli("check-store", store=store_copy)
    _assert_damaged(result, store_copy)
    assert "1 article graph(s) belong to no listed article" in result.output
