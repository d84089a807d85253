"""`kgload serve`: the SPARQL 1.1 Protocol endpoint, stored queries over HTTP, OpenAPI,
sharing the store with a load, the W3C protocol tests, a load of concurrent requests
and Jena's rsparql as a client. Each server is a subprocess on a free 127.0.0.1 port."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import TWINS_ACTIONS, TWINS_ENTITIES, CliRun, facts_yaml
from serving import Served

REPO = Path(__file__).resolve().parents[1]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?o }"
SELECT = ("PREFIX kg: <https://w3id.org/kgload/ontology#> "
          "SELECT ?p ?n WHERE { ?p a kg:Person ; kg:name ?n } ORDER BY ?n ?p LIMIT 5")
CONSTRUCT = ("PREFIX kg: <https://w3id.org/kgload/ontology#> "
             "CONSTRUCT { ?p kg:name ?n } WHERE { ?p a kg:Person ; kg:name ?n }")
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def served(example_store: Path) -> Iterator[Served]:
    with Served(example_store) as server:
        yield server


def q(text: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text})


def bindings(body: bytes) -> list[dict[str, str]]:
    data = json.loads(body)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


# ------------------------------------------------------------------ SPARQL protocol


def test_get_form_post_and_direct_post_give_the_same_rows(served: Served) -> None:
    status, headers, got = served.get(q(SELECT), headers=JSON)
    assert status == 200 and headers["content-type"] == "application/sparql-results+json"
    rows = bindings(got)
    assert rows and {"p", "n"} <= set(rows[0])
    form = urllib.parse.urlencode({"query": SELECT}).encode()
    assert bindings(served.get("/sparql", data=form, headers={
        **JSON, "Content-Type": "application/x-www-form-urlencoded"})[2]) == rows
    assert bindings(served.get("/sparql", data=SELECT.encode(), headers={
        **JSON, "Content-Type": "application/sparql-query"})[2]) == rows


@pytest.mark.parametrize(("accept", "check"), [
    ("application/sparql-results+xml", lambda b: b"<sparql" in b and b"<result>" in b),
    ("text/csv", lambda b: b.startswith(b"p,n\r\n")),
    ("text/tab-separated-values", lambda b: b.startswith(b"?p\t?n\n") and b"<http" in b),
    ("*/*", lambda b: json.loads(b)["head"]["vars"] == ["p", "n"]),
])
def test_results_formats_by_accept(served: Served, accept: str, check: object) -> None:
    status, headers, body = served.get(q(SELECT), headers={"Accept": accept})
    assert status == 200, body
    assert callable(check) and check(body), body[:200]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples",
                                    "application/rdf+xml", "application/ld+json"])
def test_construct_in_rdf_formats(served: Served, accept: str) -> None:
    status, headers, body = served.get(q(CONSTRUCT), headers={"Accept": accept})
    assert status == 200, body
    assert headers["content-type"].startswith(accept)
    triples = list(ox.parse(body, ox.RdfFormat.from_media_type(accept)))
    assert len(triples) > 3


def test_nothing_acceptable_is_406(served: Served) -> None:
    assert served.get(q(SELECT), headers={"Accept": "image/png"})[0] == 406
    assert served.get(q(CONSTRUCT), headers=JSON)[0] == 406  # RDF is not a results format


def test_bad_sparql_is_400_with_the_parser_message(served: Served) -> None:
    status, _, body = served.get(q("SELECT ?s WHERE { ?s"))
    assert status == 400
    assert body.decode().startswith("the query is not valid SPARQL: error at 1:")


def test_updates_are_refused(served: Served) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    status, _, body = served.get("/sparql", data=update.encode(),
                                 headers={"Content-Type": "application/sparql-update"})
    assert status == 403 and b"read-only" in body
    form = urllib.parse.urlencode({"update": update}).encode()
    assert served.get("/sparql", data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded"})[0] == 403
    assert served.get("/sparql?" + urllib.parse.urlencode({"update": update}))[0] == 400
    status, _, body = served.get(q(update))  # an update sent as a query
    assert status == 400 and b"queries only" in body
    assert served.get(q("ASK { <urn:a> <urn:b> <urn:c> }"))[2].count(b"false") == 1


def test_service_is_refused(served: Served) -> None:
    status, _, body = served.get(q("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> "
                                   "{ ?s ?p ?o } }"))
    assert status == 400 and b"SERVICE" in body


def test_protocol_dataset_narrows_the_default_graph(served: Served) -> None:
    status, _, body = served.get(q(COUNT) + "&default-graph-uri=urn%3Anothing", headers=JSON)
    assert status == 200 and bindings(body) == [{"n": "0"}]
    assert int(bindings(served.get(q(COUNT), headers=JSON)[2])[0]["n"]) > 100
    assert served.get(q(COUNT) + "&default-graph-uri=not%20an%20iri")[0] == 400


# ------------------------------------------------------------------ stored queries


def test_stored_query_with_params_matches_the_cli(served: Served, example_store: Path,
                                                   cli: CliRun) -> None:
    status, headers, body = served.get("/queries/who-threatened-whom?actor=Trump")
    assert status == 200 and headers["content-type"] == "application/json"
    expected = cli("query", "who-threatened-whom", "-p", "actor", "Trump", "--format", "json",
                   store=example_store)
    assert json.loads(body) == json.loads(expected.output)
    as_csv = cli("query", "who-threatened-whom", "-p", "actor", "Trump", "--format", "csv",
                 store=example_store).output
    assert served.get("/queries/who-threatened-whom?actor=Trump&format=csv")[2].decode() \
        == as_csv
    assert served.get("/queries/who-threatened-whom?actor=Trump",
                      headers={"Accept": "text/csv"})[2].decode() == as_csv
    tsv = served.get("/queries/who-threatened-whom?actor=Trump",
                     headers={"Accept": "text/tab-separated-values"})
    assert tsv[1]["content-type"].startswith("text/tab-separated-values")
    assert len(list(csv.reader(io.StringIO(tsv[2].decode()), delimiter="\t"))) == 3


@pytest.mark.parametrize("params", [
    ["-p", "actor", "Nobody At All"],
    ["-p", "colour", "red"],
    ["-p", "from", "2026-02-01", "-p", "to", "2026-01-01"],
    ["-p", "from", "yesterday"],
])
def test_bad_parameters_are_422_with_the_cli_message(served: Served, example_store: Path,
                                                     cli: CliRun, params: list[str]) -> None:
    name = "timeline" if "from" in params else "who-threatened-whom"
    result = cli("query", name, *params, store=example_store)
    assert result.exit_code == 2
    message = result.output.strip().removeprefix("kgload: error: ")
    query = urllib.parse.urlencode(list(zip(params[1::3], params[2::3], strict=True)))
    status, _, body = served.get(f"/queries/{name}?{query}")
    assert status == 422
    assert json.loads(body)["error"] == message


def test_unknown_query_is_404(served: Served) -> None:
    status, _, body = served.get("/queries/no-such-query")
    assert status == 404 and "no stored query" in json.loads(body)["error"]


def test_paging_matches_the_cli(served: Served, example_store: Path, cli: CliRun) -> None:
    whole = json.loads(served.get("/queries/timeline")[2])
    assert len(whole) > 4
    status, headers, body = served.get("/queries/timeline?limit=2&page=2")
    assert status == 200 and json.loads(body) == whole[2:4]
    assert json.loads(cli("query", "timeline", "--limit", "2", "--page", "2", "--format",
                          "json", store=example_store).output) == whole[2:4]
    assert headers["link"] == '</queries/timeline?limit=2&offset=4>; rel="next"'
    assert json.loads(served.get("/queries/timeline?offset=3&limit=1")[2]) == whole[3:4]
    assert served.get("/queries/timeline?page=2")[0] == 422  # no page size
    assert served.get("/queries/timeline?limit=0")[0] == 422
    assert served.get("/queries/timeline?limit=1&limit=2")[0] == 422


def test_queries_listing_and_openapi(served: Served) -> None:
    from openapi_spec_validator import validate

    listing = json.loads(served.get("/queries")[2])
    names = [item["name"] for item in listing]
    assert "who-threatened-whom" in names and names == sorted(names)
    document = json.loads(served.get("/openapi.json")[2])
    validate(document)
    operation = document["paths"]["/queries/who-threatened-whom"]["get"]
    assert operation["summary"].startswith("Who threatened whom")
    assert "threats" in operation["tags"] and operation["description"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["per_article"]["schema"] == {"type": "string", "enum": ["yes", "no"],
                                               "default": "no"}
    assert "threats made by this actor" in params["actor"]["description"]
    assert {"limit", "offset", "page", "format"} <= set(params)
    timeline = document["paths"]["/queries/timeline"]["get"]
    assert {p["name"]: p["schema"] for p in timeline["parameters"]}["from"]["format"] == "date"
    assert set(names) == {p.removeprefix("/queries/") for p in document["paths"]
                          if p.startswith("/queries/")}


def test_docs_and_index_need_no_network(served: Served) -> None:
    for path in ("/docs", "/"):
        status, headers, body = served.get(path)
        assert status == 200 and headers["content-type"].startswith("text/html")
        html = body.decode()
        # the page's example SPARQL names IRIs (data); no resource may come from elsewhere
        assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//|url\(\s*["']?"""
                             r"""(https?:)?//|@import|<link[^>]*stylesheet""", html), path
        if path == "/docs":
            assert "http:" not in html and "https:" not in html
    assert 'fetch("openapi.json")' in served.get("/docs")[2].decode()


