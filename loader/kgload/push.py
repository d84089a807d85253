"""Sending the store's named graphs to a remote triple store.

Two ways, for what the remote store offers (see docs/remote.md):

- the SPARQL 1.1 Graph Store HTTP Protocol (:attr:`Mode.GRAPH_STORE`): one
  ``PUT URL?graph=IRI`` per graph, whose body is the graph in N-Triples. A PUT replaces
  the graph, so pushing again is idempotent, and each graph arrives whole or not at all.
- SPARQL 1.1 Update (:attr:`Mode.UPDATE`), for stores that only offer an update
  endpoint: ``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } }``, then more
  ``INSERT DATA`` in batches of ``UPDATE_BATCH`` triples. A graph cut short by a failure
  is reported failed and sent again whole by the next push. The triples with blank nodes
  (only the ontology has them) go in one batch, so that a blank node stays one node.

Memory stays bounded: a graph is read from the store quad by quad, written as N-Triples
into a spooled file (in memory up to ``SPOOL_BYTES``, on disk beyond), then sent.

What was pushed is recorded per endpoint, as the SHA-256 of each graph's N-Triples, in a
JSON file (:class:`PushState`; by default ``kgload-push.json`` in the store directory:
it belongs to the store and goes with it, and the push only reads the database, so a
store opened read-only still pushes). ``changed`` sends only the graphs whose digest
differs from the one recorded: a graph that failed is not recorded and goes again. The
record is written every ``SAVE_EVERY`` graphs and at the end, by replacing the file. If it
cannot be written (a read-only disk), the push goes on and says so.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from hashlib import sha256
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .errors import UsageError
from .iris import Iris
from .remote import Endpoint, EndpointError
from .store import Store

STATE_NAME = "kgload-push.json"
STATE_FORMAT = 1
SPOOL_BYTES = 16 * 2**20  # a graph's body is held in memory up to this size
UPDATE_BATCH = 5_000  # triples per INSERT DATA of the update mode
SAVE_EVERY = 500  # graphs sent between two writes of the record
GIVE_UP_AFTER = 10  # graphs failing one after the other stop the push
# N-Triples is Turtle too: every Graph Store implementation reads text/turtle
BODY_TYPE = "text/turtle"


class Mode(StrEnum):
    GRAPH_STORE = "graph-store"
    UPDATE = "update"


@dataclass(frozen=True)
class Sent:
    """A graph that was sent (or, in a dry run, would be)."""

    graph: str
    triples: int


@dataclass(frozen=True)
class Failed:
    """A graph that did not make it, and why."""

    graph: str
    reason: str


@dataclass
class PushReport:
    """What a push did: graphs sent, unchanged, removed remotely, failed; why it stopped."""

    endpoint: str
    mode: Mode
    total: int = 0  # graphs considered
    sent: list[Sent] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    stopped: str | None = None  # why the push stopped before its end
    not_sent: int = 0  # graphs left when it stopped
    retries: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(s.triples for s in self.sent)

    @property
    def ok(self) -> bool:
        return not self.failed and self.stopped is None


class PushState:
    """Digests of the graphs pushed to each endpoint, in a JSON file (see the module)."""

    def __init__(self, path: Path, endpoint: str) -> None:
        self.path = path
        self.endpoint = endpoint
        self.graphs: dict[str, str] = {}
        self._others: dict[str, Any] = {}
        self.unwritable: str | None = None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            endpoints = data["endpoints"] if data.get("format") == STATE_FORMAT else {}
        except FileNotFoundError:
            endpoints = {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            endpoints = {}  # an unreadable record: everything counts as changed
        if isinstance(endpoints, dict):
            self._others = {k: v for k, v in endpoints.items() if k != endpoint}
            mine = endpoints.get(endpoint, {})
            graphs = mine.get("graphs", {}) if isinstance(mine, dict) else {}
            self.graphs = {str(k): str(v) for k, v in graphs.items()} \
                if isinstance(graphs, dict) else {}

    def save(self) -> None:
        """Write the record (a new file renamed over the old one); failures are noted."""
        if self.unwritable:
            return
        endpoints = {**self._others, self.endpoint: {"graphs": self.graphs}}
        text = json.dumps({"format": STATE_FORMAT, "endpoints": endpoints}, indent=0,
                          sort_keys=True)
        if self.path.exists() and not self.path.is_file():
            self.unwritable = f"{self.path} is not a regular file"
            return
        try:
            fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp",
                                       dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:
            self.unwritable = f"cannot write {self.path}: {exc.strerror or exc}"


def default_state_path(store: Store) -> Path:
    return store.path / STATE_NAME


def select(store: Store, iris: Iris, *, articles: Iterable[str] | None = None,
           shared: bool = True) -> list[str]:
    """The named graphs to push: all of them, or the given articles' graphs (and, with
    ``shared``, every graph that belongs to no article: entities, claims, background,
    the store's description)."""
    names = store.graph_names()
    if articles is None:
        return names
    wanted = list(dict.fromkeys(articles))
    known = store.article_ids()
    missing = [a for a in wanted if a not in known]
    if missing:
        raise UsageError(f"no article {missing[0]!r} in the store (`kgload articles` lists "
                         "them)")
    present = set(names)
    chosen = [str(g) for a in wanted for g in iris.article_graphs(a) if str(g) in present]
    if shared:
        chosen += [n for n in names if iris.article_id_of_graph(n) is None]
    return chosen


