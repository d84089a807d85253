"""``kgload prepare``: the per-article pipeline with no store, into a prepared folder.

Every article goes through what ``load`` runs before its commit (:func:`kgload.prepare.
prepare`: check, map, reason, validate); a prepared article's graphs are written as
N-Quads shards and its compact summary beside them (see :mod:`kgload.shards`). Nothing
here needs the others' results, so it runs in ``--jobs`` processes (:mod:`kgload.workers`)
or on Dask (:mod:`kgload.scaleout`); what crosses articles is ``kgload combine``'s.

An article may name an entity that an earlier file declares: it is prepared with what
the earlier files declare (:class:`Declarations`), as ``load`` prepares it with what the
store holds by then; ``combine`` checks again against the articles that were accepted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from rdflib import RDF, Literal

from . import __version__
from .check import declarations, declared_ids, entity_references, referenced_ids
from .commit import article_id_hint, duplicate_article, source
from .entities import Claim, Declared, Known, claim_links, known_of
from .errors import Finding, InputRejected
from .facts import FactsFile, Limits
from .iris import Iris
from .model import model_digest
from .ontology import entity_types
from .outcomes import STAGES, LoadReport, Outcome, Status, Timer, rejected_source
from .pipeline import _documents, expand_paths
from .reasoning import Reasoner
from .registry import load_registry
from .shards import (
    PREPARED,
    REJECTED,
    Entry,
    Manifest,
    Summary,
    Used,
    new_folder,
    nquads,
    shard_name,
    summary_name,
    write_atomically,
)
from .validation import Validator
from .vocab import KG
from .workers import prepare_task, preparer

DEFAULT_SHARD_SIZE = 500  # articles per shard: about 1M quads of generated news


@dataclass(frozen=True)
class ArticleShard:
    """One article prepared for a shard: its N-Quads and summary, or its findings."""

    source: str
    path: str
    sha256: str
    model_digest: str
    article_id: str | None = None
    nquads: bytes = b""
    quads: int = 0
    summary: Summary | None = None
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    asserted: int = 0
    inferred: int = 0


def shard_article(facts: FactsFile, base: str, reasoner: str, validator: str,
                  known: dict[str, Known]) -> ArticleShard:
    """Prepare one article (``known``: entities declared by earlier files that it names);
    never raises for bad input. Runs in a worker process, or on a Dask worker."""
    iris = Iris(base)
    digest = model_digest(iris)
    result = prepare_task(facts, base, reasoner, known, validator)
    ready = result.ready
    if ready is None:
        return ArticleShard(facts.source, facts.path, facts.sha256, digest,
                            findings=result.findings, seconds=result.seconds)
    aid = ready.article_id
    links, inferred_links = claim_links(iris, iris.article(aid), ready.parts)
    graphs = [(iris.asserted_graph(aid), [*ready.parts.asserted, *links]),
              (iris.inferred_graph(aid), [*ready.parts.inferred, *inferred_links]),
              (iris.source_graph(aid), list(source(facts, iris, aid)))]
    summary = Summary(aid, facts.source, facts.path, facts.sha256, _declared(facts),
                      _used(facts, iris, ready.context), tuple(ready.parts.claims),
                      tuple(ready.parts.inferred_claims),
                      tuple(sorted({str(o) for _, p, o in ready.parts.asserted
                                    if p == KG.reportsEvent})))
    return ArticleShard(facts.source, facts.path, facts.sha256, digest, aid, nquads(graphs),
                        sum(len(t) for _, t in graphs), summary, [], result.seconds,
                        ready.asserted, ready.inferred)


def _declared(facts: FactsFile) -> tuple[Declared, ...]:
    """The entities the file declares, with where their type is written (for messages)."""
    types = entity_types()
    out = []
    for i, entity in enumerate(facts.data.get("entities") or []):
        if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
            continue
        type_name = entity.get("type")
        cls = types.get(type_name) if isinstance(type_name, str) else None
        if cls is None:
            continue
        line, column = facts.position(("entities", i, "type")) or (None, None)
        name = entity.get("name")
        out.append(Declared(entity["id"], cls, name if isinstance(name, str) else None,
                            line, column))
    return tuple(out)


def _used(facts: FactsFile, iris: Iris, context: Iterable[Any]) -> tuple[Used, ...]:
    """The entities declared elsewhere that it names, each where it first names it."""
    out = []
    prefix = iris.base + "entity/"
    for node in sorted(context):
        entity_id = unquote(str(node)[len(prefix):])
        path = next((p for p, ref in entity_references(facts.data) if ref == entity_id),
                    ("entities",))
        line, column = facts.position(path) or (None, None)
        out.append(Used(entity_id, line, column))
    return tuple(out)


# ---------------------------------------------------------------------- across files


@dataclass(frozen=True)
class Scan:
    """What :class:`Declarations` needs of a parsed article (small: Dask sends it)."""

    source: str
    path: str
    article_id: str | None
    declared: dict[str, tuple[str, str | None]]  # id -> (type name, name)
    referenced: frozenset[str]  # named, not declared
    id_position: tuple[int | None, int | None] = (None, None)

    @classmethod
    def of(cls, facts: FactsFile) -> Scan:
        declared = declarations(facts.data)
        return cls(facts.source, facts.path, article_id_hint(facts), declared,
                   frozenset(referenced_ids(facts.data) - set(declared_ids(facts.data))),
                   facts.position(("article", "id")) or (None, None))


class Declarations:
    """The entities the articles read so far declare, in input order, and their ids.

    ``load`` prepares an article with what the store holds when it comes (the articles
    before it); this gives a prepare run the same, from the earlier files themselves.
    """

    def __init__(self, iris: Iris) -> None:
        self.iris = iris
        self.types = entity_types()
        self.registry = set(load_registry().types)
        self.claims: dict[str, list[Claim]] = {}
        self.where: list[str] = [""]  # the sources, by the order they were read in
        self.seen: dict[str, str] = {}  # article id -> where it first came

    def admit(self, scan: Scan) -> Finding | dict[str, Known]:
        """A duplicate article id's finding, or what the article may use (then recorded)."""
        if scan.article_id is not None and scan.article_id in self.seen:
            return duplicate_article(scan.path, scan.article_id, self.seen[scan.article_id],
                                     *scan.id_position)
        known = {}
        for entity_id in sorted(scan.referenced - self.registry):
            claims = self.claims.get(entity_id)
            found_known = known_of(claims, self._where) if claims else None
            if found_known is not None:
                known[entity_id] = found_known
        if scan.article_id is not None:
            self.seen[scan.article_id] = scan.source
        order = len(self.where)
        self.where.append(scan.source)
        for entity_id, (type_name, name) in scan.declared.items():
            cls = self.types.get(type_name)
            if cls is None:
                continue
            node = self.iris.entity(entity_id)
            entries = self.claims.setdefault(entity_id, [])
            entries.append(Claim((node, RDF.type, cls), order))
            if name is not None:
                entries.append(Claim((node, KG.name, Literal(name)), order))
        return known

    def _where(self, order: int) -> str:
        return f"file {self.where[order]}"


