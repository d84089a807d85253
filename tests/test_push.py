"""Push and remote queries against a real Oxigraph server (and small local HTTP servers
that record what kgload sends, fail on purpose or check credentials).

The server is `oxigraph serve` from the PyPI package ``oxigraph`` (test extra), started
once for the module on 127.0.0.1 with a temporary location and stopped by its PID. Nothing
here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef

import kgload.remote
from conftest import ARTICLE_ID, EXAMPLE, CliRun
from kgload.remote import SparqlEndpoint, _read_results, _xml_results
from remote_stores import free_port, query_cases, rows, select

SECRET = "s3cret-Pa55word"


def _oxigraph() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


@dataclass
class Oxigraph:
    url: str

    @property
    def store(self) -> str:
        return self.url + "/store"

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    def select(self, sparql: str) -> list[dict[str, Any]]:
        return select(self.query_url, sparql, timeout=30)

    def clear(self) -> None:
        request = urllib.request.Request(self.update_url, data=b"DROP ALL", method="POST",
                                         headers={"Content-Type": "application/sparql-update"})
        urllib.request.urlopen(request, timeout=30).close()

    def graphs(self) -> dict[str, int]:
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                           "GROUP BY ?g")
        return {row["g"]: int(row["n"]) for row in rows}

    def plain_quads(self) -> set[tuple[str, ...]]:
        """Every quad without a blank node (blank nodes get new ids on each write)."""
        rows = self.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                           "FILTER(!isBlank(?s) && !isBlank(?o)) }")
        return {(r["g"], r["s"], r["p"], r["o"]) for r in rows}


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """`oxigraph serve` on a free port of 127.0.0.1 (union default graph), for the module."""
    binary = _oxigraph()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph, "
                    "in the test extra)")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    log = (location.parent / "oxigraph.log").open("wb")
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind",
                                f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=log, stderr=subprocess.STDOUT)
    server = Oxigraph(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.select("SELECT * WHERE { } LIMIT 1")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"oxigraph serve did not start: "
                                f"{(location.parent / 'oxigraph.log').read_text()}")
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def remote(oxigraph: Oxigraph) -> Oxigraph:
    """The module's server, emptied."""
    oxigraph.clear()
    return oxigraph


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """Where a test's pushes record what they sent (not in the shared example store)."""
    return tmp_path / "push-state.json"


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kgload.remote, "BACKOFF", 0.01)


def _local_quads(store: Path) -> int:
    from kgload.store import Store

    with Store(store, write=False) as opened:
        return sum(opened.count(URIRef(name)) for name in opened.graph_names())


# ------------------------------------------------------------------ a recording server


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """A local HTTP server that records requests; ``answer`` decides each response."""

    answer: Callable[[Seen], tuple[int, dict[str, str], bytes]]
    seen: list[Seen] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def recorder() -> Iterator[Callable[..., Recorder]]:
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Callable[[Seen], tuple[int, dict[str, str], bytes]]) -> Recorder:
        record = Recorder(answer)

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, dict(self.headers.items()),
                            self.rfile.read(length))
                record.seen.append(seen)
                code, headers, body = record.answer(seen)
                self.send_response(code)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = _any

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        record.url = f"http://127.0.0.1:{server.server_address[1]}"
        return record

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _created(seen: Seen) -> tuple[int, dict[str, str], bytes]:
    return 201, {}, b""


_EMPTY_RESULTS = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": []}}).encode()


# ------------------------------------------------------------------ push to Oxigraph


def _rows(result: Any) -> Counter[str]:
    """Rows of `--format json` as a multiset (GROUP_CONCAT parts as sets: see
    remote_stores.rows)."""
    assert result.exit_code == 0, result.output
    return rows(result.stdout)


def test_every_stored_query_gives_the_same_rows_remotely(
        cli: CliRun, example_store: Path, remote: Oxigraph, state: Path) -> None:
    pushed = cli("push", "--endpoint", remote.store, "--state", state, store=example_store)
    assert pushed.exit_code == 0, pushed.output
    assert "pushed 11 graph(s)" in pushed.stderr
    compared = 0
    for name, params in query_cases():
        args = ["query", name, "--format", "json"]
        for key, value in params.items():
            args += ["-p", key, value]
        local = cli(*args, store=example_store)
        if local.exit_code != 0:  # a required parameter without a default: examples cover it
            assert "needs the parameter" in local.stderr, local.output
            continue
        there = cli(*args, "--endpoint", remote.query_url,
                    store=example_store.parent / "no-store-here")
        assert _rows(there) == _rows(local), (name, params)
        compared += 1
    assert compared >= 40


