"""Checking a store's integrity (``kgload check-store``): read every quad, cheaply cross-check.

Oxigraph keeps each quad in several indexes, in RocksDB files whose blocks carry
checksums; a damaged block is found only when it is read, so a store whose files were
overwritten in places can answer ``stats`` (which reads little) and fail ``export``
(which reads every quad). The check reads every quad once (one index, streaming: memory
grows with the number of graphs and predicates, not quads), then again through the
predicate index and graph by graph, with the list of graph names, and compares; it then
checks what kgload itself promises:
every article listed in a provenance graph has its graphs, no article graph is left
without its article, and no interrupted load is pending.

Everything is read as streams of quads, which raise the error of a damaged block; no
SPARQL aggregate or join, which in pyoxigraph 0.5.13 can drop such an error (a wrong
count) or loop on it until memory runs out (see :func:`kgload.model.model_status`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from .iris import Iris
from .store import JOURNAL_NAME, LOCK_NAME, Store
from .vocab import KG_IRI


@dataclass
class StoreCheck:
    """What :func:`check_store` read, and the problems it found (none: the store is sound)."""

    quads: int = 0
    graphs: int = 0
    articles: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.problems


_PROVENANCE = {KG_IRI + "assertedGraph": "asserted", KG_IRI + "inferredGraph": "inferred"}


def check_store(store: Store, iris: Iris) -> StoreCheck:
    """Read every quad of an open store and check it; damage that stops reading raises
    :class:`~kgload.errors.StoreDamaged`, other problems are listed in the result."""
    result = StoreCheck()
    per_graph: Counter[str] = Counter()
    per_predicate: Counter[str] = Counter()
    provenance: dict[tuple[str, str], dict[str, str]] = {}  # (graph, article) -> its graphs
    for quad in store.quads():  # every quad, through the graph-first index
        graph = quad.graph_name
        name = graph.value if isinstance(graph, ox.NamedNode) else ""
        per_graph[name] += 1
        predicate = quad.predicate.value
        per_predicate[predicate] += 1
        result.quads += 1
        if name and predicate in _PROVENANCE:
            provenance.setdefault((name, quad.subject.value), {})[
                _PROVENANCE[predicate]] = quad.object.value
    result.graphs = sum(1 for name in per_graph if name)
    with store.reading():  # the same quads again, through the predicate-first index
        for predicate, expected in per_predicate.items():
            found = sum(1 for _ in store.ox.quads_for_pattern(None, ox.NamedNode(predicate),
                                                               None, None))
            if found != expected:
                result.problems.append(f"the store's indexes disagree: {found} quads with "
                                       f"predicate <{predicate}> in one, {expected} in another")
    listed = set(store.graph_names())  # the index of graph names
    unlisted = sorted(name for name in per_graph if name and name not in listed)
    if unlisted:
        result.problems.append(f"{len(unlisted)} graph(s) hold quads but are not in the "
                               f"store's list of graphs: <{unlisted[0]}>"
                               + (", ..." if len(unlisted) > 1 else ""))
    with store.reading():  # and each graph's quads through the graph-bound index
        for name in sorted(listed):
            found = sum(1 for _ in store.ox.quads_for_pattern(None, None, None,
                                                               ox.NamedNode(name)))
            if found != per_graph.get(name, 0):
                result.problems.append(f"the store's indexes disagree: {found} quads in "
                                       f"graph <{name}> in one, {per_graph.get(name, 0)} in "
                                       "another")
    _check_articles(provenance, iris, per_graph, result)
    if (store.path / JOURNAL_NAME).exists():
        result.problems.append(f"an interrupted load is pending ({JOURNAL_NAME}): open the "
                               "store for writing (any kgload load) to roll it back")
    if not (store.path / LOCK_NAME).exists():
        result.problems.append(f"the store's lock file {LOCK_NAME} is missing")
    return result


def _check_articles(provenance: dict[tuple[str, str], dict[str, str]], iris: Iris,
                    per_graph: Counter[str], result: StoreCheck) -> None:
    """Each article named in a provenance graph (by ``kg:assertedGraph``) has its graphs;
    every article graph belongs to such an article."""
    prefix = iris.base + "graph/article/"
    listed: set[str] = set()
    for (graph, article), parts in provenance.items():
        if "asserted" not in parts:
            continue  # an inferred graph named without an asserted one: not an article
        result.articles += 1
        listed.add(_article_part(graph, prefix))
        for what in ("asserted", "inferred"):
            if what not in parts:
                result.problems.append(f"article <{article}>: its provenance names no "
                                       f"{what} graph")
                continue
            listed.add(_article_part(parts[what], prefix))
            if not per_graph.get(parts[what]):
                result.problems.append(f"article <{article}>: its {what} graph "
                                       f"<{parts[what]}> is missing")
    orphans = sorted(name for name in per_graph
                     if name.startswith(prefix) and _article_part(name, prefix) not in listed)
    if orphans:
        shown = ", ".join(f"<{n}>" for n in orphans[:3]) + (", ..." if len(orphans) > 3 else "")
        result.problems.append(f"{len(orphans)} article graph(s) belong to no listed article "
                               f"(a write cut short?): {shown}")


def _article_part(graph: str, prefix: str) -> str:
    return graph[len(prefix):].split("/")[0] if graph.startswith(prefix) else graph
