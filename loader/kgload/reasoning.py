"""Reasoning over one article: the choice of reasoner, and owlrl's OWL 2 RL closure.

Two reasoners give the same result (``tests/test_fastreason.py``): the compiled fast
path of :mod:`kgload.fastreason`, and owlrl, the reference. The fast path hands an
article to owlrl whenever it cannot guarantee the same result. owlrl runs on a private
copy (background closure + the article), and only what the article adds is kept, minus
the artefacts that :func:`kgload.background.is_artefact` names.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from rdflib import Graph

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

    owlrl's closure, then the derivation rules, then owlrl again if the rules added
    anything (their relations have super-properties and inverses), to a fixpoint.
    """
    work = Graph()
    for triple in bg.closure:
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
