"""Entities across articles: one node, one description, every statement traceable.

Each article states again the entities it mentions (type, name, aliases, codes). Stored
as they are, a query over the union of the article graphs would see each such statement
once per article that holds it, and its joins would multiply (see ``TRAPS.md``). So
what an article says about an entity is split off when the article is committed:

- the article's own graphs keep what is about the article: its actions, mentions, time
  spans, the roles and lengths as it reports them, and one *claim* link per statement
  it makes about an entity: ``<{base}statement/HASH> kg:reportedIn <article>`` (in the
  asserted graph for what the file says, in the inferred graph for what reasoning adds,
  such as the derived relation "threatened", which also names the facts it comes from
  with ``prov:wasDerivedFrom``);
- the **claims graph** holds each distinct statement once, reified (``rdf:subject``,
  ``rdf:predicate``, ``rdf:object``), with the load order of the first article still in
  the store that asserts it (``kg:firstAssertedOrder``) or infers it
  (``kg:firstInferredOrder``);
- the **entities graph** holds each entity's resolved description, once, and the
  **entities' inferred graph** what reasoning adds to it (super-classes, labels,
  derived relations).

Resolution is a function of the claims: the registry's name wins, else the name
asserted by the earliest loaded article that still holds the entity; every other name
becomes an alias. Single-valued properties (ISO code, capital) keep the earliest value
the same way; everything else is the union of what the articles say. Labels follow the
resolved name and aliases. Removing an article drops its links; a statement no article
holds any more goes, and the entities it was about are resolved again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Literal, URIRef
from rdflib.namespace import PROV

from .background import Background
from .errors import StoreError
from .iris import Iris
from .store import Store, insert_data
from .terms import from_ox, nt_line, to_ox
from .vocab import KG

Triple = tuple[Any, Any, Any]

# statements about an entity that stay with the article: its own words
_LOCAL_PREDICATES = frozenset({KG.evidence})
_SINGLE_VALUED = (KG.iso3166Alpha3, KG.capital)
_RESOLVED = frozenset({KG.name, *_SINGLE_VALUED})
# codes that identify a thing: two entities sharing one are likely the same thing
IDENTIFYING = (KG.wikidataId, KG.iso3166Alpha3, KG.cameoActorCode)
_TELLING = (KG.wikidataId, KG.iso3166Alpha3)  # CAMEO codes name roles: shared by many
_RDF_SUBJECT, _RDF_PREDICATE, _RDF_OBJECT = RDF.subject, RDF.predicate, RDF.object
DESCRIBED_ORDERS = 4096  # articles named in messages, remembered (a bounded cache)
CACHED_CLAIMS = 400_000  # claims read from the store kept between batches (a few 100 MB)


@lru_cache(maxsize=1 << 16)  # an article's links and its claims name the same statements
def statement_iri(iris: Iris, triple: Triple) -> URIRef:
    """The claims graph's node for a statement: a hash of its N-Triples form."""
    key = nt_line(triple)[:-2].encode()  # the line without " ." (the IRIs stored so far)
    return URIRef(f"{iris.base}statement/{hashlib.sha256(key).hexdigest()[:32]}")


# ---------------------------------------------------------------------- the ontology's part


@dataclass(frozen=True)
class Semantics:
    """What resolution and conflict checks need of the ontology, read once."""

    supers: Mapping[Any, frozenset[Any]]  # property -> its proper super-properties
    inverses: Mapping[Any, frozenset[Any]]
    derives: Mapping[Any, frozenset[Any]]  # action class -> relations (agent -> target)
    derives_mutual: Mapping[Any, frozenset[Any]]  # action class -> relations between agents
    superclasses: Mapping[Any, frozenset[Any]]  # class -> itself and its super-classes
    disjoint: frozenset[tuple[Any, Any]]
    registry_named: frozenset[Any]  # registry entities (their name is the registry's)

    def properties_of(self, prop: Any) -> frozenset[Any]:
        return self.supers.get(prop, frozenset()) | {prop}

    def clash(self, a: Any, b: Any) -> tuple[Any, Any] | None:
        """The pair of disjoint classes that makes types ``a`` and ``b`` incompatible."""
        for x in self.superclasses.get(a, frozenset({a})):
            for y in self.superclasses.get(b, frozenset({b})):
                if (x, y) in self.disjoint:
                    return x, y
        return None


def _transitive(pairs: Iterable[tuple[Any, Any]]) -> dict[Any, frozenset[Any]]:
    direct: dict[Any, set[Any]] = {}
    for a, b in pairs:
        if a != b:
            direct.setdefault(a, set()).add(b)
    closed: dict[Any, frozenset[Any]] = {}
    for start in direct:
        seen: set[Any] = set()
        todo = list(direct[start])
        while todo:
            node = todo.pop()
            if node not in seen and node != start:
                seen.add(node)
                todo.extend(direct.get(node, ()))
        closed[start] = frozenset(seen)
    return closed


