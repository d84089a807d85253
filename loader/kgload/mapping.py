"""Mapping checked facts onto the ontology: the article's asserted graph.

Nodes are named by :class:`kgload.iris.Iris` (deterministic IRIs from the file's ids).
Every triple made from a value of the file remembers that value's path, so a SHACL
finding about a triple can be reported at the file's line and column.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from . import dates
from .check import CheckedFacts
from .facts import Path_
from .iris import Iris
from .listing import ListingRow
from .ontology import action_types, entity_types, labels, status_terms
from .vocab import KG, KG_IRI

Triple = tuple[Any, Any, Any]

_PRECISION = {"day": KG.Day, "month": KG.Month, "year": KG.Year, "approximate": KG.Approximate}


@dataclass
class Mapped:
    """The asserted graph of one article, with a way back from triples to the file."""

    article_id: str
    graph: Graph
    origins: dict[Triple, Path_] = field(default_factory=dict)
    nodes: dict[URIRef, Path_] = field(default_factory=dict)


class _Builder:
    def __init__(self, graph: Graph, lang: str | None) -> None:
        self.graph = graph
        self.lang = lang
        self.origins: dict[Triple, Path_] = {}
        self.nodes: dict[URIRef, Path_] = {}

    def add(self, s: URIRef, p: URIRef, o: Any, path: Path_) -> None:
        triple = (s, p, o)
        self.graph.add(triple)
        self.origins.setdefault(triple, path)

    def text(self, value: str) -> Literal:
        return Literal(value, lang=self.lang)

    def time(self, node: URIRef, span: dates.TimeSpan, path: Path_) -> None:
        self.add(node, RDF.type, KG.TimeSpan, path)
        if span.start:
            self.add(node, KG.start, Literal(span.start.isoformat(), datatype=XSD.date), path)
        if span.end:
            self.add(node, KG.end, Literal(span.end.isoformat(), datatype=XSD.date), path)
        self.add(node, KG.precision, _PRECISION[span.precision], path)
        if span.text:
            self.add(node, KG.timeText, self.text(span.text), path)


def _texts(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def map_entities(
    b: _Builder,
    entities: list[dict[str, Any]],
    iris: Iris,
    scope: str,
    *,
    section: str = "entities",
    times: dict[Path_, dates.TimeSpan] | None = None,
    article: URIRef | None = None,
) -> None:
    """Add the triples of entity declarations (from an article or the registry)."""
    types = entity_types()
    for i, entity in enumerate(entities):
        path: Path_ = (section, i)
        node = iris.entity(entity["id"])
        b.nodes[node] = path
        b.add(node, RDF.type, types[entity["type"]], (*path, "type"))
        b.add(node, KG.name, Literal(entity["name"]), (*path, "name"))
        for j, alias in enumerate(entity.get("aliases", [])):
            b.add(node, KG.alias, Literal(alias), (*path, "aliases", j))
        for j, descriptor in enumerate(entity.get("descriptors", [])):
            b.add(node, KG.descriptor, b.text(descriptor), (*path, "descriptors", j))
        for key, prop in (("demonym", KG.demonym), ("wikidata", KG.wikidataId),
                          ("iso3166", KG.iso3166Alpha3), ("cameo", KG.cameoActorCode)):
            if key in entity:
                b.add(node, prop, Literal(entity[key]), (*path, key))
        if "located_in" in entity:
            b.add(node, KG.locatedIn, iris.entity(entity["located_in"]), (*path, "located_in"))
        if "capital" in entity:
            b.add(node, KG.capital, iris.entity(entity["capital"]), (*path, "capital"))
        if "part_of" in entity:
            b.add(node, KG.partOf, iris.entity(entity["part_of"]), (*path, "part_of"))
        sides = [iris.entity(ref) for ref in entity.get("between", [])]
        for j, side in enumerate(sides):
            b.add(node, KG.borderOf, side, (*path, "between", j))
        if len(sides) == 2:
            b.add(sides[0], KG.borders, sides[1], (*path, "between"))
        if "length" in entity:
            quantity = URIRef(f"{scope}/{quote(entity['id'], safe='')}/length")
            length = entity["length"]
            b.add(node, KG.length, quantity, (*path, "length"))
            b.add(quantity, RDF.type, KG.Quantity, (*path, "length"))
            b.add(quantity, KG.quantityValue,
                  Literal(store_decimal(length["value"]), datatype=XSD.decimal),
                  (*path, "length", "value"))
            b.add(quantity, KG.unit, Literal(length["unit"]), (*path, "length", "unit"))
            if article is not None:  # reports may disagree: each length is one article's
                b.add(quantity, KG.reportedIn, article, (*path, "length"))
        for j, role in enumerate(entity.get("roles", [])):
            role_path: Path_ = (*path, "roles", j)
            role_node = URIRef(f"{scope}/{quote(entity['id'], safe='')}/role/{j + 1}")
            b.nodes[role_node] = role_path
            b.add(node, KG.holds, role_node, role_path)
            b.add(role_node, RDF.type, KG.RoleAssignment, role_path)
            b.add(role_node, KG.roleName, b.text(role["role"]), (*role_path, "role"))
            if "of" in role:
                b.add(role_node, KG.roleIn, iris.entity(role["of"]), (*role_path, "of"))
            for text in _texts(role.get("evidence")):
                b.add(role_node, KG.evidence, b.text(text), (*role_path, "evidence"))
            span = (times or {}).get((*role_path, "time"))
            if span:
                time_node = URIRef(f"{role_node}/time")
                b.add(role_node, KG.time, time_node, (*role_path, "time"))
                b.time(time_node, span, (*role_path, "time"))
        for text in _texts(entity.get("evidence")):
            b.add(node, KG.evidence, b.text(text), (*path, "evidence"))


_DECIMAL_DIGITS = 18  # the fractional digits of Oxigraph's xsd:decimal


def store_decimal(value: float | int) -> Decimal:
    """A facts file's number as an ``xsd:decimal`` the store can compare.

    Oxigraph's ``xsd:decimal`` holds 18 fractional digits: a longer one, such as the float
    0.0010000000000000002 written out, stays a string to it, which no comparison or shape
    can read. Such a number is rounded to 18 places (a femtometre for a length in
    kilometres), trailing zeros dropped. Written in plain notation: ``1e+16`` is not a
    decimal's lexical form.
    """
    number = Decimal(str(value))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_DECIMAL_DIGITS:
        text = format(number.quantize(Decimal(1).scaleb(-_DECIMAL_DIGITS)), "f")
        return Decimal(text.rstrip("0").rstrip("."))
    return Decimal(format(number, "f"))


_PARTICIPANTS = (
    ("agents", KG.agent),
    ("targets", KG.target),
    ("places", KG.place),
    ("attributed_to", KG.attributedTo),
)


def map_article(checked: CheckedFacts, iris: Iris) -> Mapped:
    """The asserted graph of a checked facts file."""
    graph = Graph()
    b = _Builder(graph, checked.language)
    aid = checked.article_id
    article = iris.article(aid)
    art = checked.article
    b.nodes[article] = ("article",)
    b.add(article, RDF.type, URIRef(KG_IRI + "Article"), ("article",))
    b.add(article, DCTERMS.title, b.text(art["title"]), ("article", "title"))
    b.add(article, KG.published, Literal(art["published"], datatype=XSD.date),
          ("article", "published"))
    b.add(article, DCTERMS.language, Literal(checked.language), ("article",))
    if "url" in art:
        b.add(article, KG.url, Literal(art["url"], datatype=XSD.anyURI), ("article", "url"))
    if "publisher" in art:
        b.add(article, KG.publisher, Literal(art["publisher"]), ("article", "publisher"))
    for j, source in enumerate(art.get("sources", [])):
        b.add(article, KG.source, Literal(source), ("article", "sources", j))

    map_entities(b, checked.entities, iris, str(article), times=checked.times,
                 article=article)
    for i, entity in enumerate(checked.entities):
        b.add(iris.entity(entity["id"]), KG.reportedIn, article, ("entities", i))

    types = action_types()
    statuses = status_terms()
    precisions = labels(KG.Precision)
    events = _EventKeys()
    for i, action in enumerate(checked.actions):
        path: Path_ = ("actions", i)
        node = iris.fact(aid, action["id"])
        b.nodes[node] = path
        kind = types[action["type"]]
        b.add(node, RDF.type, kind.iri, (*path, "type"))
        b.add(node, KG.factId, Literal(action["id"]), (*path, "id"))
        b.add(node, KG.reportedIn, article, path)
        if kind.cameo:
            b.add(node, KG.eventCode, Literal(kind.cameo), (*path, "type"))
        status = action.get("status", "occurred")
        b.add(node, KG.status, statuses[status], (*path, "status"))
        mentions = 0
        for key, prop in _PARTICIPANTS:
            for j, participant in enumerate(action.get(key, [])):
                ppath: Path_ = (*path, key, j)
                if isinstance(participant, str):
                    b.add(node, prop, iris.entity(participant), ppath)
                    continue
                if "unknown" in participant:  # one unnamed actor, this action's alone
                    unknown = URIRef(f"{node}/unknown/{key}/{j + 1}")
                    b.add(node, prop, unknown, ppath)
                    b.add(unknown, RDF.type, KG.UnknownActor, ppath)
                    b.add(unknown, KG.name, b.text(participant["unknown"]),
                          (*ppath, "unknown"))
                    continue
                target = iris.entity(participant["ref"])
                b.add(node, prop, target, ppath)
                mentions += 1
                mention = URIRef(f"{node}/mention/{mentions}")
                b.add(node, KG.mention, mention, ppath)
                b.add(mention, RDF.type, KG.Mention, ppath)
                b.add(mention, KG.refersTo, target, (*ppath, "ref"))
                b.add(mention, KG.mentionRole, prop, ppath)
                if "text" in participant:
                    b.add(mention, KG.surfaceText, b.text(participant["text"]), (*ppath, "text"))
                if "certain" in participant:
                    b.add(mention, KG.certain, Literal(bool(participant["certain"])),
                          (*ppath, "certain"))
        if "medium" in action:
            b.add(node, KG.medium, iris.entity(action["medium"]), (*path, "medium"))
        for j, ref in enumerate(action.get("about", [])):
            b.add(node, KG.about, iris.fact(aid, ref), (*path, "about", j))
        for j, ref in enumerate(action.get("parts", [])):
            b.add(node, KG.hasPart, iris.fact(aid, ref), (*path, "parts", j))
        for key, prop in (("if", KG.ifAction), ("unless", KG.unlessAction)):
            ref = action.get("condition", {}).get(key)
            if ref:
                b.add(node, prop, iris.fact(aid, ref), (*path, "condition", key))
        for key, prop in (("summary", KG.summary), ("quote", KG.quote)):
            if key in action:
                b.add(node, prop, b.text(action[key]), (*path, key))
        evidence = action["evidence"]
        for j, text in enumerate(_texts(evidence)):
            epath: Path_ = (*path, "evidence", j) if isinstance(evidence, list) \
                else (*path, "evidence")
            b.add(node, KG.evidence, b.text(text), epath)
        span = checked.times.get((*path, "time"))
        if span:
            time_node = URIRef(f"{node}/time")
            b.add(node, KG.time, time_node, (*path, "time"))
            b.time(time_node, span, (*path, "time"))
        row = ListingRow(kind, status, precisions[_PRECISION[span.precision]] if span else None,
                         span, action.get("summary"), tuple(_texts(evidence)))
        b.add(node, KG.listingRow, row.literal(), path)
        event = iris.event(events.key(action, kind.iri, span))
        b.add(node, KG.reportsEvent, event, path)
        b.add(node, KG.sortKey, sort_key(span, node), path)
        if kind.cameo:
            # the event table's rows: one key per event, whose reports all write it alike
            b.add(event, KG.eventSortKey, sort_key(span, event), path)
    return Mapped(aid, graph, b.origins, b.nodes)


def sort_key(span: dates.TimeSpan | None, node: URIRef) -> Literal:
    """The listing order of an action or event, as one number that compares inline.

    Listings are ordered by the first day of the time window, then its last day, a
    missing day first (as SPARQL orders an unbound value). Oxigraph compares decimals
    without reading the term dictionary, which it must do for every comparison of two
    IRIs or long strings. The integer part is the two days written as numbers, YYYYMMDD
    (eight digits each, 0 for a missing day): first * 10^8 + last. A query can test a
    date window on the key alone (the first day is FLOOR(key / 10^8), the last the
    rest), without joining the time. The fraction is a hash of the node's IRI, a stable
    order among the nodes of one window that is the same in every store. The key is a
    pure function of one article, and the reports of one event agree on it.
    """
    first = _day_number(span.start if span else None)
    last = _day_number(span.end if span else None)
    tiebreak = int.from_bytes(hashlib.sha256(str(node).encode()).digest()[:8]) % 10**18
    fraction = f"{tiebreak:018d}".rstrip("0") or "0"  # the canonical form, as stores keep it
    return Literal(f"{first * 10**8 + last}.{fraction}", datatype=XSD.decimal)


def _day_number(day: date | None) -> int:
    """A day as the number YYYYMMDD (what SPARQL computes as YEAR*10000+MONTH*100+DAY)."""
    return day.year * 10000 + day.month * 100 + day.day if day else 0


class _EventKeys:
    """The event an action reports: the same in every article that reports it alike.

    Two reports are of one event when they have the same class, agents, targets, status
    and resolved time window (both undated counts as the same window); an unknown agent
    or target (``{unknown: ...}``) matches another unknown one, whatever the words. The key is an
    equivalence (so grouping is transitive) and a pure function of one article, so every
    store computes the same events; within one article the n-th action of a key is
    matched with the n-th of another article, so two facts of an article stay two events.
    """

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def key(self, action: dict[str, Any], cls: URIRef, span: dates.TimeSpan | None) -> str:
        def ids(key: str) -> str:  # an unknown actor is "?": unknown in every report
            return ",".join(sorted({p if isinstance(p, str) else p.get("ref", "?")
                                    for p in action.get(key, [])}))
        when = (f"{span.start or ''}/{span.end or ''}" if span and (span.start or span.end)
                else "undated")
        text = "|".join((str(cls), ids("agents"), ids("targets"),
                         action.get("status", "occurred"), when))
        n = self.seen[text] = self.seen.get(text, 0) + 1
        return hashlib.sha256(f"{text}|{n}".encode()).hexdigest()[:24]


def map_registry(entities: list[dict[str, Any]], iris: Iris) -> Graph:
    """The shared registry's graph."""
    b = _Builder(Graph(), None)
    map_entities(b, entities, iris, iris.base + "registry")
    return b.graph
