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

from conftest import BASE
from kgload import commit, pipeline
from kgload.entities import EntityIndex
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


def test_an_in_place_reindex_keeps_no_entity_claims_from_one_article_to_the_next(
        store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index used to keep the claims of every entity a run touched (up to the whole
    claims graph): after each committed article it now holds none."""
    indexes: list[EntityIndex] = []

    class Recorded(EntityIndex):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            indexes.append(self)

    monkeypatch.setattr(pipeline, "EntityIndex", Recorded)
    held: list[int] = []
    known: list[int] = []

    def on_outcome(outcome: Any) -> None:
        index = indexes[-1]
        held.append(sum(map(len, index.claims.values()))
                    + sum(map(len, index.described.values())))
        known.append(len(index.stored))

    with Store(store_path, write=True) as store:
        report = reindex(store, IRIS, everything=True, on_outcome=on_outcome)
    assert report.rebuilt == ARTICLES
    assert held == [0] * ARTICLES
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


def test_the_flush_threshold_is_a_few_megabytes() -> None:
    # at about 8 bytes of memtable per character of update (measured), 4 MB of updates
    # hold about 32 MB of memtables
    assert 1_000_000 <= commit.RELOAD_FLUSH_CHARS <= 16_000_000