def _grouped(pairs: Iterable[tuple[Any, Any]]) -> dict[Any, frozenset[Any]]:
    out: dict[Any, set[Any]] = {}
    for a, b in pairs:
        out.setdefault(a, set()).add(b)
    return {k: frozenset(v) for k, v in out.items()}


@cache
def semantics(bg: Background) -> Semantics:
    closure = bg.closure
    supers = _transitive(closure.subject_objects(RDFS.subPropertyOf))
    inverse_pairs = list(closure.subject_objects(OWL.inverseOf))
    inverses = _grouped([*inverse_pairs, *((b, a) for a, b in inverse_pairs)])
    sub = _transitive(closure.subject_objects(RDFS.subClassOf))
    classes = set(sub) | {c for cs in sub.values() for c in cs}
    superclasses = {c: sub.get(c, frozenset()) | {c} for c in classes}
    disjoint = {(a, b) for a, b in closure.subject_objects(OWL.disjointWith)}
    disjoint |= {(b, a) for a, b in disjoint}
    return Semantics(
        supers=supers,
        inverses=inverses,
        derives=_grouped(closure.subject_objects(KG.derivesRelation)),
        derives_mutual=_grouped(closure.subject_objects(KG.derivesMutualRelation)),
        superclasses=superclasses,
        disjoint=frozenset(disjoint),
        registry_named=frozenset(bg.registry.subjects(KG.name, None)),
    )


# ---------------------------------------------------------------------- one article's split


@dataclass(frozen=True)
class Split:
    """An article's graphs, parted into what stays with it and what it says of entities."""

    asserted: list[Triple]
    inferred: list[Triple]
    claims: list[Triple]  # asserted statements about entities
    inferred_claims: list[Triple]  # inferred ones (types, derived relations...)
    sources: dict[Triple, list[Any]] = field(default_factory=dict)  # relation -> its facts


def is_shared(iris: Iris, triple: Triple) -> bool:
    """A statement about an entity that is not about the article (see the module doc)."""
    s, p, o = triple
    return (isinstance(s, URIRef) and s.startswith(iris.base + "entity/")
            and p not in _LOCAL_PREDICATES
            and not (isinstance(o, URIRef) and o.startswith(iris.base + "article/")))


def split(asserted: Iterable[Triple], inferred: Iterable[Triple], iris: Iris,
          bg: Background, *, context: Iterable[Any] = ()) -> Split:
    """Part an article's graphs; ``context`` are entities it uses but does not declare.

    What reasoning says of a context entity's type or name comes from the store's own
    description of it, not from the article, and is not a claim of the article.
    """
    sem = semantics(bg)
    quiet = {RDF.type} | sem.properties_of(KG.name) | sem.properties_of(KG.alias)
    context = set(context)
    out = Split([], [], [], [])
    for triple in asserted:
        (out.claims if is_shared(iris, triple) else out.asserted).append(triple)
    every: list[Triple] = []
    for triple in inferred:
        every.append(triple)
        if not is_shared(iris, triple):
            out.inferred.append(triple)
        elif not (triple[0] in context and triple[1] in quiet):
            out.inferred_claims.append(triple)
    relations = _relation_sources([*out.asserted, *every], sem)
    for triple in out.inferred_claims:
        facts = relations.get(triple)
        if facts:
            out.sources[triple] = sorted(facts)
    return out


def _relation_sources(triples: Iterable[Triple], sem: Semantics) -> dict[Triple, set[Any]]:
    """Each derived relation the rules can draw from a happened action, and its facts."""
    types: dict[Any, set[Any]] = {}
    agents: dict[Any, list[Any]] = {}
    targets: dict[Any, list[Any]] = {}
    for s, p, o in triples:
        if p == RDF.type:
            types.setdefault(s, set()).add(o)
        elif p == KG.agent:
            agents.setdefault(s, []).append(o)
        elif p == KG.target:
            targets.setdefault(s, []).append(o)
    out: dict[Triple, set[Any]] = {}
    for fact, classes in types.items():
        if KG.HappenedAction not in classes:
            continue
        base: set[Triple] = set()
        for cls in classes:
            for rel in sem.derives.get(cls, ()):
                base |= {(a, rel, t) for a in agents.get(fact, ()) for t in targets.get(fact, ())
                         if a != t}
            for rel in sem.derives_mutual.get(cls, ()):
                base |= {(a, rel, b) for a in agents.get(fact, ()) for b in agents.get(fact, ())
                         if a != b}
        todo = list(base)
        while todo:
            s, p, o = todo.pop()
            if fact in out.setdefault((s, p, o), set()):
                continue
            out[(s, p, o)].add(fact)
            todo.extend((s, q, o) for q in sem.supers.get(p, ()))
            todo.extend((o, q, s) for q in sem.inverses.get(p, ()))
    return out


# ---------------------------------------------------------------------- claims and views


