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
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, URIRef

from . import __version__
from .check import CheckedFacts, check_facts, declarations, declared_ids, referenced_ids
from .entities import EntityIndex, Known, Split, claim_links, split, type_conflicts
from .errors import Finding, InputRejected, Refused
from .facts import FactsFile, read_documents
from .fastreason import FallBack, infer_fast
from .mapping import Iris, Mapped, map_article
from .ontology import entity_types, ontology_graph, ontology_version, shapes_version
from .reasoning import Background, Inference, background, infer
from .registry import load_registry
from .store import Store, replace_graphs_update, to_ox
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
    context: frozenset[Any] = frozenset()  # entities used, declared elsewhere

    @property
    def article_id(self) -> str:
        return self.checked.article_id

    def ready(self, iris: Iris) -> Ready:
        """What the commit needs, and nothing else (small, picklable across processes)."""
        parts = split(self.mapped.graph, self.inferred, iris, background(iris),
                      context=self.context)
        return Ready(self.article_id, self.facts.path, self.facts.sha256, parts, self.context)


@dataclass(frozen=True)
class Ready:
    """An article's graphs and the facts of its provenance, ready to be written."""

    article_id: str
    path: str
    sha256: str
    parts: Split
    context: frozenset[Any] = frozenset()  # entities it uses without declaring them

    @property
    def asserted(self) -> int:
        return len(self.parts.asserted) + len(self.parts.claims)

    @property
    def inferred(self) -> int:
        return len(self.parts.inferred) + len(self.parts.inferred_claims)


@dataclass
class Outcome:
    """What happened to one input file."""

    source: str
    status: str  # "loaded" | "reloaded" | "unchanged" | "rejected" | "valid"
    article_id: str | None = None
    findings: list[Finding] = field(default_factory=list)
    asserted: int = 0
    inferred: int = 0
    notes: list[str] = field(default_factory=list)  # differences with other articles