def test_many_concurrent_requests_all_succeed(served: Served) -> None:
    paths = [q(COUNT), "/queries/who-threatened-whom?actor=Trump", "/queries/timeline?limit=3"]

    def one(i: int) -> int:
        return served.get(paths[i % len(paths)], timeout=60)[0]

    with ThreadPoolExecutor(16) as pool:
        statuses = Counter(pool.map(one, range(300)))
    assert statuses == Counter({200: 300})


# ------------------------------------------------------------------ limits, updates


def test_timeout_and_row_cap(example_store: Path) -> None:
    with Served(example_store, "--timeout", "1", "--max-rows", "5") as server:
        status, headers, body = server.get(q("SELECT ?s WHERE { ?s ?p ?o }"), headers=JSON)
        assert status == 200 and len(bindings(body)) == 5
        assert headers["x-kgload-truncated"].startswith("true")
        assert server.get("/queries/timeline?limit=6")[0] == 422
        started = time.monotonic()
        status, headers, body = server.get(
            q("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"))
        assert status == 503 and b"time limit of 1 s" in body
        assert "retry-after" not in headers
        assert time.monotonic() - started < 10


def test_updates_need_allow_update_and_the_token(store_copy: Path, cli: CliRun) -> None:
    result = cli("serve", "--allow-update", store=store_copy)
    assert result.exit_code == 2 and "KGLOAD_SERVE_TOKEN" in result.output
    token = "s3cret-token-for-the-test"
    update = b"INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"
    direct = {"Content-Type": "application/sparql-update"}
    with Served(store_copy, "--allow-update", env={"KGLOAD_SERVE_TOKEN": token}) as server:
        assert server.get("/sparql", data=update, headers=direct)[0] == 401
        status, headers, _ = server.get("/sparql", data=update, headers={
            **direct, "Authorization": "Bearer wrong"})
        assert status == 401 and headers["www-authenticate"].startswith("Bearer")
        assert server.get("/sparql", data=update, headers={
            **direct, "Authorization": f"Bearer {token}"})[0] == 204
        assert b"true" in server.get(q("ASK { <urn:a> <urn:b> <urn:c> }"), headers=JSON)[2]
        status, _, body = server.get("/sparql", data=b"INSERT DATA {", headers={
            **direct, "Authorization": f"Bearer {token}"})
        assert status == 400 and b"not valid SPARQL" in body


