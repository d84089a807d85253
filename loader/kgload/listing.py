"""Listing rows: the columns of an action that its own article decides, in one literal.

A listing (``timeline``, ``event-table``, ``cooperation``...) shows for each action its
kind, status, time, summary and evidence. Read as triples, those are 10 to 15 index
look-ups per row (the time node, the status's label, the asserted class and its label,
each quote...), and at 10,000 articles a listing of 150,000 actions spent most of its
time on them. They are all decided by the article alone (its facts and the ontology),
so ``map`` writes them once per action as ``kg:listingRow``: one look-up. What depends
on other articles (an entity's name) is still read from the entities graph.

The literal is a plain string of fields. Each field is the separator (a tab), a one-letter
tag and the value; the string ends with the separator, so every field is read alike:
``STRBEFORE(STRAFTER(?row, "\\tk"), "\\t")`` is the kind. A field without a
value is left out (read as ``""``). Values never hold the separator (it is replaced by a
space), so a tag is only ever found at the start of a field. A tab may be written in
every RDF syntax; the control characters meant for this may not (RDF/XML forbids them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Literal

from . import dates
from .ontology import ActionType

SEPARATOR = "\t"

#: field name -> tag, in the order they are written (``docs/query-performance.md``)
TAGS = {
    "kind": "k",       # the label of the action's class
    "code": "c",       # its CAMEO event code
    "status": "s",     # the label of its status
    "summary": "m",
    "when": "w",       # the article's words for the time
    "start": "a",      # the first day of the time window (YYYY-MM-DD)
    "end": "z",        # its last day
    "precision": "p",  # the label of the time's precision
    "root": "r",       # the CAMEO root code of the class's family
    "family": "f",     # that family's name
    "quad": "q",       # its quad class (1-4)
    "evidence": "e",   # the quotes, in the file's order, joined by " | "
}


@dataclass(frozen=True)
class ListingRow:
    """The article-local columns of one action."""

    kind: ActionType
    status: str
    precision: str | None = None
    span: dates.TimeSpan | None = None
    summary: str | None = None
    evidence: tuple[str, ...] = ()

    def fields(self) -> dict[str, str | None]:
        family = self.kind.family
        span = self.span
        return {
            "kind": self.kind.label,
            "code": self.kind.cameo,
            "status": self.status,
            "summary": self.summary,
            "when": span.text if span else None,
            "start": span.start.isoformat() if span and span.start else None,
            "end": span.end.isoformat() if span and span.end else None,
            "precision": self.precision if span else None,
            "root": family.notation if family else None,
            "family": family.name if family else None,
            "quad": str(family.quad_class) if family and family.quad_class is not None
            else None,
            "evidence": " | ".join(_unique(self.evidence)) or None,
        }

    def literal(self) -> Literal:
        return Literal(pack(self.fields()))


def pack(fields: dict[str, str | None]) -> str:
    """The fields (by name, see :data:`TAGS`) as a listing row's text."""
    parts = []
    for name, tag in TAGS.items():
        value = fields.get(name)
        if value:
            parts.append(SEPARATOR + tag + value.replace(SEPARATOR, " "))
    return "".join(parts) + SEPARATOR


def unpack(text: str) -> dict[str, str]:
    """The fields of a listing row's text, by name (those it has)."""
    names = {tag: name for name, tag in TAGS.items()}
    return {names[part[0]]: part[1:] for part in text.split(SEPARATOR) if part}


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
