"""The load pipeline: parse, check, map, reason, validate (per article), then commit.

``prepare`` needs no store, so ``kgload validate`` and ``kgload load`` run exactly the
same checks. ``load`` commits each article in one atomic update; an article that fails
any stage leaves the store as it was, and the other articles of the run still load.
"""

from __future__ import annotations

import hashlib
import logging
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, URIRef

from . import __version__
from .check import CheckedFacts, check_facts
from .errors import Finding, InputRejected
from .facts import FactsFile, read_documents
from .fastreason import FallBack, infer_fast
from .mapping import Iris, Mapped, map_article
from .ontology import ontology_graph, ontology_version, shapes_version
from .reasoning import Background, Inference, background, infer
from .registry import load_registry
from .store import Store, to_ox
from .validation import validate
from .vocab import KG, KG_IRI
from .workers import Result, preparer

log = logging.getLogger(__name__)

FACTS_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
STAGES = ("parse", "check", "map", "reason", "validate", "write")


@dataclass
class Prepared:
    """An article that passed every stage, ready to commit."""

    facts: FactsFile
    checked: CheckedFacts
    mapped: Mapped
    inferred: Graph

    @property
    def article_id(self) -> str:
        return self.checked.article_id

    def ready(self) -> Ready:
        """What the commit needs, and nothing else (small, picklable across processes)."""
        return Ready(self.article_id, self.facts.path, self.facts.sha256,
                     list(self.mapped.graph), list(self.inferred))


@dataclass(frozen=True)
class Ready:
    """An article's graphs and the facts of its provenance, ready to be written."""

    article_id: str
    path: str
    sha256: str
    asserted: list[tuple[Any, Any, Any]]
    inferred: list[tuple[Any, Any, Any]]


@dataclass
class Outcome:
    """What happened to one input file."""

    source: str
    status: str  # "loaded" | "reloaded" | "unchanged" | "rejected" | "valid"
    article_id: str | None = None
    findings: list[Finding] = field(default_factory=list)
    asserted: int = 0
    inferred: int = 0


@dataclass
class LoadReport:
    """The result of a ``load`` or ``validate`` run."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    interrupted: bool = False

    def count(self, *statuses: str) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "rejected"]


class _Timer:
    """Adds the time spent in each stage to a report: ``with timer("check"): ...``."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started


def expand_paths(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Finding | None]]:
    """Facts files named on the command line, folders expanded (sorted, not following links).

    Yields ``(path, None)`` for each file to read, or ``(path, finding)`` for an entry
    that is refused (a symbolic link inside a folder, a missing path).
    """
    for given in paths:
        path = Path(given)
        if not path.exists():
            yield path, Finding(str(path), "no such file or folder", "missing-path")
        elif path.is_dir():
            found = False
            for child in sorted(_walk(path)):
                found = True
                if child.is_symlink():
                    yield child, Finding(
                        str(child),
                        "is a symbolic link inside a loaded folder; kgload does not follow "
                        "links out of the folders it is given (name the target directly)",
                        "symlink",
                    )
                else:
                    yield child, None
            if not found:
                yield path, Finding(str(path), "the folder holds no facts files "
                                    f"({', '.join(FACTS_SUFFIXES)})", "empty-folder")
        else:
            yield path, None


def _walk(folder: Path) -> Iterator[Path]:
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        elif entry.suffix.lower() in FACTS_SUFFIXES or (entry.is_symlink() and entry.is_dir()):
            yield entry  # a linked folder is reported as a link, not followed


def _documents(path: Path, refused: Finding | None,
               timer: _Timer) -> Iterator[FactsFile | InputRejected]:
    """The articles of one input: a file, each line of a JSON Lines file, or a refusal."""
    if refused:
        yield InputRejected([refused])
        return
    documents = read_documents(path)
    while True:
        with timer("parse"):
            document = next(documents, None)
        if document is None:
            return
        yield document


def _source(path: Path, rejection: InputRejected) -> str:
    """Where a rejected article was: the file, or ``file:line`` in JSON Lines."""
    line = rejection.findings[0].line if rejection.findings else None
    return f"{path}:{line}" if path.suffix.lower() == ".jsonl" and line else str(path)


