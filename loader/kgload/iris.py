"""The IRIs kgload mints under a base IRI: entities, articles, facts and graphs.

IRIs are deterministic, built from the base IRI and the ids of the facts file, so that
loading the same file twice gives the same graph and the same entity id in two articles
is the same node:

- ``{base}entity/{entity-id}``                    entities (global)
- ``{base}article/{article-id}``                  the article
- ``{base}article/{article-id}/{fact-id}``        an action; its time span and mentions
  hang below it (``.../time``, ``.../mention/1``)
- ``{base}event/{key}``                           an event that reports are grouped into
- ``{base}graph/article/{article-id}[/inferred|/provenance|/source]``  an article's graphs
- ``{base}graph/{store|ontology|registry|entities|claims}...``  the store's shared graphs
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from rdflib import URIRef

DEFAULT_BASE_IRI = "https://example.org/kgload/"


@dataclass(frozen=True)
class Iris:
    """The IRIs kgload mints under a base IRI."""

    base: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")

    def _mint(self, *parts: str) -> URIRef:
        return URIRef(self.base + "/".join(quote(p, safe="") for p in parts))

    def entity(self, entity_id: str) -> URIRef:
        return self._mint("entity", entity_id)

    def article(self, article_id: str) -> URIRef:
        return self._mint("article", article_id)

    def fact(self, article_id: str, fact_id: str) -> URIRef:
        return self._mint("article", article_id, fact_id)

    def asserted_graph(self, article_id: str) -> URIRef:
        return self._mint("graph", "article", article_id)

    def inferred_graph(self, article_id: str) -> URIRef:
        return self._mint("graph", "article", article_id, "inferred")

    def provenance_graph(self, article_id: str) -> URIRef:
        return self._mint("graph", "article", article_id, "provenance")

    def source_graph(self, article_id: str) -> URIRef:
        """The article's facts document as loaded (see ``kgload.model``)."""
        return self._mint("graph", "article", article_id, "source")

    def article_graphs(self, article_id: str) -> list[URIRef]:
        return [
            self.asserted_graph(article_id),
            self.inferred_graph(article_id),
            self.provenance_graph(article_id),
            self.source_graph(article_id),
        ]

    @property
    def store_graph(self) -> URIRef:
        """The store's own description: its format (see ``kgload.model``)."""
        return self._mint("graph", "store")

    @property
    def ontology_graph(self) -> URIRef:
        return self._mint("graph", "ontology")

    @property
    def registry_graph(self) -> URIRef:
        return self._mint("graph", "registry")

    @property
    def registry_inferred_graph(self) -> URIRef:
        return self._mint("graph", "registry", "inferred")

    @property
    def entities_graph(self) -> URIRef:
        """Each entity's resolved description, once (see ``kgload.entities``)."""
        return self._mint("graph", "entities")

    @property
    def entities_inferred_graph(self) -> URIRef:
        return self._mint("graph", "entities", "inferred")

    @property
    def claims_graph(self) -> URIRef:
        """Each statement articles make about entities, once, with its first reporters."""
        return self._mint("graph", "claims")

    @property
    def background_graphs(self) -> list[URIRef]:
        """The ontology and the registry (with its inferences), written by every load."""
        return [self.ontology_graph, self.registry_graph, self.registry_inferred_graph]

    @property
    def shared_graphs(self) -> list[URIRef]:
        return [self.entities_graph, self.entities_inferred_graph, self.claims_graph]

    def event(self, key: str) -> URIRef:
        return self._mint("event", key)

    def is_bookkeeping(self, graph: str) -> bool:
        """A graph kgload keeps for itself, not knowledge: the store's description and the
        articles' source documents (TriG and N-Quads exports keep them, so that an import
        is a store that reindex can rebuild; the union of the triple formats leaves them
        out)."""
        if graph == str(self.store_graph):
            return True
        article = self.article_id_of_graph(graph)
        return article is not None and graph == str(self.source_graph(article))

    def article_id_of(self, article: str) -> str:
        """The id of an article from its IRI."""
        return unquote(article[len(self.base + "article/"):])

    def article_id_of_graph(self, graph: str) -> str | None:
        """The article id a graph IRI belongs to, or None for other graphs."""
        prefix = self.base + "graph/article/"
        if not graph.startswith(prefix):
            return None
        return unquote(graph[len(prefix) :].split("/")[0])
