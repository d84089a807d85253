"""The load pipeline: parse, check, map, reason, validate (per article), then commit.

``prepare`` needs no store, so ``kgload validate`` and ``kgload load`` run exactly the
same checks. ``load`` commits each article in one atomic update; an article that fails
any stage leaves the store as it was, and the other articles of the run still load.
"""

from __future__ import annotations

import json
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path

from rdflib import Graph, Literal

from .background import Background, background
from .check import declarations, declared_ids, referenced_ids
from .commit import Stored, Writer, admit, commit, remove
from .entities import EntityIndex, Known
from .errors import Finding, InputRejected
from .evidence import check_quotations
from .facts import FactsFile, Limits, read_documents
from .iris import Iris
from .model import STORE_FORMAT, check_format, model_digest
from .ontology import entity_types, ontology_graph
from .outcomes import STAGES, LoadReport, Outcome, Prepared, Ready, Status, Timer, rejected_source
from .prepare import prepare
from .reasoning import Reasoner
from .store import Store
from .validation import Validator
from .vocab import KG
from .workers import Preparation, preparer

log = logging.getLogger(__name__)

FACTS_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
__all__ = ["STAGES", "LoadReport", "Outcome", "Prepared", "Ready", "load", "load_documents",
           "remove", "validate_paths"]


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
_PARSE_TO_DECIDE = 16 << 20  # a larger JSON file found in a folder is read as facts


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
    keys = {m.group(1) for m in _FACTS_KEYS.finditer(head)}
    if not keys:
        return False
    if b"format_version" in keys:
        return True
    # "article" may be a key deeper down (a corpus manifest lists its violations by
    # article): only a top-level one makes a facts file
    try:
        if path.stat().st_size > _PARSE_TO_DECIDE:
            return True
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return True  # the reader says what is wrong with it
    return not isinstance(document, dict) or "article" in document


def _walk(folder: Path) -> Iterator[Path]:
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        elif entry.suffix.lower() in FACTS_SUFFIXES or (entry.is_symlink() and entry.is_dir()):
            yield entry  # a linked folder is reported as a link, not followed


def _documents(path: Path, refused: Finding | None, timer: Timer,
               limits: Limits | None = None) -> Iterator[FactsFile | InputRejected]:
    """The articles of one input: a file, each line of a JSON Lines file, or a refusal."""
    if refused:
        if refused.rule != "not-facts":
            yield InputRejected([refused])
        return
    documents = read_documents(path, limits)
    while True:
        with timer("parse"):
            document = next(documents, None)
        if document is None:
            return
        yield document


def validate_paths(paths: Iterable[str | Path], iris: Iris | None = None,
                   on_outcome: Callable[[Outcome], None] | None = None, *,
                   reasoner: Reasoner | str = Reasoner.FAST,
                   validator: Validator | str = Validator.SPARQL,
                   limits: Limits | None = None, article_text: str | None = None,
                   text_source: str = "the article text") -> LoadReport:
    """Run every check on the files without touching a store.

    The files are checked together: an entity one of them declares may be used by the
    others without being declared again, and two declarations must not contradict.
    ``limits``: how much one article may hold (see :class:`kgload.facts.Limits`).
    ``article_text``: the article the files are drawn from; every ``evidence`` and
    ``quote`` must be in it (:mod:`kgload.evidence`), ``text_source`` names it.
    """
    iris = iris or Iris()
    report = LoadReport()
    timer = Timer(report.seconds)
    paths = list(paths)
    types = entity_types()
    declared: dict[str, Known] = {}  # a first pass: who declares what
    for path, refused in expand_paths(paths):
        for document in _documents(path, refused, timer, limits):
            if not isinstance(document, InputRejected):
                for entity_id, (type_name, name) in declarations(document.data).items():
                    if type_name in types and entity_id not in declared:
                        declared[entity_id] = Known((types[type_name],), name,
                                                    f"file {document.source}")
    for path, refused in expand_paths(paths):
        if refused is not None and refused.rule == "not-facts":
            report.skipped.append(str(path))
        for document in _documents(path, refused, timer, limits):
            if isinstance(document, InputRejected):
                outcome = Outcome(rejected_source(path, document), Status.REJECTED,
                                  findings=document.findings)
            else:
                names = referenced_ids(document.data) | set(declared_ids(document.data))
                known = {i: declared[i] for i in names if i in declared
                         and declared[i].where != f"file {document.source}"}
                misquoted = ([] if article_text is None
                             else check_quotations(document, article_text, text_source))
                try:
                    prepared = prepare(document, iris, timer, reasoner=reasoner, known=known,
                                       validator=validator)
                    outcome = Outcome(document.source, Status.VALID, prepared.article_id,
                                      asserted=len(prepared.mapped.graph),
                                      inferred=len(prepared.inferred))
                except InputRejected as exc:
                    outcome = Outcome(document.source, Status.REJECTED, findings=exc.findings)
                if misquoted:
                    outcome = Outcome(document.source, Status.REJECTED, findings=sorted(
                        outcome.findings + misquoted, key=lambda f: (f.line or 0, f.column or 0)))
            report.outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
    return report


