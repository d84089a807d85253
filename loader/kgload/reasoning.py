"""Reasoning over one article: the choice of reasoner, and owlrl's OWL 2 RL closure.

Two reasoners give the same result (``tests/test_fastreason.py``): the compiled fast
path of :mod:`kgload.fastreason`, and owlrl, the reference. The fast path hands an
article to owlrl whenever it cannot guarantee the same result. owlrl runs on a private
copy (background closure + the article), and only what the article adds is kept, minus
the artefacts that :func:`kgload.background.is_artefact` names.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from enum import StrEnum
from functools import cache
from typing import Any

from rdflib import OWL, RDF, Graph

from .background import (
    Background,
    Inference,
    apply_rules,
    background,
    closure,
    errors_in,
    is_artefact,
)
from .fastreason import FallBack, infer_fast
from .ontology import ontology_graph
from .vocab import KG

Triple = tuple[Any, Any, Any]

__all__ = ["Background", "Inference", "Reasoner", "background", "infer", "reason"]

log = logging.getLogger(__name__)


class Reasoner(StrEnum):
    """Which reasoner computes an article's inferred graph (the CLI's ``--reasoner``)."""

    FAST = "fast"  # compiled rules, owlrl where they cannot guarantee the same result
    OWLRL = "owlrl"  # owlrl alone: the reference, about 30 times slower


def reason(asserted: Graph, bg: Background, reasoner: Reasoner | str = Reasoner.FAST) -> Inference:
    """The article's inferred graph, by the chosen reasoner (see :class:`Reasoner`)."""
    if Reasoner(reasoner) is Reasoner.FAST:
        try:
            return infer_fast(asserted, bg)
        except FallBack as exc:
            log.info("reasoning with owlrl: %s", exc)
    return infer(asserted, bg)


def infer(asserted: Graph, bg: Background) -> Inference:
    """The article's inferred graph: closure(ontology+registry+article) minus the rest.

    Of the registry, only the entities the article reaches are given to owlrl (see
    :func:`_relevant`): the whole registry made each article five times slower.

    owlrl's closure, then the derivation rules, then owlrl again if the rules added
    anything (their relations have super-properties and inverses), to a fixpoint.
    """
    work = Graph()
    for triple in _relevant(bg, asserted):
        work.add(triple)
    for triple in asserted:
        work.add(triple)
    closure(work)
    while apply_rules(work):
        closure(work)
    inferred = Graph()
    for triple in work:
        if triple in asserted or triple in bg.closure or is_artefact(triple):
            continue
        inferred.add(triple)
    return Inference(inferred, errors_in(work))


@cache
def _split(bg: Background) -> tuple[tuple[Triple, ...], dict[Any, tuple[Triple, ...]]]:
    """The background closure in two: what every article's closure needs, and the
    triples about each registry entity and each CAMEO event class (the bulk of the
    background, of which an article touches a few), by subject."""
    ontology = ontology_graph()
    parts = set(bg.registry.subjects()) | set(ontology.subjects(KG.cameoCode))
    rest: list[Triple] = []
    about: dict[Any, list[Triple]] = defaultdict(list)
    for triple in bg.closure:
        (about[triple[0]] if triple[0] in parts else rest).append(triple)
    return tuple(rest), {part: tuple(triples) for part, triples in about.items()}


def _relevant(bg: Background, asserted: Graph) -> Iterator[Triple]:
    """The background an article's closure can use: the ontology's axioms, and of the
    registry entities and CAMEO classes those the article or the axioms name, with those
    they name in turn (a city's state, a class's super-classes), following their triples
    from subject to object.

    That is enough for the OWL 2 RL rules kgload's ontology uses: they join triples on a
    shared subject, or follow a link from subject to object, except transitivity, which
    also joins a triple's subject with another's object. So an article that states a
    transitive property of a registry entity (none does today: an article names registry
    entities as objects, and as subjects only in ``kg:borders``) gets the whole background.
    """
    rest, about = _split(bg)
    yield from rest
    transitive = set(bg.closure.subjects(RDF.type, OWL.TransitiveProperty))
    if any(s in about and p in transitive for s, p, _ in asserted):
        for triples in about.values():
            yield from triples
        return
    named = (term for triple in (*asserted, *rest) for term in triple)
    frontier = list({term for term in named if term in about})
    seen = set(frontier)
    while frontier:
        part = frontier.pop()
        for triple in about[part]:
            yield triple
            if triple[2] in about and triple[2] not in seen:
                seen.add(triple[2])
                frontier.append(triple[2])
