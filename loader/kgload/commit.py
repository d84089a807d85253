"""The commit: prepared articles written to the store, and what crosses articles.

New articles go in journaled bulk batches, a reloaded article in one transaction; the
writer keeps the store's entities (see :mod:`kgload.entities`) as articles land, checks
each prepared article again against what has landed since it was prepared, and refuses
an article id that another file holds. ``remove`` takes an article out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, URIRef

from . import __version__
from .background import background
from .check import declarations, declared_ids, entity_references, referenced_ids
from .entities import EntityIndex, Known, claim_links, type_conflicts
from .errors import Finding, InputRejected, Refused
from .facts import FactsFile
from .iris import Iris
from .model import model_digest
from .ontology import entity_types, ontology_version, shapes_version
from .outcomes import LoadReport, Outcome, Ready, Status, Timer, rejected_source
from .registry import load_registry
from .store import Store, replace_graphs_update
from .terms import to_ox
from .vocab import KG
from .workers import Preparation

log = logging.getLogger(__name__)

# A reload is a transaction: RocksDB keeps what it writes (and the tombstones of what it
# drops) in memtables until they reach 128 MiB per column family, across a dozen column
# families, so a run of reloads grew by about 4 MB per article (an in-place reindex of
# 300 generated articles: 1.2 GB). The writer flushes the store once this much update
# text (about 1/8 of the memory it takes there) has gone in since the last flush.
RELOAD_FLUSH_CHARS = 4_000_000


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


class Provenanced(Protocol):
    """What an article's provenance is written from: a :class:`Ready` article, or the
    summary of a prepared one (:class:`kgload.shards.Summary`)."""

    @property
    def article_id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def sha256(self) -> str: ...


def provenance(ready: Provenanced, iris: Iris, loaded_at: datetime, order: int) -> Graph:
    """Where the article comes from, when it was loaded and by what model."""
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
    graph.add((article, KG.modelDigest, Literal(model_digest(iris))))
    graph.add((article, KG.sourceGraph, iris.source_graph(aid)))
    graph.add((article, KG.assertedGraph, iris.asserted_graph(aid)))
    graph.add((article, KG.inferredGraph, iris.inferred_graph(aid)))
    return graph


def source(facts: FactsFile, iris: Iris, article_id: str) -> Graph:
    """The article's facts document as it was read, for ``kgload reindex``."""
    article = iris.article(article_id)
    graph = Graph()
    graph.add((article, KG.sourceText, Literal(facts.text)))
    graph.add((article, KG.sourceFormat, Literal("json" if facts.as_json else "yaml")))
    if facts.line is not None:
        graph.add((article, KG.sourceLine, Literal(facts.line)))
    return graph


@dataclass(frozen=True)
class Stored:
    """What the store holds of an article id: its file, content hash and load order."""

    sha256: str | None = None
    model: str | None = None  # the model digest it was built by (see kgload.model)
    file: str | None = None
    order: int | None = None


def _stored_state(store: Store, iris: Iris, article_id: str) -> Stored:
    graph = iris.provenance_graph(article_id)
    article = iris.article(article_id)
    sha = store.value(graph, article, KG.sourceSha256)
    if sha is None:
        return Stored()
    order = store.value(graph, article, KG.loadOrder)
    return Stored(sha, store.value(graph, article, KG.modelDigest),
                   store.value(graph, article, KG.sourceFile),
                   int(order) if order is not None else None)


def _article_id_hint(facts: FactsFile) -> str | None:
    data = facts.data
    if isinstance(data, dict) and isinstance(data.get("article"), dict):
        value = data["article"].get("id")
        return value if isinstance(value, str) else None
    return None


