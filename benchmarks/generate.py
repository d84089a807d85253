#!/usr/bin/env python3
"""Generate a deterministic synthetic corpus of kgload facts files, for benchmarks.

    python benchmarks/generate.py OUT_DIR --articles N [--seed S] [--violations K]
                                  [--format yaml|json|jsonl] [--actors A] [--force]

or, from Python, ``generate(out_dir, articles, seed=..., violations=..., fmt=...)``,
which returns the :class:`Manifest` it also writes to ``OUT_DIR/manifest.json``.

The files are real facts files (format version 1) shaped like news articles: a shared
pool of a few thousand actors with Zipf-like popularity (so articles share actors, with
the same id, name, type and aliases everywhere), the registry's states, governments and
cities used by id, 10-40 actions per article of every action type of the ontology, with
nested content (``about``), conditions, statuses, attribution, media, places, surface
texts, episodes with parts, relative dates and synthetic evidence sentences.

What the generator needs of kgload is read from kgload at run time, never repeated here:
the action types and their superclasses (ontology), the minimum number of parts of an
episode (shapes), the statuses (JSON Schema), the shared registry, and the time windows
relative dates resolve to. Wikidata ids of pool entities are synthetic (Q90000000 and
up); CAMEO actor codes are built from the registry's country codes.

``--violations K`` seeds K invalid facts in K distinct articles, each of a known kind
(:data:`VIOLATION_KINDS`) with the rule ``kgload validate`` reports for it; the manifest
lists them. The valid articles are the same bytes with or without violations.

Output: ``OUT_DIR/articles/<article-id>.yaml|.json`` (one file per article; load them
with ``kgload load OUT_DIR/articles``), or ``OUT_DIR/articles.jsonl`` (one article per
line), and ``OUT_DIR/manifest.json``. Needs only the standard library and kgload (which
brings rdflib and PyYAML). The YAML is written by a small emitter of its own, in the gold
example's style (flow lists of ids), about 4 times faster than PyYAML's C emitter.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any, TextIO

FORMATS = ("yaml", "json", "jsonl")
DEFAULT_ACTORS = 3000
MIN_ACTIONS, MAX_ACTIONS = 10, 40
FIRST_DAY, LAST_DAY = date(2019, 1, 1), date(2025, 12, 31)  # publication dates
ZIPF_EXPONENT = 1.0
MANIFEST_VERSION = 1

Doc = dict[str, Any]


# ---------------------------------------------------------------------------- kgload


@dataclass(frozen=True)
class Knowledge:
    """What the generator reads from kgload: types, shapes, statuses, registry."""

    action_types: tuple[str, ...]  # sorted local names
    curated: frozenset[str]  # types kgload defines itself (skos:definition): the common ones
    ancestors: dict[str, tuple[str, ...]]  # type -> itself, then superclasses (nearest first)
    min_parts: dict[str, int]  # episode types and the parts their shape requires
    statuses: tuple[str, ...]
    registry: tuple[Doc, ...]
    versions: dict[str, str]


@cache
def knowledge() -> Knowledge:
    """Read once per process: action types, episodes' parts, statuses, registry."""
    from rdflib.namespace import RDFS, SH, SKOS

    from kgload import __version__
    from kgload.check import facts_schema
    from kgload.ontology import action_types, ontology_graph, ontology_version, shapes_graph
    from kgload.registry import load_registry
    from kgload.vocab import KG, KG_IRI

    graph = ontology_graph()
    types = action_types()
    names = tuple(sorted(types))  # the ontology is a set: sort for determinism

    def local(node: Any) -> str | None:
        text = str(node)
        return text[len(KG_IRI):] if text.startswith(KG_IRI) else None

    ancestors = {}
    for name in names:
        seen, frontier = [name], [types[name].iri]
        while frontier:  # breadth first: nearest superclass first
            nxt = []
            for cls in frontier:
                for sup in sorted(graph.objects(cls, RDFS.subClassOf), key=str):
                    sup_name = local(sup)
                    if sup_name and sup_name not in seen:
                        seen.append(sup_name)
                        nxt.append(sup)
            frontier = nxt
        ancestors[name] = tuple(seen)

    shapes = shapes_graph()
    min_parts: dict[str, int] = {}
    for shape, cls in shapes.subject_objects(SH.targetClass):
        name = local(cls)
        for prop in shapes.objects(shape, SH.property):
            count = shapes.value(prop, SH.minCount)
            if shapes.value(prop, SH.path) == KG.hasPart and count is not None and name:
                min_parts[name] = max(min_parts.get(name, 0), int(count))
    for name in names:  # a subclass of an episode is an episode
        inherited = [min_parts[a] for a in ancestors[name] if a in min_parts]
        if inherited:
            min_parts[name] = max(inherited)

    statuses = tuple(facts_schema()["$defs"]["action"]["properties"]["status"]["enum"])
    registry = load_registry()
    versions = {"kgload": __version__, "ontology": ontology_version(),
                "registry": registry.digest}
    curated = frozenset(n for n in names if graph.value(types[n].iri, SKOS.definition) is not None)
    return Knowledge(names, curated, ancestors, {k: v for k, v in min_parts.items() if k in types},
                     statuses, tuple(registry.entities), versions)


@cache
def _resolver() -> Callable[..., Any]:
    from kgload.check import resolve_time
    return resolve_time


# ---------------------------------------------------------------------------- words

# fmt: off
FIRST_NAMES = (
    "Ana", "Carlos", "María", "José", "Luis", "Juan", "Sofía", "Andrés", "Camila", "Diego",
    "Valentina", "Javier", "Lucía", "Miguel", "Isabel", "Pedro", "Gabriela", "Ricardo",
    "Daniela", "Fernando", "Laura", "Alejandro", "Paula", "Jorge", "Carmen", "Roberto", "Elena",
    "Manuel", "Patricia", "Francisco", "Marta", "Antonio", "Claudia", "Sergio", "Rosa",
    "Eduardo", "Beatriz", "Raúl", "Julia", "Hugo", "John", "Mary", "James", "Sarah", "Michael",
    "Emily", "David", "Anne", "Robert", "Karen", "William", "Linda", "Thomas", "Susan",
    "Pierre", "Marie", "Jean", "Claire", "Dmitri", "Olga", "Sergei", "Natalia", "Wei", "Li",
    "Chen", "Mei", "Ahmed", "Fatima", "Omar", "Leila", "Kwame", "Amara", "João", "Mateo",
    "Santiago", "Ximena", "Renata", "Tomás", "Nicolás", "Iván",
)
LAST_NAMES = (
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz",
    "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Mendoza", "Álvarez", "Castillo",
    "Jiménez", "Moreno", "Romero", "Herrera", "Medina", "Aguilar", "Vargas", "Castro",
    "Guzmán", "Salazar", "Rojas", "Navarro", "Cabrera", "Benedetti", "Zuluaga", "Uribe",
    "Duque", "Santos", "Petrov", "Ivanova", "Smith", "Johnson", "Williams", "Brown", "Jones",
    "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Moore", "Martin", "Thompson", "White",
    "Harris", "Clark", "Lewis", "Walker", "Dubois", "Lefebvre", "Moreau", "Laurent", "Wang",
    "Zhang", "Liu", "Silva", "Souza", "Oliveira", "Pereira", "Costa", "Almeida", "Mensah",
    "Okafor", "Haddad", "Nasser",
)
TITLES = (  # (title, held in: state | government | own organization)
    ("President", "state"), ("Vice President", "state"), ("Interior Minister", "government"),
    ("Defence Minister", "government"), ("Foreign Minister", "government"),
    ("Finance Minister", "government"), ("Justice Minister", "government"),
    ("Senator", "state"), ("Attorney General", "state"), ("Ambassador", "state"),
    ("government spokesperson", "government"), ("human rights ombudsman", "state"),
    ("leader", "organization"), ("commander", "organization"), ("spokesperson", "organization"),
    ("director", "organization"), ("general", "organization"),
)
FORMAL_TITLES = frozenset({"President", "Vice President", "Interior Minister", "Defence Minister",
                           "Foreign Minister", "Finance Minister", "Justice Minister", "Senator",
                           "Attorney General", "Ambassador"})
ORG_PATTERNS = (  # (name pattern, CAMEO role, descriptor)
    ("{demonym} Farmers' Union", "LAB", "farmers' union"),
    ("{demonym} Workers' Confederation", "LAB", "trade union confederation"),
    ("{adj} Party of {country}", "OPP", "opposition party"),
    ("{adj} Democratic Alliance", "OPP", "political party"),
    ("{demonym} Human Rights Network", "NGO", "human rights group"),
    ("Foundation for {noun}", "NGO", "non-governmental organization"),
    ("{demonym} Chamber of Commerce", "BUS", "business association"),
    ("{adj} Mining Company", "BUS", "mining company"),
    ("{demonym} Oil Corporation", "BUS", "state oil company"),
    ("{demonym} Bishops' Conference", "REL", "church body"),
    ("{adj} Students' Federation", "EDU", "student federation"),
    ("{demonym} Red Cross", "NGO", "humanitarian organization"),
)
ADJECTIVES = (
    "National", "Revolutionary", "Popular", "United", "Patriotic", "Democratic", "Independent",
    "Southern", "Northern", "Eastern", "Western", "Free", "Workers'", "People's", "Bolivarian",
    "Green", "Liberal", "Conservative", "Social", "Progressive", "Republican", "Federal",
)
NOUNS = ("Peace", "Justice", "Reconciliation", "Development", "Democracy", "the Victims",
         "Press Freedom", "Rural Land", "Indigenous Rights", "the Environment")