def test_a_table_reads_its_labels_remotely(cli: CliRun, example_store: Path,
                                           remote: Oxigraph, state: Path) -> None:
    cli("push", "--endpoint", remote.store, "--state", state, store=example_store)
    local = cli("query", "who-threatened-whom", store=example_store)
    there = cli("query", "who-threatened-whom", "--endpoint", remote.query_url)
    assert there.exit_code == 0, there.output
    assert there.stdout == local.stdout
    assert "Gustavo Petro" in there.stdout


def test_an_actor_name_is_looked_up_at_the_endpoint(cli: CliRun, example_store: Path,
                                                   remote: Oxigraph, state: Path) -> None:
    cli("push", "--endpoint", remote.store, "--state", state, store=example_store)
    there = cli("query", "actions-by", "-p", "actor", "Petro", "--format", "json",
                "--endpoint", remote.query_url)
    assert _rows(there) == _rows(cli("query", "actions-by", "-p", "actor", "Petro",
                                     "--format", "json", store=example_store))
    unknown = cli("query", "actions-by", "-p", "actor", "Nobody At All", "--endpoint",
                  remote.query_url)
    assert unknown.exit_code == 2
    assert "no actor is named 'Nobody At All' in the store" in unknown.stderr


def test_a_second_push_is_idempotent(cli: CliRun, example_store: Path, remote: Oxigraph,
                                     state: Path) -> None:
    cli("push", "--endpoint", remote.store, "--state", state, store=example_store)
    first = remote.graphs()
    again = cli("push", "--endpoint", remote.store, "--state", state, store=example_store)
    assert again.exit_code == 0, again.output
    assert remote.graphs() == first
    assert sum(first.values()) == _local_quads(example_store)


def test_article_sends_only_that_article(cli: CliRun, example_store: Path,
                                         remote: Oxigraph, state: Path) -> None:
    result = cli("push", "--endpoint", remote.store, "--article", ARTICLE_ID, "--state",
                 state, store=example_store)
    assert result.exit_code == 0, result.output
    base = f"https://example.org/kgload/graph/article/{ARTICLE_ID}"
    assert set(remote.graphs()) == {base, base + "/inferred", base + "/provenance",
                                    base + "/source"}
    missing = cli("push", "--endpoint", remote.store, "--article", "no-such-article",
                  store=example_store)
    assert missing.exit_code == 2
    assert "no article 'no-such-article' in the store" in missing.stderr


def test_changed_sends_nothing_twice_and_a_reloaded_article_again(
        cli: CliRun, store_copy: Path, remote: Oxigraph, twins_file: Path) -> None:
    first = cli("push", "--endpoint", remote.store, "--changed", store=store_copy)
    assert "pushed 11 graph(s)" in first.stderr, first.output
    assert (store_copy / "kgload-push.json").is_file()  # recorded beside the database
    second = cli("push", "--endpoint", remote.store, "--changed", store=store_copy)
    assert "pushed 0 graph(s) (0 triples)" in second.stderr and "11 unchanged" in second.stderr
    assert cli("load", "--force", EXAMPLE, store=store_copy).exit_code == 0
    planned = cli("push", "--endpoint", remote.store, "--changed", "--dry-run",
                  store=store_copy)
    provenance = f"https://example.org/kgload/graph/article/{ARTICLE_ID}/provenance"
    assert f"PUT <{provenance}>" in planned.stdout  # its load time changed
    assert "graph/registry>" not in planned.stdout
    assert "would push" in planned.stderr
    third = cli("push", "--endpoint", remote.store, "--changed", store=store_copy)
    assert third.exit_code == 0 and "unchanged" in third.stderr
    # load --push sends the new article and the shared graphs it changed
    loaded = cli("load", twins_file, "--push", remote.store, store=store_copy)
    assert loaded.exit_code == 0, loaded.output
    assert "https://example.org/kgload/graph/article/twins-article" in remote.graphs()
    assert "https://example.org/kgload/graph/entities" in remote.graphs()
    assert cli("push", "--endpoint", remote.store, "--changed",
               store=store_copy).stderr.startswith("pushed 0 graph(s)")
    # a removed article's graphs are removed from the endpoint by the next whole push
    assert cli("remove", "twins-article", store=store_copy).exit_code == 0
    cleaned = cli("push", "--endpoint", remote.store, "--changed", store=store_copy)
    assert "4 removed there" in cleaned.stderr, cleaned.output
    assert not any("twins-article" in g for g in remote.graphs())