@dataclass
class _Body:
    """A graph as N-Triples in a spooled file: sized, re-readable (for retries and Digest
    authentication's second try), never in memory whole past ``SPOOL_BYTES``."""

    file: IO[bytes]
    size: int
    triples: int
    digest: str

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def __len__(self) -> int:  # requests sends Content-Length from it (no chunked body)
        return self.size

    def close(self) -> None:
        self.file.close()


def _lines(store: Store, graph: str) -> Iterator[tuple[bytes, bool]]:
    """The graph's triples as N-Triples lines, each with whether it has a blank node."""
    with store.reading():
        for quad in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            blank = isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object,
                                                                         ox.BlankNode)
            yield f"{quad.subject} {quad.predicate} {quad.object} .\n".encode(), blank


def graph_body(store: Store, graph: str) -> _Body:
    """The graph as an N-Triples body, with its size, triple count and digest."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    digest = sha256()
    size = triples = 0
    try:
        for line, _ in _lines(store, graph):
            spool.write(line)
            digest.update(line)
            size += len(line)
            triples += 1
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return _Body(spool, size, triples, digest.hexdigest())  # type: ignore[arg-type]


def _put(endpoint: Endpoint, graph: str, body: _Body) -> None:
    endpoint.request("PUT", what=f"PUT of graph <{graph}>", params={"graph": graph},
                     data=body, headers={"Content-Type": BODY_TYPE})


def _delete(endpoint: Endpoint, graph: str, mode: Mode) -> None:
    if mode is Mode.UPDATE:
        endpoint.request("POST", what=f"DROP of graph <{graph}>",
                         data=f"DROP SILENT GRAPH {ox.NamedNode(graph)}".encode(),
                         headers={"Content-Type": "application/sparql-update"})
    else:  # a graph already gone is fine
        endpoint.request("DELETE", what=f"DELETE of graph <{graph}>",
                         params={"graph": graph}, ok=(404,))


def _update(endpoint: Endpoint, store: Store, graph: str) -> None:
    """Replace the graph with SPARQL Update requests, ``UPDATE_BATCH`` triples each (the
    triples with blank nodes in one of them, last)."""
    name = str(ox.NamedNode(graph))
    first = True
    blank: list[bytes] = []
    batch: list[bytes] = []

    def send(lines: list[bytes]) -> None:
        nonlocal first
        drop = f"DROP SILENT GRAPH {name} ;\n".encode() if first else b""
        text = (drop + f"INSERT DATA {{ GRAPH {name} {{\n".encode() + b"".join(lines)
                + b"} }")
        endpoint.request("POST", what=f"update of graph <{graph}>", data=text,
                         headers={"Content-Type": "application/sparql-update"})
        first = False

    for line, has_blank in _lines(store, graph):
        if has_blank:
            blank.append(line)
            continue
        batch.append(line)
        if len(batch) == UPDATE_BATCH:
            send(batch)
            batch = []
    if batch or first:
        send(batch)
    if blank:
        send(blank)


def push(store: Store, endpoint: Endpoint, iris: Iris, *, mode: Mode = Mode.GRAPH_STORE,
         articles: Iterable[str] | None = None, shared: bool = True, changed: bool = False,
         dry_run: bool = False, state_path: Path | None = None,
         on_graph: Callable[[PushReport, str], None] | None = None,
         stop: Callable[[], bool] | None = None) -> PushReport:
    """Send the store's named graphs to the endpoint (see the module for the two modes).

    ``articles``: only those articles' graphs (and, with ``shared``, the graphs of no
    article); ``changed``: only graphs whose content differs from what was last pushed
    to this endpoint. A whole push (no ``articles``) also removes from the endpoint the
    graphs it pushed before that the store no longer holds. ``dry_run`` sends nothing and
    reports what would be sent. ``on_graph`` is called after each graph; ``stop`` is
    asked before each (Ctrl-C: the report says what was sent). The push stops at the
    first failure that will not pass (the endpoint unreachable, credentials refused) or
    after ``GIVE_UP_AFTER`` failed graphs in a row; other failures are reported per graph.
    """
    started = time.monotonic()
    graphs = select(store, iris, articles=articles, shared=shared)
    report = PushReport(endpoint.shown, mode, total=len(graphs), dry_run=dry_run)
    state = PushState(state_path or default_state_path(store), endpoint.url + "#" + mode)
    last_saved = 0
    in_a_row = 0
    gone = ([g for g in state.graphs if g not in set(graphs)] if articles is None else [])
    try:
        for done, graph in enumerate(graphs):
            if stop is not None and stop():
                report.stopped, report.not_sent = "interrupted", len(graphs) - done
                break
            body = graph_body(store, graph)
            try:
                if changed and state.graphs.get(graph) == body.digest:
                    report.unchanged += 1
                elif dry_run:
                    report.sent.append(Sent(graph, body.triples))
                else:
                    if mode is Mode.UPDATE:
                        _update(endpoint, store, graph)
                    else:
                        _put(endpoint, graph, body)
                    report.sent.append(Sent(graph, body.triples))
                    state.graphs[graph] = body.digest
                    in_a_row = 0
            except EndpointError as exc:
                state.graphs.pop(graph, None)
                report.failed.append(Failed(graph, exc.message))
                in_a_row += 1
                if not exc.reachable or in_a_row >= GIVE_UP_AFTER:
                    report.stopped = exc.message if not exc.reachable else \
                        f"{in_a_row} graphs failed in a row"
                    report.not_sent = len(graphs) - done - 1
                    break
            finally:
                body.close()
            if on_graph is not None:
                on_graph(report, graph)
            if not dry_run and len(report.sent) - last_saved >= SAVE_EVERY:
                state.save()
                last_saved = len(report.sent)
        if report.stopped is None:
            for graph in gone:
                if not dry_run:
                    try:
                        _delete(endpoint, graph, mode)
                    except EndpointError as exc:
                        report.failed.append(Failed(graph, exc.message))
                        continue
                    state.graphs.pop(graph, None)
                report.removed.append(graph)
    finally:
        if not dry_run:
            state.save()
            if state.unwritable:
                report.notes.append(f"what was pushed is not recorded ({state.unwritable}): "
                                    "the next push --changed sends every graph again "
                                    "(--state FILE records it elsewhere)")
        report.retries = endpoint.retries
        report.seconds = time.monotonic() - started
    return report


def check_state_path(path: Path | None) -> None:
    """A --state that is a folder is a usage error."""
    if path is not None and path.is_dir():
        raise UsageError(f"--state {path} is a folder: give a file name")