ARMED_PATTERNS = (  # (name pattern, CAMEO role, descriptor)
    ("{adj} Liberation Army", "REB", "guerrilla group"),
    ("{adj} Liberation Front", "REB", "armed opposition group"),
    ("{adj} Resistance Movement", "INS", "insurgent movement"),
    ("{adj} Self-Defence Forces", "REB", "paramilitary group"),
    ("{adj} Guerrilla Front", "REB", "dissident guerrilla faction"),
    ("{adj} Militia of {place}", "REB", "militia"),
    ("{place} Cartel", "CRM", "drug cartel"),
    ("Clan of {place}", "CRM", "drug-trafficking clan"),
    ("{adj} Commandos", "INS", "armed group"),
    ("{adj} Brigades of {place}", "REB", "armed group"),
)
SECURITY_UNITS = (  # (name pattern, CAMEO role)
    ("{demonym} Army", "MIL"), ("{demonym} Navy", "MIL"), ("{demonym} Air Force", "MIL"),
    ("{demonym} National Police", "COP"), ("{demonym} intelligence service", "SPY"),
    ("{demonym} coast guard", "MIL"), ("{demonym} special forces", "MIL"),
    ("{demonym} border police", "COP"), ("{demonym} anti-narcotics police", "COP"),
)
ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth",
            "Ninth", "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth")
GROUP_PATTERNS = (
    "{demonym} soldiers", "{demonym} police officers", "{demonym} farmers",
    "{demonym} truck drivers", "{demonym} students", "{demonym} journalists",
    "{demonym} migrants", "{demonym} fishermen", "{demonym} coca growers",
    "protesters in {city}", "residents of {city}", "relatives of the victims in {city}",
    "shopkeepers in {city}", "displaced families in {region}", "miners in {region}",
    "suspected drug traffickers in {region}", "indigenous communities in {region}",
    "former combatants in {region}",
)
NEWS_PATTERNS = ("{city} Daily", "Radio {city}", "{demonym} News Agency", "{city} Herald",
                 "Channel {n} {city}", "{demonym} Public Television")
PLATFORMS = (
    ("X", ["Twitter"]), ("Facebook", []), ("Instagram", []), ("Telegram", []), ("YouTube", []),
    ("TikTok", []), ("WhatsApp", []), ("Truth Social", []), ("Threads", []), ("Bluesky", []),
)
RADIO_PATTERNS = ("{word} Radio", "Radio {word}", "{word} FM", "{word} TV")
RADIO_WORDS = ("Blue", "Caracol", "Continental", "Nacional", "Libertad", "Horizonte",
               "Sur", "Andina", "Pacífico", "Atlántico", "Capital", "Metro")
CITIES = {  # real cities besides the registry's capitals, by registry state id
    "colombia": ("Cúcuta", "Medellín", "Cali", "Barranquilla", "Cartagena", "Bucaramanga"),
    "venezuela": ("Maracaibo", "Valencia", "San Cristóbal", "Ciudad Guayana"),
    "united-states": ("Miami", "Houston", "New York", "Los Angeles", "Chicago", "El Paso"),
    "mexico": ("Guadalajara", "Monterrey", "Tijuana", "Culiacán", "Ciudad Juárez"),
    "brazil": ("São Paulo", "Rio de Janeiro", "Manaus", "Boa Vista"),
    "ecuador": ("Guayaquil", "Cuenca", "Esmeraldas"),
    "peru": ("Cusco", "Arequipa", "Iquitos"),
    "panama": ("Colón", "David"),
    "cuba": ("Santiago de Cuba", "Camagüey"),
    "canada": ("Toronto", "Vancouver", "Montreal"),
    "spain": ("Barcelona", "Seville", "Valencia"),
    "france": ("Marseille", "Lyon", "Toulouse"),
    "united-kingdom": ("Manchester", "Belfast", "Glasgow"),
    "russia": ("Saint Petersburg", "Kazan", "Vladivostok"),
    "china": ("Shanghai", "Guangzhou", "Shenzhen"),
}
PROVINCES = {  # sub-national regions (Region places, with a Government each)
    "colombia": ("Antioquia", "Norte de Santander", "Cauca", "Nariño", "Arauca", "Chocó",
                 "Catatumbo", "Valle del Cauca"),
    "venezuela": ("Zulia", "Táchira", "Apure", "Bolívar"),
    "united-states": ("Texas", "Florida", "California", "Arizona"),
    "mexico": ("Sinaloa", "Chihuahua", "Jalisco", "Michoacán", "Tamaulipas"),
    "brazil": ("Amazonas", "Roraima", "Pará"),
    "ecuador": ("Esmeraldas Province", "Sucumbíos"),
    "peru": ("Loreto", "Puno", "VRAEM"),
    "panama": ("Darién",),
    "cuba": ("Oriente",),
    "canada": ("Ontario", "British Columbia"),
    "spain": ("Catalonia", "Andalusia"),
    "france": ("Brittany", "Occitanie"),
    "united-kingdom": ("Scotland", "Northern Ireland"),
    "russia": ("Siberia", "Kaliningrad"),
    "china": ("Xinjiang", "Yunnan"),
}
BORDERS = (  # (side, side, km): kept only if both sides are in the registry
    ("colombia", "venezuela", 2219), ("colombia", "ecuador", 708), ("colombia", "peru", 1494),
    ("colombia", "brazil", 1790), ("colombia", "panama", 339), ("venezuela", "brazil", 2137),
    ("ecuador", "peru", 1529), ("peru", "brazil", 2659), ("united-states", "mexico", 3145),
    ("united-states", "canada", 8891), ("spain", "france", 623), ("russia", "china", 4209),
)
STATE_WEIGHTS = {"colombia": 8, "united-states": 8, "venezuela": 6, "mexico": 5, "ecuador": 3,
                 "brazil": 3, "peru": 2, "panama": 2, "cuba": 2}
PUBLISHERS = ("AFP", "Reuters", "AP", "EFE", "DPA", "Bloomberg", "BBC News", "El Tiempo",
              "El País", "The Guardian", "Al Jazeera", "France 24")
