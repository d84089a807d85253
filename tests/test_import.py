"""``kgload import`` streams its dump and keeps its promise: the store gets the whole dump
or, after any failure or crash, none of it (the journal of ``Store.begin_staged_write``)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from conftest import ARTICLE_ID, BASE, KG, invoke
from kgload.errors import StoreError
from kgload.export import STAGING_PREFIX, RdfFormat, import_dump
from kgload.iris import Iris
from kgload.store import JOURNAL_NAME, Store

IRIS = Iris(BASE)
ASSERTED = f"{BASE}graph/article/{ARTICLE_ID}"
NEW_GRAPH = "https://a.example/new-graph"
DEFAULT_TRIPLE = '<https://a.example/s> <https://a.example/p> "in the default graph" .'
ADDED = f'<https://a.example/s> <{KG}name> "added by the dump" <{ASSERTED}> .'


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no rollback."""


class _Spy:
    """The store's pyoxigraph handle, recording the writes (optionally failing one)."""

    def __init__(self, real: ox.Store, fail_at: int | None = None) -> None:
        self.real, self.fail_at = real, fail_at
        self.bulk: list[int] = []
        self.updates: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def bulk_extend(self, quads: Any) -> None:
        quads = list(quads)
        self.bulk.append(len(quads))
        if self.fail_at is not None and len(self.bulk) == self.fail_at:
            raise OSError(28, "No space left on device")
        self.real.bulk_extend(quads)

    def update(self, sparql: str) -> None:
        self.updates.append(sparql)
        self.real.update(sparql)


def _spy(monkeypatch: pytest.MonkeyPatch, fail_at: int | None = None) -> list[_Spy]:
    spies: list[_Spy] = []

    def ox_of(store: Store) -> _Spy:
        real = store._store
        if real is None:
            raise StoreError("the store is not open")
        if not spies or spies[-1].real is not real:
            spies.append(_Spy(real, fail_at))
        return spies[-1]

    monkeypatch.setattr(Store, "ox", property(ox_of))
    return spies


def _nquads(store_path: Path) -> bytes:
    result = invoke("export", "--format", "nquads", store=store_path)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


