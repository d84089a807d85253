"""Everything the seed article says is represented in the example and can be queried.

One test per kind of statement a careful analyst finds in the article (issue "Model
everything the article says"): each asks the reasoned graph of the example a SPARQL
question and checks the answer a reader would give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from kgload.background import background
from kgload.facts import read_file
from kgload.iris import Iris
from kgload.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"
PREFIXES = """
PREFIX kg: <https://w3id.org/kgload/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX e: <https://example.org/kgload/entity/>
PREFIX a: <https://example.org/kgload/article/afp-2026-01-08-colombia-eln/>
"""


@pytest.fixture(scope="module")
def graph() -> Graph:
    iris = Iris()
    prepared = prepare(read_file(EXAMPLE), iris)
    union = Graph()
    for part in (background(iris).closure, prepared.mapped.graph, prepared.inferred):
        for triple in part:
            union.add(triple)
    return union


def ask(graph: Graph, query: str) -> Any:
    """Rows as sorted tuples of local names / literal texts; a bool for ASK."""
    rows = graph.query(PREFIXES + query)
    if rows.type == "ASK":
        return bool(rows.askAnswer)
    return sorted(tuple("" if v is None else str(v).rsplit("/", 1)[-1] for v in row)
                  for row in rows)


def test_actions_with_several_agents(graph: Graph) -> None:
    rows = ask(graph, """SELECT ?fact (COUNT(DISTINCT ?agent) AS ?n) WHERE {
        ?fact kg:agent ?agent } GROUP BY ?fact HAVING (COUNT(DISTINCT ?agent) > 1)""")
    facts = {fact for fact, _ in rows}
    # "Petro has agreed with Trump", "the two leaders held", "Washington and Bogota"
    assert {"petro-trump-agree-joint-action", "petro-trump-phone-call",
            "us-colombia-security-cooperation"} <= facts


def test_actions_whose_content_is_another_action(graph: Graph) -> None:
    rows = ask(graph, """SELECT ?fact ?content ?status WHERE {
        ?fact kg:about ?content . ?content kg:status/rdfs:label ?status }""")
    assert ("petro-trump-agree-joint-action", "joint-action-against-eln", "committed") in rows
    assert ("petro-asks-trump-to-attack-eln", "violent-attack-on-eln-at-border",
            "requested") in rows
    accused_of = {c for f, c, s in rows if f == "colombia-accuses-eln" and s == "alleged"}
    assert accused_of == {"eln-attacks-soldiers", "eln-kidnaps-soldiers",
                          "eln-retreats-to-venezuela"}
    assert ("petro-criticizes-maduro-seizure", "us-seizes-maduro", "occurred") in rows
    assert ("petro-accepts-invitation", "trump-invites-petro", "occurred") in rows
    assert ("petro-x-message", "cancel-us-security-agreements", "ordered") in rows


def test_conditions_and_hypotheticals(graph: Graph) -> None:
    rows = ask(graph, """SELECT ?fact ?kind ?condition ?status WHERE {
        { ?fact kg:ifAction ?condition BIND("if" AS ?kind) }
        UNION { ?fact kg:unlessAction ?condition BIND("unless" AS ?kind) }
        ?condition kg:status/rdfs:label ?status }""")
    # take up arms against ANY US attack; stop sharing intelligence UNLESS attacks halt
    assert ("petro-takes-up-arms-against-us", "if", "us-attack-on-colombia",
            "hypothetical") in rows
    assert ("stop-intelligence-sharing-with-us", "unless", "us-halts-caribbean-attacks",
            "hypothetical") in rows
    # kgload files the ultimatum under THREATEN (CAMEO 139), beside the order itself
    assert ask(graph, "SELECT ?code WHERE { a:petro-ultimatum-to-us kg:eventCode ?code }") \
        == [("139",)]
    assert not ask(graph, "ASK { a:petro-orders-intelligence-halt kg:eventCode ?code }")


def test_status_and_outcome(graph: Graph) -> None:
    rows = dict(ask(graph, """SELECT ?fact ?status WHERE {
        ?fact kg:factId ?id ; kg:status/rdfs:label ?status }"""))
    assert rows["petro-eln-peace-talks"] == "stalled"
    assert rows["petro-trump-washington-meeting"] == "planned"
    assert rows["petro-accepts-invitation"] == "occurred"
    assert rows["violent-attack-on-eln-at-border"] == "requested"
    assert rows["stop-intelligence-sharing-with-us"] == "ordered"
    assert rows["joint-action-against-eln"] == "committed"
    assert {"alleged", "hypothetical", "ongoing"} <= set(rows.values())


def test_reported_speech_and_its_chain(graph: Graph) -> None:
    # the wire service, the minister on Blue Radio, what he says Petro asked
    assert ask(graph, """SELECT ?source WHERE { ?article a kg:Article ; kg:source ?source }""") \
        == [("AFP",)]
    assert ask(graph, """SELECT ?speaker ?medium WHERE {
        a:benedetti-announces-joint-action kg:agent ?speaker ; kg:medium ?medium }""") \
        == [("armando-benedetti", "blue-radio")]
    assert ask(graph, """SELECT ?source WHERE {
        a:petro-asks-trump-to-attack-eln kg:attributedTo ?source }""") \
        == [("armando-benedetti",)]
    # a message posted on X: X is a platform, not an actor
    assert ask(graph, "ASK { a:petro-x-message kg:medium e:x-platform }")
    assert not ask(graph, "ASK { e:x-platform a kg:Actor }")
    # the ambiguous "He"
    assert ask(graph, """SELECT ?text ?certain WHERE {
        a:he-says-attack-from-rear kg:mention ?m .
        ?m kg:surfaceText ?text ; kg:certain ?certain }""") == [("He", "false")]


def test_one_event_mentioned_twice(graph: Graph) -> None:
    rows = ask(graph, "SELECT ?evidence WHERE { a:us-seizes-maduro kg:evidence ?evidence }")
    assert len(rows) == 2
    assert any("ousted by the U.S. military" in r[0] for r in rows)
    assert any("nighttime raid on January 3" in r[0] for r in rows)


def test_metonymy_keeps_the_words_and_resolves_the_actor(graph: Graph) -> None:
    rows = ask(graph, """SELECT ?text ?actor WHERE {
        a:us-colombia-security-cooperation kg:mention ?m .
        ?m kg:surfaceText ?text ; kg:refersTo ?actor }""")
    assert rows == [("Bogota", "colombia-government"), ("Washington", "united-states-government")]
    assert ask(graph, "ASK { e:united-states-government a kg:Government , kg:Actor }")


def test_unnamed_and_collective_participants(graph: Graph) -> None:
    rows = ask(graph, "SELECT ?group WHERE { ?group a kg:Group }")
    assert {("various-armed-groups",), ("colombian-soldiers",),
            ("suspected-drug-traffickers",)} <= set(rows)
    assert ask(graph, """ASK { e:us-security-services a kg:SecurityForce ;
                                  kg:partOf e:united-states }""")


def test_relations_and_their_changes(graph: Graph) -> None:
    rows = dict(ask(graph, """SELECT ?kind ?status WHERE {
        ?fact kg:factId ?id ; kg:status/rdfs:label ?status .
        VALUES (?id ?kind) { ("us-colombia-security-cooperation" "cooperation")
                             ("us-colombia-relations-deteriorate" "deteriorated")
                             ("call-eases-tensions" "eased") ("heated-exchange" "exchange") } }"""))
    assert rows == {"cooperation": "ongoing", "deteriorated": "occurred", "eased": "occurred",
                    "exchange": "occurred"}
    parts = ask(graph, "SELECT ?part WHERE { a:heated-exchange kg:hasPart ?part }")
    assert len(parts) == 5
    assert ask(graph, """SELECT ?start WHERE {
        a:us-colombia-relations-deteriorate kg:time/kg:start ?start }""") == [("2025-01-01",)]


def test_roles_in_time_and_descriptors(graph: Graph) -> None:
    rows = ask(graph, """SELECT ?person ?role ?in ?start ?end WHERE {
        ?person kg:holds ?r . ?r kg:roleName ?role ; kg:roleIn ?in .
        OPTIONAL { ?r kg:time/kg:start ?start } OPTIONAL { ?r kg:time/kg:end ?end } }""")
    assert ("gustavo-petro", "President", "colombia", "2022-01-01", "2026-01-08") in rows
    assert ("donald-trump", "President", "united-states", "2025-01-01", "2026-01-08") in rows
    assert ("nicolas-maduro", "leader", "venezuela", "", "2026-01-03") in rows
    assert any(r[0] == "armando-benedetti" and r[1] == "Interior Minister" for r in rows)
    assert ask(graph, "SELECT ?d WHERE { e:gustavo-petro kg:descriptor ?d }") == [("leftist",)]
    assert ("last remaining major armed opposition group",) in ask(
        graph, "SELECT ?d WHERE { e:eln kg:descriptor ?d }")


def test_the_border(graph: Graph) -> None:
    assert ask(graph, """SELECT ?value ?unit WHERE {
        e:colombia-venezuela-border kg:length [ kg:quantityValue ?value ; kg:unit ?unit ] }""") \
        == [("2200", "km")]
    assert ask(graph, "ASK { e:colombia-venezuela-border kg:descriptor 'porous'@en }")
    # symmetric: stated as (colombia, venezuela), found from Venezuela's side too
    assert ask(graph, "ASK { e:venezuela kg:borders e:colombia }")
    assert ask(graph, """ASK { a:armed-groups-operate-at-border
                               kg:place e:colombia-venezuela-border ;
                               kg:agent e:various-armed-groups }""")
    assert ask(graph, "ASK { a:eln-retreats-to-venezuela kg:place e:venezuela }")


# --- reasoning earns its keep ------------------------------------------------------------


def test_class_hierarchy(graph: Graph) -> None:
    assert ask(graph, "ASK { a:trump-threatens-colombia a kg:Threaten , kg:HostileAction }")
    assert ask(graph, "ASK { e:eln a kg:Organization , kg:Actor }")


def test_role_hierarchy_and_inverses(graph: Graph) -> None:
    assert ask(graph, "ASK { a:trump-threatens-colombia kg:participant e:colombia }")
    assert ask(graph, "ASK { e:donald-trump kg:agentOf a:trump-threatens-colombia }")
    assert ask(graph, "ASK { e:colombia kg:targetOf a:trump-threatens-colombia }")


def test_transitive_place_containment(graph: Graph) -> None:
    # Caracas lies in Venezuela, which lies in South America
    assert ask(graph, "ASK { e:caracas kg:locatedIn e:south-america }")


def test_derived_relations_come_only_from_what_happened(graph: Graph) -> None:
    threatened = ask(graph, "SELECT ?a ?b WHERE { ?a kg:threatened ?b }")
    assert ("donald-trump", "colombia") in threatened
    assert ("donald-trump", "gustavo-petro") in threatened
    assert ("gustavo-petro", "united-states") in threatened
    hostile = ask(graph, "SELECT ?a ?b WHERE { ?a kg:hostileTowards ?b }")
    assert ("colombia-government", "eln") in hostile  # accused: super-property
    # requested, alleged and hypothetical attacks derive nothing
    used_force = ask(graph, "SELECT ?a ?b WHERE { ?a kg:usedForceAgainst ?b }")
    assert ("eln", "colombian-soldiers") not in used_force  # alleged
    assert ("united-states", "colombia") not in used_force  # hypothetical
    assert ("colombia-government", "eln") not in used_force  # requested / committed
    assert ("us-military", "nicolas-maduro") in used_force  # occurred
    # symmetric cooperation from the co-agents of the call
    assert ask(graph, "ASK { e:gustavo-petro kg:cooperatedWith e:donald-trump }")
    assert ask(graph, "ASK { e:donald-trump kg:threatened e:gustavo-petro }")
    assert not ask(graph, "ASK { e:donald-trump kg:cooperatedWith e:eln }")


def test_events_carry_exactly_one_cameo_code(graph: Graph) -> None:
    rows = ask(graph, """SELECT ?fact (COUNT(?code) AS ?n) WHERE { ?fact kg:eventCode ?code }
                         GROUP BY ?fact HAVING (COUNT(?code) > 1)""")
    assert rows == []
