"""Our SHACL Core shapes compiled to one SPARQL query, run by Oxigraph per article.

:func:`compile_shapes` reads a shapes graph and gives a :class:`CompiledShapes`: one
``SELECT ?check ?focus ?value ?other`` made of one ``UNION`` branch per (shape,
constraint) pair, and the :class:`Check` each branch number stands for (source shape,
constraint component, path, message, severity). :func:`run` loads a data graph into an
in-memory ``pyoxigraph.Store`` and turns the rows into :class:`Result` objects, the same
(focus node, path, value, shape, component, message, severity) a pySHACL report holds.

Only what it compiles with pySHACL's meaning is accepted: any other SHACL construct
(``sh:closed``, ``sh:qualifiedValueShape``, ``sh:sparql``, a path it does not know...)
raises :class:`UnsupportedShape`, naming the shape, and :mod:`kgload.validation` then
uses pySHACL; a constraint is never skipped. ``docs/validation.md`` lists what is
supported and where the results differ from pySHACL's (by design: the spec's side).

Terms from the shapes graph go into the query through pyoxigraph's term serializer
(N-Triples syntax, valid SPARQL), never as pasted text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

__all__ = ["Check", "CompiledShapes", "Result", "UnsupportedShape", "compile_shapes", "message",
           "quads", "run"]

_RDFS_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_RDFS_LITERAL = URIRef("http://www.w3.org/2000/01/rdf-schema#Literal")
_XSD = "http://www.w3.org/2001/XMLSchema#"
# datatypes whose lexical form Oxigraph can check with a cast (an ill-typed literal fails)
_CASTABLE = {f"{_XSD}{name}" for name in (
    "boolean", "decimal", "integer", "double", "float", "date", "dateTime", "time",
    "duration", "dayTimeDuration", "yearMonthDuration")}

_EVERYTHING = {URIRef("http://www.w3.org/2002/07/owl#Thing"),
               URIRef("http://www.w3.org/2000/01/rdf-schema#Resource")}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# SHACL terms that say nothing about conformance
_NON_VALIDATING = {SH.message, SH.severity, SH.deactivated, SH.name, SH.description,
                   SH.order, SH.group, SH.defaultValue, SH.property, SH.path, SH.flags,
                   *_TARGETS}
# constraints on one value node at a time: a boolean expression over the value
_VALUE_LEVEL = (SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.pattern, SH.minLength,
                SH.maxLength, SH.minExclusive, SH.minInclusive, SH.maxExclusive,
                SH.maxInclusive, SH.languageIn, SH["or"], SH["and"], SH["not"], SH.node)
_COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
}
_COMPARISON = {SH.minExclusive: ">", SH.minInclusive: ">=", SH.maxExclusive: "<",
               SH.maxInclusive: "<="}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


class UnsupportedShape(Exception):
    """A shape uses a construct the compiler does not translate (validate with pySHACL)."""

    def __init__(self, shape: Node, what: str) -> None:
        super().__init__(f"cannot compile SHACL shape {shape} to SPARQL: {what}")
        self.shape = shape
        self.what = what


@dataclass(frozen=True)
class Check:
    """What one branch of the compiled query checks, and how its results read."""

    shape: Node  # the sh:sourceShape of its results
    component: URIRef  # the sh:sourceConstraintComponent
    parameter: Node  # the constraint's value (the class, the count, the list...)
    path: Node | None  # the shape's sh:path (an IRI, or the node of a complex path)
    messages: tuple[Literal, ...]  # the shape's sh:message, if any
    severity: URIRef


@dataclass(frozen=True)
class Result:
    """One validation result, as pySHACL's report states it."""

    focus: Node | None
    path: Node | None
    value: Node | None
    check: Check


@dataclass(frozen=True)
class CompiledShapes:
    """The compiled query and what each of its branches (``?check`` = index) checks."""

    checks: tuple[Check, ...]
    queries: tuple[str, ...]  # each a UNION of a few branches (see compile_shapes)


