"""One article through every stage that needs no store: check, map, reason, validate.

``kgload validate`` and ``kgload load`` run exactly this, in process or in the workers of
``load --jobs`` (see :mod:`kgload.workers`); only the commit (:mod:`kgload.commit`)
sees the store.
"""

from __future__ import annotations

import re

from rdflib import RDF, Graph, Literal, URIRef

from .background import background
from .check import check_facts
from .entities import Known, type_conflicts
from .errors import Finding, InputRejected
from .explain import explain
from .facts import FactsFile
from .iris import Iris
from .mapping import Mapped, map_article
from .outcomes import STAGES, Prepared, Timer
from .reasoning import Reasoner, reason
from .registry import load_registry
from .validation import Validator, validate
from .vocab import KG, KG_IRI


def prepare(facts: FactsFile, iris: Iris, timer: Timer | None = None, *,
            reasoner: Reasoner | str = Reasoner.FAST,
            known: dict[str, Known] | None = None,
            validator: Validator | str = Validator.SPARQL) -> Prepared:
    """Check, map, reason and validate a parsed facts file; raises :class:`InputRejected`.

    ``known`` are the entities declared elsewhere (the store, other files of the run)
    that the file names: it may use them without declaring them, and what it declares
    must not contradict them. ``validator``: which SHACL validator (the same findings).
    """
    timer = timer or Timer(dict.fromkeys(STAGES, 0.0))
    bg = background(iris)
    known = known or {}
    with timer("check"):
        checked = check_facts(facts, load_registry().types, known)
        conflicts = type_conflicts(facts, known, bg)
        if conflicts:
            raise InputRejected(conflicts)
    with timer("map"):
        mapped = map_article(checked, iris)
        declared = {e["id"] for e in checked.entities}
        used = {i: k for i, k in known.items() if i not in declared}
        context = Graph()
        for entity_id, entity in used.items():
            node = iris.entity(entity_id)
            for cls in entity.types:
                context.add((node, RDF.type, cls))
            if entity.name is not None:
                context.add((node, KG.name, Literal(entity.name)))
    with timer("reason"):
        inference = reason(_joined(mapped.graph, context), bg, reasoner)
    findings = [_inconsistency(facts, mapped, message) for message in inference.inconsistencies]
    with timer("validate"):
        findings += validate(facts, mapped, _joined(inference.graph, context), bg, validator)
    if findings:
        raise InputRejected(findings)
    return Prepared(facts, checked, mapped, inference.graph,
                    frozenset(iris.entity(i) for i in used))


def _joined(graph: Graph, extra: Graph) -> Graph:
    """``graph`` with ``extra`` added, as a new graph (``graph`` itself if nothing is)."""
    if not len(extra):
        return graph
    out = Graph()
    for part in (graph, extra):
        for triple in part:
            out.add(triple)
    return out


_IRI = re.compile(r"https?://[^\s<>\"'(),]+")


def _inconsistency(facts: FactsFile, mapped: Mapped, message: str) -> Finding:
    """A reasoner's inconsistency in plain words (:mod:`kgload.explain`), located at the
    statement that caused it, else at the first fact or entity it names.

    A registry entity has no place in the file: the first statement of the file that
    mentions it (``located_in: colombia-government``) stands for it.
    """
    explained = explain(message, facts, mapped)
    path = explained.path
    if path is None:
        for iri in _IRI.findall(message):
            if iri.startswith((KG_IRI, "http://www.w3.org/")):
                continue  # a class or property of the ontology, not something the file says
            node = URIRef(iri)
            path = mapped.nodes.get(node)
            if path is None:
                path = next((p for (s, _, o), p in mapped.origins.items() if node in (s, o)),
                            None)
            if path is not None:
                break
    line = column = fact = None
    if path is not None:
        position = facts.position(path)
        if position:
            line, column = position
        fact = facts.fact_id(path)
    return Finding(facts.path, f"the facts contradict the ontology: {explained.message}",
                   "inconsistent", line, column, fact)
