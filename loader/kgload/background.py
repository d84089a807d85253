"""What every reasoner shares: the background (ontology and registry, reasoned once), the
derivation rules, what an inference is, and which reasoner output is an artefact.

owlrl's ``DeductiveClosure.expand`` mutates the graph it is given and adds triples that
are true in OWL 2 RL but useless or harmful in a store. Only what an article adds is
kept, minus these artefacts, which never reach the store:

- triples with a literal or blank-node subject, or a blank-node object (literal
  subjects, restriction classes such as ``x a [owl:hasValue ...]``, owlrl's messages);
- reflexive ``owl:sameAs`` (owlrl states ``x owl:sameAs x`` for every resource);
- ``rdf:type owl:Thing`` / ``rdfs:Resource`` (true of everything, answers nothing);
- statements about the vocabularies themselves (subject in the kgload ontology, RDF,
  RDFS, OWL, XSD namespaces, or a vocabulary the ontology aligns with and declares terms
  of: SEM, PROV-O, ORG, schema.org, Dublin Core, SKOS): the ontology graph holds those.

owlrl reports an inconsistency by adding error triples instead of raising; they become
the messages of :attr:`Inference.inconsistencies` and the article is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import owlrl
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef

from .iris import Iris
from .mapping import map_registry
from .ontology import ontology_graph
from .registry import load_registry
from .resources import data_dir
from .vocab import ERR_NS, KG_IRI

_VOCABULARIES = (
    KG_IRI,
    str(RDF),
    str(RDFS),
    str(OWL),
    "http://www.w3.org/2001/XMLSchema#",
    # vocabularies the ontology aligns with (it declares the terms it uses); owlrl's
    # tautologies about them (sem:Event rdfs:subClassOf sem:Event) are not facts either
    "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/ns/org#",
    "https://schema.org/",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2004/02/skos/core#",
)
_ERROR_TYPE = URIRef(ERR_NS + "ErrorMessage")
_ERROR_TEXT = URIRef(ERR_NS + "error")
_EVERYTHING = {OWL.Thing, RDFS.Resource}


def is_artefact(triple: tuple[object, object, object]) -> bool:
    """True for reasoner output that never goes into the store (see module docstring)."""
    s, p, o = triple
    if isinstance(s, Literal | BNode) or isinstance(o, BNode):
        return True
    if p == OWL.sameAs and s == o:
        return True
    if p == RDF.type and o in _EVERYTHING:
        return True
    return str(s).startswith(_VOCABULARIES)


def closure(graph: Graph) -> Graph:
    """``graph`` with owlrl's OWL 2 RL closure added (in place)."""
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics,
        rdfs_closure=False,
        axiomatic_triples=False,
        datatype_axioms=False,
    ).expand(graph)
    return graph


@dataclass(frozen=True)
class Background:
    """Ontology and registry, their closure, and the registry's own inferred triples."""

    iris: Iris
    registry: Graph
    closure: Graph
    registry_inferred: Graph


@cache
def background(iris: Iris) -> Background:
    """Reason once per process over ontology + registry.

    owlrl closes the ontology alone (its class and property axioms); the registry, a
    thousand entities of instance data, is then closed by the fast reasoner's compiled
    rules, which give owlrl's result on instance data (``tests/test_fastreason.py``) in a
    fraction of a second where owlrl took 10-20 s. If they cannot (an ontology construct
    they do not compile), owlrl closes everything, as before.
    """
    registry = map_registry(list(load_registry().entities), iris)
    ontology = ontology_graph()
    closed = Graph()
    for triple in ontology:
        closed.add(triple)
    closure(closed)
    fast = _registry_consequences(iris, closed, registry)
    inferred: set[Any]
    if fast is None:  # the reference path: owlrl over ontology + registry
        for triple in registry:
            closed.add(triple)
        closure(closed)
        inferred = {t for t in closed if t not in ontology and t not in registry}
    else:
        inferred = fast
        for triple in (*registry, *inferred):
            closed.add(triple)
    errors = errors_in(closed)
    if errors:  # a packaging bug: the bundled knowledge contradicts itself
        raise RuntimeError("the bundled ontology and registry are inconsistent: "
                           + "; ".join(errors))
    registry_inferred = Graph()
    for triple in inferred:
        if not is_artefact(triple):
            registry_inferred.add(triple)
    return Background(iris, registry, closed, registry_inferred)


def _registry_consequences(iris: Iris, ontology_closure: Graph, registry: Graph
                           ) -> set[Any] | None:
    """What the ontology entails about the registry, by the compiled rules (no derivation
    rules: those are for articles); None when only owlrl can say."""
    from .fastreason import FallBack, close_instances

    try:
        return close_instances(Background(iris, Graph(), ontology_closure, Graph()), registry)
    except FallBack:
        return None


def errors_in(graph: Graph) -> list[str]:
    """owlrl's inconsistency messages in a closed graph."""
    return sorted(
        str(text)
        for message in graph.subjects(RDF.type, _ERROR_TYPE)
        for text in graph.objects(message, _ERROR_TEXT)
    )


@dataclass
class Inference:
    """What reasoning added to one article, and any inconsistency it found."""

    graph: Graph
    inconsistencies: list[str]


@cache
def rules() -> tuple[str, ...]:
    """The derivation rules (SPARQL CONSTRUCT) of ``ontology/rules/``, in file order."""
    folder = data_dir("ontology") / "rules"
    return tuple(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.rq")))


def apply_rules(graph: Graph) -> int:
    """Add what the rules derive to ``graph``; returns the number of new triples."""
    new = 0
    for rule in rules():
        derived = graph.query(rule).graph  # a CONSTRUCT's result is a graph
        for triple in list(derived if derived is not None else ()):
            if triple not in graph:
                graph.add(triple)
                new += 1
    return new