# ---------------------------------------------------------------------- writing shards


class ShardWriter:
    """Prepared articles into numbered shards and summaries; the manifest's entries."""

    def __init__(self, out: Path, shard_size: int, first: int = 0) -> None:
        self.out, self.shard_size, self.index = out, shard_size, first
        self.quads: list[bytes] = []
        self.summaries: list[str] = []
        self.entries: list[Entry] = []
        self.shards: list[str] = []
        self.summary_files: list[str] = []

    def add(self, shard: ArticleShard) -> Entry:
        if shard.summary is None:
            entry = Entry(shard.source, REJECTED, None, shard.path, shard.sha256 or None,
                          shard.model_digest, findings=[f.to_dict() for f in shard.findings],
                          rejected_by="prepare")
        else:
            entry = Entry(shard.source, PREPARED, shard.article_id, shard.path, shard.sha256,
                          shard.model_digest, shard_name(self.index), summary_name(self.index),
                          shard.quads)
            self.quads.append(shard.nquads)
            self.summaries.append(shard.summary.to_json())
            if len(self.quads) >= self.shard_size:
                self.flush()
        self.entries.append(entry)
        return entry

    def flush(self) -> None:
        if not self.quads:
            return
        write_atomically(self.out / shard_name(self.index), b"".join(self.quads))
        write_atomically(self.out / summary_name(self.index),
                         ("\n".join(self.summaries) + "\n").encode())
        self.shards.append(shard_name(self.index))
        self.summary_files.append(summary_name(self.index))
        self.quads, self.summaries = [], []
        self.index += 1


