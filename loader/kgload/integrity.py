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


def check_store(store: Store, iris: Iris) -> StoreCheck:
    """Read every quad of an open store and check it; damage that stops reading raises
    :class:`~kgload.errors.StoreDamaged`, other problems are listed in the result."""
    result = StoreCheck()
    per_graph: Counter[str] = Counter()
    per_predicate: Counter[str] = Counter()
    for quad in store.quads():  # every quad, through the graph-first index
        graph = quad.graph_name
        per_graph[graph.value if isinstance(graph, ox.NamedNode) else ""] += 1
        per_predicate[quad.predicate.value] += 1
        result.quads += 1
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
    _check_articles(store, iris, per_graph, result)
    if (store.path / JOURNAL_NAME).exists():
        result.problems.append(f"an interrupted load is pending ({JOURNAL_NAME}): open the "
                               "store for writing (any kgload load) to roll it back")
    if not (store.path / LOCK_NAME).exists():
        result.problems.append(f"the store's lock file {LOCK_NAME} is missing")
    return result


def _check_articles(store: Store, iris: Iris, per_graph: Counter[str],
                    result: StoreCheck) -> None:
    rows = store.query(
        f"""PREFIX kg: <{KG_IRI}>
        SELECT ?p ?article ?asserted ?inferred WHERE {{ GRAPH ?p {{
          ?article kg:assertedGraph ?asserted OPTIONAL {{ ?article kg:inferredGraph ?inferred }}
        }} }}""", union=False)
    prefix = iris.base + "graph/article/"
    listed: set[str] = set()
    with store.reading():
        for row in rows:
            result.articles += 1
            article = row["article"].value
            for what in ("p", "asserted", "inferred"):
                term = row[what]
                if term is None:
                    result.problems.append(f"article <{article}>: its provenance names no "
                                           f"{what} graph")
                    continue
                listed.add(_article_part(term.value, prefix))
                if what != "p" and not per_graph.get(term.value):
                    result.problems.append(f"article <{article}>: its {what} graph "
                                           f"<{term.value}> is missing")
    orphans = sorted(name for name in per_graph
                     if name.startswith(prefix) and _article_part(name, prefix) not in listed)
    if orphans:
        shown = ", ".join(f"<{n}>" for n in orphans[:3]) + (", ..." if len(orphans) > 3 else "")
        result.problems.append(f"{len(orphans)} article graph(s) belong to no listed article "
                               f"(a write cut short?): {shown}")


def _article_part(graph: str, prefix: str) -> str:
    return graph[len(prefix):].split("/")[0] if graph.startswith(prefix) else graph
