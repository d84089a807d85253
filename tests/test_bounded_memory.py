"""Bounded memory: an in-place reindex and the rebuild of the shared entity graphs.

Measured on generated corpora (``benchmarks/generate.py``), before these mechanisms:
an in-place reindex grew by about 4 MB per article rebuilt (300 articles: 1.2 GB), the
store's RocksDB memtables holding every reload's writes and the entity index the claims
of every entity touched; ``kgload import`` rebuilt the shared graphs in one update of the
whole store (570 MB for a 300-article dump, 1.1 GB for 1,000). These tests hold the
mechanisms, not timings: the index forgets what it read once an article is committed,
reloads flush the store, and the rebuild writes chunks of entities and gives exactly
what the one-update rebuild gives, even when cut short and run again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from conftest import BASE, KG
from kgload import commit, entities, pipeline
from kgload.background import background
from kgload.entities import EntityIndex, rebuild_store
from kgload.errors import StoreError
from kgload.iris import Iris
from kgload.pipeline import load
from kgload.reindex import reindex
from kgload.store import Store

ROOT = Path(__file__).resolve().parents[1]
IRIS = Iris(BASE)
ARTICLES = 10
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of ARTICLES generated articles (entities named by several articles)."""
    folder = tmp_path_factory.mktemp("bounded")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"),
                    str(folder / "corpus"), "--articles", str(ARTICLES), "--format", "jsonl"],
                   check=True, capture_output=True)
    path = folder / "store"
    with Store(path, write=True) as store:
        report = load(store, [folder / "corpus" / "articles.jsonl"], IRIS)
        assert report.count("loaded") == ARTICLES
    return path


@pytest.fixture
def store_path(loaded: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(loaded, tmp_path / "store"))


def _quads(path: Path) -> set[str]:
    with Store(path, write=False) as store:
        return {str(q) for q in store.ox.quads_for_pattern(None, None, None, None)}


def _shared(store: Store) -> set[str]:
    return {str(q) for g in IRIS.shared_graphs
            for q in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(g)))}


# ------------------------------------------------------------------ in-place reindex


