"""OWL 2 RL reasoning at store speed: owlrl's semantics, compiled once, applied per article.

owlrl re-derives the whole ontology for every article (about 0.5 s even for a tiny one).
Here the ontology + registry closure that owlrl computed once (:class:`Background`) is
compiled into lookup tables, and only the rules that fire on instance data are applied
to the article's triples, with a work list, to a fixpoint:

- cax-sco (types up the class hierarchy), cax-dw and cls-nothing2 (inconsistencies),
- prp-spo1 (super-properties), prp-dom, prp-rng, prp-inv1/2, prp-symp, prp-trp,
- cls-hv1, cls-hv2 (``owl:hasValue`` restrictions: a status makes a "happened" action),

then the derivation rules of ``ontology/rules/`` (SPARQL, run by Oxigraph), and the
OWL rules again on what they add. The result equals owlrl's materialization minus the
artefacts we never store (tested on the example and on generated corpora).

Whatever the tables cannot express sends the article to owlrl instead (the reference):
an ontology construct outside the list above (checked once, at compile time), or data
that would make owlrl reason with equality (``owl:sameAs``, two values of a functional
property). ``FallBack`` carries the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal

from .background import Background, Inference, is_artefact, rules
from .terms import from_ox, to_ox

Triple = tuple[Any, Any, Any]
_TYPE, _SAME_AS, _NOTHING = RDF.type, OWL.sameAs, OWL.Nothing  # hot loop: no namespace lookups

# Constructs whose rules are not compiled: their presence in the ontology means owlrl.
_UNSUPPORTED_PREDICATES = {
    OWL.someValuesFrom, OWL.allValuesFrom, OWL.unionOf, OWL.intersectionOf,
    OWL.complementOf, OWL.oneOf, OWL.propertyChainAxiom, OWL.hasKey, OWL.maxCardinality,
    OWL.maxQualifiedCardinality, OWL.propertyDisjointWith, OWL.sameAs, OWL.differentFrom,
    OWL.AllDifferent, OWL.members, OWL.AllDisjointClasses, OWL.AllDisjointProperties,
    OWL.hasSelf, OWL.onClass, OWL.disjointUnionOf,
}
_UNSUPPORTED_TYPES = {
    OWL.InverseFunctionalProperty, OWL.IrreflexiveProperty, OWL.AsymmetricProperty,
}


class FallBack(Exception):
    """This article (or ontology) needs owlrl itself; the message says why."""


@dataclass
class Compiled:
    """The background closure as lookup tables for the instance-level rules."""

    supers: dict[Any, frozenset[Any]] = field(default_factory=dict)
    super_props: dict[Any, frozenset[Any]] = field(default_factory=dict)
    domains: dict[Any, frozenset[Any]] = field(default_factory=dict)
    ranges: dict[Any, frozenset[Any]] = field(default_factory=dict)
    inverses: dict[Any, frozenset[Any]] = field(default_factory=dict)
    symmetric: frozenset[Any] = frozenset()
    transitive: frozenset[Any] = frozenset()
    functional: frozenset[Any] = frozenset()
    disjoint: dict[Any, frozenset[Any]] = field(default_factory=dict)
    stated_disjoint: frozenset[tuple[Any, Any]] = frozenset()
    value_of_class: dict[Any, list[tuple[Any, Any]]] = field(default_factory=dict)
    class_of_value: dict[tuple[Any, Any], list[Any]] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)
    background: frozenset[Triple] = frozenset()
    transitive_index: dict[tuple[Any, Any], set[Any]] = field(default_factory=dict)
    transitive_reverse: dict[tuple[Any, Any], set[Any]] = field(default_factory=dict)
    functional_values: dict[tuple[Any, Any], set[Any]] = field(default_factory=dict)


def _group(pairs: Any) -> dict[Any, frozenset[Any]]:
    grouped: dict[Any, set[Any]] = defaultdict(set)
    for key, value in pairs:
        grouped[key].add(value)
    return {k: frozenset(v) for k, v in grouped.items()}


def compile_background(bg: Background) -> Compiled:
    """Tables from the (already closed) ontology + registry graph."""
    closure = bg.closure
    compiled = Compiled(background=frozenset(closure))
    for predicate in _UNSUPPORTED_PREDICATES:
        for s, _, o in closure.triples((None, predicate, None)):
            if not (predicate == OWL.sameAs and s == o):
                compiled.unsupported.append(f"{predicate.n3()} ({s.n3()})")
    for kind in _UNSUPPORTED_TYPES:
        for s in closure.subjects(RDF.type, kind):
            compiled.unsupported.append(f"{kind.n3()} ({s.n3()})")
    compiled.supers = _group(closure.subject_objects(RDFS.subClassOf))
    compiled.super_props = _group(closure.subject_objects(RDFS.subPropertyOf))
    compiled.domains = _group(closure.subject_objects(RDFS.domain))
    compiled.ranges = _group(closure.subject_objects(RDFS.range))
    inverse_pairs = list(closure.subject_objects(OWL.inverseOf))
    compiled.inverses = _group(inverse_pairs + [(b, a) for a, b in inverse_pairs])
    compiled.symmetric = frozenset(closure.subjects(RDF.type, OWL.SymmetricProperty))
    compiled.transitive = frozenset(closure.subjects(RDF.type, OWL.TransitiveProperty))
    compiled.functional = frozenset(closure.subjects(RDF.type, OWL.FunctionalProperty))
    disjoint_pairs = list(closure.subject_objects(OWL.disjointWith))
    compiled.disjoint = _group(disjoint_pairs + [(b, a) for a, b in disjoint_pairs])
    compiled.stated_disjoint = frozenset(disjoint_pairs)
    value_of_class: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    class_of_value: dict[tuple[Any, Any], list[Any]] = defaultdict(list)
    for restriction, value in closure.subject_objects(OWL.hasValue):
        prop = closure.value(restriction, OWL.onProperty)
        if prop is not None:
            value_of_class[restriction].append((prop, value))
            class_of_value[(prop, value)].append(restriction)
    compiled.value_of_class = dict(value_of_class)
    compiled.class_of_value = dict(class_of_value)
    for prop in compiled.functional:
        for s, o in closure.subject_objects(prop):
            compiled.functional_values.setdefault((s, prop), set()).add(o)
    for prop in compiled.transitive:
        for s, o in closure.subject_objects(prop):
            compiled.transitive_index.setdefault((prop, s), set()).add(o)
            compiled.transitive_reverse.setdefault((prop, o), set()).add(s)
    return compiled


@cache
def compiled_for(bg: Background) -> Compiled:
    return compile_background(bg)


@cache
def _descriptions(bg: Background) -> dict[Any, tuple[Any, ...]]:
    """The background's triples as pyoxigraph quads, by subject (for the rule runs)."""
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for s, p, o in bg.closure:
        if not isinstance(s, Literal):
            grouped[s].append(ox.Quad(to_ox(s), to_ox(p), to_ox(o)))
    return {subject: tuple(quads) for subject, quads in grouped.items()}