def reason(asserted: Graph, bg: Background, reasoner: str = "fast") -> Inference:
    """The article's inferred graph: the compiled fast path, or owlrl (the reference).

    The fast path hands an article to owlrl whenever it cannot guarantee the same result.
    """
    if reasoner == "fast":
        try:
            return infer_fast(asserted, bg)
        except FallBack as exc:
            log.info("reasoning with owlrl: %s", exc)
    return infer(asserted, bg)


def prepare(facts: FactsFile, iris: Iris, timer: _Timer | None = None, *,
            reasoner: str = "fast") -> Prepared:
    """Check, map, reason and validate a parsed facts file; raises :class:`InputRejected`."""
    timer = timer or _Timer(dict.fromkeys(STAGES, 0.0))
    bg = background(iris)
    with timer("check"):
        checked = check_facts(facts, load_registry().types)
    with timer("map"):
        mapped = map_article(checked, iris)
    with timer("reason"):
        inference = reason(mapped.graph, bg, reasoner)
    findings = [_inconsistency(facts, mapped, message) for message in inference.inconsistencies]
    with timer("validate"):
        findings += validate(facts, mapped, inference.graph, bg)
    if findings:
        raise InputRejected(findings)
    return Prepared(facts, checked, mapped, inference.graph)


_IRI = re.compile(r"https?://[^\s<>\"'(),]+")


def _inconsistency(facts: FactsFile, mapped: Mapped, message: str) -> Finding:
    """A reasoner's inconsistency, located at the first fact or entity it names.

    A registry entity has no place in the file: the first statement of the file that
    mentions it (``located_in: colombia-government``) stands for it.
    """
    line = column = fact = None
    for iri in _IRI.findall(message):
        if iri.startswith((KG_IRI, "http://www.w3.org/")):
            continue  # a class or property of the ontology, not something the file says
        node = URIRef(iri)
        path = mapped.nodes.get(node)
        if path is None:
            path = next((p for (s, _, o), p in mapped.origins.items() if node in (s, o)), None)
        if path is not None:
            position = facts.position(path)
            if position:
                line, column = position
            fact = facts.fact_id(path)
            break
    return Finding(facts.path, f"the facts contradict the ontology: {message}", "inconsistent",
                   line, column, fact)


def validate_paths(paths: Iterable[str | Path], iris: Iris | None = None,
                   on_outcome: Callable[[Outcome], None] | None = None, *,
                   reasoner: str = "fast") -> LoadReport:
    """Run every check on the files without touching a store."""
    iris = iris or Iris()
    report = LoadReport()
    timer = _Timer(report.seconds)
    for path, refused in expand_paths(paths):
        for document in _documents(path, refused, timer):
            if isinstance(document, InputRejected):
                outcome = Outcome(_source(path, document), "rejected",
                                  findings=document.findings)
            else:
                try:
                    prepared = prepare(document, iris, timer, reasoner=reasoner)
                    outcome = Outcome(document.source, "valid", prepared.article_id,
                                      asserted=len(prepared.mapped.graph),
                                      inferred=len(prepared.inferred))
                except InputRejected as exc:
                    outcome = Outcome(document.source, "rejected", findings=exc.findings)
            report.outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
    return report


def background_digest(bg: Background) -> str:
    """Changes when the ontology, registry or base IRI change (then they are rewritten)."""
    text = f"{bg.iris.base}|{ontology_version()}|{load_registry().digest}|{len(ontology_graph())}"
    return hashlib.sha256(text.encode()).hexdigest()


def ensure_background(store: Store, bg: Background) -> bool:
    """Write the ontology and registry graphs if the store lacks them or has old ones."""
    iris = bg.iris
    marker = iris.registry_graph
    digest = background_digest(bg)
    if store.value(marker, marker, KG.sourceSha256) == digest:
        return False
    registry = Graph()
    for triple in bg.registry:
        registry.add(triple)
    registry.add((marker, KG.sourceSha256, Literal(digest)))
    store.replace_graphs({
        iris.ontology_graph: ontology_graph(),
        iris.registry_graph: registry,
        iris.registry_inferred_graph: bg.registry_inferred,
    })
    return True