@dataclass
class Claim:
    """A statement about an entity, and the first articles (by load order) that hold it."""

    triple: Triple
    asserted: int | None = None
    inferred: int | None = None

    @property
    def alive(self) -> bool:
        return self.asserted is not None or self.inferred is not None


def _first(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def earliest(claims: Iterable[Claim], prop: Any) -> list[Any]:
    """The values of ``prop`` that articles assert, the earliest loaded first."""
    ranked = sorted((c.asserted, str(c.triple[2]), c.triple[2]) for c in claims
                    if c.asserted is not None and c.triple[1] == prop)
    return [value for _, _, value in ranked]


def resolve(entity: Any, claims: Iterable[Claim], sem: Semantics
            ) -> tuple[set[Triple], set[Triple]]:
    """An entity's description (asserted, inferred) from the claims about it."""
    asserted = [c for c in claims if c.asserted is not None]
    inferred = [c for c in claims if c.inferred is not None]
    own: set[Triple] = set()
    names = earliest(asserted, KG.name)
    name = names[0] if names and entity not in sem.registry_named else None
    aliases = {c.triple[2] for c in asserted if c.triple[1] == KG.alias}
    aliases |= set(names if name is None else names[1:])
    aliases.discard(name)
    if name is not None:
        own.add((entity, KG.name, name))
    own |= {(entity, KG.alias, alias) for alias in aliases}
    chosen: dict[Any, Any] = {}
    for prop in _SINGLE_VALUED:
        values = earliest(asserted, prop)
        if values:
            chosen[prop] = values[0]
            own.add((entity, prop, values[0]))
    special = {KG.name, KG.alias, *_SINGLE_VALUED}
    own |= {c.triple for c in asserted if c.triple[1] not in special}
    # what reasoning says: names and single values as resolved; the rest as claimed
    derived: dict[Any, Iterable[Any]] = {KG.name: [name] if name is not None else [],
                                         KG.alias: sorted(aliases)}
    derived |= {prop: [value] for prop, value in chosen.items()}
    follows = {q for prop in derived for q in sem.supers.get(prop, ())}
    more: set[Triple] = {c.triple for c in inferred if c.triple[1] not in follows}
    for prop, resolved in derived.items():
        for q in sem.supers.get(prop, ()):
            more |= {(entity, q, value) for value in resolved}
    return own, more - own


@dataclass(frozen=True)
class Known:
    """What a check needs to know of an entity declared elsewhere."""

    types: tuple[Any, ...]
    name: str | None
    where: str  # "article X (file F)", or "file F" for a file of the same run


def known_of(claims: Iterable[Claim], where: Callable[[int], str]) -> Known | None:
    """An entity as the articles' asserted claims declare it (None if none declares it):
    its types and name, the earliest first; ``where`` names the first declarer's order.

    The store's index (:meth:`EntityIndex.known`) and ``kgload prepare``, which has no
    store (:mod:`kgload.offline`), both decide what is known of an entity with it.
    """
    claims = list(claims)
    types = earliest(claims, RDF.type)
    if not types:
        return None
    names = earliest(claims, KG.name)
    first = min(c.asserted for c in claims if c.triple[1] == RDF.type
                and c.asserted is not None)
    return Known(tuple(types), str(names[0]) if names else None, where(first))


# ---------------------------------------------------------------------- the store's index


class EntityIndex:
    """The store's entities and claims, for the main (writing) process of a command.

    Entities are read from the store when an article first touches them; changes are
    kept in memory and written by :meth:`pending_update` as one SPARQL update, which the
    caller runs in the same transaction as (or right after) the articles' own graphs.
    """

    def __init__(self, store: Store, iris: Iris, bg: Background) -> None:
        self.store, self.iris, self.bg = store, iris, bg
        self.sem = semantics(bg)
        self.claims: dict[Any, dict[Any, Claim]] = {}
        # the claims some article asserts, apart: few per entity, while a much-reported
        # entity holds thousands of derived relations
        self.described: dict[Any, dict[Any, Claim]] = {}
        self.changed: set[Any] = set()
        self.changed_statements: dict[Any, Claim] = {}
        self.replaced: set[Any] = set()  # statements the store holds in another state
        self.before: dict[Any, Claim | None] = {}  # their state in the store
        self._described_orders: dict[int, str] = {}
        rows = store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH {to_ox(iris.claims_graph)} "
                           f"{{ ?st {to_ox(_RDF_SUBJECT)} ?s }} }}", union=False)
        self.stored: set[Any] = {from_ox(row["s"]) for row in rows}
        answer = store.query(f"SELECT (MAX(?n) AS ?max) WHERE {{ GRAPH ?g {{ ?a "
                             f"{to_ox(KG.loadOrder)} ?n }} }}", union=False)
        top = next(iter(answer))["max"]
        self.next_order = int(top.value) + 1 if top is not None else 1
        # Wikidata and ISO codes name one thing: a second entity with one is worth a note
        self.codes: dict[tuple[Any, Any], set[Any]] = {}
        for graph in (iris.registry_graph, iris.entities_graph):
            for prop in _TELLING:
                for quad in store.ox.quads_for_pattern(None, to_ox(prop), None, to_ox(graph)):
                    key = (prop, from_ox(quad.object))
                    self.codes.setdefault(key, set()).add(from_ox(quad.subject))

    # -------------------------------------------------------------- reading

    def ensure(self, entities: Iterable[Any]) -> None:
        """Read the claims about these entities from the store, once."""
        todo = [e for e in set(entities) if e not in self.claims]
        for e in todo:
            self.claims[e] = {}
        todo = [e for e in todo if e in self.stored]
        for i in range(0, len(todo), 200):
            chunk = " ".join(str(to_ox(e)) for e in todo[i:i + 200])
            rows = self.store.query(
                f"""SELECT ?s ?st ?p ?o ?fa ?fi WHERE {{ VALUES ?s {{ {chunk} }}
                GRAPH {to_ox(self.iris.claims_graph)} {{
                  ?st {to_ox(_RDF_SUBJECT)} ?s ; {to_ox(_RDF_PREDICATE)} ?p ;
                      {to_ox(_RDF_OBJECT)} ?o .
                  OPTIONAL {{ ?st {to_ox(KG.firstAssertedOrder)} ?fa }}
                  OPTIONAL {{ ?st {to_ox(KG.firstInferredOrder)} ?fi }} }} }}""",
                union=False)
            for row in rows:
                s = from_ox(row["s"])
                claim = Claim((s, from_ox(row["p"]), from_ox(row["o"])),
                              _int(row["fa"]), _int(row["fi"]))
                self._keep(from_ox(row["st"]), claim)

    def known(self, entity: Any) -> Known | None:
        """The entity as the store holds it, if any article declares it."""
        self.ensure([entity])
        return known_of(self.described.get(entity, {}).values(), self.describe_order)

    def first_asserting(self, triple: Triple) -> str:
        """Which article first asserted a statement, for messages."""
        self.ensure([triple[0]])
        claim = self.claims[triple[0]].get(statement_iri(self.iris, triple))
        return self.describe_order(claim.asserted) if claim and claim.asserted else "the store"

    def describe_order(self, order: int | None) -> str:
        """The article of a load order, for messages ("article X (file F)")."""
        if order is None:
            return "the store"
        if order not in self._described_orders:  # asked for every entity an article names
            rows = list(self.store.query(
                f"""SELECT ?a ?file WHERE {{ GRAPH ?g {{ ?a {to_ox(KG.loadOrder)} {order} ;
                {to_ox(KG.sourceFile)} ?file }} }} LIMIT 1""", union=False))
            if not rows:  # in a batch not written yet
                return "an article of this run"
            self._described_orders[order] = (
                f'article "{rows[0]["a"].value.rsplit("/", 1)[-1]}" (file '
                f'{rows[0]["file"].value})')
        return self._described_orders[order]

    def forget(self) -> None:
        """Drop what was read of the store's entities, once the changes are written, when
        it has grown past :data:`CACHED_CLAIMS` claims.

        Once written, what the index holds is what the store holds (this process is the
        only writer), so it may be kept for the next batch. Kept whole, it grew with the
        articles a reindex rebuilt, up to the whole claims graph; dropped after every
        batch, each batch read again every claim of the entities it touched, thousands
        for a much-reported actor's derived relations: at 7,000 articles that was 85% of
        the main process's time in a load (py-spy, 2026-12-07). Only with no change
        pending (those are not in the store yet).
        """
        if self.changed or self.changed_statements:
            return
        if sum(len(claims) for claims in self.claims.values()) > CACHED_CLAIMS:
            self.claims, self.described = {}, {}
        if len(self._described_orders) > DESCRIBED_ORDERS:
            self._described_orders = {}

    # -------------------------------------------------------------- changing

    def take_order(self) -> int:
        """The load order of the next new article."""
        order = self.next_order
        self.next_order += 1
        return order

    def _set(self, st: Any, claim: Claim) -> None:
        entity = claim.triple[0]
        if st not in self.changed_statements:  # its state as the store holds it
            old = self.claims[entity].get(st)
            self.before[st] = None if old is None else Claim(old.triple, old.asserted,
                                                             old.inferred)
            if old is not None:
                self.replaced.add(st)  # stored as it was before: its old state must go
        self._keep(st, claim)
        self.changed.add(entity)
        self.changed_statements[st] = claim

    def _keep(self, st: Any, claim: Claim) -> None:
        entity = claim.triple[0]
        if claim.alive:
            self.claims.setdefault(entity, {})[st] = claim
        else:
            self.claims.get(entity, {}).pop(st, None)
        if claim.alive and claim.asserted is not None:
            self.described.setdefault(entity, {})[st] = claim
        else:
            self.described.get(entity, {}).pop(st, None)

    def add_article(self, order: int, claims: Iterable[Triple],
                    inferred_claims: Iterable[Triple]) -> list[str]:
        """Record an article's claims; returns the differences worth telling (once each)."""
        claims, inferred_claims = list(claims), list(inferred_claims)
        self.ensure(t[0] for t in [*claims, *inferred_claims])
        notes = []
        # what the store keeps now, for the names and single values this article gives
        kept = {(s, p): self._kept(s, p) for s, p, _ in claims if p in _RESOLVED}
        fresh: list[Triple] = []  # statements no article in the store made before
        for triples, asserted in ((claims, True), (inferred_claims, False)):
            for triple in triples:
                st = statement_iri(self.iris, triple)
                old = self.claims[triple[0]].get(st)
                if asserted and (old is None or old.asserted is None):
                    fresh.append(triple)
                claim = Claim(triple, old.asserted if old else None,
                              old.inferred if old else None)
                if asserted:
                    claim.asserted = _first(claim.asserted, order)
                else:
                    claim.inferred = _first(claim.inferred, order)
                if old is None or (old.asserted, old.inferred) != (claim.asserted,
                                                                  claim.inferred):
                    self._set(st, claim)
        for s, p, o in fresh:  # each difference is told once, by the first to make it
            theirs = kept.get((s, p))
            if theirs is not None and theirs != o:
                what = "named" if p == KG.name else f"given {_name(p)}"
                fate = ", kept as an alias" if p == KG.name else ""
                notes.append(f'"{_local(self.iris, s)}" is {what} "{o}" here but "{theirs}" in '
                             f"{self.first_asserting((s, p, theirs))}; the store keeps "
                             f'"{theirs}"{fate}')
        for s, p, o in claims:
            if p in _TELLING:
                others = self.codes.setdefault((p, o), set())
                if others - {s}:
                    names = ", ".join(f'"{_local(self.iris, e)}"' for e in sorted(others - {s}))
                    notes.append(f'"{_local(self.iris, s)}" has the {_name(p)} {o}, like '
                                 f"{names}: likely the same thing under two ids (`kgload "
                                 "entities --duplicates` lists them)")
                others.add(s)
        return notes

    def _kept(self, entity: Any, prop: Any) -> Any:
        """The value of a resolved property (name, ISO code, capital) the store keeps."""
        if prop == KG.name and entity in self.sem.registry_named:
            return None
        values = earliest(self.described.get(entity, {}).values(), prop)
        return values[0] if values else None

    def remove_article(self, article: Any, graphs: Iterable[Any]) -> None:
        """Take an article's claims away (its graphs are about to be dropped)."""
        statements: set[Any] = set()
        for graph in graphs:
            for quad in self.store.ox.quads_for_pattern(None, to_ox(KG.reportedIn),
                                                        to_ox(article), to_ox(graph)):
                subject = quad.subject
                if (isinstance(subject, ox.NamedNode)
                        and subject.value.startswith(self.iris.base + "statement/")):
                    statements.add(from_ox(quad.subject))
        for st, claim in self._claims_from_links(statements, excluding=article).items():
            self.ensure([claim.triple[0]])
            self._set(st, claim)

    def _claims_from_links(self, statements: Iterable[Any] | None, *,
                           excluding: Any = None, subjects: Iterable[Any] | None = None
                           ) -> dict[Any, Claim]:
        """Claims recomputed from the articles' links: of ``statements``, or of the
        statements about ``subjects``, or of all of them if both are None."""
        out: dict[Any, Claim] = {}
        key = "?st" if subjects is None else "?s"
        given = statements if subjects is None else subjects
        todo: list[Any] = list(given) if given is not None else [None]
        claims_graph = to_ox(self.iris.claims_graph)
        for i in range(0, len(todo), 300):
            chunk = todo[i:i + 300]
            values = ("" if given is None else
                      f"VALUES {key} {{ {' '.join(str(to_ox(t)) for t in chunk)} }}")
            skip = f"FILTER(?a != {to_ox(excluding)})" if excluding is not None else ""
            rows = self.store.query(
                f"""SELECT ?st ?s ?p ?o ?inf (MIN(?n) AS ?first) WHERE {{ {values}
                GRAPH {claims_graph} {{ ?st {to_ox(_RDF_SUBJECT)} ?s ;
                  {to_ox(_RDF_PREDICATE)} ?p ; {to_ox(_RDF_OBJECT)} ?o }}
                OPTIONAL {{ GRAPH ?g {{ ?st {to_ox(KG.reportedIn)} ?a }} {skip}
                  GRAPH ?pg {{ ?a {to_ox(KG.loadOrder)} ?n }}
                  BIND(STRENDS(STR(?g), "/inferred") AS ?inf) }}
                }} GROUP BY ?st ?s ?p ?o ?inf""", union=False)
            for row in rows:
                st = from_ox(row["st"])
                claim = out.setdefault(st, Claim((from_ox(row["s"]), from_ox(row["p"]),
                                                  from_ox(row["o"]))))
                first = _int(row["first"])
                if first is None:
                    continue
                if row["inf"] is not None and row["inf"].value == "true":
                    claim.inferred = _first(claim.inferred, first)
                else:
                    claim.asserted = _first(claim.asserted, first)
        return out

    def view(self, entity: Any) -> tuple[set[Triple], set[Triple]]:
        own, more = resolve(entity, self.claims.get(entity, {}).values(), self.sem)
        closure = self.bg.closure
        return ({t for t in own if t not in closure}, {t for t in more if t not in closure})

    # -------------------------------------------------------------- writing

    def pending(self) -> tuple[str, list[tuple[Triple, Any]]]:
        """Every change since the last call: an update that deletes what changed, and the
        (triple, graph) pairs to insert after it."""
        iris = self.iris
        entities_g, inferred_g = to_ox(iris.entities_graph), to_ox(iris.entities_inferred_graph)
        claims_g = to_ox(iris.claims_graph)
        parts = []
        # A statement only ever inferred (a derived relation: x threatened y) is a triple
        # of the inferred graph as it is: added or removed alone. Anything else rewrites
        # the entity's description, which depends on all its claims (the earliest name).
        rewrite: set[Any] = set()
        alone: list[tuple[Claim, bool]] = []  # (claim, added)
        follows = self.sem.properties_of(KG.name) | self.sem.properties_of(KG.alias) | {
            q for prop in _SINGLE_VALUED for q in self.sem.properties_of(prop)}
        for st, claim in self.changed_statements.items():
            old = self.before.get(st)
            was = old is not None and old.alive
            if (claim.asserted is not None or (old is not None and old.asserted is not None)
                    or claim.triple[1] in follows):
                rewrite.add(claim.triple[0])
            elif was != claim.alive:
                alone.append((claim, claim.alive))
        rewrite |= {e for e in self.changed if not self.claims.get(e)}
        self.changed = rewrite
        # only what the store held before needs deleting (a new entity has no old view)
        stale = sorted(e for e in self.changed if e in self.stored)
        for i in range(0, len(stale), 300):
            values = " ".join(str(to_ox(e)) for e in stale[i:i + 300])
            for graph in (entities_g, inferred_g):
                parts.append(f"DELETE {{ GRAPH {graph} {{ ?e ?p ?o }} }} WHERE {{ "
                             f"VALUES ?e {{ {values} }} GRAPH {graph} {{ ?e ?p ?o }} }}")
        replaced = sorted(self.replaced)
        for i in range(0, len(replaced), 300):
            values = " ".join(str(to_ox(st)) for st in replaced[i:i + 300])
            parts.append(f"DELETE {{ GRAPH {claims_g} {{ ?st ?p ?o }} }} WHERE {{ "
                         f"VALUES ?st {{ {values} }} GRAPH {claims_g} {{ ?st ?p ?o }} }}")
        inserts: list[tuple[Triple, Any]] = []
        gone = [c.triple for c, added in alone if not added and c.triple[0] not in rewrite]
        if gone:
            parts.append(f"DELETE DATA {{ GRAPH {inferred_g} {{ "
                         + " ".join(nt_line(t) for t in gone) + " } }")
        inserts += [(c.triple, iris.entities_inferred_graph) for c, added in alone
                    if added and c.triple[0] not in rewrite
                    and c.triple not in self.bg.closure]
        for entity in {c.triple[0] for c, _ in alone}:
            if self.claims.get(entity):
                self.stored.add(entity)
        for entity in sorted(self.changed):
            own, more = self.view(entity)
            inserts += [(t, iris.entities_graph) for t in sorted(own)]
            inserts += [(t, iris.entities_inferred_graph) for t in sorted(more)]
            if self.claims.get(entity):
                self.stored.add(entity)
            else:
                self.stored.discard(entity)
        for st, claim in self.changed_statements.items():
            if claim.alive:
                inserts += [(t, iris.claims_graph) for t in _reified(st, claim)]
        self.changed, self.changed_statements, self.replaced = set(), {}, set()
        self.before = {}
        return " ;\n".join(parts), inserts

    def pending_update(self) -> str:
        """The changes as one SPARQL update ("" if none), for an atomic commit."""
        deletes, inserts = self.pending()
        parts = [deletes] if deletes else []
        if inserts:
            by_graph: dict[Any, list[Triple]] = {}
            for triple, graph in inserts:
                by_graph.setdefault(graph, []).append(triple)
            parts.append(insert_data(by_graph))
        return " ;\n".join(parts)

    def pending_quads(self) -> tuple[str, list[Any]]:
        """The changes as a delete update and quads for a bulk write."""
        deletes, inserts = self.pending()
        return deletes, [ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g))
                         for (s, p, o), g in inserts]

    def rebuild(self) -> str:
        """An update that rewrites the shared graphs from the articles' links alone.

        One update for the whole store: its size grows with the store. A store is rebuilt
        in chunks by :func:`rebuild_store`, which writes the same quads; this one is the
        reference the tests hold it to.
        """
        self.claims, self.described = {}, {}
        for st, claim in self._claims_from_links(None).items():
            self.claims.setdefault(claim.triple[0], {})
            if claim.alive:
                self._keep(st, claim)
                self.changed_statements[st] = claim
        self.changed = set(self.claims)
        drops = [f"DROP SILENT GRAPH {to_ox(g)}" for g in (
            self.iris.entities_graph, self.iris.entities_inferred_graph, self.iris.claims_graph)]
        self.stored = set()
        rest = self.pending_update()
        return " ;\n".join([*drops, *([rest] if rest else [])])

    def rewrite(self, entities: list[Any]) -> int:
        """Rewrite the descriptions and statements of these entities (pyoxigraph terms) from
        the articles' links, in the store; returns the number of statements recomputed.

        A chunk of :func:`rebuild_store`: what is missing is added first, then what is
        stale deleted, so that the statements stay readable if it is cut short.
        """
        store, iris = self.store, self.iris
        graphs = [to_ox(g) for g in (iris.entities_graph, iris.entities_inferred_graph)]
        claims_g = to_ox(iris.claims_graph)
        subjects = [from_ox(e) for e in entities]
        claims = self._claims_from_links(None, subjects=subjects)
        self.claims, self.described = {s: {} for s in subjects}, {}
        for st, claim in claims.items():
            self.claims.setdefault(claim.triple[0], {})
            if claim.alive:
                self._keep(st, claim)
        wanted: set[Any] = set()
        for subject in self.claims:
            own, more = self.view(subject)
            wanted.update(_quad(t, graphs[0]) for t in own)
            wanted.update(_quad(t, graphs[1]) for t in more)
        for st, claim in claims.items():
            if claim.alive:
                wanted.update(_quad(t, claims_g) for t in _reified(st, claim))
        held: set[Any] = set()
        rdf_subject = to_ox(_RDF_SUBJECT)
        for entity in entities:
            for graph in graphs:
                held.update(store.ox.quads_for_pattern(entity, None, None, graph))
            for link in store.ox.quads_for_pattern(None, rdf_subject, entity, claims_g):
                held.update(store.ox.quads_for_pattern(link.subject, None, None, claims_g))
        missing = [q for q in wanted if q not in held]
        if missing:
            store.ox.bulk_extend(missing)
        _delete(store, [q for q in held if q not in wanted])
        store.ox.flush()  # frees the memtables the deletes filled
        self.claims, self.described = {}, {}
        return len(claims)

    def sweep(self) -> None:
        """Delete what the shared graphs hold of no statement's subject (the end of a
        rebuild: a statement without ``rdf:subject``, the description of an entity that
        no statement is about any more)."""
        iris = self.iris
        claims_g, subject = to_ox(iris.claims_graph), to_ox(_RDF_SUBJECT)
        patterns = [f"GRAPH {claims_g} {{ ?s ?p ?o FILTER NOT EXISTS {{ ?s {subject} ?x }} }}"]
        patterns += [f"GRAPH {to_ox(g)} {{ ?s ?p ?o }} FILTER NOT EXISTS {{ GRAPH {claims_g} "
                     f"{{ ?st {subject} ?s }} }}"
                     for g in (iris.entities_graph, iris.entities_inferred_graph)]
        graphs = [claims_g, to_ox(iris.entities_graph), to_ox(iris.entities_inferred_graph)]
        for pattern, graph in zip(patterns, graphs, strict=True):
            batch: list[Any] = []
            # the rows are read from a snapshot, while the batches are deleted
            for row in self.store.query(f"SELECT ?s ?p ?o WHERE {{ {pattern} }}", union=False):
                batch.append(ox.Quad(row["s"], row["p"], row["o"], graph))
                if len(batch) >= _DELETE_BATCH:
                    _delete(self.store, batch)
                    batch = []
            _delete(self.store, batch)