class _Engine:
    def __init__(self, compiled: Compiled, asserted: set[Triple]) -> None:
        self.c = compiled
        self.known: set[Triple] = set(asserted)
        self.new: set[Triple] = set()
        self.agenda: list[Triple] = list(asserted)
        self.errors: list[str] = []
        self.forward: dict[tuple[Any, Any], set[Any]] = {}
        self.backward: dict[tuple[Any, Any], set[Any]] = {}
        self.functional_values: dict[tuple[Any, Any], Any] = {}

    def has(self, triple: Triple) -> bool:
        return triple in self.known or triple in self.c.background

    def add(self, triple: Triple) -> None:
        if triple in self.known or triple in self.c.background:
            return
        self.known.add(triple)
        self.new.add(triple)
        self.agenda.append(triple)

    def run(self) -> None:
        c = self.c
        while self.agenda:
            s, p, o = self.agenda.pop()
            if p == _SAME_AS and s != o:
                raise FallBack(f"owl:sameAs between {s.n3()} and {o.n3()}")
            if p == _TYPE:
                self._typed(s, o)
                continue
            for q in c.super_props.get(p, ()):
                self.add((s, q, o))
            for cls in c.domains.get(p, ()):
                self.add((s, _TYPE, cls))
            resource = not isinstance(o, Literal)
            if resource:
                for cls in c.ranges.get(p, ()):
                    self.add((o, _TYPE, cls))
                for q in c.inverses.get(p, ()):
                    self.add((o, q, s))
                if p in c.symmetric:
                    self.add((o, p, s))
            if p in c.functional:
                self._functional(s, p, o)
            if p in c.transitive:
                self._transitive(s, p, o)
            for restriction in c.class_of_value.get((p, o), ()):
                self.add((s, _TYPE, restriction))

    def _typed(self, s: Any, cls: Any) -> None:
        c = self.c
        if cls == _NOTHING:
            self.errors.append(f"{s} is an instance of owl:Nothing")
        for sup in c.supers.get(cls, ()):
            self.add((s, _TYPE, sup))
        for other in c.disjoint.get(cls, ()):
            if self.has((s, _TYPE, other)):  # owlrl's words, in the stated order
                first, second = ((cls, other) if (cls, other) in c.stated_disjoint
                                 else (other, cls))
                message = (f"Disjoint classes {first} and {second} have a common "
                           f"individual {s}")
                if message not in self.errors:
                    self.errors.append(message)
        for prop, value in c.value_of_class.get(cls, ()):
            self.add((s, prop, value))

    def _functional(self, s: Any, p: Any, o: Any) -> None:
        seen = self.functional_values.setdefault((s, p), o)
        stored = self.c.functional_values.get((s, p), set())
        if seen != o or stored - {o}:
            raise FallBack(f"two values of the functional property {p.n3()} on {s.n3()}")

    def _transitive(self, s: Any, p: Any, o: Any) -> None:
        c = self.c
        self.forward.setdefault((p, s), set()).add(o)
        self.backward.setdefault((p, o), set()).add(s)
        after = self.forward.get((p, o), set()) | c.transitive_index.get((p, o), set())
        before = self.backward.get((p, s), set()) | c.transitive_reverse.get((p, s), set())
        for z in list(after):
            self.add((s, p, z))
        for w in list(before):
            self.add((w, p, o))


