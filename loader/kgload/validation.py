"""SHACL validation of one article, findings mapped back to the facts file.

The data graph is the article's asserted and inferred triples plus what the ontology and
registry closure says about the resources the article names (so that a registry state
is known to be an actor, and a class has its super-classes). Reasoning has
already run, so nothing is inferred here.

Two validators give the same findings (``tests/test_validator_differential.py``;
``docs/validation.md`` lists where they may differ): the shapes compiled to one SPARQL
query run by Oxigraph (:mod:`kgload.shaclsparql`, the default, about ten times faster),
and pySHACL, the reference. Both give validation results, mapped to findings by one
function here. If the shapes use a construct the compiler does not translate, pySHACL
validates instead (and the log says why).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import Any

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from .background import Background
from .errors import Finding
from .facts import FactsFile
from .mapping import Mapped
from .ontology import shapes_graph
from .shaclsparql import (
    CompiledShapes,
    Result,
    UnsupportedShape,
    compile_shapes,
    message,
    quads,
    run,
)

log = logging.getLogger(__name__)

Triple = tuple[Node, Node, Node]


class Validator(StrEnum):
    """Which SHACL validator checks an article (the CLI's ``--validator``)."""

    SPARQL = "sparql"  # the shapes compiled to SPARQL, run by Oxigraph
    PYSHACL = "pyshacl"  # pySHACL: the reference


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
def _by_subject(bg: Background) -> dict[Node, tuple[Triple, ...]]:
    grouped: dict[Node, list[Triple]] = {}
    for triple in bg.closure:
        grouped.setdefault(triple[0], []).append(triple)
    return {subject: tuple(triples) for subject, triples in grouped.items()}


def _parts(mapped: Mapped, inferred: Graph, bg: Background) -> tuple[set[Triple], list[Node]]:
    """The article's triples, and the resources whose background description joins them
    in the data graph (see :func:`data_triples`)."""
    article: set[Triple] = set(mapped.graph)
    article.update(inferred)
    described = _by_subject(bg)
    todo = [t for triple in article for t in (triple[0], triple[2]) if isinstance(t, URIRef)]
    seen: set[Node] = set()
    subjects: list[Node] = []
    while todo:
        resource = todo.pop()
        if resource in seen:
            continue
        seen.add(resource)
        triples = described.get(resource, ())
        if triples:
            subjects.append(resource)
        for triple in triples:
            if triple[1] != RDF.type and isinstance(triple[2], URIRef):
                todo.append(triple[2])
    return article, subjects


def data_triples(mapped: Mapped, inferred: Graph, bg: Background) -> set[Triple]:
    """The data graph that is validated: the article's triples and what the background
    says about the resources they name, and about what those lead to (a registry
    state's region, its capital): every shape sees what it checks, and the registry is
    not re-validated whole for each article. Types are in the closure already (all
    super-classes), and each class's ``rdfs:subClassOf`` links come with it."""
    article, subjects = _parts(mapped, inferred, bg)
    described = _by_subject(bg)
    for subject in subjects:
        article.update(described[subject])
    return article


def validate(facts: FactsFile, mapped: Mapped, inferred: Graph, bg: Background,
             validator: Validator | str = Validator.SPARQL) -> list[Finding]:
    """SHACL findings for one article, each located in its facts file where possible."""
    results = None
    if Validator(validator) is Validator.SPARQL:
        results = _sparql_article(mapped, inferred, bg)
    if results is None:
        results = pyshacl_results(data_triples(mapped, inferred, bg))
    findings = [_finding(facts, mapped, *result) for result in results]
    findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.message))
    return findings


# (focus, path, value, source shape, component, message, severity), as a report says
ShaclResult = tuple[Node | None, Node | None, Node | None, Node | None, Node | None,
                    str | None, Node | None]


def pyshacl_results(data: Iterable[Triple]) -> list[ShaclResult]:
    """pySHACL's validation results on these triples."""
    import pyshacl  # imported here: it is slow to import and only ``load``/``validate`` need it

    graph = Graph()
    for triple in data:
        graph.add(triple)
    conforms, report, _ = pyshacl.validate(
        graph,
        shacl_graph=shapes_graph(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
    )
    if conforms:
        return []
    out: list[ShaclResult] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        message = report.value(result, SH.resultMessage)
        out.append((report.value(result, SH.focusNode), report.value(result, SH.resultPath),
                    report.value(result, SH.value), report.value(result, SH.sourceShape),
                    report.value(result, SH.sourceConstraintComponent),
                    str(message) if message is not None else None,
                    report.value(result, SH.resultSeverity)))
    return out


@cache
def _compiled(closed_types: bool = True) -> CompiledShapes | None:
    """The shapes compiled to SPARQL, or None if they use what the compiler refuses."""
    try:
        return compile_shapes(shapes_graph(), closed_types=closed_types)
    except UnsupportedShape as exc:
        log.warning("validating with pySHACL: %s", exc)
        return None


def sparql_results(data: Iterable[Triple], *, closed_types: bool = True
                   ) -> list[ShaclResult] | None:
    """The compiled shapes' results on these triples; None if the shapes do not compile.

    ``closed_types``: the data states every super-class of each resource's types, as
    kgload's reasoning does (see :func:`kgload.shaclsparql.compile_shapes`).
    """
    compiled = _compiled(closed_types)
    if compiled is None:
        return None
    return _as_results(run(compiled, data))


def _sparql_article(mapped: Mapped, inferred: Graph, bg: Background) -> list[ShaclResult] | None:
    """:func:`sparql_results` on the article's data graph (:func:`data_triples`), with
    the background's part converted to pyoxigraph terms once per process."""
    compiled = _compiled()
    if compiled is None:
        return None
    article, subjects = _parts(mapped, inferred, bg)
    converted = _background_quads(bg)
    described = _by_subject(bg)
    background = []
    for subject in subjects:
        found = converted.get(subject)
        if found is None:
            found = converted[subject] = quads(described[subject])
        background.extend(found)
    return _as_results(run(compiled, article, background,
                           lambda: data_triples(mapped, inferred, bg)))


@cache
def _background_quads(bg: Background) -> dict[Node, list[Any]]:
    return {}  # filled as articles name the background's resources


def _as_results(results: list[Result]) -> list[ShaclResult]:
    return [(r.focus, r.path, r.value, r.check.shape, r.check.component, message(r),
             r.check.severity) for r in results]


def _finding(facts: FactsFile, mapped: Mapped, focus: Node | None, path: Node | None,
             value: Node | None, shape: Node | None, component: Node | None,
             message: str | None, severity: Node | None) -> Finding:
    """One validation result as a finding: located at the fact (the triple focus-path-
    value, else the focus node) that the mapping recorded."""
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
    text = message if message is not None else "breaks a shape"
    if value is not None and origin is None and isinstance(value, URIRef):
        text += f" ({value})"
    return Finding(
        facts.path,
        text,
        _rule_name(shape, component),
        line,
        column,
        fact or (str(focus) if focus is not None else None),
        _severity(severity),
    )
