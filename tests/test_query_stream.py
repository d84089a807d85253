"""Queries that stop, stream and stay local: time limits, SERVICE refused unless allowed,
row limits in range, and the line formats written as the rows come.

The endless queries of these tests produce rows all the time, so a worker that is told
to stop does so at its next row; queries that would leave a worker inside one long
Rust call run in a subprocess (tests/test_interrupt.py).
"""

from __future__ import annotations

import gc
import json
import signal
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import CliRun
from kgload.errors import QueryTimeout, StoreError, UsageError
from kgload.queries import MAX_ROWS, run, stream, uses_service
from kgload.render import render, render_lines, render_sparql, render_sparql_lines
from kgload.store import Store

# every triple with every triple with every triple: rows without end on any store
ENDLESS_ROWS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kgload-query"]


def test_a_time_limit_stops_an_endless_query_and_its_worker(example_store: Path) -> None:
    before = signal.getsignal(signal.SIGINT)
    with Store(example_store, write=False) as store:
        rows = 0
        with pytest.raises(QueryTimeout) as caught, \
                stream(store, ENDLESS_ROWS, timeout=0.5) as answer:
            for batch in answer:
                rows += len(batch)
        assert caught.value.seconds == 0.5
        assert "time limit of 0.5 s" in caught.value.message
        assert rows > 0  # rows came out before the limit
        for worker in _workers():  # told to stop: it does at its next row
            worker.join(timeout=30)
        assert not _workers()
    assert signal.getsignal(signal.SIGINT) is before  # the library installs no handler


def test_closing_an_answer_stops_its_worker(example_store: Path) -> None:
    with Store(example_store, write=False) as store:
        with stream(store, ENDLESS_ROWS) as answer:
            first = next(iter(answer))
        assert len(first[0]) == 9
        for worker in _workers():
            worker.join(timeout=30)
        assert not _workers()


def test_rows_stream_while_the_query_runs(example_store: Path) -> None:
    with Store(example_store, write=False) as store, stream(store, ENDLESS_ROWS) as answer:
        assert answer.variables == ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        assert sum(len(batch) for _, batch in zip(range(3), answer, strict=False)) > 0


def test_the_cli_time_limit_is_exit_6_with_a_message_naming_it(cli: CliRun,
                                                               example_store: Path) -> None:
    result = cli("sparql", ENDLESS_ROWS, "--format", "csv", "--timeout", "0.5",
                 store=example_store)
    assert result.exit_code == 6
    assert result.stderr == ("kgload: error: the query was stopped: it ran past its time "
                             "limit of 0.5 s (--timeout 0.5)\n")
    assert result.stdout.startswith("a,b,c,d,e,f,g,h,i\n")  # rows written before the limit
    for worker in _workers():
        worker.join(timeout=30)
    bad = cli("query", "who-threatened-whom", "--timeout", "0", store=example_store)
    assert bad.exit_code == 2 and "is not in the range x>0" in bad.stderr


def test_a_query_within_its_time_limit_is_whole(cli: CliRun, example_store: Path) -> None:
    timed = cli("query", "who-threatened-whom", "--format", "json", "--timeout", "120",
                store=example_store)
    plain = cli("query", "who-threatened-whom", "--format", "json", store=example_store)
    assert timed.exit_code == 0 and timed.stdout == plain.stdout
    assert len(json.loads(timed.stdout)) == 4


# ------------------------------------------------------------------ SERVICE


class _Endpoint(BaseHTTPRequestHandler):
    """A SPARQL endpoint on 127.0.0.1 that answers every query with one row."""

    requests: list[str] = []
    ANSWER = {"head": {"vars": ["o"]},
              "results": {"bindings": [{"o": {"type": "literal", "value": "remote row"}}]}}

    def _answer(self) -> None:
        type(self).requests.append(self.path)
        body = json.dumps(self.ANSWER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    _Endpoint.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def test_service_is_refused_unless_allowed(cli: CliRun, example_store: Path, endpoint: str,
                                           tmp_path: Path) -> None:
    query = f"SELECT ?o WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    refused = cli("sparql", query, store=example_store)
    assert refused.exit_code == 2
    assert "the query uses SERVICE" in refused.stderr and "--allow-service" in refused.stderr
    assert _Endpoint.requests == []  # nothing reached the network
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "remote.rq").write_text("#+ summary: A remote look-up\n" + query + "\n",
                                      encoding="utf-8")
    stored = cli("--queries", folder, "query", "remote", store=example_store)
    assert stored.exit_code == 2 and "the query uses SERVICE" in stored.stderr
    assert _Endpoint.requests == []
    allowed = cli("sparql", query, "--allow-service", "--format", "json", store=example_store)
    assert allowed.exit_code == 0, allowed.stderr
    assert json.loads(allowed.stdout) == [{"o": "remote row"}]
    assert len(_Endpoint.requests) >= 1
    with Store(example_store, write=False) as store, pytest.raises(UsageError):
        run(store, query)  # the library refuses it too, unless allow_service=True