def test_a_push_whose_record_cannot_be_written_still_pushes(
        cli: CliRun, store_copy: Path, remote: Oxigraph, tmp_path: Path) -> None:
    """push opens the store read-only; a record it cannot write is a warning, not a
    failure (root may write in a read-only folder: the --state path decides here)."""
    os.chmod(store_copy, 0o555)
    try:
        result = cli("push", "--endpoint", remote.store, "--state",
                     tmp_path / "no-such-dir" / "state.json", store=store_copy)
    finally:
        os.chmod(store_copy, 0o755)
    assert result.exit_code == 0, result.output
    assert "warning: what was pushed is not recorded" in result.stderr
    assert len(remote.graphs()) == 11


def test_the_update_endpoint_gives_the_same_content(cli: CliRun, example_store: Path,
                                                    remote: Oxigraph, state: Path) -> None:
    cli("push", "--endpoint", remote.store, "--state", state, store=example_store)
    by_put, quads_by_put = remote.graphs(), remote.plain_quads()
    remote.clear()
    result = cli("push", "--update-endpoint", remote.update_url, "--state", state,
                 store=example_store)
    assert result.exit_code == 0, result.output
    assert remote.graphs() == by_put
    assert remote.plain_quads() == quads_by_put
    both = cli("push", "--endpoint", remote.store, "--update-endpoint", remote.update_url,
               store=example_store)
    assert both.exit_code == 2 and "one of them" in both.stderr


# ------------------------------------------------------------------ failures


def test_an_unreachable_endpoint_exits_4_with_one_line(cli: CliRun, example_store: Path,
                                                       state: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    result = cli("push", "--endpoint", url, "--state", state, store=example_store)
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"kgload: error: {url}: PUT of graph <")
    assert result.stderr.rstrip().endswith("failed after 3 tries: connection refused")
    query = cli("query", "who-threatened-whom", "--endpoint", url.replace("store", "query"))
    assert query.exit_code == 4 and query.stderr.count("\n") == 1, query.stderr