class _RuleRun:
    """The derivation rules over the article, round after round, in a scratch Oxigraph.

    The rules see the article, what was inferred from it, and what the background says
    about every resource the article names (a class's annotations, a registry state's
    types). A fresh in-memory store per article: a shared one slows down as it keeps
    the history of every article removed from it.
    """

    def __init__(self, bg: Background) -> None:
        self.store = ox.Store()
        self.described = _descriptions(bg)
        self.added: set[Any] = set()
        self.terms: dict[Any, Any] = {}

    def _ox(self, term: Any) -> Any:
        found = self.terms.get(term)
        if found is None:
            found = self.terms[term] = to_ox(term)
        return found

    def __enter__(self) -> _RuleRun:
        return self

    def __exit__(self, *exc: object) -> None:
        del self.store

    def derive(self, triples: Iterable[Triple]) -> set[Triple]:
        ox_term = self._ox
        quads = []
        for s, p, o in triples:
            if isinstance(s, Literal):
                continue
            quads.append(ox.Quad(ox_term(s), ox_term(p), ox_term(o)))
            for resource in (s, o):
                if resource not in self.added and resource in self.described:
                    self.added.add(resource)
                    quads.extend(self.described[resource])
        self.store.extend(quads)
        derived = set()
        for rule in rules():
            answer = self.store.query(rule)
            assert isinstance(answer, ox.QueryTriples), "a derivation rule is a CONSTRUCT"
            for t in answer:
                derived.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
        return derived


def close_instances(bg: Background, data: Graph) -> set[Triple]:
    """The OWL 2 RL consequences of instance ``data`` over ``bg`` (no derivation rules):
    what owlrl would add to it. Raises :class:`FallBack` as :func:`infer_fast` does, and
    when the data is inconsistent (the caller then asks owlrl, which says why)."""
    compiled = compile_background(bg)
    if compiled.unsupported:
        raise FallBack("the ontology uses constructs the fast reasoner does not compile: "
                       + ", ".join(compiled.unsupported[:5]))
    engine = _Engine(compiled, set(data))
    engine.run()
    if engine.errors:
        raise FallBack("; ".join(engine.errors))
    return engine.new


def infer_fast(asserted: Graph, bg: Background) -> Inference:
    """Same result as :func:`kgload.reasoning.infer` (owlrl), at a fraction of the cost.

    Raises :class:`FallBack` when the article or the ontology needs owlrl itself.
    """
    compiled = compiled_for(bg)
    if compiled.unsupported:
        raise FallBack("the ontology uses constructs the fast reasoner does not compile: "
                       + ", ".join(compiled.unsupported[:5]))
    start = {t for t in asserted}
    for s, _, o in start:
        if isinstance(s, BNode) or isinstance(o, BNode):
            raise FallBack("blank nodes in the article")
    engine = _Engine(compiled, start)
    engine.run()
    with _RuleRun(bg) as rule_run:
        batch: Iterable[Triple] = engine.known
        while True:
            fresh = [t for t in rule_run.derive(batch) if not engine.has(t)]
            if not fresh:
                break
            before = set(engine.known)
            for triple in fresh:
                engine.add(triple)
            engine.run()
            batch = engine.known - before
    inferred = Graph()
    for triple in engine.new:
        if triple not in start and not is_artefact(triple):
            inferred.add(triple)
    return Inference(inferred, engine.errors)
