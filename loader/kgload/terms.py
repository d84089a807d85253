"""rdflib and pyoxigraph terms, one into the other.

kgload builds and checks graphs with rdflib (owlrl and pySHACL work on rdflib graphs)
and stores them in Oxigraph; every crossing goes through these two functions, and a
term written into SPARQL text is always serialized by Oxigraph (:func:`nt_line`), never
pasted from a string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


# IRIs already converted: a commit converts every quad of an article, whose predicates,
# classes, entities and facts repeat (a look-up is about 6x cheaper than building the
# node, which checks the IRI). Bounded: cleared when full.
_NAMED: dict[URIRef, Any] = {}
_NAMED_MAX = 1 << 17


def to_ox(term: Any) -> Any:
    """An rdflib term as a pyoxigraph term (whose ``str`` is correct N-Triples)."""
    if isinstance(term, URIRef):
        node = _NAMED.get(term)
        if node is None:
            if len(_NAMED) >= _NAMED_MAX:
                _NAMED.clear()
            node = _NAMED[term] = ox.NamedNode(str(term))
        return node
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):  # only the ontology has them (restrictions, lists)
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: Any) -> Any:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"not an RDF term: {term!r}")


# terms a converter remembers at most (see converter): the labels, codes and names that
# repeat down a column, and every other term until it is full; then it starts afresh
CONVERTED_MAX = 100_000


def converter() -> Callable[[Any], Any]:
    """:func:`from_ox` remembering what it converted, for the rows of one answer.

    A listing repeats terms down its columns (kinds, statuses, codes, actor names): each
    is converted once (rdflib's Literal is slow to build), and the same immutable rdflib
    term is given again. The memory is bounded (``CONVERTED_MAX`` terms)."""
    seen: dict[Any, Any] = {}

    def convert(term: Any) -> Any:
        found = seen.get(term)
        if found is None:
            if len(seen) >= CONVERTED_MAX:
                seen.clear()
            found = seen[term] = from_ox(term)
        return found

    return convert


def nt_line(triple: tuple[Any, Any, Any]) -> str:
    """A triple of rdflib terms as one N-Triples line (the terms serialized, never pasted)."""
    s, p, o = triple
    return f"{to_ox(s)} {to_ox(p)} {to_ox(o)} ."
