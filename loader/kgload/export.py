"""Exporting the store (or one article) as RDF for other triple stores.

Dataset formats (TriG, N-Quads) keep the named graphs; graph formats (Turtle, N-Triples,
JSON-LD, RDF/XML) get the union of the chosen graphs, each triple once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import IO, Any

import pyoxigraph as ox
from rdflib import URIRef

from .errors import UsageError
from .mapping import Iris
from .store import Store
from .vocab import KG_IRI

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


class RdfFormat(StrEnum):
    TURTLE = "turtle"
    TRIG = "trig"
    NQUADS = "nquads"
    NTRIPLES = "ntriples"
    JSONLD = "jsonld"
    RDFXML = "rdfxml"

    @property
    def ox(self) -> ox.RdfFormat:
        return {
            "turtle": ox.RdfFormat.TURTLE,
            "trig": ox.RdfFormat.TRIG,
            "nquads": ox.RdfFormat.N_QUADS,
            "ntriples": ox.RdfFormat.N_TRIPLES,
            "jsonld": ox.RdfFormat.JSON_LD,
            "rdfxml": ox.RdfFormat.RDF_XML,
        }[self.value]

    @property
    def keeps_graphs(self) -> bool:
        return self in (RdfFormat.TRIG, RdfFormat.NQUADS)


def prefixes(iris: Iris) -> dict[str, str]:
    return {
        "kg": KG_IRI,
        "entity": iris.base + "entity/",
        "article": iris.base + "article/",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "owl": "http://www.w3.org/2002/07/owl#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dcterms": "http://purl.org/dc/terms/",
        "prov": "http://www.w3.org/ns/prov#",
    }


def select_graphs(store: Store, iris: Iris, *, article: str | None, inferred: bool,
                  background: bool = True) -> list[URIRef]:
    """The named graphs an export covers."""
    if article is not None:
        if store.value(iris.provenance_graph(article), iris.article(article),
                       URIRef(KG_IRI + "sourceSha256")) is None:
            raise UsageError(f"no article {article!r} in the store (`kgload articles` lists them)")
        names = [iris.asserted_graph(article), iris.provenance_graph(article)]
        if inferred:
            names.insert(1, iris.inferred_graph(article))
        return names
    names = [URIRef(n) for n in store.graph_names() if not iris.is_bookkeeping(n)]
    if not inferred:  # by IRI, not by suffix: an article may be named "inferred"
        names = [n for n in names if not _is_inferred(n, iris)]
    if not background:
        names = [n for n in names if n not in (iris.ontology_graph, iris.registry_graph,
                                               iris.registry_inferred_graph)]
    return names


def _is_inferred(name: URIRef, iris: Iris) -> bool:
    if name in (iris.registry_inferred_graph, iris.entities_inferred_graph):
        return True
    article = iris.article_id_of_graph(str(name))
    return article is not None and name == iris.inferred_graph(article)


def export(store: Store, output: IO[bytes], fmt: RdfFormat, iris: Iris, *,
           article: str | None = None, inferred: bool = True) -> int:
    """Write the chosen graphs to ``output``; returns the number of statements written."""
    names = select_graphs(store, iris, article=article, inferred=inferred,
                          background=article is None)
    quads = list(store.quads(names) if article is None else _article_quads(store, iris, names))
    if fmt.keeps_graphs:
        ox.serialize(quads, output, fmt.ox)
        return len(quads)
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    ox.serialize(triples, output, fmt.ox,
                 prefixes=prefixes(iris) if fmt is not RdfFormat.NTRIPLES else None)
    return len(triples)


def _article_quads(store: Store, iris: Iris, names: list[URIRef]) -> Iterator[Any]:
    """One article's graphs as it said them: each claim link (see ``kgload.entities``)
    becomes the statement about the entity it stands for, in the same graph."""
    statement = iris.base + "statement/"
    reported_in = ox.NamedNode(KG_IRI + "reportedIn")
    claims = ox.NamedNode(iris.claims_graph)
    parts = [ox.NamedNode(RDF_NS + name) for name in ("subject", "predicate", "object")]
    for quad in store.quads(names):
        subject = quad.subject
        if not (isinstance(subject, ox.NamedNode) and subject.value.startswith(statement)):
            yield quad
            continue
        if quad.predicate != reported_in:
            continue  # the statement's own provenance: the article is the provenance here
        terms = [next(iter(store.ox.quads_for_pattern(subject, part, None, claims)), None)
                 for part in parts]
        if all(terms):
            s, p, o = (t.object for t in terms if t is not None)
            yield ox.Quad(s, p, o, quad.graph_name)  # type: ignore[arg-type]


def import_dump(store: Store, source: IO[bytes] | str, fmt: RdfFormat, *,
                merge: Iterable[URIRef] = ()) -> dict[str, int]:
    """Load an N-Quads or TriG dump (e.g. from ``export``) into the store, atomically.

    The whole file is parsed first (strictly: a syntax error names its line and column and
    leaves the store untouched); then every named graph it holds is replaced, in one update,
    except the ``merge`` graphs, which it adds to.
    Returns the number of quads per graph ("" for the default graph).
    """
    from collections import defaultdict

    from .errors import Finding as _Finding
    from .errors import InputRejected

    if not fmt.keeps_graphs:
        raise UsageError("import reads dataset formats only: nquads or trig")
    name = source if isinstance(source, str) else getattr(source, "name", "<input>")
    try:
        quads = list(ox.parse(source if not isinstance(source, str) else None,
                              fmt.ox, path=source if isinstance(source, str) else None))
    except SyntaxError as exc:
        raise InputRejected([_Finding(str(name), f"not valid {fmt.value}: {exc}",
                                      f"{fmt.value}-syntax")]) from None
    by_graph: dict[Any, list[Any]] = defaultdict(list)
    for quad in quads:
        by_graph[quad.graph_name].append(quad)
    shared = {str(g) for g in merge}  # graphs added to, not replaced (the claims graph)
    statements = [f"DROP SILENT GRAPH {g}" for g in by_graph
                  if isinstance(g, ox.NamedNode) and g.value not in shared]
    body = []
    for graph, items in by_graph.items():
        triples = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in items)
        body.append(f"GRAPH {graph} {{\n{triples}\n}}" if isinstance(graph, ox.NamedNode)
                    else triples)
    if body:
        statements.append("INSERT DATA {\n" + "\n".join(body) + "\n}")
    if statements:
        store.update(" ;\n".join(statements))
    return {("" if isinstance(g, ox.DefaultGraph) else g.value): len(v)
            for g, v in by_graph.items()}
