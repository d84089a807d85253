"""The bundled ontology and shapes, read once per process, and what the loader needs of them.

The Python code never repeats the ontology's content: which action types exist, their
CAMEO codes and which entity types are actors are all read from ``ontology/*.ttl``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from .resources import data_dir
from .vocab import KG, KG_IRI, ONTOLOGY_IRI


@dataclass(frozen=True)
class ActionType:
    """A class of action that facts files may use, with its CAMEO code if it has one.

    ``label`` is the class's ``rdfs:label``; ``family`` is its own ``kg:cameoFamily``
    (a CAMEO root), when it has one: the root's notation, name and quad class.
    """

    name: str
    iri: URIRef
    cameo: str | None
    label: str = ""
    family: CameoFamily | None = None


@dataclass(frozen=True)
class CameoFamily:
    """A CAMEO root event class: its two-digit notation, its name and its quad class."""

    notation: str
    name: str
    quad_class: int | None


def _load_turtle_folder(name: str) -> Graph:
    graph = Graph()
    for path in sorted(data_dir(name).glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def ontology_graph() -> Graph:
    """The ontology (all of ``ontology/*.ttl``) as an rdflib graph; do not mutate it."""
    return _load_turtle_folder("ontology")


@cache
def shapes_graph() -> Graph:
    """The SHACL shapes (all of ``shapes/*.ttl``); do not mutate it."""
    return _load_turtle_folder("shapes")


def _version(graph: Graph, subject: URIRef | None = None) -> str:
    subjects = [subject] if subject else list(graph.subjects(RDF.type, OWL.Ontology))
    for s in subjects:
        value = graph.value(s, OWL.versionInfo)
        if value is not None:
            return str(value)
    return "unversioned"


def ontology_version() -> str:
    return _version(ontology_graph(), URIRef(ONTOLOGY_IRI))


def shapes_version() -> str:
    return _version(shapes_graph())


def _subclasses(graph: Graph, root: URIRef) -> set[URIRef]:
    found = {root}
    frontier = [root]
    while frontier:
        for sub in graph.subjects(RDFS.subClassOf, frontier.pop()):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                frontier.append(sub)
    return found


def _local(iri: URIRef) -> str:
    return str(iri)[len(KG_IRI) :]


def _cameo_code(graph: Graph, cls: URIRef) -> str | None:
    """The class's CAMEO code, or its nearest coded super-class's (breadth first): kgload's
    finer kinds (``Indict`` under ``Seize``) are coded as the CAMEO event they refine."""
    seen = {cls}
    frontier = [cls]
    while frontier:
        for current in frontier:
            code = graph.value(current, KG.cameoCode)
            if code is not None:
                return str(code)
        ups = {p for c in frontier for p in graph.objects(c, RDFS.subClassOf)
               if isinstance(p, URIRef)} - seen
        seen |= ups
        frontier = sorted(ups)
    return None


def _family(graph: Graph, cls: URIRef) -> CameoFamily | None:
    family = graph.value(cls, KG.cameoFamily)
    if family is None:
        return None
    quad = graph.value(family, KG.quadClass)
    return CameoFamily(str(graph.value(family, SKOS.notation) or ""),
                       str(graph.value(family, SKOS.prefLabel) or ""),
                       int(str(quad)) if quad is not None else None)


@cache
def action_types() -> dict[str, ActionType]:
    """Action classes facts files may name, by local name (``ThreatenMilitaryForce``...)."""
    graph = ontology_graph()
    result = {}
    for cls in sorted(_subclasses(graph, KG.Action)):
        if not str(cls).startswith(KG_IRI) or graph.value(cls, KG.inferredOnly) == Literal(True):
            continue
        result[_local(cls)] = ActionType(_local(cls), cls, _cameo_code(graph, cls),
                                         str(graph.value(cls, RDFS.label) or _local(cls)),
                                         _family(graph, cls))
    return result


@cache
def entity_types() -> dict[str, URIRef]:
    """Entity classes facts files may name, by local name (``Person``, ``Border``...).

    Classes whose members a rule derives (``kg:derivedBy``) or kgload assigns
    (``kg:inferredOnly``: the unknown actors of ``{unknown: ...}``) are not among them.
    """
    graph = ontology_graph()
    return {
        _local(cls): cls
        for cls in sorted(_subclasses(graph, KG.Entity))
        if str(cls).startswith(KG_IRI) and graph.value(cls, KG.derivedBy) is None
        and graph.value(cls, KG.inferredOnly) != Literal(True)
    }


@cache
def actor_types() -> frozenset[str]:
    """Local names of the entity classes that are actors (among :func:`entity_types`)."""
    named = entity_types()
    return frozenset(_local(c) for c in _subclasses(ontology_graph(), KG.Actor)
                     if _local(c) in named)


@cache
def labels(kind: URIRef) -> dict[URIRef, str]:
    """The ``rdfs:label`` of every member of the ontology class ``kind`` (statuses,
    precisions), by IRI."""
    graph = ontology_graph()
    return {s: str(graph.value(s, RDFS.label) or _local(s))
            for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}


@cache
def status_terms() -> dict[str, URIRef]:
    """Status individuals by their label (``occurred`` -> kg:Occurred)."""
    graph = ontology_graph()
    return {
        str(graph.value(s, RDFS.label)): s
        for s in graph.subjects(RDF.type, URIRef(KG_IRI + "Status"))
        if isinstance(s, URIRef)
    }
