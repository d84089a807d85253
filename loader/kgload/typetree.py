"""The types facts files may use, as a tree, and a search over it (``kgload types``).

Read from the ontology (``ontology/*.ttl``; the CAMEO classes are generated into
``ontology/cameo.ttl``): action types under ``kg:Action``, entity types under
``kg:Entity``. Each type is listed once, under its most specific listed super-type;
children are in CAMEO code order, types without a code after those with one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from rdflib import RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from .ontology import action_types, actor_types, entity_types, ontology_graph
from .vocab import KG, KG_IRI

COLUMNS = ["kind", "type", "code", "label", "family", "parent", "other labels"]


@dataclass(frozen=True)
class TypeEntry:
    """One type of the tree, as ``kgload types`` lists it."""

    kind: str  # "action" or "entity"
    name: str  # the local name, as a facts file writes it (`type: Fight`)
    label: str
    code: str | None  # CAMEO event code (its own, or its nearest coded super-class's)
    family: str | None  # the CAMEO family's label
    parent: str | None  # the most specific listed super-type; None at the root
    depth: int
    other_labels: tuple[str, ...]  # alternative and hidden labels (ICEWS variants, ...)
    actor: bool = False  # an entity type whose members can act

    def row(self, *, indent: bool = False) -> list[object]:
        name = "  " * self.depth + self.name if indent else self.name
        return [self.kind, name, self.code or "", self.label, self.family or "",
                self.parent or "", "; ".join(self.other_labels)]

    def words(self) -> str:
        """What a search looks in: names and labels, lower case."""
        spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", self.name)
        return " ".join((self.name, spaced, self.label, self.family or "",
                         *self.other_labels)).lower()


def _text(graph: Graph, term: URIRef, prop: URIRef) -> str | None:
    value = graph.value(term, prop)
    return str(value) if value is not None else None


def _tree(graph: Graph, root: URIRef, listed: dict[URIRef, str], kind: str,
          codes: dict[str, str | None]) -> list[TypeEntry]:
    parents: dict[URIRef, list[URIRef]] = {
        cls: [p for p in graph.objects(cls, RDFS.subClassOf)
              if isinstance(p, URIRef) and p in listed and p != cls]
        for cls in listed
    }
    depth: dict[URIRef, int] = {}

    def depth_of(cls: URIRef, seen: frozenset[URIRef] = frozenset()) -> int:
        if cls not in depth:
            ups = [p for p in parents[cls] if p not in seen]
            depth[cls] = 0 if cls == root or not ups else 1 + max(
                depth_of(p, seen | {cls}) for p in ups)
        return depth[cls]

    parent: dict[URIRef, URIRef | None] = {
        cls: max(parents[cls], key=lambda p: (depth_of(p), str(p)), default=None)
        for cls in listed if cls != root}
    children: dict[URIRef, list[URIRef]] = {}
    for cls, up in parent.items():
        if up is not None:
            children.setdefault(up, []).append(cls)

    first_code: dict[URIRef, str] = {}

    def lowest(cls: URIRef) -> str:
        if cls not in first_code:
            own = codes.get(listed[cls]) or "~"
            first_code[cls] = min([own, *(lowest(c) for c in children.get(cls, []))])
        return first_code[cls]

    out: list[TypeEntry] = []

    def visit(cls: URIRef) -> None:
        name = listed[cls]
        family = graph.value(cls, KG.cameoFamily)
        others = sorted({str(o) for prop in (SKOS.altLabel, SKOS.hiddenLabel)
                         for o in graph.objects(cls, prop)})
        up = parent.get(cls)
        out.append(TypeEntry(
            kind, name, _text(graph, cls, RDFS.label) or name, codes.get(name),
            _text(graph, family, SKOS.prefLabel) if isinstance(family, URIRef) else None,
            listed[up] if up is not None else None, depth_of(cls), tuple(others),
            actor=kind == "entity" and name in actor_types()))
        for child in sorted(children.get(cls, []), key=lambda c: (lowest(c), listed[c])):
            visit(child)

    visit(root)
    orphans = [c for c in listed if c != root and parent[c] is None]
    for cls in sorted(orphans, key=str):  # not under the root: listed after it, flat
        visit(cls)
    return out


@cache
def type_tree() -> tuple[TypeEntry, ...]:
    """Every action type, then every entity type, depth first."""
    graph = ontology_graph()
    actions = action_types()
    listed = {kind.iri: name for name, kind in actions.items()}
    codes: dict[str, str | None] = {name: kind.cameo for name, kind in actions.items()}
    tree = _tree(graph, KG.Action, listed, "action", codes)
    entities = {iri: name for name, iri in entity_types().items()}
    tree += _tree(graph, URIRef(KG_IRI + "Entity"), entities, "entity", {})
    return tuple(tree)


def search(entries: Iterable[TypeEntry], text: str) -> list[tuple[TypeEntry, bool]]:
    """The types matching ``text``, each after its super-types (shown for context).

    A type's name given whole ("state", "Fight") finds that type alone. Otherwise a word
    of digits matches the CAMEO codes that start with it ("19" finds every fighting
    code), and every other word must begin a word of the type's name, label, family or
    other labels, in any case and without its plural or -ing ending ("protest", "air
    strikes", "killing"). Returns (entry, matched) pairs in tree order.
    """
    entries = list(entries)
    whole = "".join(text.lower().split())
    exact = {(e.kind, e.name) for e in entries if e.name.lower() == whole}
    words = text.lower().split()
    codes = [w for w in words if w.isdigit()]
    terms = [w for w in words if not w.isdigit()]

    def matches(entry: TypeEntry) -> bool:
        if codes and not (entry.code and all(entry.code.startswith(c) for c in codes)):
            return False
        haystack = re.split(r"[^0-9a-z]+", entry.words())
        return all(any(w.startswith(_stem(t)) for w in haystack) for t in terms)

    by_name = {(e.kind, e.name): e for e in entries}
    matched = exact or {(e.kind, e.name) for e in entries if matches(e)}
    shown = set(matched)
    for kind, name in matched:
        up = by_name[(kind, name)].parent
        while up is not None and (kind, up) not in shown:
            shown.add((kind, up))
            up = by_name[(kind, up)].parent
    return [(e, (e.kind, e.name) in matched) for e in entries if (e.kind, e.name) in shown]


def _stem(word: str) -> str:
    """A plural or verb ending dropped, so that "strikes" finds "strike" and "killing"
    finds "kill" (a search word, not a linguistic stem)."""
    for ending in ("ings", "ing", "ies", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word
