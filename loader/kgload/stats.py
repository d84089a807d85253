"""Counts that describe a store's content."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import RDF

from .iris import Iris
from .store import Store
from .vocab import KG_IRI


def store_stats(store: Store, iris: Iris) -> list[list[object]]:
    """Rows of (what, count) for ``kgload stats``."""
    names = store.graph_names()
    articles = store.articles()
    asserted = sum(a.triples for a in articles)
    inferred = sum(store.count(iris.inferred_graph(a.article_id)) for a in articles)
    rows: list[list[object]] = [
        ["articles", len(articles)],
        ["named graphs", len(names)],
        ["quads (all graphs)", store.count()],
        ["asserted triples (articles)", asserted],
        ["inferred triples (articles)", inferred],
        ["entity descriptions (triples, once each)", store.count(iris.entities_graph)
         + store.count(iris.entities_inferred_graph)],
        ["claims (distinct statements articles make about entities)",
         sum(1 for _ in store.ox.quads_for_pattern(
             None, ox.NamedNode(str(RDF.subject)), None, ox.NamedNode(iris.claims_graph)))],
    ]
    counts = store.query(
        f"""PREFIX kg: <{KG_IRI}>
        SELECT (COUNT(DISTINCT ?e) AS ?entities) (COUNT(DISTINCT ?a) AS ?actions) WHERE {{
          {{ ?e a kg:Entity }} UNION {{ ?a a kg:Action }} }}"""
    )
    for row in counts:
        rows.append(["entities (with registry)", int(row["entities"].value)])
        rows.append(["actions", int(row["actions"].value)])
    by_type = store.query(
        f"""PREFIX kg: <{KG_IRI}>
        SELECT ?type (COUNT(DISTINCT ?a) AS ?n) WHERE {{
          GRAPH ?g {{ ?a kg:factId ?id ; a ?type }} }}
        GROUP BY ?type ORDER BY DESC(?n) ?type""",
        union=False,
    )
    for row in by_type:
        rows.append([f"actions of type {row['type'].value.removeprefix(KG_IRI)}",
                     int(row["n"].value)])
    return rows