def compile_shapes(shapes: Graph, *, closed_types: bool = True,
                   per_query: int = 8) -> CompiledShapes:
    """Compile every shape with a target (and the property shapes they hold).

    ``closed_types``: the data states every super-class of a resource's types (kgload's
    reasoning materializes them), so ``sh:class`` and ``sh:targetClass`` read
    ``?x rdf:type C``; False follows ``rdf:type/rdfs:subClassOf*`` in the data, as
    SHACL says (slower). ``per_query``: branches per query; Oxigraph's planning time
    grows faster than the size of a UNION (72 branches: 24 ms on an empty store, 8
    queries of 9 branches: 4 ms). Raises :class:`UnsupportedShape` for a construct
    without a faithful translation.
    """
    return _Compiler(shapes, closed_types).compile(per_query)


class _Compiler:
    def __init__(self, shapes: Graph, closed_types: bool) -> None:
        self.g = shapes
        self.type = _RDF_TYPE if closed_types else f"{_RDF_TYPE}/{_RDFS_SUBCLASS}*"
        self.checks: list[Check] = []
        self.branches: list[str] = []
        self.fresh = 0

    # ------------------------------------------------------------------ the walk
    def compile(self, per_query: int) -> CompiledShapes:
        g = self.g
        shapes: set[Node] = set()
        for predicate in _TARGETS:
            shapes.update(g.subjects(predicate, None))
        for cls in (SH.NodeShape, SH.PropertyShape):
            for shape in g.subjects(RDF.type, cls):
                if (shape, RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) \
                        in g or (shape, RDF.type, URIRef(
                            "http://www.w3.org/2002/07/owl#Class")) in g:
                    raise UnsupportedShape(shape, "implicit class targets")
        for shape in sorted(shapes, key=str):
            if self._deactivated(shape):
                continue
            focus = self._targets(shape)
            self._shape(shape, focus)
        queries = []
        for start in range(0, len(self.branches), max(1, per_query)):
            union = "\n  UNION\n".join(self.branches[start:start + max(1, per_query)])
            queries.append(f"SELECT ?check ?focus ?value ?other WHERE {{\n{union}\n}}")
        return CompiledShapes(tuple(self.checks), tuple(queries))

    def _deactivated(self, shape: Node) -> bool:
        value = self.g.value(shape, SH.deactivated)
        return isinstance(value, Literal) and value.toPython() is True

    def _targets(self, shape: Node) -> str:
        parts = []
        for cls in sorted(self.g.objects(shape, SH.targetClass), key=str):
            parts.append(f"?focus {self.type} {self._class(shape, cls)} .")
        nodes = sorted(self.g.objects(shape, SH.targetNode), key=str)
        if nodes:
            parts.append("VALUES ?focus { " + " ".join(self._term(shape, n) for n in nodes)
                         + " }")
        for p in sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str):
            parts.append(f"?focus {self._iri(shape, p)} ?_t .")
        for p in sorted(self.g.objects(shape, SH.targetObjectsOf), key=str):
            parts.append(f"?_t {self._iri(shape, p)} ?focus .")
        if not parts:
            raise UnsupportedShape(shape, "no target it can read")
        if len(parts) == 1 and self.type == _RDF_TYPE and "?_t" not in parts[0]:
            return parts[0]  # one class or node list: no duplicate focus nodes
        return "{ SELECT DISTINCT ?focus WHERE { " + " UNION ".join(
            f"{{ {p} }}" for p in parts) + " } }"

    def _shape(self, shape: Node, focus: str) -> None:
        """Every constraint of ``shape`` (and of its property shapes) on these focus nodes."""
        self._known_predicates(shape)
        path_node = self.g.value(shape, SH.path)
        path = self._path(shape, path_node) if path_node is not None else None
        messages = tuple(m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal))
        severity = self.g.value(shape, SH.severity) or SH.Violation
        if not isinstance(severity, URIRef):
            raise UnsupportedShape(shape, "a severity that is not an IRI")
        targets = focus
        if path is None:
            values = f"{targets} BIND(?focus AS ?value)"
        else:
            values = f"{targets} ?focus {path} ?value ."

        def add(predicate: URIRef, parameter: Node, body: str) -> None:
            check = Check(shape, _COMPONENT[predicate], parameter, path_node, messages, severity)
            self.branches.append(f"  {{ {{ {body} }} BIND({len(self.checks)} AS ?check) }}")
            self.checks.append(check)

        for predicate in _COMPONENT:  # pySHACL joins several into one result: refused
            if len(set(self.g.objects(shape, predicate))) > 1:
                raise UnsupportedShape(shape, f"several values of {predicate}")
        for predicate in _VALUE_LEVEL:
            for parameter in sorted(self.g.objects(shape, predicate), key=str):
                condition = self._condition(shape, predicate, parameter, "?value")
                add(predicate, parameter, f"SELECT DISTINCT ?focus ?value WHERE {{ {values} "
                    f"FILTER(!({condition})) }}")
        for parameter in self.g.objects(shape, SH.hasValue):
            term = self._term(shape, parameter)
            if path is None:
                body = f"{targets} FILTER(!sameTerm(?focus, {term}))"
            else:
                body = f"{targets} FILTER NOT EXISTS {{ ?focus {path} {term} }}"
            add(SH.hasValue, parameter, body)
        for predicate in (SH.minCount, SH.maxCount):
            for parameter in self.g.objects(shape, predicate):
                add(predicate, parameter, self._count(shape, predicate, parameter, path,
                                                      targets))
        for predicate, operator in ((SH.lessThan, "<"), (SH.lessThanOrEquals, "<=")):
            for parameter in self.g.objects(shape, predicate):
                if path is None:
                    raise UnsupportedShape(shape, f"{predicate} on a node shape")
                other = self._iri(shape, parameter)
                # an incomparable pair (a date and a year, an ill-typed date) is a result,
                # as the spec says; pySHACL drops it (docs/validation.md)
                add(predicate, parameter, f"SELECT ?focus ?value ?other WHERE {{ {values} "
                    f"?focus {other} ?other . "
                    f"FILTER(!COALESCE(?value {operator} ?other, false)) }}")
        for prop in sorted(self.g.objects(shape, SH.property), key=str):
            if self._deactivated(prop):
                continue
            if self.g.value(prop, SH.path) is None:
                raise UnsupportedShape(prop, "a property shape without sh:path")
            self._shape(prop, focus)

    def _count(self, shape: Node, predicate: URIRef, parameter: Node, path: str | None,
               targets: str) -> str:
        count = self._integer(shape, predicate, parameter)
        if path is None:
            raise UnsupportedShape(shape, f"{predicate} on a node shape")
        if predicate == SH.minCount and count == 1:
            return f"{targets} FILTER NOT EXISTS {{ ?focus {path} ?_v }}"
        counted = (f"{{ SELECT ?focus (COUNT(DISTINCT ?_v) AS ?_n) WHERE "
                   f"{{ ?focus {path} ?_v }} GROUP BY ?focus }}")
        if predicate == SH.minCount:
            return f"{targets} OPTIONAL {counted} FILTER(COALESCE(?_n, 0) < {count})"
        return f"{targets} {counted} FILTER(?_n > {count})"

    # ------------------------------------------------------------ value conditions
    def _condition(self, shape: Node, predicate: URIRef, parameter: Node, v: str) -> str:
        """A SPARQL expression, true when value ``v`` meets this one constraint."""
        if predicate == SH["class"]:
            cls = self._class(shape, parameter)
            return f"EXISTS {{ {v} {self.type} {cls} }}"
        if predicate == SH.datatype:
            return self._datatype(shape, parameter, v)
        if predicate == SH.nodeKind:
            kind = _NODE_KINDS.get(parameter) if isinstance(parameter, URIRef) else None
            if kind is None:
                raise UnsupportedShape(shape, f"sh:nodeKind {parameter}")
            return kind.format(v=v)
        if predicate == SH["in"]:
            members = self._list(shape, parameter)
            tests = [f"sameTerm({v}, {self._term(shape, m)})" for m in members]
            return "(" + (" || ".join(tests) or "false") + ")"
        if predicate == SH.pattern:
            flags = self.g.value(shape, SH.flags)
            if not isinstance(parameter, Literal) or (flags is not None
                                                      and not isinstance(flags, Literal)):
                raise UnsupportedShape(shape, "sh:pattern or sh:flags that is not a string")
            pattern = self._term(shape, Literal(str(parameter)))
            extra = f", {self._term(shape, Literal(str(flags)))}" if flags is not None else ""
            return f"(!isBlank({v}) && REGEX(STR({v}), {pattern}{extra}))"
        if predicate in (SH.minLength, SH.maxLength):
            length = self._integer(shape, predicate, parameter)
            if predicate == SH.minLength and length == 0:
                return "true"
            operator = ">=" if predicate == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {operator} {length})"
        if predicate in _COMPARISON:
            bound = self._term(shape, parameter)
            return f"COALESCE({v} {_COMPARISON[predicate]} {bound}, false)"
        if predicate == SH.languageIn:
            ranges = self._list(shape, parameter)
            tests = [f"langMatches(lang({v}), {self._term(shape, r)})" for r in ranges]
            return f"COALESCE(isLiteral({v}) && ({' || '.join(tests) or 'false'}), false)"
        if predicate == SH["or"]:
            members = self._list(shape, parameter)
            return "(" + (" || ".join(self._conforms(m, v) for m in members) or "false") + ")"
        if predicate == SH["and"]:
            members = self._list(shape, parameter)
            return "(" + (" && ".join(self._conforms(m, v) for m in members) or "true") + ")"
        if predicate == SH["not"]:
            return f"!{self._conforms(parameter, v)}"
        if predicate == SH.node:
            return self._conforms(parameter, v)
        raise UnsupportedShape(shape, f"the constraint {predicate}")  # pragma: no cover

    def _conforms(self, shape: Node, v: str) -> str:
        """True when ``v`` conforms to ``shape``: value-level constraints only."""
        self._known_predicates(shape)
        for predicate in (SH.path, SH.property, SH.minCount, SH.maxCount, SH.hasValue,
                          SH.lessThan, SH.lessThanOrEquals):
            if (shape, predicate, None) in self.g:
                raise UnsupportedShape(shape, f"{predicate} in a shape used by "
                                              "sh:or/sh:and/sh:not/sh:node")
        if self._deactivated(shape):
            return "true"
        parts = [self._condition(shape, predicate, parameter, v)
                 for predicate in _VALUE_LEVEL
                 for parameter in sorted(self.g.objects(shape, predicate), key=str)]
        return "(" + (" && ".join(parts) or "true") + ")"

    def _datatype(self, shape: Node, datatype: Node, v: str) -> str:
        dt = self._iri(shape, datatype)
        if datatype == RDF.langString:
            return f"COALESCE(isLiteral({v}) && lang({v}) != \"\", false)"
        if datatype == _RDFS_LITERAL:  # pySHACL: every literal has it
            return f"isLiteral({v})"
        check = f"COALESCE(sameTerm(datatype({v}), {dt}), false)"
        if str(datatype) in _CASTABLE:  # an ill-typed literal does not have the datatype
            check += f" && COALESCE(isLiteral({dt}(STR({v}))), false)"
        return f"({check})"

    # ----------------------------------------------------------------- the terms
    def _known_predicates(self, shape: Node) -> None:
        for predicate in set(self.g.predicates(shape, None)):
            if not str(predicate).startswith(str(SH)):
                continue  # rdf:type, rdfs:label, annotations: no constraint
            if predicate in _NON_VALIDATING or predicate in _COMPONENT:
                continue
            raise UnsupportedShape(shape, f"the SHACL term {predicate}")

    def _path(self, shape: Node, node: Node) -> str:
        if isinstance(node, URIRef):
            return self._iri(shape, node)
        if not isinstance(node, BNode):
            raise UnsupportedShape(shape, "a path that is not an IRI or a blank node")
        if (node, RDF.first, None) in self.g:
            steps = [self._path(shape, step) for step in self._list(shape, node)]
            if len(steps) < 2:
                raise UnsupportedShape(shape, "a sequence path of fewer than two steps")
            return "(" + "/".join(steps) + ")"
        kinds = {p for p in self.g.predicates(node, None)}
        if len(kinds) != 1:
            raise UnsupportedShape(shape, "a path node with several path kinds")
        kind = kinds.pop()
        inner = self.g.value(node, kind)
        assert inner is not None
        if kind == SH.inversePath:
            return f"^{self._path(shape, inner)}"
        if kind == SH.alternativePath:
            return "(" + "|".join(self._path(shape, s) for s in self._list(shape, inner)) + ")"
        suffix = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}
        if isinstance(kind, URIRef) and kind in suffix:
            return f"({self._path(shape, inner)}){suffix[kind]}"
        raise UnsupportedShape(shape, f"the path kind {kind}")

    def _list(self, shape: Node, head: Node) -> list[Node]:
        if head != RDF.nil and (head, RDF.first, None) not in self.g:
            raise UnsupportedShape(shape, f"{head} is not an RDF list")
        return list(Collection(self.g, head))  # type: ignore[arg-type]

    def _integer(self, shape: Node, predicate: URIRef, value: Node) -> int:
        number = value.toPython() if isinstance(value, Literal) else None
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise UnsupportedShape(shape, f"{predicate} {value} is not a whole number")
        return number

    def _class(self, shape: Node, node: Node) -> str:
        # kgload keeps owl:Thing and rdfs:Resource types out of the store (background.py)
        if self.type == _RDF_TYPE and node in _EVERYTHING:
            raise UnsupportedShape(shape, f"the class {node}, which the data does not state")
        return self._iri(shape, node)

    def _iri(self, shape: Node, node: Node) -> str:
        if not isinstance(node, URIRef):
            raise UnsupportedShape(shape, f"{node} where an IRI is expected")
        return self._term(shape, node)

    def _term(self, shape: Node, node: Node) -> str:
        try:
            return str(to_oxigraph(node))
        except (TypeError, ValueError) as exc:
            raise UnsupportedShape(shape, f"the term {node!r}: {exc}") from None