def _as_graph(triples: Any) -> Graph:
    if isinstance(triples, Graph):
        return triples
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def _displayable(name: str) -> str:
    """A file name as text, whatever bytes it was made of (undecodable bytes become U+FFFD)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def provenance(ready: Ready, iris: Iris, loaded_at: datetime) -> Graph:
    aid = ready.article_id
    article = iris.article(aid)
    graph = Graph()
    graph.add((article, RDF.type, KG.Article))
    graph.add((article, KG.sourceFile, Literal(_displayable(Path(ready.path).name))))
    graph.add((article, KG.sourceSha256, Literal(ready.sha256)))
    graph.add((article, KG.loadedAt, Literal(loaded_at.isoformat(timespec="seconds"),
                                             datatype=XSD.dateTime)))
    graph.add((article, KG.kgloadVersion, Literal(__version__)))
    graph.add((article, KG.ontologyVersion, Literal(ontology_version())))
    graph.add((article, KG.shapesVersion, Literal(shapes_version())))
    graph.add((article, KG.assertedGraph, iris.asserted_graph(aid)))
    graph.add((article, KG.inferredGraph, iris.inferred_graph(aid)))
    return graph


def _stored_state(store: Store, iris: Iris, article_id: str) -> tuple[str | None, str | None]:
    graph = iris.provenance_graph(article_id)
    article = iris.article(article_id)
    return (store.value(graph, article, KG.sourceSha256),
            store.value(graph, article, KG.ontologyVersion))


def _article_id_hint(facts: FactsFile) -> str | None:
    data = facts.data
    if isinstance(data, dict) and isinstance(data.get("article"), dict):
        value = data["article"].get("id")
        return value if isinstance(value, str) else None
    return None


def load(
    store: Store,
    paths: Iterable[str | Path],
    iris: Iris | None = None,
    *,
    force: bool = False,
    reasoner: str = "fast",
    on_outcome: Callable[[Outcome], None] | None = None,
    batch_quads: int = 100_000,
    batch_seconds: float = 2.0,
    jobs: int = 1,
) -> LoadReport:
    """Load facts files into an open (writable) store; every article is whole or absent.

    New articles are written in journaled bulk batches (see :meth:`Store.bulk_write`) of
    at most ``batch_quads`` quads or ``batch_seconds`` of work; a reloaded article is
    replaced in one atomic update. ``on_outcome`` hears of an article once it is committed.
    With ``jobs`` > 1, articles are prepared in that many processes (see ``workers``).
    """
    iris = iris or Iris()
    report = LoadReport()
    timer = _Timer(report.seconds)
    bg = background(iris)
    ensure_background(store, bg)

    def done(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    writer = _Writer(store, iris, timer, done, batch_quads, batch_seconds)
    seen: dict[str, str] = {}
    window: deque[Outcome | tuple[Future[Result], FactsFile, str | None]] = deque()
    limit = max(1, jobs) * 4  # articles in flight: keeps workers busy, memory bounded

    def settle(block: bool) -> None:
        """Hand finished articles to the writer, in input order."""
        while window:
            head = window[0]
            if isinstance(head, Outcome):
                writer.emit(window.popleft())  # type: ignore[arg-type]
                continue
            future, facts, stored_sha = head
            if not block and not future.done() and len(window) < limit:
                return
            window.popleft()
            _commit(writer, facts, stored_sha, future.result(), report)

    with _deferred_interrupt() as interrupted, preparer(jobs, iris, reasoner) as workers:
        try:
            for path, refused in expand_paths(paths):
                for document in _documents(path, refused, timer):
                    if interrupted():
                        report.interrupted = True
                        break
                    admitted = _admit(writer, path, document, force, seen)
                    if isinstance(admitted, Outcome):
                        window.append(admitted)
                    else:
                        window.append((workers.submit(admitted[0]), *admitted))
                    settle(block=False)
                if report.interrupted:
                    break
            settle(block=True)
        finally:
            writer.flush()
        report.interrupted = report.interrupted or interrupted()
    return report


class _Writer:
    """Commits prepared articles: new ones in bulk batches, reloads one update each."""

    def __init__(self, store: Store, iris: Iris, timer: _Timer,
                 done: Callable[[Outcome], None], batch_quads: int,
                 batch_seconds: float) -> None:
        self.store, self.iris, self.timer, self.done = store, iris, timer, done
        self.batch_quads, self.batch_seconds = batch_quads, batch_seconds
        self.quads: list[Any] = []
        self.articles: dict[str, list[URIRef]] = {}
        self.outcomes: list[Outcome] = []
        self.started = time.monotonic()

    def add(self, ready: Ready, outcome: Outcome, reload: bool) -> None:
        aid = ready.article_id
        graphs: dict[URIRef, Any] = {
            self.iris.asserted_graph(aid): ready.asserted,
            self.iris.inferred_graph(aid): ready.inferred,
            self.iris.provenance_graph(aid): provenance(ready, self.iris, datetime.now(UTC)),
        }
        if reload:  # the old graphs go and the new ones come in one transaction
            with self.timer("write"):
                self.store.replace_graphs({name: _as_graph(triples)
                                           for name, triples in graphs.items()})
            self.done(outcome)
            return
        with self.timer("write"):
            for name, graph in graphs.items():
                graph_node = to_ox(name)
                self.quads.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_node)
                                  for s, p, o in graph)
        self.articles[aid] = list(graphs)
        self.outcomes.append(outcome)
        if (len(self.quads) >= self.batch_quads
                or time.monotonic() - self.started >= self.batch_seconds):
            self.flush()

    def emit(self, outcome: Outcome) -> None:
        """An outcome with nothing to write (rejected, unchanged), in order."""
        if not self.outcomes:
            self.done(outcome)
        else:
            self.outcomes.append(outcome)

    def flush(self) -> None:
        if self.articles:
            log.info("writing %d articles (%d quads)", len(self.articles), len(self.quads))
            with self.timer("write"):
                self.store.bulk_write(self.articles, self.quads)
        for outcome in self.outcomes:
            self.done(outcome)
        self.quads, self.articles, self.outcomes = [], {}, []
        self.started = time.monotonic()


@contextmanager
def _deferred_interrupt() -> Iterator[Callable[[], bool]]:
    """Ctrl-C during a load finishes the article in hand, then stops between articles.

    A KeyboardInterrupt raised in the middle of an article could land just after its
    commit and before it is reported; deferring it keeps the report exact. A second
    Ctrl-C stops at once (nothing half-written: each commit is one atomic update).
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    hits: list[int] = []

    def handler(signum: int, frame: object) -> None:
        hits.append(signum)
        if len(hits) > 1:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: bool(hits)
    finally:
        signal.signal(signal.SIGINT, previous)