WIRES = ("AFP", "Reuters", "AP", "EFE", "DPA")
QUOTES = (
    "committed to taking joint action", "we will not accept any interference",
    "watch out", "a violent attack on the border", "the door to dialogue remains open",
    "this is a declaration of war", "we will respond with all the force of the law",
    "there will be no impunity", "the talks have stalled", "an unacceptable provocation",
    "we are ready to cooperate", "they must stop the attacks immediately",
    "nobody is above the law", "a historic agreement for peace",
    "we will defend our sovereignty", "the situation at the border is critical",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
NUMBER_WORDS = ("two", "three", "four", "five", "six")
# fmt: on

# Sentence templates by action type ({a} agent, {t} target); types not listed here (a new
# class in the ontology) read "{a} was reported to <words of the type name> {t}".
VERBS: dict[str, tuple[str, str]] = {
    "Abduct": ("{a} kidnapped {t}", "{a} carried out kidnappings"),
    "Action": ("{a} acted against {t}", "{a} took action"),
    "CooperativeAction": ("{a} cooperated with {t}", "{a} worked together"),
    "HostileAction": ("{a} took hostile action against {t}", "{a} took hostile action"),
    "AcceptInvitation": ("{a} accepted an invitation from {t}", "{a} accepted the invitation"),
    "Accuse": ("{a} accused {t}", "{a} made accusations"),
    "AccuseOfCrime": ("{a} accused {t} of drug trafficking", "{a} made criminal accusations"),
    "AgreeToCooperateMilitarily": ("{a} agreed to joint military action with {t}",
                                   "{a} agreed to take joint military action"),
    "Appeal": ("{a} appealed to {t}", "{a} made an appeal"),
    "AppealForMilitaryCooperation": ("{a} asked {t} for military help",
                                     "{a} appealed for military cooperation"),
    "Coerce": ("{a} imposed restrictions on {t}", "{a} imposed restrictions"),
    "Consult": ("{a} met {t}", "{a} held talks"),
    "CooperateMilitarily": ("{a} carried out joint operations with {t}",
                            "{a} carried out joint operations"),
    "Criticize": ("{a} criticized {t}", "{a} voiced criticism"),
    "DeEscalate": ("{a} eased its pressure on {t}", "{a} halted its operations"),
    "DiscussByTelephone": ("{a} spoke by telephone with {t}", "{a} held a telephone call"),
    "Exchange": ("{a} traded barbs with {t}", "{a} were locked in a heated exchange"),
    "ExpressIntentToCooperate": ("{a} said it was ready to cooperate with {t}",
                                 "{a} pledged to cooperate"),
    "Fight": ("{a} launched attacks against {t}", "{a} clashed with rival forces"),
    "GiveUltimatum": ("{a} gave {t} an ultimatum", "{a} issued an ultimatum"),
    "Invite": ("{a} invited {t} to talks", "{a} issued an invitation"),
    "MakeStatement": ("{a} told {t}", "{a} said"),
    "Negotiate": ("{a} negotiated with {t}", "{a} held negotiations"),
    "Operate": ("{a} operated against {t}", "{a} operated"),
    "Order": ("{a} ordered {t} to act", "{a} issued an order"),
    "ReduceRelations": ("{a} cut ties with {t}", "{a} suspended cooperation"),
    "RelationsDeteriorate": ("relations between {a} and {t} deteriorated",
                             "relations between {a} deteriorated"),
    "RelationsImprove": ("tensions between {a} and {t} eased", "tensions between {a} eased"),
    "Retreat": ("{a} withdrew from {t}", "{a} retreated"),
    "Seize": ("{a} seized {t}", "{a} seized control"),
    "ShareIntelligence": ("{a} shared intelligence with {t}", "{a} shared intelligence"),
    "TakeOffice": ("{a} took office", "{a} took office"),
    "Threaten": ("{a} threatened {t}", "{a} issued threats"),
    "ThreatenMilitaryForce": ("{a} threatened military action against {t}",
                              "{a} threatened military action"),
}

# How an action of a type is built, looked up on the type and then its superclasses
# (so a new subclass gets its family's shape). "act" kinds can be the content of another.
KINDS: dict[str, str] = {
    "MakeStatement": "statement", "Order": "order", "Invite": "invitation",
    "AcceptInvitation": "acceptance", "Appeal": "directive", "Accuse": "claim",
    "Criticize": "criticism", "GiveUltimatum": "ultimatum", "Threaten": "threat",
    "ExpressIntentToCooperate": "pledge", "Consult": "meeting", "CooperativeAction": "joint",
    "TakeOffice": "office", "Retreat": "movement", "Operate": "presence",
    "RelationsImprove": "relations", "RelationsDeteriorate": "relations",
    "HostileAction": "force", "Action": "generic",
}
ACT_KINDS = frozenset({"force", "joint", "meeting", "movement", "presence", "relations",
                       "generic", "office"})
CONTENT_STATUS = {"directive": ("requested",), "order": ("ordered",), "invitation": ("planned",),
                  "acceptance": ("planned",), "claim": ("alleged",),
                  "threat": ("hypothetical",), "pledge": ("committed", "planned"),
                  "statement": ("occurred", "alleged", "planned", "ongoing")}
STATUS_WEIGHTS = {"occurred": 60, "ongoing": 10, "alleged": 8, "attempted": 4, "planned": 4,
                  "stalled": 3, "committed": 2, "requested": 2, "ordered": 2,
                  "hypothetical": 2}
SPEECH_WEIGHTS = {"occurred": 85, "alleged": 8, "ongoing": 4, "planned": 3}
SPEECH_KINDS = frozenset({"statement", "directive", "order", "invitation", "acceptance",
                          "claim", "criticism", "ultimatum", "threat", "pledge"})
HAPPENED = ("occurred", "ongoing")


def slug(text: str) -> str:
    """An id from a name: "Colombia–Venezuela border" -> colombia-venezuela-border."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


@cache
def _words(type_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type_name).lower()


@cache
def _type_slug(type_name: str) -> str:
    return slug(_words(type_name))


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-zÀ-ÿ']+", name)
                   if w[0].isupper() and w not in ("The",)).upper()


# ---------------------------------------------------------------------------- the pool


@dataclass(eq=False)
class Entity:
    """A pool (or registry) entity: its fixed declaration and what articles need of it."""

    id: str
    type: str
    name: str
    decl: Doc  # the declaration every article repeats (roles and evidence added per article)
    home: str  # registry state id it belongs to
    deps: tuple[str, ...] = ()  # ids its declaration refers to (must be declared too)
    role: tuple[str, str] | None = None  # (title, held-in id) for persons
    registry: bool = False

    @property
    def aliases(self) -> list[str]:
        return self.decl.get("aliases", [])


@dataclass
class Pool:
    entities: dict[str, Entity]
    actors: list[Entity]  # in popularity order (rank 1 first)
    by_state: dict[str, list[Entity]]  # actors per home state, in popularity order
    cum_global: list[float]
    cum_state: dict[str, list[float]]
    cities: dict[str, list[str]]
    regions: dict[str, list[str]]
    borders: dict[str, list[str]]
    platforms: list[str]
    news: list[str]
    states: list[str]
    state_cum: list[float]
    governments: dict[str, str]  # registry state -> its registry government


def _zipf_cum(n: int) -> list[float]:
    return list(accumulate(1.0 / (rank ** ZIPF_EXPONENT) for rank in range(1, n + 1)))


def _in_cast(entity: Doc) -> bool:
    """A registry entity the generator's cast may use: one of its states, their capitals
    and governments, and the regions."""
    if entity["type"] == "State":
        return entity["id"] in CITIES
    if entity["type"] in ("City", "Government"):
        return entity.get("located_in", entity.get("part_of")) in CITIES
    return entity["type"] == "Region"


def build_pool(seed: int, actors: int = DEFAULT_ACTORS) -> Pool:
    """The shared cast of a corpus, from the seed and the registry (same seed, same pool)."""
    know = knowledge()
    rng = random.Random(f"kgload-benchmarks:pool:{seed}")
    # the cast lives in the states the generator has cities and provinces for (kgload
    # 0.1's registry): the world registry's other states, with their forces, and its IGOs
    # and armed groups would spread a few hundred actors over 248 states
    registry = {e["id"]: e for e in know.registry if _in_cast(e)}
    entities: dict[str, Entity] = {}
    for rid, decl in registry.items():
        home = rid if decl["type"] == "State" else decl.get("part_of", decl.get("located_in", ""))
        entities[rid] = Entity(rid, decl["type"], decl["name"], decl, home, registry=True)
    states = [rid for rid, d in registry.items() if d["type"] == "State"]
    governments = {d["part_of"]: rid for rid, d in registry.items()
                   if d["type"] == "Government" and d.get("part_of") in states}
    info = {s: (registry[s].get("demonym", registry[s]["name"]), registry[s]["name"],
                registry[s].get("cameo", "")) for s in states}
    qid = iter(range(90_000_000, 10**9))

    def add(name: str, type_: str, home: str, *, aliases: Iterable[str] = (),
            descriptors: Iterable[str] = (), cameo: str | None = None, wikidata: bool = False,
            extra: Doc | None = None, deps: Iterable[str] = ()) -> Entity:
        base = slug(name)[:90] or "entity"
        eid, n = base, 1
        while eid in entities:
            n += 1
            eid = f"{base}-{n}"
        decl: Doc = {"id": eid, "type": type_, "name": name}
        names = [a for a in dict.fromkeys(aliases) if a and a != name]
        if names:
            decl["aliases"] = names
        if descriptors:
            decl["descriptors"] = list(descriptors)
        if wikidata:
            decl["wikidata"] = f"Q{next(qid)}"
        if cameo and re.fullmatch(r"(?:[A-Z]{3})+", cameo):
            decl["cameo"] = cameo
        decl.update(extra or {})
        entity = Entity(eid, type_, name, decl, home, tuple(d for d in deps if d))
        entities[eid] = entity
        return entity

    def weighted_state() -> str:
        return rng.choices(states, weights=[STATE_WEIGHTS.get(s, 1) for s in states])[0]

    # places: cities, provinces (regions), borders; platforms and outlets
    cities: dict[str, list[str]] = {s: [] for s in states}
    regions: dict[str, list[str]] = {s: [] for s in states}
    borders: dict[str, list[str]] = {s: [] for s in states}
    for rid, d in registry.items():
        if d["type"] == "City" and d.get("located_in") in cities:
            cities[d["located_in"]].append(rid)
    for state in states:
        for city in CITIES.get(state, ()):
            plain = slug(city).replace("-", " ").title()
            cities[state].append(add(city, "City", state, aliases=[plain] if plain != city else [],
                                     extra={"located_in": state}).id)
        for province in PROVINCES.get(state, ()):
            regions[state].append(add(province, "Region", state,
                                      extra={"located_in": state}).id)
    for a, b, km in BORDERS:
        if a in info and b in info:
            name = f"{info[a][1]}–{info[b][1]} border"
            border = add(name, "Border", a, aliases=[f"the {info[b][0]} border", "the border"],
                         descriptors=[rng.choice(("porous", "long", "remote", "militarized"))],
                         extra={"between": [a, b], "length": {"value": km, "unit": "km"}})
            borders[a].append(border.id)
            borders[b].append(border.id)
    platforms = [add(name, "Platform", "", aliases=aliases).id for name, aliases in PLATFORMS]
    for _ in range(20):
        name = rng.choice(RADIO_PATTERNS).format(word=rng.choice(RADIO_WORDS))
        if slug(name) not in entities:
            platforms.append(add(name, "Platform", "").id)

    # actors
    made: list[Entity] = []
    region_names = {s: [entities[r].name for r in regions[s]] or [info[s][1]] for s in states}
    city_names = {s: [entities[c].name for c in cities[s]] or [info[s][1]] for s in states}
    targets = {"Government": 0.03, "SecurityForce": 0.08, "ArmedGroup": 0.08,
               "Organization": 0.12, "Group": 0.10, "NewsOrganization": 0.03}
    quota = {t: max(1, round(share * actors)) for t, share in targets.items()}

    for state in states:  # regional governments: provinces and big cities
        demonym, country, cameo = info[state]
        for rid in regions[state][:3] + cities[state][:2]:
            if len(made) >= quota["Government"] or entities[rid].registry:
                continue
            place = entities[rid].name
            made.append(add(f"Government of {place}", "Government", state,
                            aliases=[f"{place} authorities"], cameo=cameo + "GOV",
                            extra={"part_of": state}))
    for state in states:  # security forces, then units of the army
        demonym, country, cameo = info[state]
        armies = []
        for pattern, role in SECURITY_UNITS:
            name = pattern.format(demonym=demonym)
            unit = add(name, "SecurityForce", state, cameo=cameo + role,
                       aliases=[name.replace(demonym, country, 1)],
                       wikidata=rng.random() < 0.3, extra={"part_of": state})
            made.append(unit)
            if role == "MIL":
                armies.append(unit)
        per_state = max(0, quota["SecurityForce"] // len(states) - len(SECURITY_UNITS))
        for i in range(min(per_state, len(ORDINALS))):
            army = armies[0]
            made.append(add(f"{ORDINALS[i]} Brigade of the {army.name}", "SecurityForce",
                            state, cameo=cameo + "MIL",
                            extra={"part_of": army.id}, deps=[army.id]))

    def fill(type_: str, make: Callable[[str], Entity | None]) -> None:
        tries = 0
        count = sum(1 for e in made if e.type == type_)
        while count < quota[type_] and tries < quota[type_] * 20:
            tries += 1
            entity = make(weighted_state())
            if entity is not None:
                made.append(entity)
                count += 1

    def armed(state: str) -> Entity | None:
        demonym, country, cameo = info[state]
        pattern, role, descriptor = rng.choice(ARMED_PATTERNS)
        name = pattern.format(adj=rng.choice(ADJECTIVES), place=rng.choice(region_names[state]))
        if slug(name) in entities:
            return None
        acronym = _initials(name)
        return add(name, "ArmedGroup", state, aliases=[acronym] if len(acronym) > 1 else [],
                   descriptors=[descriptor], cameo=cameo + role if rng.random() < 0.6 else None,
                   wikidata=rng.random() < 0.25)

    def organization(state: str) -> Entity | None:
        demonym, country, cameo = info[state]
        pattern, role, descriptor = rng.choice(ORG_PATTERNS)
        name = pattern.format(demonym=demonym, country=country, adj=rng.choice(ADJECTIVES),
                              noun=rng.choice(NOUNS))
        if slug(name) in entities or "Democratic Democratic" in name:
            return None
        acronym = _initials(name)
        return add(name, "Organization", state, aliases=[acronym] if len(acronym) > 2 else [],
                   descriptors=[descriptor], cameo=cameo + role if rng.random() < 0.4 else None,
                   wikidata=rng.random() < 0.2)

    def group(state: str) -> Entity | None:
        demonym, country, cameo = info[state]
        pattern = rng.choice(GROUP_PATTERNS)
        name = pattern.format(demonym=demonym, city=rng.choice(city_names[state]),
                              region=rng.choice(region_names[state]))
        if slug(name) in entities:
            return None
        extra, deps = {}, []
        if "soldiers" in name or "police" in name:
            forces = [e for e in made if e.type == "SecurityForce" and e.home == state]
            if forces:
                force = forces[0] if "soldiers" in name else forces[min(3, len(forces) - 1)]
                extra, deps = {"part_of": force.id}, [force.id]
        return add(name, "Group", state, extra=extra, deps=deps)

    def news(state: str) -> Entity | None:
        demonym, country, cameo = info[state]
        name = rng.choice(NEWS_PATTERNS).format(demonym=demonym, n=rng.randint(1, 12),
                                               city=rng.choice(city_names[state]))
        if slug(name) in entities:
            return None
        return add(name, "NewsOrganization", state, cameo=cameo + "MED"
                   if rng.random() < 0.3 else None, wikidata=rng.random() < 0.3)

    fill("ArmedGroup", armed)
    fill("Organization", organization)
    fill("Group", group)
    fill("NewsOrganization", news)

    organizations = [e for e in made if e.type in ("Organization", "ArmedGroup",
                                                   "SecurityForce")]
    org_by_state: dict[str, list[Entity]] = {}
    for org in organizations:
        org_by_state.setdefault(org.home, []).append(org)
    people = 0
    while len(made) < actors and people < actors * 3:
        people += 1
        state = weighted_state()
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}"
        if rng.random() < 0.25:
            name = f"{first} {rng.choice(LAST_NAMES)} {last}"
        if slug(name) in entities:
            continue
        title, held = rng.choice(TITLES)
        if held == "organization" and org_by_state.get(state):
            org = rng.choice(org_by_state[state])
            of, deps = org.id, [org.id]
        elif held == "government" and state in governments:
            of, deps = governments[state], []
        else:
            title, of, deps = (title if held == "state" else "adviser"), state, []
        demonym, country, cameo = info[state]
        aliases = [last]
        if title in FORMAL_TITLES:
            aliases.append(f"{title} {last}")
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        if ascii_name != name:
            aliases.append(ascii_name)
        person = add(name, "Person", state, aliases=aliases,
                     descriptors=[rng.choice(("leftist", "conservative", "veteran",
                                              "outspoken", "centrist"))]
                     if rng.random() < 0.2 else (),
                     cameo=cameo + "GOV" if held == "government" and rng.random() < 0.3 else None,
                     wikidata=rng.random() < 0.2, deps=deps)
        person.role = (title, of)
        made.append(person)

    rng.shuffle(made)  # popularity rank is independent of how the pool was built
    by_state: dict[str, list[Entity]] = {s: [] for s in states}
    for entity in made:
        by_state[entity.home].append(entity)
    news_ids = [e.id for e in made if e.type == "NewsOrganization"]
    return Pool(entities, made, by_state, _zipf_cum(len(made)),
                {s: _zipf_cum(len(v)) for s, v in by_state.items()},
                cities, regions, borders, platforms, news_ids, states,
                list(accumulate(STATE_WEIGHTS.get(s, 1) for s in states)), governments)


# ---------------------------------------------------------------------------- times


def _relative_time(rng: random.Random, pub: date, ongoing: bool = False) -> str:
    """A time expression of a form kgload resolves against the publication date.

    "since ..." is kept for what is going on; the other forms date an event.
    """
    if ongoing and rng.random() < 0.5:
        return rng.choice((f"since {pub.year - rng.randint(0, 5)}", "since last January",
                           f"since {MONTHS[rng.randrange(12)]} {pub.year - 1}"))
    r = rng.random() * 0.92
    if r < 0.17:
        day = rng.choice(WEEKDAYS)
        return rng.choice((day, day, f"last {day}", f"{day} morning", f"on {day}"))
    if r < 0.29:
        back = pub - timedelta(days=rng.randint(1, 300))
        return f"{MONTHS[back.month - 1]} {min(back.day, 28)}"
    if r < 0.39:
        month = MONTHS[rng.randrange(12)]
        return rng.choice((f"In {month}", f"last {month}", f"in {month}"))
    if r < 0.50:
        return rng.choice(("in recent days", "in recent weeks", "recently",
                           "over the past few days", "in recent months"))
    if r < 0.64:
        back = pub - timedelta(days=rng.randint(0, 90))
        return rng.choice((back.isoformat(), back.isoformat(), back.isoformat()[:7],
                           str(back.year)))
    if r < 0.76:
        return rng.choice(("yesterday", "today", "earlier today", "last night",
                           f"{rng.randint(2, 9)} days ago",
                           f"{rng.choice(NUMBER_WORDS)} weeks ago"))
    if r < 0.86:
        return rng.choice(("last year", "this year", "last month", "last week", "this week"))
    back = pub - timedelta(days=rng.randint(31, 700))
    return f"{MONTHS[back.month - 1]} {back.year}"


def _time(rng: random.Random, pub: date, status: str) -> str | Doc:
    """A time: mostly an expression, sometimes an object narrowing a window.

    The status decides which way a bare weekday or date points (kgload reads "Thursday"
    as the coming one for a planned action), so the bounds are drawn inside the window
    kgload will resolve."""
    ongoing = status == "ongoing"
    if rng.random() < 0.72:
        return _relative_time(rng, pub, ongoing)
    r = rng.random()
    if r < 0.2:
        end = pub - timedelta(days=rng.randint(0, 60))
        return {"before": end.isoformat()} if rng.random() < 0.5 else {"end": end.isoformat()}
    if r < 0.3:
        start = pub - timedelta(days=rng.randint(30, 400))
        return {"after": start.isoformat()}
    if r < 0.4:
        start = pub - timedelta(days=rng.randint(2, 60))
        end = start + timedelta(days=rng.randint(0, (pub - start).days))
        return {"start": start.isoformat(), "end": end.isoformat()}
    text = _relative_time(rng, pub, ongoing)
    span = _resolver()(text, pub, status=status)
    spec: Doc = {"text": text}
    if span.start is None or span.end is None:
        return text
    days = (span.end - span.start).days
    after = span.start + timedelta(days=rng.randint(0, days // 2))
    before = span.end - timedelta(days=rng.randint(0, (span.end - after).days // 2))
    if rng.random() < 0.7 and after > span.start:
        spec["after"] = after.isoformat()
    if rng.random() < 0.7 and before < span.end:
        spec["before"] = before.isoformat()
    return spec if len(spec) > 1 else text


def _role_time(rng: random.Random, pub: date) -> str | Doc:
    r = rng.random()
    if r < 0.4:
        return f"since {pub.year - rng.randint(0, 6)}"
    if r < 0.6:
        return rng.choice(("since last January", "since last year", "this year"))
    start = pub - timedelta(days=rng.randint(100, 2500))
    return {"start": start.isoformat()}


# ---------------------------------------------------------------------------- articles


@dataclass
class _Type:
    name: str
    kind: str
    parts: int  # minimum parts (episodes), else 0
    weight: int  # how often it is drawn, against the others of its draw


# A wire corpus is mostly statements, talks, appeals, accusations, threats and fighting: the
# types kgload defines itself are drawn this many times as often as the other CAMEO codes
# (each of the 295 still occurs in a large corpus).
CURATED_WEIGHT = 30


@cache
def _types() -> tuple[_Type, ...]:
    know = knowledge()
    result = []
    for name in know.action_types:
        kind = next((KINDS[a] for a in know.ancestors[name] if a in KINDS), "generic")
        parts = know.min_parts.get(name, 0)
        weight = CURATED_WEIGHT if name in know.curated else 1
        result.append(_Type(name, "episode" if parts else kind, parts, weight))
    return tuple(result)


class _Article:
    """Builds one article's document from its own random stream."""

    def __init__(self, pool: Pool, index: int, seed: int) -> None:
        self.pool = pool
        self.rng = rng = random.Random(f"kgload-benchmarks:article:{seed}:{index}")
        self.index = index
        span = (LAST_DAY - FIRST_DAY).days
        self.pub = FIRST_DAY + timedelta(days=rng.randint(0, span))
        know = knowledge()
        # what was requested or ordered is the content of a request or an order
        self.statuses = [s for s in know.statuses if s not in ("requested", "ordered")]
        self.status_cum = list(accumulate(STATUS_WEIGHTS.get(s, 2) for s in self.statuses))
        self.speech = [s for s in know.statuses if s in SPEECH_WEIGHTS] or self.statuses
        self.speech_cum = list(accumulate(SPEECH_WEIGHTS.get(s, 1) for s in self.speech))
        types = _types()
        self.top_types = [t for t in types if t.kind != "episode"]
        self.top_cum = list(accumulate((3 if t.kind == "statement" else 1) * t.weight
                                       for t in self.top_types))
        self.act_types = [t for t in types if t.kind in ACT_KINDS] or list(self.top_types)
        self.episodes = [t for t in types if t.kind == "episode"]
        self.used: dict[str, Entity] = {}
        self.actions: list[Doc] = []
        self.ids: set[str] = set()
        self.kinds: dict[str, str] = {}
        self._cast()

    # -- participants

    def _cast(self) -> None:
        rng, pool = self.rng, self.pool
        focus = rng.choices(pool.states, cum_weights=pool.state_cum, k=2)
        self.focus = list(dict.fromkeys(focus))
        primary = self.focus[0]
        local = pool.by_state[primary]
        cast: list[Entity] = []
        if local:
            cast += rng.choices(local, cum_weights=pool.cum_state[primary], k=rng.randint(3, 8))
        cast += rng.choices(pool.actors, cum_weights=pool.cum_global, k=rng.randint(1, 4))
        for state in self.focus:
            cast.append(pool.entities[state])
            if state in pool.governments:
                cast.append(pool.entities[pool.governments[state]])
        self.cast = list(dict.fromkeys(cast))
        self.people = [e for e in self.cast if e.type == "Person"] or self.cast
        self.forces = [e for e in self.cast if e.type in ("SecurityForce", "ArmedGroup")]
        self.powers = [e for e in self.cast if e.type in ("State", "Government")]

    def actor(self, prefer: Sequence[Entity] = ()) -> Entity:
        if prefer and self.rng.random() < 0.7:
            return self.rng.choice(prefer)
        return self.rng.choice(self.cast)

    def others(self, n: int, exclude: Iterable[Entity], prefer: Sequence[Entity] = ()
               ) -> list[Entity]:
        """Up to ``n`` actors of the cast besides ``exclude`` (a state and its government
        count as one)."""
        out: list[Entity] = []
        taken = list(exclude)
        skip = set(map(id, taken)) | {e.home for e in taken if e.type in _POWERS}

        def free(e: Entity) -> bool:
            return id(e) not in skip and not (e.type in _POWERS and e.home in skip)

        def take(e: Entity) -> None:
            skip.add(id(e))
            if e.type in _POWERS:
                skip.add(e.home)
            out.append(e)

        for _ in range(n * 4):
            if len(out) == n:
                break
            e = self.actor(prefer)
            if free(e):
                take(e)
        for e in self.cast:  # unlucky draws: take the first free ones
            if len(out) == n:
                break
            if free(e):
                take(e)
        return out

    def ref(self, entity: Entity, surface: bool = True) -> str | Doc:
        """An entity id, or now and then the words the article uses for it."""
        self.used[entity.id] = entity
        rng = self.rng
        if not surface or rng.random() > 0.15:
            return entity.id
        if entity.type == "Person" and rng.random() < 0.3:
            return {"ref": entity.id, "text": rng.choice(("He", "She")), "certain": False}
        text = rng.choice(entity.aliases) if entity.aliases else entity.name
        spec: Doc = {"ref": entity.id, "text": text}
        if rng.random() < 0.1:
            spec["certain"] = False
        return spec

    def place(self) -> str | Doc:
        rng, pool = self.rng, self.pool
        state = rng.choice(self.focus)
        r = rng.random()
        options = (pool.cities[state] if r < 0.4 else pool.borders[state] if r < 0.6
                   else pool.regions[state] if r < 0.85 else [state])
        pid = rng.choice(options or [state])
        return self.ref(pool.entities[pid])

    # -- actions

    def new_id(self, agent: Entity, type_name: str, target: Entity | None) -> str:
        parts = [agent.id.split("-", 2)[:2], [_type_slug(type_name)]]
        if target is not None:
            parts.append(target.id.split("-", 2)[:2])
        base = "-".join("-".join(p) for p in parts)[:90].strip("-")
        aid, n = base, 1
        while aid in self.ids:
            n += 1
            aid = f"{base}-{n}"
        self.ids.add(aid)
        return aid

    @staticmethod
    def clause(type_name: str, agents: list[Entity], targets: list[Entity]) -> str:
        """What an action says happened: "Gustavo Petro threatened Colombia"."""
        with_target, without = VERBS.get(type_name, (
            f"{{a}} was reported to {_words(type_name)} {{t}}",
            f"{{a}} was reported to {_words(type_name)}"))
        a = " and ".join(e.name for e in agents)
        if targets:
            return with_target.format(a=a, t=" and ".join(e.name for e in targets))
        return without.format(a=a)

    def sentence(self, type_name: str, agents: list[Entity], targets: list[Entity],
                 when: str | Doc | None) -> str:
        text = self.clause(type_name, agents, targets)
        words = when.get("text") if isinstance(when, dict) else when
        if words:
            if _ON.match(words):
                words = f"on {words}"
            elif _IN.match(words):
                words = f"in {words}"
            text = f"{text} {words}"
        return text[0].upper() + text[1:] + "."

    def status(self, kind: str) -> str:
        if kind in SPEECH_KINDS:
            return self.rng.choices(self.speech, cum_weights=self.speech_cum)[0]
        return self.rng.choices(self.statuses, cum_weights=self.status_cum)[0]

    def action(self, t: _Type, *, agents: list[Entity] | None = None,
               targets: list[Entity] | None = None, status: str | None = None,
               content: bool = False, evidence: list[str] | None = None,
               budget: int = 0) -> Doc:
        """Add an action (and, budget allowing, the actions it is about); return it."""
        rng, kind = self.rng, t.kind
        agents = agents or self._agents(kind)
        if targets is None:
            targets = self._targets(kind, agents)
        status = status or self.status(kind)
        if kind == "episode" and status not in HAPPENED:
            status = "occurred"
        when = None
        if rng.random() < (0.25 if content else 0.75) and status != "hypothetical":
            when = _time(rng, self.pub, status)
        aid = self.new_id(agents[0], t.name, targets[0] if targets else None)
        self.kinds[aid] = kind
        doc: Doc = {"id": aid, "type": t.name, "agents": [self.ref(e) for e in agents]}
        if targets:
            doc["targets"] = [self.ref(e) for e in targets]
        self.actions.append(doc)

        # the content (what was said, alleged, ordered...) is chosen before the sentence,
        # which reports it for statements and claims
        content_status = CONTENT_STATUS.get(kind)
        plan = None
        if not content and budget > 0 and content_status and rng.random() < 0.85:
            plan = (self._act(kind), *self._content_parties(kind, agents, targets))
        own = self.sentence(t.name, agents, targets, when)
        if plan and kind in ("statement", "claim"):
            joint = " that" if kind == "statement" else ", saying"
            own = f"{own[:-1]}{joint} {self.clause(plan[0].name, plan[1], plan[2])}."
        evidence = [own] if evidence is None else evidence

        about: list[str] = []
        if plan:
            inner_type, inner_agents, inner_targets = plan
            inner = self.action(inner_type, agents=inner_agents, targets=inner_targets,
                                status=rng.choice(content_status), content=True,
                                evidence=evidence)
            about.append(inner["id"])
            if kind == "claim" and rng.random() < 0.7:
                inner["attributed_to"] = [self.ref(agents[0])]
            if kind == "threat" and budget > 1 and rng.random() < 0.5:
                trigger = self.action(self._act("force"), agents=inner_targets or None,
                                      targets=inner_agents, status="hypothetical",
                                      content=True, evidence=evidence)
                inner["condition"] = {"if": trigger["id"]}
        elif kind == "ultimatum" and not content and budget > 1:
            demand = self.action(self._act("force"), agents=targets or None,
                                 status="hypothetical", content=True, evidence=evidence)
            penalty = self.action(self._act("force"), agents=agents, targets=targets or None,
                                  status="hypothetical", content=True, evidence=evidence)
            penalty["condition"] = {"unless": demand["id"]}
            about += [demand["id"], penalty["id"]]
        elif kind in ("criticism", "relations", "statement") and len(self.actions) > 1 \
                and rng.random() < 0.5:
            about.append(rng.choice([a["id"] for a in self.actions if a is not doc]))
        if about:
            doc["about"] = about
        if rng.random() < (0.3 if content else 0.6):
            doc["summary"] = own if not content else \
                f"{self.sentence(t.name, agents, targets, when)[:-1]} ({status})."
        doc["status"] = status
        if when is not None:
            doc["time"] = when
        if kind in ("movement", "presence") or rng.random() < (
                0.35 if kind in ("force", "meeting", "joint") else 0.08):
            places = [self.place() for _ in range(1 if rng.random() < 0.85 else 2)]
            doc["places"] = list({json.dumps(p): p for p in places}.values())
        if not content and kind in ("statement", "threat", "claim", "criticism") and \
                rng.random() < 0.45:
            medium = self.pool.entities[rng.choice(
                self.pool.platforms if rng.random() < 0.75 else self.pool.news)]
            self.used[medium.id] = medium
            doc["medium"] = medium.id
        if not content and rng.random() < 0.2:
            doc["attributed_to"] = [self.ref(self.actor(self.people))]
        evidence = list(evidence)
        if not content and kind in _QUOTED and rng.random() < 0.5:
            doc["quote"] = rng.choice(QUOTES)
            evidence.append(f"“{doc['quote']}”")
        doc["evidence"] = evidence[0] if len(evidence) == 1 and rng.random() < 0.6 else evidence
        return doc

    def _agents(self, kind: str) -> list[Entity]:
        prefer = (self.people if kind in ("office", "statement", "invitation")
                  else self.forces if kind in ("force", "movement", "presence")
                  else self.powers if kind in ("relations", "joint") else ())
        agents = [self.actor(prefer)]
        if kind in ("meeting", "joint", "relations", "pledge", "episode") or \
                self.rng.random() < 0.08:
            agents += self.others(1, agents, self.powers if kind != "episode" else ())
        return agents

    def _targets(self, kind: str, agents: list[Entity]) -> list[Entity]:
        rng = self.rng
        n = 0
        if kind in _TARGETED:
            n = 2 if rng.random() < 0.15 else 1
        elif kind in ("statement", "meeting", "joint", "pledge", "relations"):
            n = 1 if rng.random() < 0.35 else 0
        prefer = self.forces if kind == "order" and rng.random() < 0.7 else ()
        return self.others(n, agents, prefer)

    def _act(self, kind: str) -> _Type:
        wanted = {"invitation": ("meeting",), "acceptance": ("meeting",), "pledge": ("joint",),
                  "threat": ("force",), "force": ("force",)}.get(kind)
        choices = [t for t in self.act_types if wanted is None or t.kind in wanted]
        choices = choices or self.act_types
        return self.rng.choices(choices, weights=[t.weight for t in choices])[0]

    def _content_parties(self, kind: str, agents: list[Entity], targets: list[Entity]
                         ) -> tuple[list[Entity], list[Entity]]:
        """Who does what an action is about, and to whom."""
        rng = self.rng
        if kind == "threat":  # the threatener would do it to the target
            return agents, targets
        if kind in ("invitation", "acceptance", "pledge"):  # the parties meet or cooperate
            return agents + [e for e in targets if e not in agents], []
        if kind in ("claim", "directive", "order"):  # the accused, asked or ordered do it
            doers = targets or self.others(1, agents)
        else:  # a statement: anyone
            doers = self.others(1, ())
        doers = doers or agents
        return doers, self.others(1, doers + agents) if rng.random() < 0.6 else []

    def build(self) -> Doc:
        rng = self.rng
        total = rng.randint(MIN_ACTIONS, MAX_ACTIONS)
        episode = self.episodes and rng.random() < 0.3
        reserve = 1 if episode else 0
        while len(self.actions) < total - reserve:
            t = self.top_types[bisect_choice(rng, self.top_cum)]
            self.action(t, budget=total - reserve - len(self.actions) - 1)
        if episode:
            t = rng.choice(self.episodes)
            candidates = [a for a in self.actions if self.kinds[a["id"]] != "episode"]
            n = min(len(candidates), max(t.parts, rng.randint(t.parts, t.parts + 3)))
            parts = rng.sample(candidates, n)
            names = [self.pool.entities[_ref(p)] for a in parts for p in a["agents"]]
            agents = list(dict.fromkeys(names))[:2] or None
            doc = self.action(t, agents=agents if agents and len(agents) > 1 else None,
                              targets=[], status="occurred")
            after = next(k for k in ("about", "targets", "agents") if k in doc)
            _set_key(doc, "parts", [p["id"] for p in parts], after=after)
        return self.document()

    def entities(self) -> list[Doc]:
        pool, rng = self.pool, self.rng
        todo = [e for e in self.used.values() if not e.registry]
        seen: dict[str, Entity] = {}
        while todo:
            entity = todo.pop()
            if entity.id in seen or entity.registry:
                continue
            seen[entity.id] = entity
            todo.extend(pool.entities[d] for d in entity.deps)
        out = []
        for entity in sorted(seen.values(), key=lambda e: (_TYPE_ORDER.get(e.type, 9), e.id)):
            decl = dict(entity.decl)
            if entity.role is not None:
                title, of = entity.role
                role: Doc = {"role": title, "of": of}
                if rng.random() < 0.5:
                    role["time"] = _role_time(rng, self.pub)
                if rng.random() < 0.5:
                    role["evidence"] = f"{title} {entity.name}"
                decl["roles"] = [role]
            if rng.random() < 0.5:
                decl["evidence"] = f"{entity.name}, {rng.choice(_MENTIONS)}"
            out.append(decl)
        return out

    def document(self) -> Doc:
        rng = self.rng
        first = self.actions[0]
        publisher = rng.choice(PUBLISHERS)
        headline = first["summary"] if "summary" in first else (
            first["evidence"] if isinstance(first["evidence"], str) else first["evidence"][0])
        title = headline.rstrip(".")
        aid = f"{slug(publisher)}-{self.pub.isoformat()}-{slug(title)[:40].strip('-')}"
        aid = f"{aid}-{self.index:06d}"
        article: Doc = {"id": aid, "title": title, "publisher": publisher,
                        "published": self.pub.isoformat(), "language": "en"}
        if rng.random() < 0.6:
            article["url"] = (f"https://news.example.org/{slug(publisher)}/"
                              f"{self.pub:%Y/%m/%d}/{slug(title)[:60].strip('-')}")
        if rng.random() < 0.8:
            wires = [w for w in WIRES if w == publisher] or [rng.choice(WIRES)]
            article["sources"] = wires
        return {"format_version": 1, "article": article, "entities": self.entities(),
                "actions": self.actions}


_TYPE_ORDER = {"Person": 0, "Government": 1, "SecurityForce": 2, "ArmedGroup": 3,
               "Organization": 4, "NewsOrganization": 5, "Group": 6, "Platform": 7, "City": 8,
               "Region": 8, "Border": 8}
_MENTIONS = ("the article says", "quoted in the report", "named in the report",
             "cited by the agency", "mentioned in the dispatch")


_POWERS = frozenset({"State", "Government"})
_TARGETED = frozenset({"force", "claim", "criticism", "threat", "ultimatum", "directive",
                       "order", "invitation", "acceptance", "generic"})
_QUOTED = frozenset({"statement", "threat", "claim", "criticism", "directive", "order"})
_ON = re.compile(r"\d{4}-\d{2}-\d{2}$|(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
                 r"|[A-Z][a-z]+ \d{1,2}$")
_IN = re.compile(r"\d{4}(-\d{2})?$|[A-Z][a-z]+ \d{4}$")


def bisect_choice(rng: random.Random, cum: list[float]) -> int:
    return bisect_right(cum, rng.random() * cum[-1])


def _ref(participant: str | Doc) -> str:
    return participant["ref"] if isinstance(participant, dict) else participant


def make_article(pool: Pool, index: int, seed: int) -> Doc:
    """The document of article ``index`` of the corpus of ``seed`` (no violation)."""
    return _Article(pool, index, seed).build()


# ---------------------------------------------------------------------------- violations


@dataclass
class Violation:
    """One invalid fact seeded in an article, and what kgload reports for it."""

    article: str
    file: str
    kind: str
    rule: str
    fact: str | None
    detail: str
    line: int | None = None  # the article's line in a .jsonl file


def _actions_with(doc: Doc, test: Callable[[Doc], bool]) -> list[Doc]:
    return [a for a in doc["actions"] if test(a)]


def _referenced(doc: Doc) -> set[str]:
    refs: set[str] = set()
    for a in doc["actions"]:
        refs.update(a.get("about", ()))
        refs.update(a.get("parts", ()))
        refs.update(a.get("condition", {}).values())
    return refs


def _set_key(doc: Doc, key: str, value: Any, after: str = "agents") -> None:
    """Set ``doc[key]`` keeping the usual key order (inserted after ``after``)."""
    if key in doc:
        doc[key] = value
        return
    items = list(doc.items())
    at = next((i + 1 for i, (k, _) in enumerate(items) if k == after), len(items))
    items.insert(at, (key, value))
    doc.clear()
    doc.update(items)


def _declare(doc: Doc, entity: Entity) -> None:
    if entity.registry or any(e["id"] == entity.id for e in doc["entities"]):
        return
    doc["entities"].append(dict(entity.decl))


def _v_undeclared(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    declared = {e["id"] for e in doc["entities"]}
    candidates = [e for e in pool.actors[:200] if e.id not in declared]
    missing = rng.choice(candidates)
    action = rng.choice(doc["actions"])
    _set_key(action, "targets", [*action.get("targets", []), missing.id])
    return action["id"], f'targets the entity "{missing.id}" without declaring it'


def _v_city_agent(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    know = knowledge()
    # preferably not a hostile action: were an actor-to-actor relation derived from it, the
    # city would also be inferred an actor, an inconsistency reported besides the shape
    calm = _actions_with(doc, lambda a: "HostileAction" not in know.ancestors[a["type"]])
    action = rng.choice(calm) if calm else rng.choice(doc["actions"])
    if action not in calm:
        action["status"] = "alleged"
    city = rng.choice([c for s in pool.states for c in pool.cities[s]
                       if pool.entities[c].registry])
    action["agents"] = [city]
    return action["id"], f'the agent is the city "{city}"'


def _v_unknown_type(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    action = rng.choice(doc["actions"])
    wrong = action["type"] + "s"
    while wrong in knowledge().action_types:
        wrong += "s"
    action["type"] = wrong
    return action["id"], f'the action type "{wrong}" does not exist'


def _v_impossible_date(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    action = rng.choice(doc["actions"])
    year = doc["article"]["published"][:4]
    value = rng.choice((f"{year}-02-30", "February 30", f"{year}-04-31", "June 31"))
    _set_key(action, "time", value, after="status")
    return action["id"], f'the time "{value}" is not a day of the calendar'


def _v_empty_window(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    action = rng.choice(doc["actions"])
    pub = date.fromisoformat(doc["article"]["published"])
    after = (pub + timedelta(days=rng.randint(1, 30))).isoformat()
    _set_key(action, "time", {"text": "in recent days", "after": after}, after="status")
    return action["id"], f'"in recent days" and after {after} (published {pub}) do not meet'


def _v_duplicate_id(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    refs = _referenced(doc)
    free = [a for a in doc["actions"] if a["id"] not in refs]
    action = rng.choice(free)
    other = rng.choice([a for a in doc["actions"] if a is not action])
    action["id"] = other["id"]
    return other["id"], f'two actions have the id "{other["id"]}"'


def _v_unknown_field(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    with_targets = _actions_with(doc, lambda a: "targets" in a)
    action = rng.choice(with_targets or doc["actions"])
    if "targets" in action:
        items = [("target" if k == "targets" else k, v) for k, v in action.items()]
        action.clear()
        action.update(items)
        return action["id"], 'the field "target" (for "targets")'
    _set_key(action, "target", [action["agents"][0]])
    return action["id"], 'the field "target" (for "targets")'


def _v_unknown_action(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    action = rng.choice(doc["actions"])
    ids = {a["id"] for a in doc["actions"]}
    missing = f"{action['id'][:80]}-aftermath"
    while missing in ids:
        missing += "-x"
    _set_key(action, "about", [*action.get("about", []), missing], after="targets"
             if "targets" in action else "agents")
    return action["id"], f'about the undeclared action "{missing}"'


def _v_self_reference(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    action = rng.choice(doc["actions"])
    _set_key(action, "about", [*action.get("about", []), action["id"]],
             after="targets" if "targets" in action else "agents")
    return action["id"], "the action is about itself"


def _v_bad_status(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    action = rng.choice(doc["actions"])
    value = rng.choice(("confirmed", "happened", "rumoured", "denied"))
    action["status"] = value
    return action["id"], f'the status "{value}"'


def _v_missing_evidence(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    action = rng.choice(doc["actions"])
    del action["evidence"]
    return action["id"], "an action without evidence"


def _v_episode_one_part(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    know = knowledge()
    episodes = _actions_with(doc, lambda a: a["type"] in know.min_parts)
    if episodes:
        action = episodes[0]
        action["parts"] = action["parts"][:1]
    else:
        name = sorted(know.min_parts)[0]
        part = rng.choice(doc["actions"])
        agents = [_ref(p) for p in part["agents"]]
        ids = {a["id"] for a in doc["actions"]}
        aid = f"{agents[0][:80]}-{slug(_words(name))}"
        while aid in ids:
            aid += "-x"
        action = {"id": aid, "type": name, "agents": agents, "parts": [part["id"]],
                  "status": "occurred", "evidence": "a heated exchange in recent days"}
        doc["actions"].append(action)
    return action["id"], f'a {action["type"]} with one part ("{action["parts"][0]}")'


def _v_place_not_place(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    people = [pool.entities[e["id"]] for e in doc["entities"] if e["type"] == "Person"]
    person = rng.choice(people) if people else pool.entities[next(
        e.id for e in pool.actors if e.type == "Person")]
    _declare(doc, person)
    action = rng.choice(doc["actions"])
    _set_key(action, "places", [person.id], after="status")
    return action["id"], f'the place is the person "{person.id}"'


def _v_medium_not_platform(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    people = [pool.entities[e["id"]] for e in doc["entities"] if e["type"] == "Person"]
    person = rng.choice(people) if people else pool.entities[next(
        e.id for e in pool.actors if e.type == "Person")]
    _declare(doc, person)
    action = rng.choice(doc["actions"])
    _set_key(action, "medium", person.id, after="status")
    return action["id"], f'the medium is the person "{person.id}"'


def _v_attributed_to_platform(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    platform = pool.entities[rng.choice(pool.platforms)]
    _declare(doc, platform)
    action = rng.choice(doc["actions"])
    _set_key(action, "attributed_to", [platform.id], after="status")
    return action["id"], f'attributed to the platform "{platform.id}"'


def _v_registry_redeclared(doc: Doc, rng: random.Random, pool: Pool) -> tuple[str, str]:
    state = pool.entities[rng.choice(pool.states)]
    doc["entities"].append({"id": state.id, "type": state.type, "name": state.name})
    return state.id, f'declares the registry entity "{state.id}"'


# kind -> (rule kgload reports, how to seed it). The rules are what `kgload validate`
# reports (check stage: plain names; SHACL stage: the shape's name).
VIOLATION_KINDS: dict[str, tuple[str, Callable[[Doc, random.Random, Pool], tuple[str, str]]]] = {
    "undeclared-entity": ("unknown-entity", _v_undeclared),
    "city-agent": ("ActionAgent", _v_city_agent),
    "unknown-action-type": ("unknown-action-type", _v_unknown_type),
    "impossible-date": ("bad-date", _v_impossible_date),
    "duplicate-id": ("duplicate-id", _v_duplicate_id),
    "unknown-field": ("schema-unknown-field", _v_unknown_field),
    "unknown-action-ref": ("unknown-action", _v_unknown_action),
    "bad-status": ("schema-enum", _v_bad_status),
    "missing-evidence": ("schema-required", _v_missing_evidence),
    "episode-one-part": ("ExchangeParts", _v_episode_one_part),
    "place-not-place": ("ActionPlace", _v_place_not_place),
    "medium-not-platform": ("ActionMedium", _v_medium_not_platform),
    "attributed-to-platform": ("ActionAttribution", _v_attributed_to_platform),
    "registry-redeclared": ("registry-id", _v_registry_redeclared),
    "empty-time-window": ("bad-date", _v_empty_window),
    "self-reference": ("self-reference", _v_self_reference),
}


def _violation_plan(seed: int, articles: int, violations: int) -> dict[int, str]:
    """Which article gets which kind: distinct articles, every kind before any repeats."""
    if not 0 <= violations <= articles:
        raise ValueError(f"--violations must be between 0 and the number of articles "
                         f"({articles}), not {violations}")
    rng = random.Random(f"kgload-benchmarks:violations:{seed}")
    kinds = list(VIOLATION_KINDS)
    if not knowledge().min_parts:
        kinds.remove("episode-one-part")
    indexes = sorted(rng.sample(range(articles), violations))
    order = [kinds[i % len(kinds)] for i in range(violations)]
    rng.shuffle(order)
    return dict(zip(indexes, order, strict=True))


# ---------------------------------------------------------------------------- output

WIDTH = 100
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._-]*\Z")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


@lru_cache(maxsize=1 << 16)
def _text(value: str) -> str:
    if _PLAIN.match(value) and value.lower() not in _RESERVED:
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _text(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return repr(value)


def _flow(value: Any) -> str | None:
    """One-line flow form of a scalar, a flat mapping or a list of those; else None."""
    if isinstance(value, dict):
        if any(isinstance(v, dict | list) for v in value.values()):
            return None
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        items = [_flow(v) for v in value]
        if any(i is None or isinstance(v, list) for i, v in zip(items, value, strict=True)):
            return None
        return "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    return _scalar(value)


def _mapping(out: list[str], doc: Doc, indent: int, first: str | None = None) -> None:
    pad = " " * indent
    for i, (key, value) in enumerate(doc.items()):
        lead = first if i == 0 and first is not None else pad
        if isinstance(value, dict | list):
            flow = _flow(value)
            if flow is not None and len(lead) + len(key) + 2 + len(flow) <= WIDTH:
                out.append(f"{lead}{key}: {flow}")
            elif isinstance(value, dict):
                out.append(f"{lead}{key}:")
                _mapping(out, value, indent + 2)
            else:
                out.append(f"{lead}{key}:")
                for item in value:
                    if isinstance(item, dict) and _flow(item) is None:
                        _mapping(out, item, indent + 4, first=f"{pad}  - ")
                    else:
                        out.append(f"{pad}  - {_flow(item)}")
        else:
            out.append(f"{lead}{key}: {_scalar(value)}")


def to_yaml(doc: Doc, header: str = "") -> str:
    """A facts document as block YAML (plain ids, JSON-quoted texts: YAML 1.2 safe)."""
    out = [f"# {line}" for line in header.splitlines()]
    for key, value in doc.items():
        if out:
            out.append("")
        if key in ("entities", "actions") and isinstance(value, list):
            out.append(f"{key}:")
            for item in value:
                _mapping(out, item, 4, first="  - ")
        else:
            _mapping(out, {key: value}, 0)
    return "\n".join(out) + "\n"


def to_json(doc: Doc) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------- corpus


@dataclass
class Manifest:
    """What was generated (written to ``OUT_DIR/manifest.json``)."""

    seed: int
    articles: int
    format: str
    actors: int  # size of the actor pool
    files: list[str]  # relative to OUT_DIR, in article order
    article_ids: list[str]
    violations: list[Violation]
    action_types: dict[str, int]  # every action type of the ontology -> actions generated
    statuses: dict[str, int]
    totals: dict[str, int]  # actions, entity declarations, distinct entities
    kgload: dict[str, str]  # versions the corpus was generated against
    version: int = MANIFEST_VERSION
    seconds: float = field(default=0.0, compare=False)  # not written (output is reproducible)

    @property
    def invalid(self) -> dict[str, Violation]:
        """Violations by article id."""
        return {v.article: v for v in self.violations}

    def to_dict(self) -> Doc:
        data = asdict(self)
        del data["seconds"]
        return {"generator": "benchmarks/generate.py", **data}

    @classmethod
    def read(cls, path: str | Path) -> Manifest:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data.pop("generator", None)
        data["violations"] = [Violation(**v) for v in data["violations"]]
        return cls(**data)


def generate(out_dir: str | Path, articles: int, seed: int = 0, violations: int = 0,
             fmt: str = "yaml", *, actors: int = DEFAULT_ACTORS, overwrite: bool = False
             ) -> Manifest:
    """Write a corpus of ``articles`` facts files to ``out_dir``; return its manifest."""
    started = time.perf_counter()
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if articles < 1:
        raise ValueError("the number of articles must be at least 1")
    out = Path(out_dir)
    plan = _violation_plan(seed, articles, violations)
    folder = out / "articles"
    jsonl = out / "articles.jsonl"
    stale = ([p for p in folder.iterdir() if p.suffix in (".yaml", ".json")]
             if folder.is_dir() else [])
    if (stale or jsonl.exists()) and not overwrite:
        raise FileExistsError(f"{out} already holds a corpus (use --force to replace it)")
    for path in stale:
        path.unlink()
    if jsonl.exists():
        jsonl.unlink()
    out.mkdir(parents=True, exist_ok=True)
    if fmt != "jsonl":
        folder.mkdir(exist_ok=True)

    pool = build_pool(seed, actors)
    ids: list[str] = []
    seeded: list[Violation] = []
    type_counts = dict.fromkeys(knowledge().action_types, 0)
    status_counts = dict.fromkeys(knowledge().statuses, 0)
    totals = {"actions": 0, "entity_declarations": 0}
    distinct: set[str] = set()
    with ExitStack() as stack:
        lines = stack.enter_context(jsonl.open("w", encoding="utf-8")) if fmt == "jsonl" \
            else None
        for index in range(articles):
            doc = make_article(pool, index, seed)
            for action in doc["actions"]:  # counted as generated, before any violation
                type_counts[action["type"]] += 1
                status_counts[action["status"]] += 1
            totals["actions"] += len(doc["actions"])
            totals["entity_declarations"] += len(doc["entities"])
            distinct.update(e["id"] for e in doc["entities"])
            ids.append(doc["article"]["id"])
            _write_article(out, doc, pool, index, seed, fmt, lines, plan, seeded)
    files = ["articles.jsonl"] if fmt == "jsonl" else [f"articles/{i}.{fmt}" for i in ids]
    totals["distinct_entities"] = len(distinct)
    manifest = Manifest(seed, articles, fmt, len(pool.actors), files, ids, seeded, type_counts,
                        status_counts, totals, dict(knowledge().versions))
    (out / "manifest.json").write_text(
        json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    manifest.seconds = time.perf_counter() - started
    return manifest


def _write_article(out: Path, doc: Doc, pool: Pool, index: int, seed: int, fmt: str,
                   lines: TextIO | None, plan: dict[int, str], seeded: list[Violation]) -> None:
    """Seed article ``index``'s planned violation, if any, and write it."""
    aid = doc["article"]["id"]
    name = "articles.jsonl" if fmt == "jsonl" else f"articles/{aid}.{fmt}"
    if index in plan:
        kind = plan[index]
        rule, seed_it = VIOLATION_KINDS[kind]
        vrng = random.Random(f"kgload-benchmarks:violation:{seed}:{index}")
        fact, detail = seed_it(doc, vrng, pool)
        seeded.append(Violation(aid, name, kind, rule, fact, detail,
                                index + 1 if fmt == "jsonl" else None))
    if lines is not None:
        lines.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    elif fmt == "yaml":
        header = f"Synthetic facts file: benchmarks/generate.py, seed {seed}, article {index}."
        (out / name).write_text(to_yaml(doc, header), encoding="utf-8")
    else:
        (out / name).write_text(to_json(doc), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="generate.py", description="Generate a deterministic synthetic corpus of kgload "
        "facts files (and OUT_DIR/manifest.json) for benchmarks.")
    parser.add_argument("out_dir", metavar="OUT_DIR")
    parser.add_argument("--articles", "-n", type=int, required=True, metavar="N")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--violations", type=int, default=0, metavar="K",
                        help="seed K invalid facts in K distinct articles (see manifest.json)")
    parser.add_argument("--format", choices=FORMATS, default="yaml")
    parser.add_argument("--actors", type=int, default=DEFAULT_ACTORS, metavar="A",
                        help=f"size of the shared actor pool (default {DEFAULT_ACTORS})")
    parser.add_argument("--force", action="store_true", help="replace an existing corpus")
    args = parser.parse_args(argv)
    try:
        manifest = generate(args.out_dir, args.articles, args.seed, args.violations,
                            args.format, actors=args.actors, overwrite=args.force)
    except (ValueError, FileExistsError) as exc:
        parser.error(str(exc))
    where = Path(args.out_dir) / ("articles.jsonl" if args.format == "jsonl" else "articles")
    print(f"{manifest.articles} articles ({manifest.totals['actions']} actions, "
          f"{len(manifest.violations)} with a violation) in {where}, "
          f"manifest in {Path(args.out_dir) / 'manifest.json'}; "
          f"{manifest.seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