def _quad(triple: Triple, graph: Any) -> Any:
    s, p, o = triple
    return ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph)


def _delete(store: Store, quads: list[Any]) -> None:
    """Delete quads, in updates of at most ``_DELETE_BATCH`` (a blank node cannot be
    named in ``DELETE DATA``: such a quad is removed on its own)."""
    named = []
    for quad in quads:
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            store.ox.remove(quad)
        else:
            named.append(quad)
    for i in range(0, len(named), _DELETE_BATCH):
        store.update("DELETE DATA { " + " ".join(
            f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"
            for q in named[i:i + _DELETE_BATCH]) + " }")


def claim_links(iris: Iris, article: Any, split_: Split) -> tuple[list[Triple], list[Triple]]:
    """The article's claim links: for its asserted graph, and for its inferred graph."""
    asserted = [(statement_iri(iris, t), KG.reportedIn, article) for t in split_.claims]
    inferred = []
    for triple in split_.inferred_claims:
        st = statement_iri(iris, triple)
        inferred.append((st, KG.reportedIn, article))
        inferred += [(st, PROV.wasDerivedFrom, fact) for fact in split_.sources.get(triple, ())]
    return asserted, inferred


def _reified(st: Any, claim: Claim) -> list[Triple]:
    s, p, o = claim.triple
    out = [(st, _RDF_SUBJECT, s), (st, _RDF_PREDICATE, p), (st, _RDF_OBJECT, o)]
    if claim.asserted is not None:
        out.append((st, KG.firstAssertedOrder, Literal(claim.asserted)))
    if claim.inferred is not None:
        out.append((st, KG.firstInferredOrder, Literal(claim.inferred)))
    return out


