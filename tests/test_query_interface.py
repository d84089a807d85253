"""Stored queries as an interface: output formats read back by real parsers, paging,
labels, typed parameters with classes and allowed values, contracts and `kgload check`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from conftest import CliRun

THREATS = 4  # who-threatened-whom on the example (see test_queries.py)


def _rows(cli: CliRun, store: Path, fmt: str, *args: str) -> str:
    result = cli("query", "who-threatened-whom", "--format", fmt, *args, store=store)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt", ["sparql-json", "sparql-xml", "sparql-csv", "sparql-tsv"])
def test_sparql_results_formats_are_read_back_by_pyoxigraph(cli: CliRun, example_store: Path,
                                                            fmt: str) -> None:
    text = _rows(cli, example_store, fmt)
    if fmt == "sparql-csv":  # lossy by design (plain values): the csv module reads it
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert len(rows) == THREATS and rows[0]["fact"].startswith("https://")
        raw = cli("query", "who-threatened-whom", "--format", fmt, store=example_store)
        assert raw.stdout_bytes.split(b"\n", 1)[0].endswith(b"\r")  # CRLF, as the spec says
        return
    kind = {"sparql-json": ox.QueryResultsFormat.JSON, "sparql-xml": ox.QueryResultsFormat.XML,
            "sparql-csv": ox.QueryResultsFormat.CSV, "sparql-tsv": ox.QueryResultsFormat.TSV}[fmt]
    parsed = ox.parse_query_results(text.encode("utf-8"), kind)
    solutions = list(parsed)
    assert len(solutions) == THREATS
    sources = {s["source"].value for s in solutions}
    assert sources == {"Donald Trump", "Gustavo Petro"}
    if fmt in ("sparql-json", "sparql-xml", "sparql-tsv"):  # typed terms survive
        codes = {s["code"] for s in solutions}
        assert ox.Literal("138") in codes


def test_sparql_json_ask(cli: CliRun, example_store: Path) -> None:
    result = cli("sparql", "ASK { ?s ?p ?o }", "--format", "sparql-json", store=example_store)
    assert json.loads(result.stdout) == {"head": {}, "boolean": True}


def test_csv_tsv_json_jsonl_markdown(cli: CliRun, example_store: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_rows(cli, example_store, "csv"))))
    assert len(rows) == THREATS and rows[0]["fact"].startswith("https://")
    rows = list(csv.DictReader(io.StringIO(_rows(cli, example_store, "tsv")), delimiter="\t"))
    assert len(rows) == THREATS
    data = json.loads(_rows(cli, example_store, "json"))
    assert len(data) == THREATS and {"source", "threatened", "code"} <= set(data[0])
    lines = _rows(cli, example_store, "jsonl").splitlines()
    assert [json.loads(line)["source"] for line in lines] == [d["source"] for d in data]
    table = _rows(cli, example_store, "markdown").splitlines()
    assert table[0].startswith("| source | threatened |") and len(table) == THREATS + 2


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_construct_gives_rdf_read_back_by_rdflib_and_pyoxigraph(cli: CliRun,
                                                                example_store: Path) -> None:
    query = ("PREFIX kg: <https://w3id.org/kgload/ontology#> "
             "CONSTRUCT { ?a kg:threatened ?b } WHERE { ?a kg:threatened ?b }")
    for fmt, ox_format, rdflib_format in (("turtle", ox.RdfFormat.TURTLE, "turtle"),
                                          ("ntriples", ox.RdfFormat.N_TRIPLES, "nt"),
                                          ("rdfxml", ox.RdfFormat.RDF_XML, "xml"),
                                          ("jsonld", ox.RdfFormat.JSON_LD, "json-ld")):
        result = cli("sparql", query, "--format", fmt, store=example_store)
        assert result.exit_code == 0, result.stderr
        assert len(list(ox.parse(result.stdout.encode(), ox_format))) >= 3
        assert len(Graph().parse(data=result.stdout, format=rdflib_format)) >= 3
    wrong = cli("sparql", query, "--format", "csv", store=example_store)
    assert wrong.exit_code == 2 and "gives RDF" in wrong.stderr


def test_tables_show_labels_and_iris_on_request(cli: CliRun, example_store: Path) -> None:
    labelled = _rows(cli, example_store, "table")
    assert "trump-threatens-colombia" in labelled  # the fact's id, not its IRI
    assert "https://" not in labelled
    raw = _rows(cli, example_store, "table", "--iris")
    assert "article:afp-2026-01-08-colombia-eln/trump-threatens-colombia" in raw


def test_paging(cli: CliRun, example_store: Path) -> None:
    everything = [r["fact"] for r in json.loads(_rows(cli, example_store, "json"))]
    first = [r["fact"] for r in json.loads(_rows(cli, example_store, "json", "--limit", "3"))]
    second = [r["fact"] for r in json.loads(
        _rows(cli, example_store, "json", "--limit", "3", "--page", "2"))]
    skipped = [r["fact"] for r in json.loads(_rows(cli, example_store, "json", "--offset", "1"))]
    assert first == everything[:3] and second == everything[3:6] and skipped == everything[1:]
    no_size = cli("query", "who-threatened-whom", "--page", "2", store=example_store)
    assert no_size.exit_code == 2 and "--page needs a page size" in no_size.stderr


USER_QUERY = """#+ summary: Armed groups by name
#+ params:
#+   group: {type: entity, class: ArmedGroup, required: true, description: "An armed group"}
#+   status: {type: string, values: [occurred, alleged], default: alleged, description: "Status"}
#+ pagination: 2
#+ examples:
#+   - params: {group: ELN}
#+     rows: [{id: eln-attacks-soldiers}]
#+     absent: [{id: petro-takes-office}]
#+     count: 3
PREFIX kg: <https://w3id.org/kgload/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?id WHERE {
  ?fact kg:agent ?group ; kg:factId ?id ; kg:status/rdfs:label ?label .
  FILTER(STR(?label) = ?status)
} ORDER BY ?id
"""


@pytest.fixture
def user_queries(tmp_path: Path) -> Path:
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "group-acts.rq").write_text(USER_QUERY, encoding="utf-8")
    return folder


def test_class_restricted_parameter(cli: CliRun, example_store: Path, user_queries: Path) -> None:
    ok = cli("--queries", user_queries, "query", "group-acts", "-p", "group", "ELN",
             "--format", "json", store=example_store)
    assert ok.exit_code == 0, ok.stderr
    assert {r["id"] for r in json.loads(ok.stdout)} == {
        "eln-attacks-soldiers", "eln-kidnaps-soldiers", "eln-retreats-to-venezuela"}
    wrong = cli("--queries", user_queries, "query", "group-acts", "-p", "group", "Petro",
                store=example_store)
    assert wrong.exit_code == 2
    assert "no armedGroup is named 'Petro'" in wrong.stderr
    assert "group (entity of class ArmedGroup, required)" in wrong.stderr


def test_allowed_values_and_query_pagination(cli: CliRun, example_store: Path,
                                             user_queries: Path) -> None:
    bad = cli("--queries", user_queries, "query", "group-acts", "-p", "group", "ELN",
              "-p", "status", "planned", store=example_store)
    assert bad.exit_code == 2 and "'planned' is not one of occurred, alleged" in bad.stderr
    page = cli("--queries", user_queries, "query", "group-acts", "-p", "group", "ELN",
               "--page", "2", "--format", "json", store=example_store)
    assert [r["id"] for r in json.loads(page.stdout)] == ["eln-retreats-to-venezuela"]


def test_describe_shows_parameters_and_examples(cli: CliRun, user_queries: Path) -> None:
    result = cli("--queries", user_queries, "queries", "group-acts")
    assert result.exit_code == 0
    assert "status (string, optional, default alleged; one of: occurred, alleged)" in \
        result.stdout
    assert "example 1: kgload query group-acts -p group ELN" in result.stdout
    assert "count: 3" in result.stdout


def test_check_holds_for_the_user_contract(cli: CliRun, example_store: Path,
                                           user_queries: Path) -> None:
    result = cli("--queries", user_queries, "check", "--format", "json", store=example_store)
    mine = [r for r in json.loads(result.stdout) if r["query"] == "group-acts"]
    assert mine == [{"query": "group-acts", "example": 1, "params": "group=ELN",
                     "contract": "holds", "rows": 3, "problems": ""}]


def test_check_reports_a_broken_contract(cli: CliRun, example_store: Path,
                                         user_queries: Path) -> None:
    broken = USER_QUERY.replace("count: 3", "count: 4").replace(
        "rows: [{id: eln-attacks-soldiers}]", "rows: [{id: eln-signs-peace}]")
    (user_queries / "group-acts.rq").write_text(broken, encoding="utf-8")
    result = cli("--queries", user_queries, "check", "--format", "json", store=example_store)
    assert result.exit_code == 1
    [mine] = [r for r in json.loads(result.stdout) if r["query"] == "group-acts"]
    assert mine["contract"] == "FAILS"
    assert "missing row {'id': 'eln-signs-peace'}" in mine["problems"]
    assert "3 rows, expected 4" in mine["problems"]


def test_bad_headers_are_usage_errors(cli: CliRun, example_store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "typo.rq").write_text("#+ sumary: x\nSELECT * WHERE { ?s ?p ?o }\n")
    result = cli("--queries", folder, "queries", store=example_store)
    assert result.exit_code == 2
    assert "unknown #+ key(s) sumary" in result.stderr


SECOND_REPORT = """format_version: 1
article: {id: reuters-2026-01-08-colombia, title: "Colombia and US to act", published: "2026-01-08"}
entities:
  - {id: donald-trump, type: Person, name: "Donald Trump", aliases: [Trump]}