def _admit(writer: _Writer, path: Path, document: FactsFile | InputRejected, force: bool,
           seen: dict[str, str]) -> Outcome | tuple[FactsFile, str | None]:
    """An outcome at once (rejected, duplicate, unchanged), or the article to prepare."""
    if isinstance(document, InputRejected):
        return Outcome(_source(path, document), "rejected", findings=document.findings)
    facts = document
    hint = _article_id_hint(facts)
    if hint is not None and hint in seen:
        line, column = facts.position(("article", "id")) or (None, None)
        return Outcome(facts.source, "rejected", findings=[Finding(
            facts.path, f'the article id "{hint}" appears twice in this run (first in '
            f"{seen[hint]})", "duplicate-article", line, column, hint)])
    stored_sha, stored_ontology = (
        _stored_state(writer.store, writer.iris, hint) if hint else (None, None))
    if not force and stored_sha == facts.sha256 and stored_ontology == ontology_version():
        return Outcome(facts.source, "unchanged", hint)
    if hint is not None:
        seen[hint] = facts.source
    return facts, stored_sha


def _commit(writer: _Writer, facts: FactsFile, stored_sha: str | None, result: Result,
            report: LoadReport) -> None:
    status, payload, seconds = result
    for stage, spent in seconds.items():
        report.seconds[stage] = report.seconds.get(stage, 0.0) + spent
    if status == "rejected":
        writer.emit(Outcome(facts.source, "rejected", findings=payload))
        return
    ready: Ready = payload
    # a stored article (or graphs of that name from elsewhere) is replaced atomically
    reload = stored_sha is not None or writer.store.ox.contains_named_graph(
        to_ox(writer.iris.asserted_graph(ready.article_id)))
    writer.add(ready, Outcome(facts.source, "reloaded" if stored_sha else "loaded",
                              ready.article_id, asserted=len(ready.asserted),
                              inferred=len(ready.inferred)), reload)


def remove(store: Store, article_id: str, iris: Iris | None = None) -> bool:
    """Remove an article's graphs in one update; False if it was not in the store."""
    iris = iris or Iris()
    if _stored_state(store, iris, article_id)[0] is None:
        return False
    store.drop_graphs(iris.article_graphs(article_id))
    return True