def test_serve_help(cli: CliRun) -> None:
    result = cli("serve", "--help")
    assert result.exit_code == 0
    for option in ("--host", "--port", "--timeout", "--max-rows", "--allow-update",
                   "--update-token-env", "/sparql", "/queries/NAME", "/openapi.json"):
        assert option in result.output


# ------------------------------------------------------------------ sharing with a load


def test_a_load_runs_while_serve_answers(store_copy: Path, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    for i in range(6):
        (facts / f"twins-{i}.yaml").write_text(
            facts_yaml(f"twins-{i}", TWINS_ENTITIES, TWINS_ACTIONS), encoding="utf-8")
    per_graph = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                 "FILTER(CONTAINS(STR(?g), '/twins-')) } GROUP BY ?g")
    seen: list[tuple[int, dict[str, str], bytes]] = []
    stop = threading.Event()

    with Served(store_copy) as server:
        def ask() -> None:
            while not stop.is_set():
                seen.append(server.get(q(per_graph), headers=JSON, timeout=60))

        askers = [threading.Thread(target=ask) for _ in range(3)]
        for thread in askers:
            thread.start()
        time.sleep(0.5)
        done = subprocess.run([sys.executable, "-m", "kgload.cli", "--store", str(store_copy),
                               "--wait", "load", str(facts)], capture_output=True, text=True,
                              timeout=180)
        time.sleep(0.5)
        stop.set()
        for thread in askers:
            thread.join(90)
        assert not any(t.is_alive() for t in askers), "a request hung"
        assert done.returncode == 0, done.stderr
        final = {row["g"]: row["n"] for row in bindings(server.get(q(per_graph),
                                                                  headers=JSON)[2])}
    assert len(final) >= 6 * 3  # each article's graphs
    statuses = Counter(status for status, _, _ in seen)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[200] > 0
    for status, headers, body in seen:
        if status == 503:
            assert headers["retry-after"] == "2"
            continue
        for row in bindings(body):  # an article's graph is there whole, or not at all
            assert row["n"] == final[row["g"]], row
    # a load that does not wait gets in as well once serve is idle (it steps aside)
    more = tmp_path / "more.yaml"
    more.write_text(facts_yaml("twins-more", TWINS_ENTITIES, TWINS_ACTIONS), encoding="utf-8")
    with Served(store_copy) as server:
        assert server.get(q(COUNT))[0] == 200  # the store is open, lingering
        done = subprocess.run([sys.executable, "-m", "kgload.cli", "--store", str(store_copy),
                               "load", str(more)], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert b"true" in server.get(q(
            "ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), '/twins-more')) }"),
            headers=JSON)[2]


# ------------------------------------------------------------------ W3C and Jena

# cases of the W3C SPARQL 1.1 Protocol tests that kgload serve answers otherwise, with why
W3C_KNOWN_DIFFERENCES: dict[str, str] = {}


def test_w3c_sparql_protocol(tmp_path: Path) -> None:
    import w3c_protocol

    if not (w3c_protocol.SUITE / "manifest.ttl").exists():
        pytest.skip(f"the W3C protocol tests are not at {w3c_protocol.SUITE}")
    cases = w3c_protocol.read_manifest()
    w3c_protocol.build_store(tmp_path / "store", cases)
    with Served(tmp_path / "store") as server:
        results = w3c_protocol.run(server.url + "/sparql/", cases)
    failed = {name: why for name, why in results if why is not None}
    assert len(results) == 27  # the 7 cases that update the store do not apply
    unexpected = {n: w for n, w in failed.items() if n not in W3C_KNOWN_DIFFERENCES}
    assert not unexpected, unexpected
    print(f"W3C SPARQL 1.1 Protocol: {len(results) - len(failed)} of {len(results)} "
          "applicable cases pass")


def _rsparql() -> list[str] | str:
    """The java command line prefix for arq.rsparql, or why it cannot run."""
    from scripts import load_script

    module = load_script("benchmarks/query_bench.py", "kgload_query_bench_jena")
    jena = module.Jena(Path(__import__("tempfile").mkdtemp()), 1)
    why = jena.find()
    return why if why is not None else jena.command("arq.rsparql")


def test_jena_rsparql_gets_the_rows_of_kgload_query(served: Served, example_store: Path,
                                                    cli: CliRun) -> None:
    command = _rsparql() if shutil.which("java") else "java is not installed"
    if isinstance(command, str):
        pytest.skip(f"Jena's arq.rsparql cannot run: {command}")
    query = REPO / "queries" / "who-threatened-whom.rq"
    done = subprocess.run([*command, "--service", served.url + "/sparql", "--query",
                           str(query), "--results=CSV"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    jena_rows = list(csv.DictReader(io.StringIO(done.stdout)))
    ours = cli("query", "who-threatened-whom", "--format", "sparql-csv", store=example_store)
    kgload_rows = list(csv.DictReader(io.StringIO(ours.output)))
    assert jena_rows and jena_rows == kgload_rows


def test_accept_negotiation() -> None:
    from kgload.media import choose

    offers = ["application/sparql-results+json", "text/csv"]
    assert choose(None, offers) == offers[0]
    assert choose("text/csv;q=0.5, application/json", offers) == "text/csv"
    assert choose("text/*", offers) == "text/csv"
    assert choose("*/*;q=0.1, text/csv;q=0", offers) == offers[0]
    assert choose("text/csv;q=0, */*;q=0", offers) is None
    assert choose("application/sparql-results+json;q=0.2, text/csv;q=0.9", offers) == "text/csv"
