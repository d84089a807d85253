"""A store on a read-only or full disk: exit 4, a message naming the store, no traceback,
and nothing half-written (an article's graphs are all in the store or none of them).

CI runs as root, and ``chmod`` does not stop root from writing: these tests mount a small
tmpfs (``mount -t tmpfs -o size=...``, then ``mount -o remount,ro`` or a filler file)
and skip, with the reason, where that is not possible. The file-size limit cases
(``RLIMIT_FSIZE`` with SIGXFSZ ignored, in a subprocess) need no root.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import ARTICLE_ID, EXAMPLE, invoke, nquads
from kgload.iris import Iris
from kgload.store import Store

IRIS = Iris()
SECOND_ID = "disk-test-second"
SECOND = f"""format_version: 1
article: {{id: {SECOND_ID}, title: "A second article", published: "2026-01-09"}}
entities:
  - {{id: disk-test-person, type: Person, name: "Alice Smith"}}
actions:
  - id: alice-threatens-colombia
    type: Threaten
    agents: [disk-test-person]
    targets: [colombia]
    status: occurred
    time: "Wednesday"
    evidence: "Alice Smith threatened Colombia"
"""


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where``; unmounted whatever happens."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs (chmod does not stop root, so a read-only "
                    "or full disk is simulated with a small tmpfs)")
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this machine")
    where.mkdir(parents=True, exist_ok=True)
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if _run("umount", str(where)).returncode != 0:
            _run("umount", "-l", str(where))


def remount(where: Path, options: str) -> None:
    done = _run("mount", "-o", f"remount,{options}", str(where))
    assert done.returncode == 0, done.stderr


def article_graphs(store_path: Path, article_id: str) -> dict[str, int]:
    """Quads per graph of one article (each of `Iris.article_graphs`), as found."""
    with Store(store_path, write=False) as store:
        names = set(store.graph_names())
        return {str(g): store.count(g) for g in IRIS.article_graphs(article_id)
                if str(g) in names}


def assert_whole_or_absent(store_path: Path, article_id: str,
                           whole: dict[str, int] | None = None) -> bool:
    """The article is in the store with all its graphs (as in ``whole``), or not at all."""
    found = article_graphs(store_path, article_id)
    if not found:
        return False
    assert len(found) == len(IRIS.article_graphs(article_id)), \
        f"partial article {article_id}: {found}"
    if whole is not None:
        assert found == whole
    return True


def assert_clear_io_error(result: object, store_path: Path) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 4, output  # type: ignore[attr-defined]
    assert str(store_path) in output, output
    assert "kgload: error:" in output and "internal error" not in output, output
    assert "Traceback" not in output


@pytest.fixture(scope="module")
def example_graphs(example_store: Path) -> dict[str, int]:
    return article_graphs(example_store, ARTICLE_ID)


# ------------------------------------------------------------------ read-only


def test_load_into_a_store_on_a_read_only_disk_exits_4(example_store: Path, tmp_path: Path
                                                        ) -> None:
    second = tmp_path / "second.yaml"
    second.write_text(SECOND, encoding="utf-8")
    before = nquads(example_store)
    with tmpfs(tmp_path / "mnt", "32m") as mnt:
        store = mnt / "store"
        shutil.copytree(example_store, store)
        remount(mnt, "ro")
        for args in (["load", second], ["load", "--force", EXAMPLE],
                     ["remove", ARTICLE_ID]):
            result = invoke(*args, store=store)
            assert_clear_io_error(result, store)
            assert "read-only" in result.output.lower()
        fresh = invoke("load", second, store=mnt / "new-store")
        assert_clear_io_error(fresh, mnt / "new-store")
        remount(mnt, "rw")
        assert nquads(store) == before
        assert not (mnt / "new-store").exists()


def test_a_store_on_a_read_only_disk_can_be_queried(example_store: Path, tmp_path: Path
                                                    ) -> None:
    with tmpfs(tmp_path / "mnt", "32m") as mnt:
        store = mnt / "store"
        shutil.copytree(example_store, store)
        remount(mnt, "ro")
        result = invoke("articles", store=store)
        assert result.exit_code == 0, result.output
        assert ARTICLE_ID in result.output


# ------------------------------------------------------------------ full disk


def test_a_disk_too_small_for_a_new_store_exits_4_and_leaves_no_article(
        tmp_path: Path, example_graphs: dict[str, int]) -> None:
    with tmpfs(tmp_path / "mnt", "1m") as mnt:
        store = mnt / "store"
        result = invoke("load", EXAMPLE, store=store)
        assert_clear_io_error(result, store)
        assert "no space left" in result.output.lower()
        remount(mnt, "size=64m")  # more room: the store opens, and holds no partial article
        assert not assert_whole_or_absent(store, ARTICLE_ID)
        again = invoke("load", EXAMPLE, store=store)  # and it is still a usable store
        assert again.exit_code == 0, again.output
        assert assert_whole_or_absent(store, ARTICLE_ID, example_graphs)


def _settle(store_path: Path) -> None:
    """Open and close a copied store once, so that RocksDB's recovery (the copied write-ahead
    log flushed to a table, then deleted) is over before the test fills the disk: a log
    deleted after the fill would free megabytes, and the commit meant to fail would fit."""
    with Store(store_path, write=True):
        pass


def _fill(mount: Path) -> None:
    """Fill the disk to the last byte (twice, a moment apart: space that a background job of
    the store frees just after the first pass is taken too)."""
    for attempt in range(2):
        if attempt:
            time.sleep(0.2)
        _fill_once(mount)


def _fill_once(mount: Path) -> None:
    fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)


@pytest.mark.parametrize("case", ["new article", "reload"])
def test_the_disk_fills_up_between_reasoning_and_commit(
        case: str, example_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        example_graphs: dict[str, int]) -> None:
    """The disk fills while an article is prepared: its commit fails, nothing is half-written
    and the articles already in the store are as they were."""
    import kgload.workers as workers  # where each article is prepared (in process: --jobs 1)

    second = tmp_path / "second.yaml"
    second.write_text(SECOND, encoding="utf-8")
    with tmpfs(tmp_path / "mnt", "32m") as mnt:
        store = mnt / "store"
        shutil.copytree(example_store, store)
        _settle(store)
        before = nquads(store)
        prepare = workers.prepare

        def prepare_then_fill(*args: object, **kwargs: object) -> object:
            prepared = prepare(*args, **kwargs)
            _fill(mnt)
            return prepared

        monkeypatch.setattr(workers, "prepare", prepare_then_fill)
        args = ["load", second] if case == "new article" else ["load", "--force", EXAMPLE]
        result = invoke(*args, store=store)
        monkeypatch.undo()
        assert_clear_io_error(result, store)
        assert "no space left" in result.output.lower()
        (mnt / "filler").unlink()
        assert not assert_whole_or_absent(store, SECOND_ID)
        assert assert_whole_or_absent(store, ARTICLE_ID, example_graphs)
        assert nquads(store) == before


# ------------------------------------------------------------------ file size limit


def _limited(limit: int) -> None:  # runs in the child before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _kgload_limited(store: Path, limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGLOAD_")}
    return subprocess.run(
        [sys.executable, "-c", "from kgload.cli import main; main()", "--store", str(store),
         *args], capture_output=True, text=True, env=env, check=False, timeout=120,
        preexec_fn=lambda: _limited(limit))  # noqa: PLW1509 - no threads in the child yet


@pytest.mark.parametrize("limit", [100_000, 500_000])
def test_a_file_size_limit_during_a_reload_keeps_the_old_article(
        limit: int, example_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(example_store, store)
    before = nquads(store)
    done = _kgload_limited(store, limit, "load", "--force", str(EXAMPLE))
    assert done.returncode == 4, done.stderr
    assert f"store at {store}" in done.stderr and "File too large" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert nquads(store) == before


def test_a_file_size_limit_on_a_new_store_leaves_no_article(tmp_path: Path,
                                                             example_graphs: dict[str, int]
                                                             ) -> None:
    store = tmp_path / "store"
    done = _kgload_limited(store, 1_000_000, "load", str(EXAMPLE))
    assert done.returncode == 4, done.stderr
    assert str(store) in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not assert_whole_or_absent(store, ARTICLE_ID)
    again = invoke("load", EXAMPLE, store=store)
    assert again.exit_code == 0, again.output
    assert assert_whole_or_absent(store, ARTICLE_ID, example_graphs)


# ------------------------------------------------------------------ export and import


def test_an_export_to_a_full_disk_exits_4_and_leaves_no_file(example_store: Path,
                                                             tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "64k") as mnt:
        out = mnt / "graph.nq"
        result = invoke("export", "--format", "nquads", "-o", out, store=example_store)
        assert result.exit_code == 4, result.output
        assert str(out) in result.output and "Traceback" not in result.output
        assert "internal error" not in result.output
        assert list(mnt.iterdir()) == []  # neither the file nor its .part


def test_an_import_on_a_full_disk_exits_4_and_changes_nothing(
        example_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kgload.export as export_module

    dump = tmp_path / "dump.nq"
    assert invoke("export", "--format", "nquads", "-o", dump, store=example_store
                  ).exit_code == 0
    # the dump's article under another name: an import would add three graphs
    dump.write_text(dump.read_text(encoding="utf-8").replace(ARTICLE_ID, "imported-copy"),
                    encoding="utf-8")
    before = nquads(example_store)
    with tmpfs(tmp_path / "mnt", "32m") as mnt:
        store = mnt / "store"
        shutil.copytree(example_store, store)
        parse = export_module.ox.parse

        def parse_then_fill(*args: object, **kwargs: object) -> list[object]:
            quads = list(parse(*args, **kwargs))
            _fill(mnt)
            return quads

        monkeypatch.setattr(export_module.ox, "parse", parse_then_fill)
        result = invoke("import", dump, store=store)
        monkeypatch.undo()
        assert_clear_io_error(result, store)
        (mnt / "filler").unlink()
        assert not article_graphs(store, "imported-copy")
        assert nquads(store) == before