def _int(term: Any) -> int | None:
    return int(term.value) if isinstance(term, ox.Literal) else None


def _local(iris: Iris, entity: Any) -> str:
    return str(entity)[len(iris.base + "entity/"):]


def type_conflicts(facts: Any, known: Mapping[str, Known], bg: Background) -> list[Any]:
    """Findings for the entities a file declares with a type that the ontology makes
    disjoint with their type elsewhere (another article of the store, another file)."""
    from .ontology import entity_types

    types = entity_types()
    data = facts.data if isinstance(facts.data, dict) else {}
    declared: list[Declared] = []
    for i, entity in enumerate(data.get("entities") or []):
        entity_id = entity.get("id") if isinstance(entity, dict) else None
        cls = types.get(entity.get("type")) if isinstance(entity_id, str) else None
        if isinstance(entity_id, str) and cls is not None and entity_id in known:
            line, column = facts.position(("entities", i, "type")) or (None, None)
            declared.append(Declared(entity_id, cls, None, line, column))
    return declared_conflicts(facts.path, declared, known, bg)


@dataclass(frozen=True)
class Declared:
    """An entity a file declares: its id, class, name, and where its type is written."""

    id: str
    type: Any
    name: str | None = None
    line: int | None = None
    column: int | None = None


def declared_conflicts(path: str, declared: Iterable[Declared], known: Mapping[str, Known],
                       bg: Background) -> list[Any]:
    """:func:`type_conflicts` of declarations already read (a prepared article's summary)."""
    from .errors import Finding

    sem = semantics(bg)
    out = []
    for entity in declared:
        other = known.get(entity.id)
        if other is None:
            continue
        for theirs in other.types:
            pair = sem.clash(entity.type, theirs)
            if pair is None:
                continue
            out.append(Finding(
                path,
                f'"{entity.id}" is declared a {_name(entity.type)} here, but {other.where} '
                f"declares it a {_name(theirs)}, and nothing is both a {_name(pair[0])} and "
                f"a {_name(pair[1])}: use another id for one of them, or correct the type",
                "entity-type-conflict", entity.line, entity.column, entity.id))
            break
    return out