# ---------------------------------------------------------------------- running

def to_oxigraph(term: Node) -> Any:
    """The pyoxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


class _Terms:
    """rdflib terms to pyoxigraph terms and back, remembered (the background's terms
    recur in every article)."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self.to_ox: dict[Node, Any] = {}
        self.back: dict[Any, Node] = {}

    def convert(self, term: Node) -> Any:
        found = self.to_ox.get(term)
        if found is None:
            if len(self.to_ox) > self.LIMIT:  # bounded: blank nodes are new per article
                self.to_ox.clear()
                self.back.clear()
            found = to_oxigraph(term)
            self.to_ox[term] = found
            self.back[found] = term
        return found

    def quads(self, triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[Any]:
        convert, default = self.convert, ox.DefaultGraph()
        for s, p, o in triples:
            yield ox.Quad(convert(s), convert(p), convert(o), default)

    def rdflib(self, term: Any) -> Node | None:
        if term is None:
            return None
        found = self.back.get(term)
        if found is not None:
            return found
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        return Literal(term.value, lang=term.language,
                       datatype=None if term.language else URIRef(term.datatype.value))


_TERMS = _Terms()


def quads(triples: Iterable[tuple[Node, Node, Node]]) -> list[Any]:
    """pyoxigraph quads (default graph) of rdflib triples, for :func:`run`'s ``quads``."""
    return list(_TERMS.quads(triples))


def run(compiled: CompiledShapes, triples: Iterable[tuple[Node, Node, Node]],
        quads: Iterable[Any] = (),
        everything: Callable[[], Iterable[tuple[Node, Node, Node]]] | None = None
        ) -> list[Result]:
    """The results of the compiled shapes on ``triples`` plus ``quads`` (the same data,
    already converted: the background's), as pySHACL would give them (see the module).

    ``everything``: every triple of the data, asked for only to find a literal value's
    own form (see :func:`_original`); by default ``triples``.
    """
    triples = triples if isinstance(triples, list | set | frozenset) else list(triples)
    store = ox.Store()
    store.extend(_TERMS.quads(triples))
    store.extend(quads)
    results = []
    rows = (row for query in compiled.queries for row in _solutions(store, query))
    for row in rows:
        check = compiled.checks[int(row["check"].value)]
        focus = _TERMS.rdflib(row["focus"])
        value = row["value"]
        found = None if value is None else _TERMS.back.get(value)
        if found is None and value is not None:
            found = _original(value, focus, check.path,
                              everything() if everything is not None else triples)
        results.append(Result(focus, check.path, found, check))
    return results


def _solutions(store: Any, query: str) -> Any:
    rows = store.query(query)
    assert isinstance(rows, ox.QuerySolutions)
    return rows


def _original(value: Any, focus: Node | None, path: Node | None,
              triples: Iterable[tuple[Node, Node, Node]]) -> Node | None:
    """The data's own term for a value the store gives back in canonical form.

    Oxigraph keeps numbers and dates as values: ``"0.0"^^xsd:decimal`` comes back as
    ``"0"``. The finding is located by the data's term, so the data's term it is.
    """
    term = _TERMS.rdflib(value)
    if not isinstance(term, Literal):
        return term
    if isinstance(path, URIRef):
        candidates: Iterable[Node] = (o for s, p, o in triples if s == focus and p == path)
    else:
        candidates = (o for _, _, o in triples)
    for candidate in candidates:
        if (isinstance(candidate, Literal) and candidate.datatype == term.datatype
                and candidate.language == term.language
                and (str(candidate) == str(term)
                     or (candidate.value is not None and candidate.value == term.value))):
            return candidate
    return term


# ---------------------------------------------------------------------- messages

def message(result: Result) -> str:
    """The result's message: the shape's ``sh:message``, else the one pySHACL writes."""
    if result.check.messages:
        return str(min(result.check.messages, key=lambda m: (m.language or "", str(m))))
    return _generic(result)


@cache
def _namespaces() -> tuple[Any, Any]:
    # pySHACL writes terms with the namespace prefixes of the shapes graph (constraint
    # parameters) and of the data graph (focus and value: rdflib's default prefixes)
    from .ontology import shapes_graph

    return shapes_graph(), Graph()


def _generic(result: Result) -> str:
    """pySHACL 0.40's generic message for a result (its wording, its quirks)."""
    from pyshacl.rdfutil.stringify import stringify_node

    shapes, data = _namespaces()
    check = result.check
    component = str(check.component).rsplit("#", 1)[-1]

    def shape_term(node: Node | None) -> str:
        return str(node) if node is None else str(stringify_node(shapes, node))

    def data_term(node: Node | None) -> str:
        return str(node) if node is None else str(stringify_node(data, node))

    parameter = check.parameter
    if component in ("MinCountConstraintComponent", "MaxCountConstraintComponent"):
        word = "Less" if component.startswith("Min") else "More"
        return (f"{word} than {parameter} values on {data_term(result.focus)}->"
                f"{shape_term(check.path)}")
    simple = {
        "ClassConstraintComponent": "Value does not have class {}",
        "DatatypeConstraintComponent": "Value is not Literal with datatype {}",
        "NodeKindConstraintComponent": "Value is not of Node Kind {}",
        "MinExclusiveConstraintComponent": "Value is not > {}",
        "MinInclusiveConstraintComponent": "Value is not >= {}",
        "MaxExclusiveConstraintComponent": "Value is not < {}",
        "MaxInclusiveConstraintComponent": "Value is not <= {}",
        "LanguageInConstraintComponent": "String language is not in {}",
    }
    if component in simple:
        return simple[component].format(shape_term(parameter))
    if component == "MinLengthConstraintComponent":
        return f"String length not >= {data_term(parameter)}"
    if component == "MaxLengthConstraintComponent":
        return f"String length not <= {data_term(parameter)}"
    if component == "PatternConstraintComponent":
        return f"Value does not match pattern '{parameter}'"
    if component == "InConstraintComponent":
        listed = [shape_term(m) for m in Collection(shapes, parameter)]  # type: ignore[arg-type]
        return f"Value {data_term(result.value)} not in list {listed}"
    if component in ("LessThanConstraintComponent", "LessThanOrEqualsConstraintComponent"):
        # pySHACL writes "<" for lessThanOrEquals and "<=" for lessThan
        sign = "<" if component.startswith("LessThanOr") else "<="
        return (f"Value of {data_term(result.focus)}->{shape_term(parameter)} {sign} "
                f"{data_term(result.value)}")
    if component in ("OrConstraintComponent", "AndConstraintComponent"):
        members = " , ".join(shape_term(m) for m in Collection(shapes, parameter))  # type: ignore[arg-type]
        how = "one or more" if component.startswith("Or") else "all"
        return f"Node {data_term(result.value)} must conform to {how} shapes in {members}"
    if component == "NotConstraintComponent":
        return f"Node {data_term(result.value)} must not conform to shape {shape_term(parameter)}"
    if component == "NodeConstraintComponent":
        return (f"Value does not conform to Shape {shape_term(parameter)}. See details for "
                "more information.")
    if component == "HasValueConstraintComponent":
        where = (f"Node {data_term(result.focus)}->{shape_term(check.path)} does not contain "
                 "a value in the set:" if check.path is not None else
                 f"Node {data_term(result.focus)} value is not a in the set of values:")
        return f"{where} {[shape_term(parameter)]}"
    return f"breaks {component}"  # pragma: no cover - every compiled component is above