def background_digest(bg: Background) -> str:
    """Changes with the model (see :mod:`kgload.model`): then the graphs are rewritten."""
    return model_digest(bg.iris)


def ensure_background(store: Store, bg: Background) -> bool:
    """Write the ontology and registry graphs if the store lacks them or has old ones."""
    iris = bg.iris
    marker = iris.registry_graph
    digest = background_digest(bg)
    if check_format(store, iris) != STORE_FORMAT:
        described = Graph()
        described.add((iris.store_graph, KG.storeFormat, Literal(STORE_FORMAT)))
        store.replace_graphs({iris.store_graph: described})
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


def load(
    store: Store,
    paths: Iterable[str | Path],
    iris: Iris | None = None,
    *,
    force: bool = False,
    reasoner: Reasoner | str = Reasoner.FAST,
    validator: Validator | str = Validator.SPARQL,
    on_outcome: Callable[[Outcome], None] | None = None,
    batch_quads: int = 100_000,
    batch_seconds: float = 2.0,
    jobs: int = 1,
    limits: Limits | None = None,
    stop: Callable[[], bool] | None = None,
) -> LoadReport:
    """Load facts files into an open (writable) store; every article is whole or absent.

    New articles are written in journaled bulk batches (see :meth:`Store.bulk_write`) of
    at most ``batch_quads`` quads or ``batch_seconds`` of work; a reloaded article is
    replaced in one atomic update. ``on_outcome`` hears of an article once it is committed.
    With ``jobs`` > 1, articles are prepared in that many processes (see ``workers``);
    ``limits`` (see :class:`kgload.facts.Limits`) travel there with each parsed file.
    ``stop`` is asked between articles: when it says true, the load finishes the
    articles in hand and ends (``report.interrupted``). The library installs no signal
    handler; the CLI's Ctrl-C sets what ``stop`` reads.
    """
    def inputs(report: LoadReport, timer: Timer) -> Iterator[tuple[Path, Documents]]:
        for path, refused in expand_paths(paths):
            if refused is not None and refused.rule == "not-facts":
                report.skipped.append(str(path))
            yield path, _documents(path, refused, timer, limits)

    return load_documents(store, inputs, iris, force=force, reasoner=reasoner,
                          validator=validator, on_outcome=on_outcome, batch_quads=batch_quads,
                          batch_seconds=batch_seconds, jobs=jobs, stop=stop)


Documents = Iterable[FactsFile | InputRejected]


def load_documents(
    store: Store,
    inputs: Callable[[LoadReport, Timer], Iterable[tuple[Path, Documents]]],
    iris: Iris | None = None,
    *,
    force: bool = False,
    reasoner: Reasoner | str = Reasoner.FAST,
    validator: Validator | str = Validator.SPARQL,
    on_outcome: Callable[[Outcome], None] | None = None,
    batch_quads: int = 100_000,
    batch_seconds: float = 2.0,
    jobs: int = 1,
    stop: Callable[[], bool] | None = None,
) -> LoadReport:
    """:func:`load` of the documents that ``inputs(report, timer)`` gives, per input path."""
    iris = iris or Iris()
    report = LoadReport()
    timer = Timer(report.seconds)
    bg = background(iris)
    ensure_background(store, bg)
    index = EntityIndex(store, iris, bg)

    def done(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    writer = Writer(store, iris, timer, done, batch_quads, batch_seconds, index)
    seen: dict[str, str] = {}
    window: deque[Outcome | tuple[Future[Preparation], FactsFile, Stored]] = deque()
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
            commit(writer, facts, stored, future.result(), report)

    interrupted = stop or (lambda: False)
    with preparer(jobs, iris, reasoner, validator) as workers:
        try:
            for path, documents in inputs(report, timer):
                for document in documents:
                    if interrupted():
                        report.interrupted = True
                        break
                    admitted = admit(writer, path, document, force, seen)
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