def _name(cls: Any) -> str:
    return str(cls).rsplit("#", 1)[-1]


REBUILD_STATEMENTS = 10_000  # statements about the entities of one chunk of a rebuild
_DELETE_BATCH = 10_000  # quads per DELETE DATA


def rebuild_store(store: Store, base: str, *,
                  chunk_statements: int = REBUILD_STATEMENTS) -> list[int]:
    """Rewrite the shared entity graphs from the articles' claim links (after a crash, an
    import); returns the number of statements of each chunk it wrote.

    The result is :meth:`EntityIndex.rebuild`'s, written in chunks of whole entities (of
    about ``chunk_statements`` statements, or one entity's if it has more), so that
    memory does not grow with the store (one update for the whole store grew with it).
    For each chunk, the entities' claims are recomputed from the links, then what the
    shared graphs lack of their descriptions and statements is added (a bulk write) and
    what they hold of them that is no longer so is deleted. Last, what the shared graphs
    hold of no statement's subject goes. It is not one transaction: the caller's journal
    stays until it returns, and a crash in between leaves for the next open a store from
    which the same rebuild gives the same result (a chunk adds before it deletes: the
    statements it reads are never missing).
    """
    from .background import background

    iris = Iris(base)
    index = EntityIndex(store, iris, background(iris))
    sizes: list[int] = []
    chunk: dict[Any, None] = {}  # entities, in the order the claims graph gives them
    count = 0
    try:
        # a snapshot: what the chunks write does not show here (by entity on disk)
        for quad in store.ox.quads_for_pattern(None, to_ox(_RDF_SUBJECT), None,
                                               to_ox(iris.claims_graph)):
            entity = quad.object
            if count >= chunk_statements and entity not in chunk:
                sizes.append(index.rewrite(list(chunk)))
                chunk, count = {}, 0
            chunk[entity] = None
            count += 1
        if chunk:
            sizes.append(index.rewrite(list(chunk)))
        index.sweep()
        store.ox.flush()
    except OSError as exc:
        raise StoreError(f"cannot write to the store at {store.path}: {exc}") from exc
    return sizes