def new_manifest(iris: Iris, reasoner: str, validator: str) -> Manifest:
    return Manifest(model_digest(iris), iris.base, __version__, str(reasoner), str(validator))


def outcome_of(shard: ArticleShard) -> Outcome:
    if shard.summary is None:
        return Outcome(shard.source, Status.REJECTED, findings=shard.findings)
    return Outcome(shard.source, Status.PREPARED, shard.article_id, asserted=shard.asserted,
                   inferred=shard.inferred)


def rejected_shard(source: str, path: str, findings: list[Finding], iris: Iris,
                   sha256: str = "") -> ArticleShard:
    return ArticleShard(source, path, sha256, model_digest(iris), findings=findings)


def articles(paths: Iterable[str | Path], timer: Timer, limits: Limits | None,
             skipped: list[str]) -> Iterator[tuple[Path, FactsFile | InputRejected]]:
    """Every article of the inputs, in the order ``load`` reads them."""
    for path, refused in expand_paths(paths):
        if refused is not None and refused.rule == "not-facts":
            skipped.append(str(path))
        for document in _documents(path, refused, timer, limits):
            yield path, document


def prepare_paths(paths: Iterable[str | Path], out: str | Path, iris: Iris | None = None, *,
                  shard_size: int = DEFAULT_SHARD_SIZE, jobs: int = 1,
                  reasoner: Reasoner | str = Reasoner.FAST,
                  validator: Validator | str = Validator.SPARQL, limits: Limits | None = None,
                  on_outcome: Callable[[Outcome], None] | None = None,
                  stop: Callable[[], bool] | None = None) -> tuple[LoadReport, Manifest]:
    """Prepare facts files into the new or empty folder ``out``, in ``jobs`` processes.

    Returns the run's report (statuses ``prepared`` and ``rejected``) and the manifest
    it wrote. ``stop`` is asked between articles, as for :func:`kgload.pipeline.load`;
    an interrupted run's manifest says so and ``combine`` refuses it.
    """
    iris = iris or Iris()
    out = Path(out)
    new_folder(out)
    report = LoadReport()
    timer = Timer(report.seconds)
    manifest = new_manifest(iris, str(reasoner), str(validator))
    writer = ShardWriter(out, shard_size)
    declared = Declarations(iris)
    window: deque[Future[ArticleShard]] = deque()
    limit = max(1, jobs) * 4
    interrupted = stop or (lambda: False)

    def settle(block: bool) -> None:
        while window and (block or window[0].done() or len(window) >= limit):
            shard = window.popleft().result()
            for stage, spent in shard.seconds.items():
                report.seconds[stage] = report.seconds.get(stage, 0.0) + spent
            writer.add(shard)
            outcome = outcome_of(shard)
            report.outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)

    def done(shard: ArticleShard) -> Future[ArticleShard]:
        future: Future[ArticleShard] = Future()
        future.set_result(shard)
        return future

    with preparer(jobs, iris, str(reasoner), str(validator)) as workers:
        for path, document in articles(paths, timer, limits, manifest.skipped):
            if interrupted():
                report.interrupted = True
                break
            if isinstance(document, InputRejected):
                window.append(done(rejected_shard(rejected_source(path, document), str(path),
                                                  document.findings, iris)))
            else:
                known = declared.admit(Scan.of(document))
                if isinstance(known, Finding):
                    window.append(done(rejected_shard(document.source, document.path, [known],
                                                      iris, document.sha256)))
                else:
                    window.append(workers.run(shard_article, document, iris.base,
                                              str(reasoner), str(validator), known))
            settle(block=False)
        settle(block=True)
    writer.flush()
    report.skipped = list(manifest.skipped)
    manifest.articles, manifest.shards = writer.entries, writer.shards
    manifest.summaries = writer.summary_files
    manifest.complete = not report.interrupted
    manifest.write(out)
    return report, manifest


__all__ = ["STAGES", "ArticleShard", "Declarations", "Scan", "ShardWriter", "prepare_paths",
           "shard_article"]