def test_service_in_a_string_comment_iri_or_name_is_not_a_service_call(
        cli: CliRun, example_store: Path) -> None:
    text = ('PREFIX ex: <http://example.org/SERVICE/>\n'
            'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/>" . '
            '?s ?p ?SERVICE . OPTIONAL { ?s ex:SERVICE ?o } } # SERVICE <http://x/>')
    assert not uses_service(text)
    assert not uses_service('SELECT * WHERE { ?s ?p "x"@service }')
    assert not uses_service("SELECT * WHERE { ?s ?p '''a\nSERVICE <http://x/> {}''' }")
    assert uses_service("SELECT * WHERE { service silent <http://x/> { ?s ?p ?o } }")
    assert uses_service("SELECT * WHERE { BIND(<http://x/> AS ?u) SERVICE ?u { ?s ?p ?o } }")
    result = cli("sparql", text, "--format", "json", store=example_store)
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


# ------------------------------------------------------------------ row limits


@pytest.mark.parametrize("option", ["--limit", "--offset", "--page"])
def test_a_row_number_past_2_to_the_63_is_a_usage_error(cli: CliRun, example_store: Path,
                                                        option: str) -> None:
    result = cli("sparql", "SELECT * WHERE { ?s ?p ?o }", option, str(2**63),
                 "--limit", "1", store=example_store) if option == "--page" else \
        cli("sparql", "SELECT * WHERE { ?s ?p ?o }", option, str(2**63), store=example_store)
    assert result.exit_code == 2
    assert f"is not in the range {0 if option == '--offset' else 1}<=x<={MAX_ROWS}" in \
        result.stderr


def test_a_page_or_offset_plus_limit_past_2_to_the_63_is_a_usage_error(
        cli: CliRun, example_store: Path) -> None:
    big = str(MAX_ROWS)
    both = cli("sparql", "SELECT * WHERE { ?s ?p ?o }", "--offset", big, "--limit", big,
               store=example_store)
    assert both.exit_code == 2
    assert "offset + limit must be at most 2^63 - 1" in both.stderr
    page = cli("sparql", "SELECT * WHERE { ?s ?p ?o }", "--page", big, "--limit", "2",
               store=example_store)
    assert page.exit_code == 2 and "must be at most 2^63 - 1" in page.stderr
    last = cli("sparql", "SELECT * WHERE { ?s ?p ?o }", "--offset", str(MAX_ROWS - 1),
               "--limit", "1", store=example_store)
    assert (last.exit_code, last.stdout.splitlines()[2:]) == (0, [])  # in range: no rows


# ------------------------------------------------------------------ line formats




@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_line_formats_in_batches_are_the_whole_rendering(fmt: str) -> None:
    from rdflib import Literal, URIRef

    rows = [[URIRef("http://e/x"), Literal(1), None], [Literal("b,c"), Literal('d "e"'),
                                                       Literal("x\ty")]]
    whole = render(["s", "n", "o"], rows, fmt)
    assert "".join(render_lines(["s", "n", "o"], [rows[:1], [], rows[1:]], fmt)) == whole
    with pytest.raises(ValueError):
        next(render_lines(["s"], [], "table"))


@pytest.mark.parametrize("fmt", ["sparql-csv", "sparql-tsv"])
def test_sparql_line_formats_in_batches_are_the_whole_rendering(fmt: str) -> None:
    from rdflib import BNode, Literal, URIRef

    rows = [[URIRef("http://e/x"), Literal("1", lang="en")], [BNode("b0"), None]]
    whole = render_sparql(["s", "o"], rows, fmt)
    assert "".join(render_sparql_lines(["s", "o"], [rows[:1], rows[1:]], fmt)) == whole


def test_construct_as_ntriples_streams_the_same_triples(cli: CliRun,
                                                       example_store: Path) -> None:
    query = ("PREFIX kg: <https://w3id.org/kgload/ontology#> "
             "CONSTRUCT { ?a kg:threatened ?b } WHERE { ?a kg:threatened ?b }")
    lines = cli("sparql", query, "--format", "ntriples", store=example_store)
    quads = cli("sparql", query, "--format", "nquads", store=example_store)
    assert lines.exit_code == 0 and quads.exit_code == 0
    assert sorted(lines.stdout.splitlines()) == sorted(quads.stdout.splitlines())
    assert len(lines.stdout.splitlines()) >= 3


def test_a_failed_query_leaves_no_result_to_free_in_another_thread(
        example_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the error's traceback held the worker's frames, and pyoxigraph's solutions in them
    # were freed in the reader's thread: "unsendable, but is being dropped on another
    # thread", reported by Python as an unraisable exception
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    failing = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    with Store(example_store, write=False) as store:
        for _ in range(3):
            with pytest.raises(StoreError, match="the query failed"):
                run(store, failing, allow_service=True)
    gc.collect()
    assert unraisable == []
