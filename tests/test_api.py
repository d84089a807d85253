"""The Python API (kgload.api, docs/api.md): the same stores, rows and exports as the
command, errors as KgloadError subclasses, and an ``import kgload`` that stays cheap.

Real stores in tmp_path, the bundled example; every comparison with the command runs
``kgload`` in-process on the same store.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

import kgload
from conftest import ARTICLE_ID, BASE, EXAMPLE, CliRun, facts_yaml
from kgload.facts import read_file

# every triple with every triple with every triple: rows without end on any store
ENDLESS_ROWS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ARTICLE_IRI = f"{BASE}article/{ARTICLE_ID}"


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kgload-query"]


def _join_workers() -> None:
    for worker in _workers():  # told to stop: each does at its next row
        worker.join(timeout=30)
    assert not _workers()


def _as_cli_json(value: Any) -> Any:
    """An API value as the command's JSON shows it (values JSON has no type for: text)."""
    if isinstance(value, date | Decimal):
        return str(value)
    return value


# ------------------------------------------------------------------ the package


def test_import_kgload_loads_no_rdf_library_and_no_kgload_module() -> None:
    code = ("import sys, kgload; print(sorted(m for m in sys.modules if m.startswith("
            "('rdflib', 'pyoxigraph', 'pyshacl', 'owlrl', 'click', 'kgload.'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True, cwd=Path(kgload.__file__).parents[1])
    assert done.stdout.strip() == "[]"


def test_the_package_names_are_the_api_and_each_one_resolves() -> None:
    lazy = kgload._API  # type: ignore[attr-defined]
    assert set(kgload.__all__) == {"__version__", *lazy}
    for name in lazy:
        assert getattr(kgload, name) is not None
        assert name in dir(kgload)
    assert kgload.open_store is kgload.api.open_store
    assert kgload.UsageError is kgload.errors.UsageError
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        kgload.nothing_here  # noqa: B018


def test_the_reference_names_every_public_name_and_method() -> None:
    reference = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(
        encoding="utf-8")
    methods = [f"kg.{name}(" for name in vars(kgload.KnowledgeGraph)
               if not name.startswith("_")]
    names = [f"`{name}`" for name in kgload.__all__ if name != "__version__"]
    missing = [name for name in [*names, *methods] if name not in reference]
    assert missing == []


# ------------------------------------------------------------------ queries


def _cases() -> list[tuple[str, dict[str, str]]]:
    """Each stored query with the parameters of its first contract example."""
    return [(name, dict(query.examples[0].params) if query.examples else {})
            for name, query in sorted(kgload.stored_queries().items())]


@pytest.mark.parametrize(("name", "params"), _cases(), ids=[name for name, _ in _cases()])
def test_a_stored_query_gives_the_rows_the_command_prints(
        cli: CliRun, example_store: Path, name: str, params: dict[str, str]) -> None:
    args = [arg for key, value in params.items() for arg in ("-p", key, value)]
    printed = cli("query", name, *args, "--format", "json", store=example_store)
    assert printed.exit_code == 0, printed.stderr
    expected = json.loads(printed.stdout)
    with kgload.open_store(example_store) as kg:
        rows = kg.query(name, params)
        streamed = list(kg.rows(name, params))
    assert rows == streamed
    assert len(rows) == len(expected) and rows  # every query has rows on the example
    assert [{k: _as_cli_json(v) for k, v in row.items()} for row in rows] == expected


def test_rows_hold_python_values_and_every_column(example_store: Path) -> None:
    with kgload.open_store(example_store) as kg:
        rows = kg.query("who-threatened-whom")
        columns = kg.rows("who-threatened-whom").columns
        undated = kg.query("timeline", {"from": "2026-01-07", "to": "2026-01-07"})
    assert len(rows) == 4
    assert all(list(row) == columns for row in rows)
    ultimatum = next(r for r in rows if r["fact"].endswith("/petro-ultimatum-to-us"))
    assert ultimatum["source"] == "Gustavo Petro"
    assert ultimatum["code"] == "139"  # a CAMEO code is text
    assert ultimatum["start"] == date(2025, 11, 1) and ultimatum["end"] == date(2025, 11, 30)
    assert ultimatum["reports"] == 1 and type(ultimatum["reports"]) is int
    assert ultimatum["attributed_to"] == ""  # a joined column with no value: "" (any store)
    improve = next(r for r in undated if r["kind"] == "relations improve")
    assert "code" in improve and improve["code"] is None  # unbound: the key, the value None
    assert ultimatum["article"] == ARTICLE_IRI and type(ultimatum["article"]) is str


def test_parameters_as_a_dict_keywords_dates_and_booleans(example_store: Path) -> None:
    with kgload.open_store(example_store) as kg:
        by_name = kg.query("actions-by", actor="Petro")
        assert by_name == kg.query("actions-by", {"actor": "gustavo-petro"})
        assert len(by_name) == 14
        window = kg.query("timeline", {"from": date(2026, 1, 1), "to": "2026-01-08"})
        assert window == kg.query("timeline", {"from": "2026-01-01", "to": date(2026, 1, 8)})
        assert 0 < len(window) < len(kg.query("timeline"))
        per_report = kg.query("who-threatened-whom", per_article=True)
        assert per_report == kg.query("who-threatened-whom", {"per_article": "yes"})
        assert kg.query("who-threatened-whom", per_article=False, actor=None) == kg.query(
            "who-threatened-whom")
        assert kg.query("timeline", limit=2, offset=1) == kg.query("timeline")[1:3]
        text = kg.query_text("actions-by", actor="Petro")
    assert "VALUES" in text and f"<{BASE}entity/gustavo-petro>" in text


@pytest.mark.parametrize(("call", "message"), [
    (lambda kg: kg.query("actions-by"), "needs the parameter actor"),
    (lambda kg: kg.query("actions-by", actor="Petro", colour="red"), "unknown parameter colour"),
    (lambda kg: kg.query("timeline", {"from": "yesterday"}), "is not a date"),
    (lambda kg: kg.query("timeline", {"from": datetime(2026, 1, 1)}), "not a date and time"),
    (lambda kg: kg.query("timeline", {"from": 1.5}), "float is not a parameter value"),
    (lambda kg: kg.query("timeline", {"from": "2026-02-01", "to": "2026-01-01"}),
     "the window is reversed"),
    (lambda kg: kg.query("who-threatened-who"), "did you mean who-threatened-whom"),
    (lambda kg: kg.query("actions-by", actor="Nobody At All"), "no actor is named"),
    (lambda kg: kg.query("timeline", limit=0), "the limit 1 or more"),
    (lambda kg: kg.query("timeline", timeout=0), "above 0"),
    (lambda kg: kg.rows("timeline", timeout=-1), "above 0"),
    (lambda kg: kg.sparql("INSERT DATA { <a:s> <a:p> <a:o> }"), "runs queries only"),
    (lambda kg: kg.sparql("SELECT WHERE"), "not valid SPARQL"),
    (lambda kg: kg.sparql("SELECT * WHERE { SERVICE <http://localhost:9/sparql> "
                          "{ ?s ?p ?o } }"), "uses SERVICE"),
])
def test_a_wrong_call_is_a_usage_error(example_store: Path, call: Any, message: str) -> None:
    with kgload.open_store(example_store) as kg, pytest.raises(kgload.UsageError) as caught:
        call(kg)
    assert message in caught.value.message
    assert caught.value.exit_code == kgload.ExitCode.USAGE


def test_sparql_gives_rows_a_boolean_or_a_graph(example_store: Path) -> None:
    with kgload.open_store(example_store) as kg:
        rows = kg.sparql("SELECT ?file ?at WHERE { ?a <https://w3id.org/kgload/ontology#"
                         "sourceFile> ?file ; <https://w3id.org/kgload/ontology#loadedAt> ?at }")
        asked = kg.sparql(f"ASK {{ <{ARTICLE_IRI}> ?p ?o }}")
        built = kg.sparql(f"CONSTRUCT {{ <{ARTICLE_IRI}> ?p ?o }} "
                          f"WHERE {{ <{ARTICLE_IRI}> ?p ?o }}")
    assert rows == [{"file": "colombia-eln.yaml", "at": rows[0]["at"]}]
    assert isinstance(rows[0]["at"], datetime) and rows[0]["at"].tzinfo is not None
    assert asked is True
    assert isinstance(built, Graph) and len(built) > 5
    assert {s for s, _, _ in built} == {URIRef(ARTICLE_IRI)}


def test_threads_share_one_handle_for_queries(example_store: Path) -> None:
    names = ("event-table", "timeline")
    failures: list[str] = []
    with kgload.open_store(example_store) as kg:
        expected = {name: kg.query(name) for name in names}

        def read(name: str) -> None:
            try:
                for _ in range(2):
                    if kg.query(name) != expected[name] or list(kg.rows(name)) != expected[name]:
                        failures.append(f"{name}: other rows")
            except Exception as exc:  # reported below, with the others
                failures.append(f"{name}: {exc!r}")

        threads = [threading.Thread(target=read, args=(name,)) for name in names * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == []


def test_a_time_limit_stops_the_query_and_its_worker(example_store: Path) -> None:
    before = signal.getsignal(signal.SIGINT)
    with kgload.open_store(example_store) as kg:
        with pytest.raises(kgload.QueryTimeout) as caught:
            kg.sparql(ENDLESS_ROWS, timeout=0.5)
        assert caught.value.exit_code == kgload.ExitCode.TIMEOUT
        assert "time limit of 0.5 s" in caught.value.message
        _join_workers()
    assert signal.getsignal(signal.SIGINT) is before  # the library installs no handler


def test_closing_streamed_rows_or_the_store_stops_the_query(example_store: Path,
                                                             tmp_path: Path) -> None:
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "endless.rq").write_text("#+ summary: Rows without end\n" + ENDLESS_ROWS,
                                        encoding="utf-8")
    with kgload.open_store(example_store, query_dirs=[queries]) as kg:
        assert "endless" in kg.stored_queries()
        with kg.rows("endless") as rows:
            first = next(iter(rows))
        assert list(first) == ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        _join_workers()
        left_open = kg.rows("endless")
        next(iter(left_open))
    _join_workers()  # closing the store closed the rows still streaming


# ------------------------------------------------------------------ loading


def test_load_reports_each_article_and_matches_the_command(cli: CliRun, tmp_path: Path) -> None:
    store = tmp_path / "store"
    heard: list[kgload.Outcome] = []
    with kgload.open_store(store, write=True) as kg:
        report = kg.load(EXAMPLE, on_outcome=heard.append)  # one path: not its characters
        again = kg.load([str(EXAMPLE)])
        assert kg.articles()[0].article_id == ARTICLE_ID
        rows = kg.query("event-table")
    assert [(o.status, o.article_id) for o in report.outcomes] == [
        (kgload.Status.LOADED, ARTICLE_ID)]
    assert heard == report.outcomes and report.rejected == [] and not report.interrupted
    assert report.outcomes[0].asserted > 500
    assert [o.status for o in again.outcomes] == [kgload.Status.UNCHANGED]
    printed = cli("query", "event-table", "--format", "json", store=store)
    assert len(rows) == len(json.loads(printed.stdout)) == 39
    counts = cli("stats", "--format", "json", store=store)
    with kgload.open_store(store) as kg:
        assert kg.stats() == {r["what"]: r["count"] for r in json.loads(counts.stdout)}


def test_documents_load_as_their_file_does(example_store: Path, tmp_path: Path) -> None:
    document = read_file(EXAMPLE).data  # the example as Python data
    with kgload.open_store(tmp_path / "store", write=True) as kg:
        report = kg.load_documents([document])
        assert [o.status for o in report.outcomes] == [kgload.Status.LOADED]
        [info] = kg.articles()
        assert info.source_file == f"{ARTICLE_ID}.json"  # named after the article
        from_documents = kg.query("who-threatened-whom")
        same = kg.load_documents(document)  # one mapping: one document
        assert [o.status for o in same.outcomes] == [kgload.Status.UNCHANGED]
        text = EXAMPLE.read_text(encoding="utf-8")
        taken = kg.load_documents([text])  # the same article from another source
        assert [f.rule for o in taken.rejected for f in o.findings] == ["article-id-taken"]
        forced = kg.load_documents([text.encode("utf-8")], force=True)
        assert [o.status for o in forced.outcomes] == [kgload.Status.RELOADED]
        assert kg.articles()[0].source_file == f"{ARTICLE_ID}.yaml"
    with kgload.open_store(example_store) as kg:
        assert from_documents == kg.query("who-threatened-whom")


def test_a_rejected_document_is_a_finding_and_changes_nothing(store_copy: Path) -> None:
    city_acts = facts_yaml("city-acts", actions=["""
        id: bogota-threatens
        type: Threaten
        agents: [bogota]
        targets: [venezuela]
        status: occurred
        evidence: "Bogota threatened Venezuela"
        """])
    undeclared = {"format_version": 1,
                  "article": {"id": "undeclared", "title": "t", "publisher": "p",
                              "published": date(2026, 1, 8), "language": "en"},
                  "entities": [],
                  "actions": [{"id": "a1", "type": "Threaten", "agents": ["nobody-known"],
                               "targets": ["colombia"], "status": "occurred",
                               "evidence": "x"}]}
    with kgload.open_store(store_copy, write=True) as kg:
        before = kg.stats()
        report = kg.load_documents([city_acts, undeclared, {"format_version": object()},
                                    "article: [\n", 42])  # type: ignore[list-item]
        assert kg.stats() == before
    found = {o.source: [(f.rule, f.fact, f.line) for f in o.findings] for o in report.rejected}
    assert found == {
        "city-acts.yaml": [("ActionAgent", "bogota-threatens", 13)],  # its agents line
        "undeclared.json": [("unknown-entity", "a1", None)],
        "document-3.json": [("not-json-data", None, None)],
        "document-4.yaml": [("yaml-syntax", None, 2)],
        "document-5": [("not-a-document", None, None)],
    }
    assert len(report.outcomes) == 5


def test_a_document_over_the_size_limit_is_rejected(store_copy: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    with kgload.open_store(store_copy, write=True) as kg:
        report = kg.load_documents([text], limits=kgload.Limits(file_bytes=1000))
    [finding] = report.rejected[0].findings
    assert finding.rule == "file-too-large" and "Limits(file_bytes=...)" in finding.message


def test_validate_needs_no_store(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(facts_yaml("bad", actions=["""
        id: a1
        type: Threaten
        agents: [nobody-known]
        targets: [colombia]
        status: occurred
        evidence: "x"
        """]), encoding="utf-8")
    report = kgload.validate([EXAMPLE, bad])
    assert [o.status for o in report.outcomes] == [kgload.Status.VALID, kgload.Status.REJECTED]
    assert [(f.file, f.rule, f.fact) for f in report.rejected[0].findings] == [
        (str(bad), "unknown-entity", "a1")]
    assert [p.name for p in tmp_path.iterdir()] == ["bad.yaml"]  # no store was made


def test_remove_takes_the_article_out(store_copy: Path) -> None:
    with kgload.open_store(store_copy, write=True) as kg:
        kg.remove(ARTICLE_ID)
        assert kg.articles() == []
        assert kg.query("who-threatened-whom") == []
        with pytest.raises(kgload.UsageError, match="no article 'gone'"):
            kg.remove("gone")


def test_a_store_open_for_reading_refuses_every_change(store_copy: Path) -> None:
    with kgload.open_store(store_copy) as kg:
        for change in (lambda: kg.load([EXAMPLE]), lambda: kg.load_documents(["x: 1"]),
                       lambda: kg.remove(ARTICLE_ID), kg.compact):
            with pytest.raises(kgload.UsageError, match="open it with kgload.open_store"):
                change()
        assert len(kg.articles()) == 1


def test_one_writer_at_a_time(store_copy: Path, tmp_path: Path) -> None:
    with kgload.open_store(store_copy, write=True):
        with pytest.raises(kgload.StoreBusy) as caught:
            kgload.open_store(store_copy)
        assert caught.value.exit_code == kgload.ExitCode.BUSY
    with kgload.open_store(store_copy), kgload.open_store(store_copy) as second:
        assert len(second.articles()) == 1  # readers share the store
    with pytest.raises(kgload.StoreError, match="there is no store"):
        kgload.open_store(tmp_path / "nothing")


def test_open_store_refuses_a_bad_base_iri_and_a_bad_reasoner(store_copy: Path) -> None:
    with pytest.raises(kgload.UsageError, match="not an absolute IRI"):
        kgload.open_store(store_copy, base_iri="no scheme")
    with kgload.open_store(store_copy, write=True) as kg, \
            pytest.raises(kgload.UsageError, match="unknown reasoner"):
        kg.load([EXAMPLE], reasoner="hermit")


def test_a_damaged_store_is_store_damaged_not_a_database_error(store_copy: Path) -> None:
    for sst in store_copy.glob("*.sst"):
        with open(sst, "r+b") as handle:
            handle.truncate(sst.stat().st_size // 2)
    with pytest.raises(kgload.StoreDamaged) as caught, kgload.open_store(store_copy) as kg:
        kg.export(io.BytesIO(), format="nquads")
    assert caught.value.exit_code == kgload.ExitCode.IO
    assert f"the store at {store_copy} is damaged" in caught.value.message


def test_a_closed_store_says_so(example_store: Path) -> None:
    kg = kgload.open_store(example_store)
    kg.close()
    with pytest.raises(kgload.StoreError, match="the store is not open"):
        kg.query("timeline")


# ------------------------------------------------------------------ export


def test_export_writes_what_the_command_writes(cli: CliRun, example_store: Path,
                                               tmp_path: Path) -> None:
    turtle = tmp_path / "graph.ttl"
    buffer = io.BytesIO()
    with kgload.open_store(example_store) as kg:
        written = kg.export(turtle)
        quads = kg.export(buffer, format="nquads")
        article = kg.export(tmp_path / "article.ttl", article=ARTICLE_ID, inferred=False)
        with pytest.raises(kgload.UsageError, match="binary mode"):
            kg.export(io.StringIO())
        with pytest.raises(kgload.UsageError, match="unknown RDF format"):
            kg.export(tmp_path / "x", format="csv")
        with pytest.raises(kgload.UsageError, match="no article 'gone'"):
            kg.export(tmp_path / "y", article="gone")
    graph = Graph().parse(turtle, format="turtle")
    assert len(graph) == written > 1000
    dataset = list(ox.parse(buffer.getvalue(), ox.RdfFormat.N_QUADS))
    assert len(dataset) == quads > written  # the whole store, bookkeeping included
    printed = cli("export", "--format", "nquads", store=example_store)
    assert buffer.getvalue() == printed.stdout_bytes
    assert 0 < article < written
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


# ------------------------------------------------------------------ values


@pytest.mark.parametrize(("term", "value"), [
    (None, None),
    (URIRef("https://a.example/x"), "https://a.example/x"),
    (BNode("b0"), "b0"),
    (Literal("text"), "text"),
    (Literal("texte", lang="fr"), "texte"),
    (Literal("7", datatype=XSD.integer), 7),
    (Literal("7", datatype=XSD.nonNegativeInteger), 7),
    (Literal("2.50", datatype=XSD.decimal), Decimal("2.50")),
    (Literal("1.5", datatype=XSD.double), 1.5),
    (Literal("true", datatype=XSD.boolean), True),
    (Literal("2026-01-08", datatype=XSD.date), date(2026, 1, 8)),
    (Literal("2026-13-45", datatype=XSD.date), "2026-13-45"),  # ill-typed: its text
    (Literal("2025", datatype=XSD.gYear), "2025"),  # no Python type: its text
    (Literal("P3D", datatype=XSD.duration), "P3D"),
])
def test_python_values(term: Any, value: Any) -> None:
    converted = kgload.python_value(term)
    assert converted == value and type(converted) is type(value)