def test_an_in_place_reindex_keeps_at_most_the_bounded_entity_claims(
        store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index used to keep the claims of every entity a run touched (up to the whole
    claims graph). It keeps those it read between batches (reading them again for every
    batch was most of a large load's time), but never more than CACHED_CLAIMS after a
    commit: past it, it drops them all."""
    indexes: list[EntityIndex] = []

    class Recorded(EntityIndex):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            indexes.append(self)

    bound = 1000
    monkeypatch.setattr(pipeline, "EntityIndex", Recorded)
    monkeypatch.setattr(entities, "CACHED_CLAIMS", bound)
    held: list[int] = []
    known: list[int] = []

    def on_outcome(outcome: Any) -> None:
        index = indexes[-1]
        claims = sum(map(len, index.claims.values()))
        described = sum(map(len, index.described.values()))
        assert described <= claims  # the described claims are some of the claims
        held.append(claims)
        known.append(len(index.stored))

    with Store(store_path, write=True) as store:
        report = reindex(store, IRIS, everything=True, on_outcome=on_outcome)
    assert report.rebuilt == ARTICLES
    assert max(held) <= bound, held
    assert any(held), "claims are kept between batches while under the bound"
    assert 0 in held, "and dropped when past it"
    assert known[-1] > 20  # the articles do speak of entities


def test_reloads_flush_the_store_once_enough_has_been_written(
        store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reload is a transaction, whose writes RocksDB keeps in memtables (128 MiB per
    column family) until a flush: the writer flushes after RELOAD_FLUSH_CHARS."""
    flushed: list[int] = []
    real = commit.Writer.flush_store

    def flush_store(self: commit.Writer) -> None:
        flushed.append(self.unflushed)
        real(self)

    monkeypatch.setattr(commit.Writer, "flush_store", flush_store)
    monkeypatch.setattr(commit, "RELOAD_FLUSH_CHARS", 1)  # after every reload
    with Store(store_path, write=True) as store:
        assert reindex(store, IRIS, everything=True).rebuilt == ARTICLES
    assert len(flushed) == ARTICLES and min(flushed) > 1000  # what each reload wrote


def _damage(path: Path) -> None:
    """The shared graphs out of step with the articles, as a crash or a merge leaves them:
    descriptions lost, wrong first orders, a torn statement, leftovers, articles' load
    orders swapped and one article's graphs gone."""
    entities_g, inferred_g, claims_g = (ox.NamedNode(str(g)) for g in IRIS.shared_graphs)
    subject, obj = ox.NamedNode(RDF + "subject"), ox.NamedNode(RDF + "object")
    first = ox.NamedNode(KG + "firstAssertedOrder")
    with Store(path, write=True) as store:
        db = store.ox
        described = sorted({q.subject for q in
                            db.quads_for_pattern(None, None, None, entities_g)}, key=str)
        for entity in described[::5]:
            for quad in list(db.quads_for_pattern(entity, None, None, entities_g)):
                db.remove(quad)
        inferred = sorted({q.subject for q in
                           db.quads_for_pattern(None, None, None, inferred_g)}, key=str)
        for entity in inferred[1::4]:
            for quad in list(db.quads_for_pattern(entity, None, None, inferred_g)):
                db.remove(quad)
        statements = sorted({q.subject for q in
                             db.quads_for_pattern(None, subject, None, claims_g)}, key=str)
        for st in statements[::9]:
            db.add(ox.Quad(st, first, ox.Literal("9999", datatype=INTEGER), claims_g))
        for st in statements[4::50]:
            for quad in list(db.quads_for_pattern(st, obj, None, claims_g)):
                db.remove(quad)
        db.add(ox.Quad(ox.NamedNode(BASE + "statement/torn"), first, ox.Literal("3"),
                       claims_g))
        db.add(ox.Quad(ox.NamedNode(BASE + "entity/nobody"), ox.NamedNode(KG + "name"),
                       ox.Literal("Nobody"), entities_g))
        db.add(ox.Quad(ox.NamedNode(BASE + "entity/nobody"), ox.NamedNode(KG + "alias"),
                       ox.BlankNode("b1"), inferred_g))
        rows = list(store.query(f"""PREFIX kg: <{KG}> SELECT ?p ?a ?n WHERE {{ GRAPH ?p {{
            ?a kg:loadOrder ?n }} }} ORDER BY ?n LIMIT 2""", union=False))
        (p1, a1, n1), (p2, a2, n2) = [(r["p"], r["a"], r["n"]) for r in rows]
        store.update(f"""PREFIX kg: <{KG}>
            DELETE DATA {{ GRAPH {p1} {{ {a1} kg:loadOrder {n1} }}
                           GRAPH {p2} {{ {a2} kg:loadOrder {n2} }} }} ;
            INSERT DATA {{ GRAPH {p1} {{ {a1} kg:loadOrder {n2} }}
                           GRAPH {p2} {{ {a2} kg:loadOrder {n1} }} }}""")
        store.drop_graphs(IRIS.article_graphs(sorted(store.article_ids())[3]))


@pytest.fixture
def damaged(store_path: Path, tmp_path: Path) -> tuple[Path, set[str], int]:
    """A damaged store, and what the one-update rebuild makes of it (and its size)."""
    _damage(store_path)
    reference = Path(shutil.copytree(store_path, tmp_path / "reference"))
    with Store(reference, write=True) as store:
        before = _shared(store)
        update = EntityIndex(store, IRIS, background(IRIS)).rebuild()
        store.update(update)
        assert _shared(store) != before  # the damage was repaired
    return store_path, _quads(reference), len(update)


def test_the_rebuild_in_chunks_gives_what_the_one_update_rebuild_gives(
        damaged: tuple[Path, set[str], int], monkeypatch: pytest.MonkeyPatch) -> None:
    path, expected, whole = damaged
    updates: list[int] = []
    real = Store.update

    def update(self: Store, sparql: str) -> None:
        updates.append(len(sparql))
        real(self, sparql)

    monkeypatch.setattr(Store, "update", update)
    with Store(path, write=True) as store:
        claims_g = ox.NamedNode(str(IRIS.claims_graph))
        per_entity: dict[Any, int] = {}
        for quad in store.ox.quads_for_pattern(None, ox.NamedNode(RDF + "subject"), None,
                                               claims_g):
            per_entity[quad.object] = per_entity.get(quad.object, 0) + 1
        sizes = rebuild_store(store, BASE, chunk_statements=40)
    monkeypatch.undo()
    assert _quads(path) == expected
    # whole entities per chunk: 40 statements, or one entity's when it has more
    assert len(sizes) > 5
    assert max(sizes) <= 40 + max(per_entity.values())
    assert sum(sizes) <= sum(per_entity.values())
    # no update holds the store's shared graphs: each is a chunk's deletions
    assert updates and max(updates) < whole / 4


def test_a_rebuild_of_a_sound_store_changes_nothing(store_path: Path) -> None:
    before = _quads(store_path)
    with Store(store_path, write=True) as store:
        assert len(rebuild_store(store, BASE, chunk_statements=25)) > 5
    assert _quads(store_path) == before


def test_a_rebuild_cut_short_gives_the_same_result_when_run_again(
        damaged: tuple[Path, set[str], int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Not one transaction: a chunk adds what is missing before it deletes what is stale,
    so a rebuild cut anywhere (the import's or load's journal is still there) leaves the
    statements readable, and the next open's rebuild finishes it."""
    path, expected, _ = damaged
    calls = 0
    real = entities._delete

    def failing(store: Store, quads: list[Any]) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # the third chunk has added its quads, not deleted the stale ones
            raise OSError(28, "No space left on device")
        real(store, quads)

    monkeypatch.setattr(entities, "_delete", failing)
    with Store(path, write=True) as store, pytest.raises(StoreError):
        rebuild_store(store, BASE, chunk_statements=40)
    monkeypatch.undo()
    assert _quads(path) != expected
    with Store(path, write=True) as store:
        rebuild_store(store, BASE, chunk_statements=70)
    assert _quads(path) == expected