def test_a_5xx_is_retried(cli: CliRun, example_store: Path, recorder: Callable[..., Recorder],
                          state: Path) -> None:
    failures = [503, 502]

    def flaky(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        if failures:
            return failures.pop(0), {}, b"busy"
        return 201, {}, b""

    server = recorder(flaky)
    result = cli("push", "--endpoint", server.url + "/store", "--article", ARTICLE_ID,
                 "--state", state, store=example_store)
    assert result.exit_code == 0, result.output
    assert "pushed 4 graph(s)" in result.stderr and "2 retried request(s)" in result.stderr
    assert [s.method for s in server.seen] == ["PUT"] * 6
    assert server.seen[0].body == server.seen[2].body  # the same graph, sent whole again
    assert server.seen[0].headers["Content-Length"] == str(len(server.seen[0].body))


def test_a_graph_that_keeps_failing_is_reported_and_sent_again_by_changed(
        cli: CliRun, example_store: Path, recorder: Callable[..., Recorder],
        state: Path) -> None:
    def refuse_inferred(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        return (500, {}, b"disk full") if "inferred" in seen.path else (201, {}, b"")

    server = recorder(refuse_inferred)
    url = server.url + "/store"
    result = cli("push", "--endpoint", url, "--state", state, store=example_store)
    assert result.exit_code == 4
    assert "3 failed" in result.stderr  # the article's, the registry's and the entities'
    assert "(500 Internal Server Error): disk full" in result.stderr
    assert "the push to " + url + " is incomplete: 3 graph(s) failed" in result.stderr
    server.answer = _created
    again = cli("push", "--endpoint", url, "--changed", "--state", state, store=example_store)
    assert again.exit_code == 0
    assert "pushed 3 graph(s)" in again.stderr and "8 unchanged" in again.stderr


def test_dry_run_sends_nothing(cli: CliRun, example_store: Path,
                               recorder: Callable[..., Recorder], state: Path) -> None:
    server = recorder(_created)
    result = cli("push", "--endpoint", server.url + "/store", "--dry-run", "--state", state,
                 store=example_store)
    assert result.exit_code == 0
    assert server.seen == [] and not state.exists()
    assert len(result.stdout.splitlines()) == 11


# ------------------------------------------------------------------ credentials


def _needs_basic(user: str, password: str) -> Callable[[Seen], tuple[int, dict[str, str],
                                                                       bytes]]:
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def check(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        if seen.headers.get("Authorization") != expected:
            return 401, {"WWW-Authenticate": 'Basic realm="kg"'}, b""
        return 201, {}, b""

    return check


def test_basic_credentials_go_in_the_header_and_never_in_the_output(
        cli: CliRun, example_store: Path, recorder: Callable[..., Recorder],
        state: Path) -> None:
    server = recorder(_needs_basic("kg", SECRET))
    url = server.url + "/store"
    env = {"KGLOAD_ENDPOINT_USER": "kg", "KGLOAD_ENDPOINT_PASSWORD": SECRET}
    result = cli("push", "--endpoint", url, "--article", ARTICLE_ID, "--state", state, "-v",
                 env=env, store=example_store)
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert all("Authorization" in s.headers for s in server.seen)
    wrong = cli("push", "--endpoint", url, "--article", ARTICLE_ID, "--state", state,
                env={**env, "KGLOAD_ENDPOINT_PASSWORD": "wrong-" + SECRET},
                store=example_store)
    assert wrong.exit_code == 4
    assert "was refused (401 Unauthorized) with the basic credentials from environment" \
        in wrong.stderr
    assert SECRET not in wrong.output and wrong.stderr.count("\n") == 1
    in_url = cli("push", "--endpoint", url.replace("//", f"//kg:{SECRET}@"), "--article",
                 ARTICLE_ID, "--state", state, store=example_store)
    assert in_url.exit_code == 0 and SECRET not in in_url.output


def test_credentials_from_netrc(cli: CliRun, example_store: Path,
                                recorder: Callable[..., Recorder], tmp_path: Path,
                                state: Path) -> None:
    server = recorder(_needs_basic("netrc-user", SECRET))
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login netrc-user password {SECRET}\n")
    netrc.chmod(0o600)
    result = cli("push", "--endpoint", server.url + "/store", "--article", ARTICLE_ID,
                 "--state", state, env={"NETRC": str(netrc)}, store=example_store)
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output


def test_a_bearer_token(cli: CliRun, example_store: Path, recorder: Callable[..., Recorder],
                        state: Path) -> None:
    server = recorder(_created)
    result = cli("push", "--endpoint", server.url + "/store", "--article", ARTICLE_ID,
                 "--state", state, "--auth", "bearer",
                 env={"KGLOAD_ENDPOINT_TOKEN": SECRET}, store=example_store)
    assert result.exit_code == 0 and SECRET not in result.output
    assert server.seen[0].headers["Authorization"] == f"Bearer {SECRET}"
    missing = cli("push", "--endpoint", server.url + "/store", "--auth", "digest",
                  env={"NETRC": str(state.with_name("no-netrc"))}, store=example_store)
    assert missing.exit_code == 2
    assert "--auth digest needs a user and password" in missing.stderr


# ------------------------------------------------------------------ how queries are sent


def test_queries_go_as_get_and_long_ones_as_form_post(cli: CliRun,
                                                      recorder: Callable[..., Recorder]
                                                      ) -> None:
    server = recorder(lambda seen: (200, {"Content-Type": "application/sparql-results+json"},
                                    _EMPTY_RESULTS))
    url = server.url + "/sparql"
    short = cli("sparql", "SELECT ?x WHERE { ?x ?p ?o }", "--endpoint", url)
    assert short.exit_code == 0, short.output
    long_text = "SELECT ?x WHERE { ?x ?p ?o FILTER(?o != \"" + "x" * 2500 + "\") }"
    long = cli("sparql", long_text, "--endpoint", url, "--format", "csv")
    assert long.exit_code == 0 and long.stdout.strip() == "x"
    get, post = server.seen
    assert get.method == "GET" and get.path.startswith("/sparql?query=SELECT")
    # SPARQL XML results first (read as they arrive), JSON next
    assert get.headers["Accept"].startswith("application/sparql-results+xml, "
                                            "application/sparql-results+json")
    assert post.method == "POST" and post.path == "/sparql"
    assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(post.body.decode())["query"] == [long_text]
    assert all(s.headers.get("Content-Type") != "application/sparql-query"
               for s in server.seen)


def test_virtuoso_typed_literals_are_read() -> None:
    body = json.dumps({"head": {"vars": ["n", "d", "l", "b"]}, "results": {"bindings": [{
        "n": {"type": "typed-literal", "value": "3",
              "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
        "d": {"type": "literal", "value": "Petro", "xml:lang": "es"},
        "b": {"type": "bnode", "value": "nodeID://b10006"},
    }]}}).encode()
    kind, variables, rows = _read_results(body, "test")
    assert (kind, variables) == ("rows", ["n", "d", "l", "b"])
    number, name, unbound, blank = rows[0]
    assert (number.value, number.datatype.value) == ("3", "http://www.w3.org/2001/XMLSchema#integer")
    assert (name.value, name.language) == ("Petro", "es")
    assert unbound is None and blank is not None
    assert _read_results(b'{"head": {}, "boolean": false}', "test") == ("boolean", [], False)


_XML_HEAD = (b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
             b'<head><variable name="n"/><variable name="d"/><variable name="l"/>'
             b'<variable name="b"/></head><results>')
_XML_ROW = (b'<result><binding name="n"><literal datatype="http://www.w3.org/2001/XMLSchema#'
            b'integer">3</literal></binding><binding name="d"><literal xml:lang="es">Petro'
            b'</literal></binding><binding name="b"><bnode>nodeID://b10006</bnode></binding>'
            b'</result>')
_XML_EMPTY_LITERAL = (b'<result><binding name="l"><literal></literal></binding>'
                      b'<binding name="n"><uri>https://example.org/x</uri></binding></result>')
_XML_TAIL = b"</results></sparql>"


class _Body:
    """What _xml_results reads of a response: its body in chunks, and close()."""

    def __init__(self, body: bytes, size: int) -> None:
        self.chunks = [body[i:i + size] for i in range(0, len(body), size)]
        self.closed = False

    def iter_content(self, _size: int) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("size", [7, 1 << 16])
def test_sparql_xml_results_are_read_term_by_term(size: int) -> None:
    body = _Body(_XML_HEAD + _XML_ROW + _XML_EMPTY_LITERAL + _XML_TAIL, size)
    kind, variables, rows = _xml_results(body, "test")
    assert (kind, variables) == ("rows", ["n", "d", "l", "b"])
    first, second = list(rows)
    number, name, unbound, blank = first
    assert (number.value, number.datatype.value) == ("3", "http://www.w3.org/2001/XMLSchema#integer")
    assert (name.value, name.language) == ("Petro", "es")
    assert unbound is None and blank is not None  # Virtuoso's nodeID://... becomes a blank node
    assert second[0].value == "https://example.org/x" and second[2].value == ""
    assert second[1] is None and second[3] is None
    assert body.closed
    boolean = _Body(b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                    b"<boolean>true</boolean></sparql>", size)
    assert _xml_results(boolean, "test") == ("boolean", [], True)


def test_a_broken_xml_answer_is_an_endpoint_error() -> None:
    kind, _, rows = _xml_results(_Body(_XML_HEAD + _XML_ROW + b"<result><bind", 64), "test")
    assert kind == "rows"
    with pytest.raises(kgload.remote.EndpointError, match="not valid SPARQL XML results"):
        list(rows)


def test_remote_rows_arrive_before_the_answer_ends() -> None:
    """A long answer is read as it arrives: its first row is given while the server has
    not sent the rest (a real HTTP server on 127.0.0.1 that holds the rest back)."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the handler's name
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+xml")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (_XML_HEAD + _XML_ROW, None, _XML_EMPTY_LITERAL + _XML_TAIL, b""):
                if part is None:
                    release.wait(20)
                    continue
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                self.wfile.flush()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with SparqlEndpoint(f"http://127.0.0.1:{server.server_address[1]}/sparql",
                            timeout=30) as endpoint:
            kind, variables, rows = endpoint.answer("SELECT * WHERE { ?s ?p ?o }")
            assert kind == "rows" and variables == ["n", "d", "l", "b"]
            first = next(rows)  # the server is still holding the rest back
            assert not release.is_set() and first[1].value == "Petro"
            release.set()
            assert [row[0].value for row in rows] == ["https://example.org/x"]
    finally:
        release.set()
        server.shutdown()
        server.server_close()
