"""SHACL validation with pySHACL, findings mapped back to the facts file.

The data graph is the article's asserted and inferred triples plus what the ontology and
registry closure says about the resources the article names (so that a registry state
is known to be an actor, and a class has its super-classes). Reasoning has
already run, so pySHACL runs with ``inference="none"``.
"""

from __future__ import annotations

from functools import cache

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from .background import Background
from .errors import Finding
from .facts import FactsFile
from .mapping import Mapped
from .ontology import shapes_graph


def _rule_name(shape: Node | None, component: Node | None) -> str:
    for term in (shape, component):
        if isinstance(term, URIRef):
            text = str(term)
            return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return "shacl"


def _severity(term: Node | None) -> str:
    if term is None or term == SH.Violation:
        return "error"
    return str(term).rsplit("#", 1)[-1].lower()


@cache
def _by_subject(bg: Background) -> dict[Node, tuple[tuple[Node, Node, Node], ...]]:
    grouped: dict[Node, list[tuple[Node, Node, Node]]] = {}
    for triple in bg.closure:
        grouped.setdefault(triple[0], []).append(triple)
    return {subject: tuple(triples) for subject, triples in grouped.items()}


def validate(facts: FactsFile, mapped: Mapped, inferred: Graph, bg: Background) -> list[Finding]:
    """SHACL findings for one article, each located in its facts file where possible."""
    import pyshacl  # imported here: it is slow to import and only ``load``/``validate`` need it

    data = Graph()
    for graph in (mapped.graph, inferred):
        for triple in graph:
            data.add(triple)
    # what the background says about the resources the article names, and about what
    # those lead to (a registry state's region, its capital): every shape sees what it
    # checks, and the registry is not re-validated whole for each article. Types are in
    # the closure already (all super-classes), so classes need no description.
    described = _by_subject(bg)
    todo = [t for triple in data for t in (triple[0], triple[2]) if isinstance(t, URIRef)]
    seen: set[Node] = set()
    while todo:
        resource = todo.pop()
        if resource in seen:
            continue
        seen.add(resource)
        for triple in described.get(resource, ()):
            data.add(triple)
            if triple[1] != RDF.type and isinstance(triple[2], URIRef):
                todo.append(triple[2])
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
    )
    if conforms:
        return []
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        severity = report.value(result, SH.resultSeverity)
        message = report.value(result, SH.resultMessage)
        shape = report.value(result, SH.sourceShape)
        component = report.value(result, SH.sourceConstraintComponent)
        origin = mapped.origins.get((focus, path, value)) if value is not None else None
        if origin is None and isinstance(focus, URIRef):
            origin = mapped.nodes.get(focus)
        fact = None
        line = column = None
        if origin is not None:
            position = facts.position(origin)
            if position:
                line, column = position
            fact = facts.fact_id(origin)
        text = str(message) if message is not None else "breaks a shape"
        if value is not None and origin is None and isinstance(value, URIRef):
            text += f" ({value})"
        findings.append(
            Finding(
                facts.path,
                text,
                _rule_name(shape, component),
                line,
                column,
                fact or (str(focus) if focus is not None else None),
                _severity(severity),
            )
        )
    findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.message))
    return findings

