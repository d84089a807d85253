"""A runner for the W3C SPARQL 1.1 Protocol tests (``manifest.ttl``) against an endpoint.

The manifest's records are HTTP requests (``ht:Request``: method, path, headers, body)
with what the answer must be (``mf:expectedStatus``, ``mf:expectedFormat``,
``mf:expectedBoolean``). The data they name by URL (``ut:graphData``: a local file and,
as its label, the graph IRI) is loaded into named graphs of a store by
:func:`build_store`. The cases that apply to a read-only endpoint are those that send
no update expected to succeed; :func:`run` sends them in order and says, for each,
whether it passed and why not::

    python tests/w3c_protocol.py http://127.0.0.1:8000/sparql/
"""

from __future__ import annotations

import http.client
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

from rdflib import RDF, RDFS, Graph, Literal, Namespace
from rdflib.collection import Collection

SUITE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "w3c-sparql-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

RESULTS_TYPES = {"application/sparql-results+json", "application/sparql-results+xml",
                 "text/csv", "text/tab-separated-values", "application/json",
                 "application/xml"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt",
             "application/rdf+xml": "xml", "application/ld+json": "json-ld"}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2xx", "4xx"...
    fmt: str | None = None  # boolean, tabular or RDF
    boolean: bool | None = None


@dataclass
class Case:
    name: str
    title: str
    requests: list[Request]
    graphs: dict[str, Path] = field(default_factory=dict)  # graph IRI -> data file

    @property
    def updates(self) -> bool:
        """Whether it sends an update that must succeed (not for a read-only endpoint)."""
        for r in self.requests:
            kind = r.headers.get("content-type", "")
            body = (r.body or b"").decode("utf-8", "replace")
            update = "sparql-update" in kind or (
                "form-urlencoded" in kind and body.startswith("update="))
            if update and r.statuses & {"2xx", "3xx"}:
                return True
        return False


def read_manifest(suite: Path = SUITE) -> list[Case]:
    """The manifest's test cases, in its order."""
    graph = Graph()
    base = (suite / "manifest.ttl").resolve().as_uri()
    graph.parse(suite / "manifest.ttl", format="turtle", publicID=base)
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        graphs = {}
        for data in graph.objects(entry, UT.graphData):
            file = Path(str(graph.value(data, UT.graph)).removeprefix("file://"))
            graphs[str(graph.value(data, RDFS.label))] = file
        action = graph.value(entry, MF.action)
        requests = []
        for node in Collection(graph, graph.value(action, HT.requests)):
            headers = {}
            listed = graph.value(node, HT.headers)
            for header in Collection(graph, listed) if listed is not None else []:
                headers[str(graph.value(header, HT.fieldName)).lower()] = \
                    str(graph.value(header, HT.fieldValue))
            body = None
            content = graph.value(node, HT.body)
            if content is not None:
                encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(content, CNT.chars)).encode(encoding.lower())
            response = graph.value(node, HT.resp)
            statuses = {str(s).removeprefix(HTS).lower()
                        for s in graph.objects(response, MF.expectedStatus)}
            fmt = graph.value(response, MF.expectedFormat)
            boolean = graph.value(response, MF.expectedBoolean)
            requests.append(Request(
                str(graph.value(node, HT.methodName)), str(graph.value(node, HT.absolutePath)),
                headers, body, statuses, None if fmt is None else str(fmt),
                None if not isinstance(boolean, Literal) else bool(boolean.toPython())))
        name = str(entry).rsplit("#", 1)[-1]
        cases.append(Case(name, str(graph.value(entry, MF.name)), requests, graphs))
    return cases


def build_store(path: Path, cases: list[Case]) -> None:
    """A store holding every graph the cases name, each from its local data file."""
    import pyoxigraph as ox

    from kgload.store import Store

    graphs = {iri: file for case in cases for iri, file in case.graphs.items()}
    with Store(path, write=True) as store:
        for iri, file in sorted(graphs.items()):
            store.ox.load(path=str(file), format=ox.RdfFormat.N_TRIPLES,
                          to_graph=ox.NamedNode(iri))
        store.flush()


def _check(request: Request, status: int, headers: dict[str, str], body: bytes) -> str | None:
    """Why the answer does not meet the request's expectations (None: it does)."""
    if f"{status // 100}xx" not in request.statuses:
        return f"status {status}, expected {' or '.join(sorted(request.statuses))}"
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if request.fmt in ("boolean", "tabular") and media not in RESULTS_TYPES:
        return f"content type {media!r} is not a SPARQL results format"
    if request.fmt == "RDF":
        if media not in RDF_TYPES:
            return f"content type {media!r} is not an RDF format"
        try:
            Graph().parse(data=body, format=RDF_TYPES[media])
        except Exception as exc:  # any parse failure is the test's failure
            return f"the RDF does not parse: {exc}"
    if request.boolean is not None:
        if "json" in media:
            got = json.loads(body).get("boolean")
        elif "xml" in media:
            node = ElementTree.fromstring(body).find(
                "{http://www.w3.org/2005/sparql-results#}boolean")
            got = None if node is None else node.text == "true"
        else:
            got = {"true": True, "false": False}.get(body.decode().strip())
        if got is not request.boolean:
            return f"boolean {got}, expected {request.boolean}"
    return None


def send(endpoint: str, request: Request, timeout: float = 30) -> tuple[int, dict[str, str],
                                                                       bytes]:
    """Send a manifest request, its ``/sparql/`` path put under ``endpoint``."""
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/") + "/" + request.path.removeprefix("/sparql/")
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                            timeout=timeout)
    try:
        connection.request(request.method, path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read())
    finally:
        connection.close()


def run(endpoint: str, cases: list[Case]) -> list[tuple[str, str | None]]:
    """(case name, why it failed or None) for each case that applies to a read-only
    endpoint."""
    results = []
    for case in cases:
        if case.updates:
            continue
        failure = None
        for number, request in enumerate(case.requests, start=1):
            why = _check(request, *send(endpoint, request))
            if why is not None:
                failure = f"request {number}: {why}"
                break
        results.append((case.name, failure))
    return results


if __name__ == "__main__":  # pragma: no cover
    found = run(sys.argv[1], read_manifest())
    for name, why in found:
        print(f"{'PASS' if why is None else 'FAIL'} {name}" + (f": {why}" if why else ""))
    print(f"{sum(why is None for _, why in found)} of {len(found)} applicable cases pass "
          f"({len(read_manifest()) - len(found)} update cases do not apply)")
