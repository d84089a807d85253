"""The reasoner's inconsistencies in plain words, at the line that caused them.

The reasoner says "Disjoint classes kg:City and kg:Actor have a common individual
<.../entity/nablus>". A journalist needs: which entity, what the file declared it to
be, which statement made it the other thing, and where that statement is. For two
disjoint classes the statement is found among the file's own triples: the entity's
declared type on one side, and on the other a use of it whose property has a domain or a
range inside the other class (``of:`` of a role needs an actor, ``places:`` a place).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, URIRef

from .facts import FactsFile, Path_
from .mapping import Mapped
from .ontology import ontology_graph
from .vocab import KG, KG_IRI

_DISJOINT = re.compile(r"Disjoint classes (\S+) and (\S+) have a common individual (\S+)")
_NOTHING = re.compile(r"(\S+) is an instance of owl:Nothing")
_IRI = re.compile(r"https?://[^\s<>\"'(),]+")


@dataclass(frozen=True)
class Explained:
    message: str
    path: Path_ | None  # where the file says what caused it, if found


def _label(graph: Graph, term: URIRef) -> str:
    label = graph.value(term, RDFS.label)
    if label is not None:
        return str(label)
    text = str(term)
    return text[len(KG_IRI):] if text.startswith(KG_IRI) else text


def _within(graph: Graph, cls: URIRef, ancestor: URIRef) -> bool:
    return cls == ancestor or ancestor in graph.transitive_objects(cls, RDFS.subClassOf)


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _field(path: Path_) -> str:
    names = [p for p in path if isinstance(p, str)]
    return names[-1] if names else "the file"


class _Names:
    """How a node of the article reads: its name and id, or its label."""

    def __init__(self, mapped: Mapped, ontology: Graph) -> None:
        self.mapped = mapped
        self.ontology = ontology

    def __call__(self, node: URIRef) -> str:
        if str(node).startswith(KG_IRI):
            return _label(self.ontology, node)
        name = self.mapped.graph.value(node, KG.name)
        local = str(node).rstrip("/").rsplit("/", 1)[-1]
        return f'"{name}" ({local})' if name is not None else local


def explain(message: str, facts: FactsFile, mapped: Mapped) -> Explained:
    """The reasoner's ``message`` as a sentence about the file, with the path to blame."""
    ontology = ontology_graph()
    names = _Names(mapped, ontology)
    disjoint = _DISJOINT.fullmatch(message.strip())
    if disjoint:
        first, second, node = (URIRef(t.strip("<>")) for t in disjoint.groups())
        return _disjoint(first, second, node, mapped, ontology, names)
    nothing = _NOTHING.fullmatch(message.strip())
    if nothing:
        node = URIRef(nothing.group(1).strip("<>"))
        return Explained(f"{names(node)} is said to be something that cannot exist "
                         "(owl:Nothing)", mapped.nodes.get(node))
    plain = _IRI.sub(lambda m: names(URIRef(m.group(0))), message)
    return Explained(plain, None)


def _disjoint(first: URIRef, second: URIRef, node: URIRef, mapped: Mapped,
              ontology: Graph, names: _Names) -> Explained:
    declared = [t for t in mapped.graph.objects(node, RDF.type) if isinstance(t, URIRef)]
    own = next((t for t in declared if _within(ontology, t, first)), None)
    other, kept = (second, first) if own is not None else (first, second)
    if own is None:
        own = next((t for t in declared if _within(ontology, t, second)), None)
    # a use of the node that makes it the other class: a property whose range (as object)
    # or domain (as subject) lies within it
    blame: tuple[Path_, URIRef] | None = None  # the statement, and its property
    for (s, p, o), path in mapped.origins.items():
        if p == RDF.type or not isinstance(p, URIRef):
            continue
        ends = ([r for r in ontology.objects(p, RDFS.range) if isinstance(r, URIRef)]
                if o == node else [])
        ends += ([d for d in ontology.objects(p, RDFS.domain) if isinstance(d, URIRef)]
                 if s == node else [])
        if any(_within(ontology, end, other) for end in ends):
            blame = (path, p)
            break
    who = names(node)
    what = _a(names(own) if own is not None else names(kept))
    both = (f"nothing can be both {_a(names(first))} and {_a(names(second))} (the ontology "
            "keeps them apart)")
    if blame is not None:
        path, _ = blame
        return Explained(f'{who} is {what}, but "{_field(path)}" here needs '
                         f"{_a(names(other))}: {both}", path)
    return Explained(f"{who} would be {what} and {_a(names(other))}: {both}",
                     mapped.nodes.get(node))