@pytest.fixture
def dump(example_store: Path, tmp_path: Path) -> Path:
    """The example's export, with a triple added to its asserted graph (a graph the store
    already has), a graph the store lacks and a default-graph triple."""
    path = tmp_path / "dump.nq"
    lines = _nquads(example_store).decode("utf-8").splitlines()
    lines += [ADDED, f'<https://a.example/s> <https://a.example/p> "new" <{NEW_GRAPH}> .',
              DEFAULT_TRIPLE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _holds(store: Store, line: str) -> bool:
    quad = next(iter(ox.parse(line, ox.RdfFormat.N_QUADS)))
    return quad in store.ox


def _clean(store_path: Path) -> None:
    """No journal left and no staging graph in the store."""
    assert not (store_path / JOURNAL_NAME).exists()
    with Store(store_path, write=False) as store:
        assert not [g for g in store.graph_names() if g.startswith(STAGING_PREFIX)]


def test_import_writes_in_batches_not_one_insert_of_the_whole_dump(
        dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spies = _spy(monkeypatch)
    fresh = tmp_path / "fresh"
    result = invoke("import", dump, store=fresh)
    assert result.exit_code == 0, result.stderr
    writes = [s for spy in spies for s in spy.updates]
    # the articles' quads went through the bulk writer, never an INSERT DATA string
    assert not [w for w in writes if "INSERT DATA" in w and f"GRAPH <{ASSERTED}>" in w]
    assert sum(n for spy in spies for n in spy.bulk) >= dump.read_text().count("\n")
    monkeypatch.undo()
    _clean(fresh)
    with Store(fresh, write=False) as store:
        assert _holds(store, ADDED) and _holds(store, DEFAULT_TRIPLE)


def test_import_keeps_each_batch_within_its_size(dump: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    spies = _spy(monkeypatch)
    with Store(tmp_path / "fresh", write=True) as store:
        counts = import_dump(store, str(dump), RdfFormat.NQUADS, merge=IRIS.shared_graphs,
                             base=BASE, batch=500)
    sizes = spies[0].bulk
    assert len(sizes) > 5 and max(sizes) <= 500
    assert counts[""] == 1 and counts[NEW_GRAPH] == 1


def test_import_replaces_the_graphs_the_store_has(store_copy: Path, dump: Path) -> None:
    with Store(store_copy, write=False) as store:
        before = store.count(IRIS.asserted_graph(ARTICLE_ID))
    result = invoke("import", dump, store=store_copy)
    assert result.exit_code == 0, result.stderr
    _clean(store_copy)
    with Store(store_copy, write=False) as store:
        assert store.count(IRIS.asserted_graph(ARTICLE_ID)) == before + 1  # replaced, not doubled
        assert _holds(store, ADDED) and _holds(store, DEFAULT_TRIPLE)
    assert invoke("import", dump, store=store_copy).exit_code == 0  # again: the same store
    with Store(store_copy, write=False) as store:
        assert store.count(IRIS.asserted_graph(ARTICLE_ID)) == before + 1


def test_a_failed_import_leaves_the_store_as_it_was(
        store_copy: Path, dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _nquads(store_copy)
    _spy(monkeypatch, fail_at=3)  # the disk fills up during the third batch
    with Store(store_copy, write=True) as store, pytest.raises(StoreError) as caught:
        import_dump(store, str(dump), RdfFormat.NQUADS, merge=IRIS.shared_graphs, base=BASE,
                    batch=500)
    assert "No space left on device" in caught.value.message
    monkeypatch.undo()
    # the error's traceback holds the spy, and through it the writer's database, which
    # stays open (its compactions deleting files) until that is collected: let it close
    # before a reader opens the store
    del caught
    gc.collect()
    _clean(store_copy)
    assert _nquads(store_copy) == before


def test_an_import_killed_before_its_commit_is_rolled_back_on_the_next_open(
        store_copy: Path, dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _nquads(store_copy)

    def killed(self: Store, moves: Any, base: Any) -> None:
        raise _Killed

    monkeypatch.setattr(Store, "commit_staged_write", killed)
    with Store(store_copy, write=True) as store, pytest.raises(_Killed):
        import_dump(store, str(dump), RdfFormat.NQUADS, merge=IRIS.shared_graphs, base=BASE,
                    batch=500)
    monkeypatch.undo()
    assert (store_copy / JOURNAL_NAME).exists()
    assert _nquads(store_copy) == before  # a reader's open rolls it back first
    _clean(store_copy)


def test_an_import_killed_during_its_commit_is_finished_on_the_next_open(
        store_copy: Path, dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _copy(store_copy, tmp_path / "whole")  # the same import, uninterrupted
    assert invoke("import", dump, store=whole).exit_code == 0
    real = Store._roll_forward
    moved: list[Any] = []

    def killed_after_one(self: Store, moves: Any) -> None:
        moves = list(moves)
        real(self, moves[:1])  # one graph moved, then the process dies
        moved.extend(moves[:1])
        raise _Killed

    monkeypatch.setattr(Store, "_roll_forward", killed_after_one)
    with Store(store_copy, write=True) as store, pytest.raises(_Killed):
        import_dump(store, str(dump), RdfFormat.NQUADS, merge=IRIS.shared_graphs, base=BASE)
    monkeypatch.undo()
    assert moved and (store_copy / JOURNAL_NAME).exists()
    with Store(store_copy, write=True):
        pass  # the next open finishes the moves and rebuilds the shared graphs
    _clean(store_copy)
    assert _dataset(store_copy) == _dataset(whole)
    with Store(store_copy, write=False) as store:
        assert _holds(store, ADDED) and _holds(store, DEFAULT_TRIPLE)


def _dataset(store_path: Path) -> tuple[set[str], int]:
    """The store's quads without blank nodes (an import names them afresh), and how many
    have blank nodes."""
    plain, blank = set(), 0
    for quad in ox.parse(_nquads(store_path), ox.RdfFormat.N_QUADS):
        if any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object)):
            blank += 1
        else:
            plain.add(str(quad))
    return plain, blank


def _copy(store_path: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(store_path, to)
    return to


def test_a_broken_dump_writes_nothing(store_copy: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_text(DEFAULT_TRIPLE + "\n" * 2000 + "<s> <p> .\n", encoding="utf-8")
    spies = _spy(monkeypatch)
    result = invoke("import", broken, store=store_copy)
    assert result.exit_code == 1
    assert "not valid nquads" in result.stderr and "line 2001" in result.stderr
    assert not [n for spy in spies for n in spy.bulk]
    assert not [u for spy in spies for u in spy.updates]
    monkeypatch.undo()
    assert not (store_copy / JOURNAL_NAME).exists()


def test_a_staged_graph_moves_into_place_whole_in_small_slices(
        store_copy: Path, dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The roll-forward copies a staged graph a slice at a time: every quad arrives,
    the last partial slice included."""
    with Store(store_copy, write=False) as store:
        before = store.count(IRIS.asserted_graph(ARTICLE_ID))
    # slices of 101 quads: the article's graphs take several, the last one partial (the
    # registry's graphs, thousands of quads, would make slices of 3 take minutes)
    monkeypatch.setattr("kgload.store._MOVE_SLICE", 101)
    assert invoke("import", dump, store=store_copy).exit_code == 0
    _clean(store_copy)
    with Store(store_copy, write=False) as store:
        assert store.count(IRIS.asserted_graph(ARTICLE_ID)) == before + 1
        assert _holds(store, ADDED) and _holds(store, DEFAULT_TRIPLE)


def test_batches_keep_every_item_in_order() -> None:
    from kgload.store import batches
    assert list(batches(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batches(range(6), 3)) == [[0, 1, 2], [3, 4, 5]]
    assert list(batches([], 3)) == []