class Writer:
    """Commits prepared articles: new ones in bulk batches, reloads one update each.

    It also keeps the store's entities (see :mod:`kgload.entities`): what an article says
    about an entity is recorded as claims when the article is added, and the entities'
    resolved descriptions are written with the batch that changed them.
    """

    def __init__(self, store: Store, iris: Iris, timer: Timer,
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
        self.model = model_digest(iris)
        self.unflushed = 0  # update text written by reloads since the store's last flush
        self.flush_chars = RELOAD_FLUSH_CHARS

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
                path = next((p for p, ref in entity_references(facts.data) if ref == entity_id),
                            ("entities",))
                where = facts.position(path)
                line, column = where or (None, None)
                findings.append(declared_only_by_rejected(facts.path, entity_id, line, column))
        declared = {i: k for i in declared_ids(facts.data)
                    if (k := self.index.known(self.iris.entity(i))) is not None}
        bg = background(self.iris)
        return findings + type_conflicts(facts, declared, bg)

    # ------------------------------------------------------------ writing

    def add(self, ready: Ready, outcome: Outcome, stored: Stored, facts: FactsFile) -> None:
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
            self.iris.source_graph(aid): source(facts, self.iris, aid),
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
                self.unflushed += len(update) + len(entities)
                if self.unflushed >= self.flush_chars:
                    self.flush_store()
            self.index.forget()  # what it read of the store's entities is there now
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
            self.index.forget()
        for outcome in self.outcomes:
            self.done(outcome)
        self.quads, self.articles, self.outcomes = [], {}, []
        self.started = time.monotonic()

    def flush_store(self) -> None:
        """Write the store's memtables to disk, which frees them (see RELOAD_FLUSH_CHARS)."""
        self.store.flush()
        self.unflushed = 0


def declared_only_by_rejected(path: str, entity_id: str, line: int | None,
                              column: int | None) -> Finding:
    """An article used an entity that, once the run was committed, nobody declares."""
    return Finding(path, f'refers to the entity "{entity_id}", which only a file that was '
                   "rejected in this run declares; declare it here or load that file first",
                   "unknown-entity", line, column)


def duplicate_article(path: str, article_id: str, first: str, line: int | None,
                      column: int | None) -> Finding:
    """The second article of a run with an id (``first``: where the first one was)."""
    return Finding(path, f'the article id "{article_id}" appears twice in this run '
                   f"(first in {first})", "duplicate-article", line, column, article_id)


def article_id_hint(facts: FactsFile) -> str | None:
    """The article id a file gives (before any check), to spot a duplicate early."""
    return _article_id_hint(facts)


def admit(writer: Writer, path: Path, document: FactsFile | InputRejected, force: bool,
           seen: dict[str, str]) -> Outcome | tuple[FactsFile, Stored]:
    """An outcome at once (rejected, duplicate, unchanged), or the article to prepare."""
    if isinstance(document, InputRejected):
        return Outcome(rejected_source(path, document), Status.REJECTED,
                       findings=document.findings)
    facts = document
    hint = _article_id_hint(facts)
    line, column = facts.position(("article", "id")) or (None, None)
    if hint is not None and hint in seen:
        return Outcome(facts.source, Status.REJECTED, findings=[
            duplicate_article(facts.path, hint, seen[hint], line, column)])
    stored = _stored_state(writer.store, writer.iris, hint) if hint else Stored()
    if not force and stored.sha256 == facts.sha256 and stored.model == writer.model:
        return Outcome(facts.source, Status.UNCHANGED, hint)
    name = _displayable(Path(facts.path).name)
    if (not force and stored.sha256 is not None and stored.sha256 != facts.sha256
            and stored.file is not None and stored.file != name):
        # another file with other content: most likely a clash of ids, not an edit
        return Outcome(facts.source, Status.REJECTED, findings=[Finding(
            facts.path, f'the article id "{hint}" is already loaded from the file '
            f"{stored.file}, with other content; give this article another id, or pass "
            "--force to replace the stored article with this file", "article-id-taken",
            line, column, hint)])
    if hint is not None:
        seen[hint] = facts.source
    return facts, stored


def commit(writer: Writer, facts: FactsFile, stored: Stored, result: Preparation,
            report: LoadReport) -> None:
    for stage, spent in result.seconds.items():
        report.seconds[stage] = report.seconds.get(stage, 0.0) + spent
    try:
        ready = result.ready
        if ready is None:
            writer.emit(Outcome(facts.source, Status.REJECTED, findings=result.findings))
            return
        findings = writer.recheck(facts, ready.context)
        if findings:
            writer.emit(Outcome(facts.source, Status.REJECTED, findings=findings))
            return
        writer.add(ready, Outcome(facts.source, Status.RELOADED if stored.sha256 else Status.LOADED,
                                  ready.article_id, asserted=ready.asserted,
                                  inferred=ready.inferred), stored, facts)
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