actions:
  - id: threat
    type: ThreatenMilitaryForce
    agents: [donald-trump]
    targets: [colombia]
    time: {text: "in recent days", after: "2026-01-03", before: "2026-01-07"}
    evidence: "Trump had threatened Colombia with military action"
"""


def test_a_threat_reported_by_two_articles_is_one_row_unless_asked(
        cli: CliRun, store_copy: Path, tmp_path: Path) -> None:
    second = tmp_path / "second.yaml"
    second.write_text(SECOND_REPORT, encoding="utf-8")
    assert cli("load", second, store=store_copy).exit_code == 0
    merged = json.loads(_rows(cli, store_copy, "json"))
    [row] = [r for r in merged if (r["source"], r["threatened"]) == ("Donald Trump", "Colombia")]
    assert row["reports"] == 2
    assert "Trump had threatened Colombia" in row["evidence"]
    assert "President Trump threatened military action" in row["evidence"]
    assert len(merged) == THREATS
    split = json.loads(_rows(cli, store_copy, "json", "-p", "per_article", "yes"))
    pair = [r for r in split if (r["source"], r["threatened"]) == ("Donald Trump", "Colombia")]
    assert sorted(r["article"].rsplit("/", 1)[1] for r in pair) == [
        "afp-2026-01-08-colombia-eln", "reuters-2026-01-08-colombia"]
