"""The store's entity catalog: list and search entities, and find likely duplicates.

Reads the resolved descriptions (the entities graph, see :mod:`kgload.entities`) and
the registry, so each entity is one row whatever the number of articles that mention
it; the article count is the number of articles that declare it or name it in a fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from .entities import IDENTIFYING
from .iris import Iris
from .store import Store
from .vocab import KG, KG_IRI

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CODES = {str(p): p.rsplit("#", 1)[-1] for p in IDENTIFYING}


@dataclass
class Entry:
    """One entity of the catalog."""

    id: str
    iri: str
    types: list[str]
    name: str
    aliases: list[str]
    codes: dict[str, str]
    registry: bool
    articles: int = 0

    def row(self) -> list[Any]:
        codes = ", ".join(f"{k} {v}" for k, v in sorted(self.codes.items()))
        return [self.id, ", ".join(self.types), self.name, "; ".join(self.aliases), codes,
                "registry" if self.registry else "articles", self.articles]


COLUMNS = ["id", "type", "name", "aliases", "codes", "from", "articles"]


def _entries(store: Store, iris: Iris) -> dict[str, Entry]:
    prefix = iris.base + "entity/"
    found: dict[str, Entry] = {}
    for graph, registry in ((iris.registry_graph, True), (iris.entities_graph, False)):
        for quad in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            subject = quad.subject
            if not (isinstance(subject, ox.NamedNode) and subject.value.startswith(prefix)):
                continue
            entry = found.get(subject.value)
            if entry is None:
                entry = found[subject.value] = Entry(
                    unquote(subject.value[len(prefix):]), subject.value, [], "", [], {},
                    registry)
            predicate, value = quad.predicate.value, quad.object
            text = value.value if isinstance(value, ox.Literal | ox.NamedNode) else str(value)
            if quad.predicate == _RDF_TYPE and text.startswith(KG_IRI):
                entry.types.append(text[len(KG_IRI):])
            elif predicate == str(KG.name):
                entry.name = text
            elif predicate == str(KG.alias):
                entry.aliases.append(text)
            elif predicate in _CODES:
                entry.codes[_CODES[predicate]] = text
    for entry in found.values():
        entry.types.sort()
        entry.aliases.sort()
    return {e.iri: e for e in found.values() if e.types or e.name}


_DECLARED = ox.NamedNode(KG_IRI + "reportedIn")
_NAMING = tuple(ox.NamedNode(KG_IRI + p) for p in (
    "agent", "target", "place", "attributedTo", "medium"))


def _count_articles(store: Store, iris: Iris, entries: list[Entry]) -> None:
    """Fill in how many articles declare or name each entity.

    The article is the one whose graph holds the declaration (``entity kg:reportedIn``)
    or the fact naming the entity, read off the quads' graph names with one index
    look-up per entity and property, no join (a SPARQL join of every fact with its
    article took minutes at 10,000 articles).
    """
    for entry in entries:
        node = ox.NamedNode(entry.iri)
        quads = [store.ox.quads_for_pattern(node, _DECLARED, None, None)]
        quads += [store.ox.quads_for_pattern(None, p, node, None) for p in _NAMING]
        articles = set()
        for found in quads:
            for quad in found:
                graph = quad.graph_name
                if isinstance(graph, ox.NamedNode):
                    articles.add(iris.article_id_of_graph(graph.value))
        articles.discard(None)
        entry.articles = len(articles)


def entities(store: Store, iris: Iris, search: str | None = None, *,
             include_registry: bool = True) -> list[Entry]:
    """The store's entities, most mentioned first; ``search`` matches id, name or alias."""
    found = list(_entries(store, iris).values())
    if not include_registry:
        found = [e for e in found if not e.registry]
    if search:
        needle = search.casefold()
        found = [e for e in found if needle in e.id.casefold() or needle in e.name.casefold()
                 or any(needle in a.casefold() for a in e.aliases)]
    _count_articles(store, iris, found)
    found.sort(key=lambda e: (-e.articles, e.id))
    return found


def likely_duplicates(store: Store, iris: Iris) -> list[list[Any]]:
    """Groups of entities that share an identifying code (Wikidata, ISO 3166, CAMEO).

    A shared CAMEO actor code is weaker evidence than a shared Wikidata id: CAMEO codes
    name roles in a country (``COLMIL`` is the Colombian military and its soldiers).
    """
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in _entries(store, iris).values():
        for code, value in entry.codes.items():
            groups.setdefault((code, value), []).append(entry)
    rows = []
    for (code, value), members in sorted(groups.items()):
        if len(members) > 1:
            rows.append([code, value, ", ".join(sorted(e.id for e in members)),
                         "; ".join(sorted(e.name for e in members))])
    return rows


DUPLICATE_COLUMNS = ["code", "value", "ids", "names"]
