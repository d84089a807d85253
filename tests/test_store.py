"""The store: atomic graph replacement, reloading, provenance, locking, articles()."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

import kgload
import kgload.cli
import kgload.store
from conftest import ARTICLE_ID, EXAMPLE, KG, CliRun, nquads
from kgload.errors import StoreBusy, StoreError
from kgload.iris import Iris
from kgload.ontology import ontology_version, shapes_version
from kgload.pipeline import load
from kgload.store import Store, replace_graphs_update

IRIS = Iris()
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def literal_count(store_path: Path, text: str) -> int:
    """How many statements, in any graph, have ``text`` as object (any language or type)."""
    with Store(store_path, write=False) as store:
        return sum(1 for quad in store.ox.quads_for_pattern(None, None, None, None)
                   if isinstance(quad.object, ox.Literal) and quad.object.value == text)


def provenance(store_path: Path) -> dict[str, ox.Literal | ox.NamedNode]:
    with Store(store_path, write=False) as store:
        graph = ox.NamedNode(str(IRIS.provenance_graph(ARTICLE_ID)))
        article = ox.NamedNode(str(IRIS.article(ARTICLE_ID)))
        found: dict[str, ox.Literal | ox.NamedNode] = {}
        for quad in store.ox.quads_for_pattern(article, None, None, graph):
            assert quad.predicate.value not in found, quad  # each stated once
            found[quad.predicate.value] = quad.object
        return found


# --------------------------------------------------------------------------- atomicity


def test_replace_graphs_with_a_broken_last_statement_changes_nothing(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = nquads(store_copy)
    asserted = IRIS.asserted_graph(ARTICLE_ID)
    replacement = Graph()
    replacement.add((URIRef("urn:x:s"), URIRef("urn:x:p"), Literal("new")))
    real_insert = kgload.store.insert_data

    def broken_insert(graphs: dict[URIRef, Graph]) -> str:
        return real_insert(graphs) + " ;\nINSERT DATA { <urn:x:a> <urn:x:b> "  # unfinished

    monkeypatch.setattr(kgload.store, "insert_data", broken_insert)
    with Store(store_copy, write=True) as store:
        update = replace_graphs_update({asserted: replacement},
                                       drop=IRIS.article_graphs(ARTICLE_ID))
        assert update.startswith("DROP SILENT GRAPH")  # the drops come first...
        with pytest.raises(SyntaxError):
            store.replace_graphs({asserted: replacement}, drop=IRIS.article_graphs(ARTICLE_ID))
    assert nquads(store_copy) == before  # ...and none of them happened


def test_an_update_failing_at_its_last_statement_changes_nothing(store_copy: Path) -> None:
    before = nquads(store_copy)
    drops = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in IRIS.article_graphs(ARTICLE_ID))
    # valid SPARQL that fails when run: the graph to drop (not SILENT) does not exist
    with Store(store_copy, write=True) as store, pytest.raises((RuntimeError, StoreError)):
        store.update(drops + " ;\nDROP GRAPH <urn:x:no-such-graph>")
    assert nquads(store_copy) == before


def test_replace_graphs_replaces(store_copy: Path) -> None:
    asserted = IRIS.asserted_graph(ARTICLE_ID)
    replacement = Graph()
    replacement.add((URIRef("urn:x:s"), URIRef("urn:x:p"), Literal("new \"quoted\" }")))
    with Store(store_copy, write=True) as store:
        store.replace_graphs({asserted: replacement})
        assert store.count(asserted) == 1
        assert store.count(IRIS.inferred_graph(ARTICLE_ID)) > 0  # other graphs kept
        assert store.value(asserted, URIRef("urn:x:s"), URIRef("urn:x:p")) == 'new "quoted" }'


# --------------------------------------------------------------------------- reloading


def test_reloading_an_article_replaces_its_graphs(store_copy: Path, tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    old = "Trump told Petro to “watch out for his SS”"
    new = "Trump told Petro"
    assert text.count(f'"{old}"') == 1  # the evidence of trump-warns-petro, and only that
    changed = tmp_path / "colombia-eln.yaml"
    changed.write_text(text.replace(f'"{old}"', f'"{new}"'), encoding="utf-8")

    with Store(store_copy, write=False) as store:
        [before] = store.articles()
        graphs_before = store.graph_names()
        quads_before = store.count()
    assert literal_count(store_copy, old) >= 1
    assert literal_count(store_copy, new) == 0

    with Store(store_copy, write=True) as store:
        report = load(store, [changed])
    assert [(o.status, o.article_id) for o in report.outcomes] == [("reloaded", ARTICLE_ID)]

    assert literal_count(store_copy, old) == 0  # gone from every graph
    assert literal_count(store_copy, new) >= 1
    with Store(store_copy, write=False) as store:
        [after] = store.articles()
        assert store.graph_names() == graphs_before  # the same graphs, not new ones
        assert store.count() == quads_before  # one literal replaced by another
    assert after.article_id == ARTICLE_ID
    assert after.triples == before.triples
    assert after.sha256 == hashlib.sha256(changed.read_bytes()).hexdigest() != before.sha256


# --------------------------------------------------------------------------- provenance


def test_provenance(example_store: Path) -> None:
    found = provenance(example_store)
    assert found[KG + "sourceSha256"].value == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert found[KG + "sourceFile"].value == EXAMPLE.name
    assert found[KG + "kgloadVersion"].value == kgload.__version__ == "0.1.0"
    assert found[KG + "ontologyVersion"].value == ontology_version()
    assert found[KG + "shapesVersion"].value == shapes_version()
    assert ontology_version() and shapes_version()
    loaded_at = found[KG + "loadedAt"]
    assert isinstance(loaded_at, ox.Literal)
    assert loaded_at.datatype.value == XSD_DATETIME
    assert datetime.fromisoformat(loaded_at.value).tzinfo is not None
    assert found[KG + "assertedGraph"] == ox.NamedNode(str(IRIS.asserted_graph(ARTICLE_ID)))
    assert found[KG + "inferredGraph"] == ox.NamedNode(str(IRIS.inferred_graph(ARTICLE_ID)))


def test_articles(example_store: Path) -> None:
    with Store(example_store, write=False) as store:
        [info] = store.articles()
        asserted = store.count(IRIS.asserted_graph(ARTICLE_ID))
    assert info.article_id == ARTICLE_ID
    assert info.iri == str(IRIS.article(ARTICLE_ID))
    assert info.source_file == EXAMPLE.name
    assert info.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert info.triples == asserted > 500
    assert datetime.fromisoformat(info.loaded_at)


# --------------------------------------------------------------------------- locking


def test_two_readers_at_once(example_store: Path) -> None:
    with Store(example_store, write=False) as first, Store(example_store, write=False) as second:
        assert [a.article_id for a in first.articles()] == [ARTICLE_ID]
        assert [a.article_id for a in second.articles()] == [ARTICLE_ID]
        assert first.count() == second.count() > 0


def test_a_reader_excludes_a_writer(store_copy: Path) -> None:
    with Store(store_copy, write=False) as reader:
        with pytest.raises(StoreBusy, match="store is in use") as caught:
            Store(store_copy, write=True).open()
        assert caught.value.exit_code == 3
        assert reader.articles()  # the reader is unaffected
    with Store(store_copy, write=True) as writer:  # released: the writer gets in
        assert writer.articles()


def test_a_writer_excludes_readers_and_writers(store_copy: Path) -> None:
    with Store(store_copy, write=True):
        with pytest.raises(StoreBusy, match="store is in use"):
            Store(store_copy, write=False).open()
        with pytest.raises(StoreBusy, match="store is in use"):
            Store(store_copy, write=True).open()
    with Store(store_copy, write=False) as reader:
        assert reader.articles()


def test_reading_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="there is no store at") as caught:
        Store(tmp_path / "nowhere", write=False).open()
    assert caught.value.exit_code == 4
    assert not (tmp_path / "nowhere").exists()


def test_writing_into_a_folder_that_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError, match="is not a kgload store"):
        Store(tmp_path, write=True).open()
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with Store(empty, write=True) as store:  # an empty folder is fine
        assert store.articles() == []


def _all_quads(path: Path) -> set[str]:
    with Store(path, write=False) as store:
        return {str(q) for q in store.quads()}


def _sst_files(path: Path) -> int:
    return sum(1 for p in path.iterdir() if p.suffix == ".sst")


def test_compact_merges_files_and_changes_no_data(store_copy: Path, cli: CliRun) -> None:
    for _ in range(2):  # more write batches, more files
        assert cli("load", EXAMPLE, "--force", "--compact", "no", store=store_copy).exit_code == 0
    before, files = _all_quads(store_copy), _sst_files(store_copy)
    result = cli("compact", store=store_copy)
    assert result.exit_code == 0, result.output
    assert "compacted in" in result.output
    assert _sst_files(store_copy) < files
    assert _all_quads(store_copy) == before
    threats = cli("query", "who-threatened-whom", "--format", "csv", store=store_copy)
    assert threats.exit_code == 0 and "Donald Trump" in threats.output


def test_load_compacts_after_large_writes_only(tmp_path: Path, cli: CliRun) -> None:
    small = cli("load", EXAMPLE, store=tmp_path / "auto")  # far fewer triples than the bar
    assert small.exit_code == 0, small.output
    assert "compacting" not in small.output
    forced = cli("load", EXAMPLE, "--compact", "yes", store=tmp_path / "yes")
    assert forced.exit_code == 0, forced.output
    assert "compacting the store" in forced.output
    def comparable(quads: set[str]) -> set[str]:  # two loads differ in load times, bnodes
        return {q for q in quads if "_:" not in q and "loadedAt" not in q}

    yes, auto = _all_quads(tmp_path / "yes"), _all_quads(tmp_path / "auto")
    assert len(yes) == len(auto) and comparable(yes) == comparable(auto)
    never = cli("load", EXAMPLE, "--force", "--compact", "no", store=tmp_path / "yes")
    assert never.exit_code == 0 and "compacting" not in never.output


def test_load_compacts_by_itself_past_the_bar(tmp_path: Path, cli: CliRun,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kgload.cli, "COMPACT_AFTER", 100)  # the example writes more
    result = cli("load", EXAMPLE, store=tmp_path / "store")
    assert result.exit_code == 0, result.output
    assert "compacting the store (" in result.output and "triples written" in result.output


def test_a_deleted_lock_file_is_created_again_and_said(store_copy: Path, cli: CliRun) -> None:
    """A store whose kgload.lock was deleted used to be "not a kgload store" for good."""
    (store_copy / kgload.store.LOCK_NAME).unlink()
    result = cli("articles", store=store_copy)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"the store's lock file {store_copy / 'kgload.lock'} was missing: created it again"]
    assert ARTICLE_ID in result.stdout
    assert (store_copy / kgload.store.LOCK_NAME).is_file()
    assert cli("articles", store=store_copy).stderr == ""  # said once
    (store_copy / kgload.store.LOCK_NAME).unlink()
    assert cli("load", EXAMPLE, store=store_copy).exit_code == 0  # a writer too
    assert (store_copy / kgload.store.LOCK_NAME).is_file()


@pytest.mark.parametrize("write", [False, True])
def test_a_folder_of_other_files_is_still_not_a_store(tmp_path: Path, write: bool) -> None:
    (tmp_path / "CURRENT").write_text("not a database\n", encoding="utf-8")  # no MANIFEST
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError, match="is not a kgload store"):
        Store(tmp_path, write=write).open()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "notes.txt"]