@dataclass
class LoadReport:
    """The result of a ``load`` or ``validate`` run."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    interrupted: bool = False
    skipped: list[str] = field(default_factory=list)  # files in folders that are not facts

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
    that is refused (a symbolic link inside a folder, a missing path) or skipped (rule
    ``not-facts``: a JSON file found in a folder that is not a facts file, such as a
    corpus generator's ``manifest.json``: no ``format_version`` and no ``article`` key in
    it). A file named on the command line is always read as a facts file.
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
                elif not _looks_like_facts(child):
                    yield child, Finding(str(child), "not a facts file (it has no "
                                         "format_version and no article): skipped",
                                         "not-facts", severity="info")
                else:
                    yield child, None
            if not found:
                yield path, Finding(str(path), "the folder holds no facts files "
                                    f"({', '.join(FACTS_SUFFIXES)})", "empty-folder")
        else:
            yield path, None


_FACTS_KEYS = re.compile(rb'"(format_version|article)"\s*:')


def _looks_like_facts(path: Path) -> bool:
    """Whether a JSON file found in a folder may be a facts file (a cheap look at its keys).

    Only JSON is skipped this way (a folder of facts may hold other JSON: a corpus
    manifest, a tool's settings); a YAML file in a facts folder is a facts file, and an
    empty or undecodable file is read so that the reader says what is wrong with it.
    """
    if path.suffix.lower() != ".json":
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return True
    if not head.strip() or b"\x00" in head[:4] or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    return _FACTS_KEYS.search(head) is not None


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
        if refused.rule != "not-facts":
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
            reasoner: str = "fast", known: dict[str, Known] | None = None) -> Prepared:
    """Check, map, reason and validate a parsed facts file; raises :class:`InputRejected`.

    ``known`` are the entities declared elsewhere (the store, other files of the run)
    that the file names: it may use them without declaring them, and what it declares
    must not contradict them.
    """
    timer = timer or _Timer(dict.fromkeys(STAGES, 0.0))
    bg = background(iris)
    known = known or {}
    with timer("check"):
        checked = check_facts(facts, load_registry().types, known)
        conflicts = type_conflicts(facts, known, bg)
        if conflicts:
            raise InputRejected(conflicts)
    with timer("map"):
        mapped = map_article(checked, iris)
        declared = {e["id"] for e in checked.entities}
        used = {i: k for i, k in known.items() if i not in declared}
        context = Graph()
        for entity_id, entity in used.items():
            node = iris.entity(entity_id)
            for cls in entity.types:
                context.add((node, RDF.type, cls))
            if entity.name is not None:
                context.add((node, KG.name, Literal(entity.name)))
        work = mapped.graph
        if len(context):
            work = Graph()
            for graph in (mapped.graph, context):
                for triple in graph:
                    work.add(triple)
    with timer("reason"):
        inference = reason(work, bg, reasoner)
    findings = [_inconsistency(facts, mapped, message) for message in inference.inconsistencies]
    with timer("validate"):
        seen = inference.graph
        if len(context):
            seen = Graph()
            for graph in (inference.graph, context):
                for triple in graph:
                    seen.add(triple)
        findings += validate(facts, mapped, seen, bg)
    if findings:
        raise InputRejected(findings)
    return Prepared(facts, checked, mapped, inference.graph,
                    frozenset(iris.entity(i) for i in used))


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
    """Run every check on the files without touching a store.

    The files are checked together: an entity one of them declares may be used by the
    others without being declared again, and two declarations must not contradict.
    """
    iris = iris or Iris()
    report = LoadReport()
    timer = _Timer(report.seconds)
    paths = list(paths)
    types = entity_types()
    declared: dict[str, Known] = {}  # a first pass: who declares what
    for path, refused in expand_paths(paths):
        for document in _documents(path, refused, timer):
            if not isinstance(document, InputRejected):
                for entity_id, (type_name, name) in declarations(document.data).items():
                    if type_name in types and entity_id not in declared:
                        declared[entity_id] = Known((types[type_name],), name,
                                                    f"file {document.source}")
    for path, refused in expand_paths(paths):
        if refused is not None and refused.rule == "not-facts":
            report.skipped.append(str(path))
        for document in _documents(path, refused, timer):
            if isinstance(document, InputRejected):
                outcome = Outcome(_source(path, document), "rejected",
                                  findings=document.findings)
            else:
                names = referenced_ids(document.data) | set(declared_ids(document.data))
                known = {i: declared[i] for i in names if i in declared
                         and declared[i].where != f"file {document.source}"}
                try:
                    prepared = prepare(document, iris, timer, reasoner=reasoner, known=known)
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


def provenance(ready: Ready, iris: Iris, loaded_at: datetime, order: int) -> Graph:
    aid = ready.article_id
    article = iris.article(aid)
    graph = Graph()
    graph.add((article, RDF.type, KG.Article))
    graph.add((article, KG.loadOrder, Literal(order)))
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


@dataclass(frozen=True)
class _Stored:
    sha256: str | None = None
    ontology: str | None = None
    file: str | None = None
    order: int | None = None


def _stored_state(store: Store, iris: Iris, article_id: str) -> _Stored:
    graph = iris.provenance_graph(article_id)
    article = iris.article(article_id)
    sha = store.value(graph, article, KG.sourceSha256)
    if sha is None:
        return _Stored()
    order = store.value(graph, article, KG.loadOrder)
    return _Stored(sha, store.value(graph, article, KG.ontologyVersion),
                   store.value(graph, article, KG.sourceFile),
                   int(order) if order is not None else None)


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
    index = EntityIndex(store, iris, bg)

    def done(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    writer = _Writer(store, iris, timer, done, batch_quads, batch_seconds, index)
    seen: dict[str, str] = {}
    window: deque[Outcome | tuple[Future[Result], FactsFile, _Stored]] = deque()
    limit = max(1, jobs) * 4  # articles in flight: keeps workers busy, memory bounded

    def settle(block: bool) -> None:
        """Hand finished articles to the writer, in input order."""
        while window:
            head = window[0]
            if isinstance(head, Outcome):
                writer.emit(window.popleft())  # type: ignore[arg-type]
                continue
            future, facts, stored = head
            if not block and not future.done() and len(window) < limit:
                return
            window.popleft()
            _commit(writer, facts, stored, future.result(), report)

    with _deferred_interrupt() as interrupted, preparer(jobs, iris, reasoner) as workers:
        try:
            for path, refused in expand_paths(paths):
                if refused is not None and refused.rule == "not-facts":
                    report.skipped.append(str(path))
                for document in _documents(path, refused, timer):
                    if interrupted():
                        report.interrupted = True
                        break
                    admitted = _admit(writer, path, document, force, seen)
                    if isinstance(admitted, Outcome):
                        window.append(admitted)
                    else:
                        facts, stored = admitted
                        known = writer.known_for(facts)
                        writer.in_flight(facts)
                        window.append((workers.submit(facts, known), facts, stored))
                    settle(block=False)
                if report.interrupted:
                    break
            settle(block=True)
        finally:
            writer.flush()
        report.interrupted = report.interrupted or interrupted()
    return report


class _Writer:
    """Commits prepared articles: new ones in bulk batches, reloads one update each.

    It also keeps the store's entities (see :mod:`kgload.entities`): what an article says
    about an entity is recorded as claims when the article is added, and the entities'
    resolved descriptions are written with the batch that changed them.
    """

    def __init__(self, store: Store, iris: Iris, timer: _Timer,
                 done: Callable[[Outcome], None], batch_quads: int,
                 batch_seconds: float, index: EntityIndex) -> None:
        self.store, self.iris, self.timer, self.done = store, iris, timer, done
        self.batch_quads, self.batch_seconds = batch_quads, batch_seconds
        self.index = index
        self.quads: list[Any] = []
        self.articles: dict[str, list[URIRef]] = {}
        self.outcomes: list[Outcome] = []
        self.started = time.monotonic()
        self.types = entity_types()
        self.registry = set(load_registry().types)
        self.pending: dict[str, list[tuple[str, Known]]] = {}  # declared by articles in flight

    # ------------------------------------------------------------ what is known

    def known_for(self, facts: FactsFile) -> dict[str, Known]:
        """The entities declared elsewhere that a file names (for its checks)."""
        out: dict[str, Known] = {}
        names = referenced_ids(facts.data) | set(declared_ids(facts.data))
        for entity_id in sorted(names - self.registry):
            known = self.index.known(self.iris.entity(entity_id))
            if known is None and self.pending.get(entity_id):
                known = self.pending[entity_id][0][1]
            if known is not None:
                out[entity_id] = known
        return out

    def in_flight(self, facts: FactsFile) -> None:
        for entity_id, (type_name, name) in declarations(facts.data).items():
            if type_name in self.types:
                self.pending.setdefault(entity_id, []).append(
                    (facts.source, Known((self.types[type_name],), name,
                                         f"file {facts.source}")))

    def landed(self, facts: FactsFile) -> None:
        for entity_id in declared_ids(facts.data):
            entries = [e for e in self.pending.get(entity_id, []) if e[0] != facts.source]
            if entries:
                self.pending[entity_id] = entries
            else:
                self.pending.pop(entity_id, None)

    def recheck(self, facts: FactsFile, prepared_context: Iterable[Any]) -> list[Finding]:
        """What the committed store says now against a file prepared a moment ago.

        Articles are prepared ahead of the commit (several at a time with ``--jobs``): an
        entity it used may have been declared only by a file that was then rejected, and
        two files in flight may declare one id with clashing types.
        """
        findings = []
        for node in sorted(prepared_context):
            if self.index.known(node) is None:
                entity_id = unquote(str(node)[len(self.iris.base + "entity/"):])
                where = facts.position(_first_reference(facts.data, entity_id))
                line, column = where or (None, None)
                findings.append(Finding(
                    facts.path, f'refers to the entity "{entity_id}", which only a file that '
                    "was rejected in this run declares; declare it here or load that file "
                    "first", "unknown-entity", line, column))
        declared = {i: k for i in declared_ids(facts.data)
                    if (k := self.index.known(self.iris.entity(i))) is not None}
        bg = background(self.iris)
        return findings + type_conflicts(facts, declared, bg)

    # ------------------------------------------------------------ writing

    def add(self, ready: Ready, outcome: Outcome, stored: _Stored) -> None:
        aid = ready.article_id
        article = self.iris.article(aid)
        reload = stored.sha256 is not None or self.store.ox.contains_named_graph(
            to_ox(self.iris.asserted_graph(aid)))
        if reload:
            self.flush()  # the store's entities must be current before the old claims go
        order = stored.order if stored.order is not None else self.index.take_order()
        links, inferred_links = claim_links(self.iris, article, ready.parts)
        graphs: dict[URIRef, Any] = {
            self.iris.asserted_graph(aid): [*ready.parts.asserted, *links],
            self.iris.inferred_graph(aid): [*ready.parts.inferred, *inferred_links],
            self.iris.provenance_graph(aid): provenance(ready, self.iris, datetime.now(UTC),
                                                        order),
        }
        if reload:  # the old graphs go and the new ones come in one transaction
            with self.timer("write"):
                self.index.remove_article(article, graphs)
                outcome.notes = self.index.add_article(order, ready.parts.claims,
                                                       ready.parts.inferred_claims)
                update = replace_graphs_update({name: _as_graph(triples)
                                                for name, triples in graphs.items()})
                entities = self.index.pending_update()
                self.store.update(update + (" ;\n" + entities if entities else ""))
            self.done(outcome)
            return
        with self.timer("write"):
            outcome.notes = self.index.add_article(order, ready.parts.claims,
                                                   ready.parts.inferred_claims)
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
                self.store.bulk_write(self.articles, self.quads,
                                      then=self.index.pending_quads(), base=self.iris.base)
        for outcome in self.outcomes:
            self.done(outcome)
        self.quads, self.articles, self.outcomes = [], {}, []
        self.started = time.monotonic()


def _first_reference(data: Any, entity_id: str) -> tuple[Any, ...]:
    """Where a document first names an entity (for a finding's line)."""
    for i, action in enumerate(data.get("actions") or []):
        for key in ("agents", "targets", "places", "attributed_to"):
            for j, participant in enumerate(action.get(key) or []):
                ref = participant.get("ref") if isinstance(participant, dict) else participant
                if ref == entity_id:
                    return ("actions", i, key, j)
    return ("entities",)


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
           seen: dict[str, str]) -> Outcome | tuple[FactsFile, _Stored]:
    """An outcome at once (rejected, duplicate, unchanged), or the article to prepare."""
    if isinstance(document, InputRejected):
        return Outcome(_source(path, document), "rejected", findings=document.findings)
    facts = document
    hint = _article_id_hint(facts)
    line, column = facts.position(("article", "id")) or (None, None)
    if hint is not None and hint in seen:
        return Outcome(facts.source, "rejected", findings=[Finding(
            facts.path, f'the article id "{hint}" appears twice in this run (first in '
            f"{seen[hint]})", "duplicate-article", line, column, hint)])
    stored = _stored_state(writer.store, writer.iris, hint) if hint else _Stored()
    if not force and stored.sha256 == facts.sha256 and stored.ontology == ontology_version():
        return Outcome(facts.source, "unchanged", hint)
    name = _displayable(Path(facts.path).name)
    if (not force and stored.sha256 is not None and stored.sha256 != facts.sha256
            and stored.file is not None and stored.file != name):
        # another file with other content: most likely a clash of ids, not an edit
        return Outcome(facts.source, "rejected", findings=[Finding(
            facts.path, f'the article id "{hint}" is already loaded from the file '
            f"{stored.file}, with other content; give this article another id, or pass "
            "--force to replace the stored article with this file", "article-id-taken",
            line, column, hint)])
    if hint is not None:
        seen[hint] = facts.source
    return facts, stored


def _commit(writer: _Writer, facts: FactsFile, stored: _Stored, result: Result,
            report: LoadReport) -> None:
    status, payload, seconds = result
    for stage, spent in seconds.items():
        report.seconds[stage] = report.seconds.get(stage, 0.0) + spent
    try:
        if status == "rejected":
            writer.emit(Outcome(facts.source, "rejected", findings=payload))
            return
        ready: Ready = payload
        findings = writer.recheck(facts, ready.context)
        if findings:
            writer.emit(Outcome(facts.source, "rejected", findings=findings))
            return
        writer.add(ready, Outcome(facts.source, "reloaded" if stored.sha256 else "loaded",
                                  ready.article_id, asserted=ready.asserted,
                                  inferred=ready.inferred), stored)
    finally:
        writer.landed(facts)


def remove(store: Store, article_id: str, iris: Iris | None = None) -> bool:
    """Remove an article in one update; False if it was not in the store.

    What only this article said of an entity goes with it, and the entities it spoke of
    are resolved again from the articles that remain. Refused (:class:`Refused`) when
    the article is the only one to declare an entity that other articles use.
    """
    iris = iris or Iris()
    if _stored_state(store, iris, article_id).sha256 is None:
        return False
    bg = background(iris)
    index = EntityIndex(store, iris, bg)
    article = iris.article(article_id)
    graphs = iris.article_graphs(article_id)
    index.remove_article(article, graphs)
    orphans = [e for e in sorted(index.changed)
               if e not in index.sem.registry_named and index.known(e) is None]
    users = _users(store, iris, orphans, set(graphs))
    if users:
        lines = [f'"{unquote(str(e)[len(iris.base + "entity/"):])}" (used by '
                 f'{", ".join(sorted(a))})' for e, a in users.items()]
        raise Refused(f'cannot remove "{article_id}": it is the only article that declares '
                      f"{'; '.join(lines)}. Remove those articles first, or load a file "
                      "that declares these entities, then remove it.")
    entities = index.pending_update()
    drops = " ;\n".join(f"DROP SILENT GRAPH {to_ox(g)}" for g in graphs)
    store.update(drops + (" ;\n" + entities if entities else ""))
    return True


def _users(store: Store, iris: Iris, entities: list[Any], own: set[URIRef]
           ) -> dict[Any, set[str]]:
    """The other articles whose graphs name these entities."""
    out: dict[Any, set[str]] = {}
    for entity in entities:
        for quad in store.ox.quads_for_pattern(None, None, to_ox(entity), None):
            graph = quad.graph_name
            if not isinstance(graph, ox.NamedNode) or URIRef(graph.value) in own:
                continue
            other = iris.article_id_of_graph(graph.value)
            if other is not None:
                out.setdefault(entity, set()).add(other)
    return out
