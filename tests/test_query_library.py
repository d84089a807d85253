"""The stored query library: every query's contract (the ``examples`` of its header), and
what each of the newer queries answers on the gold example.

Each ``queries/*.rq`` file carries, in its ``#+`` header, examples: parameters and rows
that a careful reader of the AFP article of 2026-01-08 ("Petro and Trump agree on joint
action against ELN") expects. Here every example is run against the example store through
``kgload.queries.bind`` and ``kgload.queries.run``: each expected row must match some
result row on the columns it lists (cell text: a literal's lexical form or an IRI; an
unbound cell is ""), no row matches an ``absent`` one, and ``count``, when given, is the
exact number of rows (the store holds the example alone). The tests
after that spell out, query by query, the answers and the points that matter (status,
inferred classes, CAMEO families), comparing with the facts file where a query must list
every fact of some kind.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from conftest import ARTICLE_ID, BASE, EXAMPLE, ROOT, CliRun
from kgload.errors import UsageError
from kgload.queries import bind, parse_query_file, run, sub_selects, where_brace, with_values
from kgload.store import Store

QUERY_DIR = ROOT / "queries"
QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))
FACT = BASE + "article/" + ARTICLE_ID + "/"
ASSERTED_GRAPH = BASE + "graph/article/" + ARTICLE_ID
KG = "https://w3id.org/kgload/ontology#"

NEW_QUERIES = {
    "criticisms", "cooperation", "requests", "orders", "use-of-force", "hostile-actions",
    "actor-profile", "relations-between", "armed-groups", "events-by-cameo", "event-table",
}

Row = dict[str, str]


# --------------------------------------------------------------------------- helpers


def _field(example: Any, name: str) -> Any:
    """A field of an example, whether the parser gives mappings or objects."""
    if isinstance(example, dict):
        return example.get(name)
    return getattr(example, name, None)


def _texts(mapping: Any) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in (mapping or {}).items()}


def contract(example: Any) -> tuple[dict[str, str], list[Row], int | None]:
    """(params, expected rows, count) of one example."""
    rows = [_texts(r) for r in _field(example, "rows") or ()]
    return _texts(_field(example, "params")), rows, _field(example, "count")


def examples_by_query() -> Iterator[tuple[str, int]]:
    for path in QUERY_FILES:
        for number, _ in enumerate(parse_query_file(path).examples, start=1):
            yield path.stem, number


def rows_of(store_path: Path, name: str, **params: str) -> list[Row]:
    """Rows of a stored query bound with ``params``, as text (unbound cells are "")."""
    query = parse_query_file(QUERY_DIR / f"{name}.rq")
    with Store(store_path, write=False) as store:
        result = run(store, bind(query, params, store))
    return [{v: "" if t is None else str(t) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows]


def matches(expected: Row, row: Row) -> bool:
    return all(row.get(column) == value for column, value in expected.items())


def fact_id(iri: str) -> str:
    assert iri.startswith(FACT), iri
    return iri[len(FACT):]


def facts() -> list[dict[str, Any]]:
    with EXAMPLE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["actions"]


def facts_of_types(*types: str) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in facts() if a["type"] in types}


def split(cell: str, separator: str = "; ") -> set[str]:
    return set(cell.split(separator)) if cell else set()


# --------------------------------------------------------------------------- contracts


def test_the_library_has_the_new_queries() -> None:
    assert {p.stem for p in QUERY_FILES} >= NEW_QUERIES


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_every_query_has_a_header_and_examples(path: Path) -> None:
    query = parse_query_file(path)
    assert query.summary, path
    assert query.description, path
    assert query.tags, path
    assert len(query.examples) >= 1, f"{path.name} has no examples"
    declared = {p.name for p in query.params}
    for example in query.examples:
        params, rows, count = contract(example)
        assert set(params) <= declared, (path.name, params)
        assert rows or count == 0, f"{path.name}: an example must expect rows or count: 0"
        assert count is None or isinstance(count, int)
        required = {p.name for p in query.params if p.required}
        assert required <= set(params), (path.name, params)


@pytest.mark.parametrize(("name", "number"), list(examples_by_query()),
                         ids=[f"{n}-{i}" for n, i in examples_by_query()])
def test_example_contract_holds(example_store: Path, name: str, number: int) -> None:
    query = parse_query_file(QUERY_DIR / f"{name}.rq")
    params, expected, count = contract(query.examples[number - 1])
    with Store(example_store, write=False) as store:
        result = run(store, bind(query, params, store))
    rows = [{v: "" if t is None else str(t) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows]
    for want in expected:
        unknown = set(want) - set(result.variables)
        assert not unknown, f"{name}: no column {unknown} (columns: {result.variables})"
        assert any(matches(want, row) for row in rows), (
            f"{name} {params}: no row matches {want}")
    if count is not None:
        assert len(rows) == count, f"{name} {params}: {len(rows)} rows, expected {count}"
    for unwanted in (_texts(r) for r in _field(query.examples[number - 1], "absent") or ()):
        assert not any(matches(unwanted, row) for row in rows), (
            f"{name} {params}: a row matches the absent {unwanted}")


@pytest.mark.parametrize("name", sorted(NEW_QUERIES))
def test_new_queries_bind_parameters_after_their_where(name: str) -> None:
    query = parse_query_file(QUERY_DIR / f"{name}.rq")
    at = where_brace(query.sparql)
    assert re.search(r"\bWHERE\s*\{$", query.sparql[:at])
    # a sub-select that uses a parameter gets it bound in its own pattern (it is evaluated
    # alone: a FILTER in it would see the parameter unbound)
    values = {p.name: ox.Literal("x") for p in query.params}
    bound = with_values(query.sparql, values)
    for sub in sub_selects(bound):
        pattern = bound[sub.pattern:sub.pattern_end]
        for param in query.params:
            if re.search(rf"\?{param.name}\b", pattern):
                assert re.match(rf"\s*VALUES \([^)]*\?{param.name}\b", pattern), (
                    param.name, pattern[:200])


def test_parameters_of_the_new_queries() -> None:
    params = {p.stem: {(q.name, q.type, q.required) for q in parse_query_file(p).params}
              for p in QUERY_FILES if p.stem in NEW_QUERIES}
    assert params == {
        "criticisms": {("actor", "actor", False), ("target", "entity", False)},
        "cooperation": {("actor", "actor", False)},
        "requests": {("actor", "actor", False), ("target", "entity", False)},
        "orders": {("actor", "actor", False)},
        "use-of-force": {("actor", "actor", False), ("target", "entity", False)},
        "hostile-actions": {("actor", "actor", False)},
        "actor-profile": {("actor", "actor", True)},
        "relations-between": {("actor", "actor", True), ("other", "entity", True)},
        "armed-groups": {("group", "actor", False)},
        "events-by-cameo": {("code", "cameo", True), ("exact", "string", False)},
        "event-table": {("from", "date", False), ("to", "date", False),
                        ("per_article", "string", False)},
    }


@pytest.mark.parametrize("name", sorted(NEW_QUERIES))
def test_rows_say_who_reported_the_fact(example_store: Path, name: str) -> None:
    query = parse_query_file(QUERY_DIR / f"{name}.rq")
    params, _, _ = contract(query.examples[0])
    rows = rows_of(example_store, name, **params)
    assert rows
    columns = set(rows[0])
    if name == "actor-profile":  # about an entity, not a fact
        assert "actor" in columns
        return
    assert {"status", "article", "fact"} <= columns
    if name != "relations-between":  # derived relations have no article of their own
        assert all(r["article"] == BASE + "article/" + ARTICLE_ID for r in rows)
    assert "attributed_to" in columns


# --------------------------------------------------------------------------- criticisms


def test_petro_criticizes_the_us_for_seizing_maduro(example_store: Path) -> None:
    [row] = rows_of(example_store, "criticisms")
    assert (row["critic"], row["criticized"], row["code"], row["status"]) == (
        "Gustavo Petro", "United States", "111", "occurred")
    assert "seizing him in Caracas" in row["about"] and row["about"].endswith("(occurred)")
    assert row["evidence"] == "Petro criticized the US for seizing President Maduro"
    assert fact_id(row["fact"]) == "petro-criticizes-maduro-seizure"
    assert rows_of(example_store, "criticisms", target="United States") == [row]
    assert rows_of(example_store, "criticisms", target="Venezuela") == []


# --------------------------------------------------------------------------- cooperation

COOPERATIVE = ("ExpressIntentToCooperate", "AgreeToCooperateMilitarily", "AcceptInvitation",
               "Consult", "DiscussByTelephone", "Negotiate", "CooperateMilitarily",
               "ShareIntelligence", "DeEscalate")


def test_cooperation_breakdowns_and_improvements(example_store: Path) -> None:
    rows = rows_of(example_store, "cooperation")
    trends = {fact_id(r["fact"]): r["trend"] for r in rows}
    expected = {
        **dict.fromkeys(facts_of_types(*COOPERATIVE), "cooperation"),
        **dict.fromkeys(facts_of_types("ReduceRelations", "RelationsDeteriorate"), "breakdown"),
        **dict.fromkeys(facts_of_types("RelationsImprove"), "improvement"),
    }
    assert trends == expected
    assert len(rows) == len(expected)
    # intelligence sharing halted and agreements cancelled: breakdowns only ordered
    by_fact = {fact_id(r["fact"]): r for r in rows}
    halt = by_fact["stop-intelligence-sharing-with-us"]
    assert (halt["kind"], halt["code"], halt["status"]) == ("reduce relations", "160", "ordered")
    assert halt["condition"].startswith("unless: The US halts its attacks")
    assert halt["condition"].endswith("(hypothetical)")
    cancel = by_fact["cancel-us-security-agreements"]
    assert (cancel["targets"], cancel["status"]) == ("US security services", "ordered")
    assert by_fact["call-eases-tensions"]["about"].endswith("(occurred)")
    assert split(by_fact["petro-trump-phone-call"]["agents"]) == {"Gustavo Petro",
                                                                 "Donald Trump"}


def test_cooperation_of_an_actor_as_agent_or_target(example_store: Path) -> None:
    rows = rows_of(example_store, "cooperation", actor="United States")
    assert {fact_id(r["fact"]): r["trend"] for r in rows} == {
        "colombia-shares-intelligence-with-us": "cooperation",  # the US as target
        "stop-intelligence-sharing-with-us": "breakdown",
    }


# --------------------------------------------------------------------------- requests


def test_requests_with_the_status_of_what_was_requested(example_store: Path) -> None:
    rows = rows_of(example_store, "requests")
    found = {(r["requester"], r["requested_of"], r["kind"], fact_id(r["requested_fact"]),
              r["requested_status"]) for r in rows}
    assert found == {
        ("Gustavo Petro", "Donald Trump", "appeal for military cooperation",
         "violent-attack-on-eln-at-border", "requested"),
        ("Donald Trump", "Gustavo Petro", "appeal to others to meet or negotiate",
         "petro-trump-washington-meeting", "planned"),
        # "He said guerrillas must be attacked from the rear": a call, made in a statement
        ("Armando Benedetti", "", "make statement", "attack-eln-from-rear", "requested"),
    }
    [appeal] = [r for r in rows if r["kind"] == "appeal for military cooperation"]
    assert appeal["attributed_to"] == "Armando Benedetti"
    assert appeal["quoted"] == "violent attack on the ELN on the border"
    assert rows_of(example_store, "requests", target="Trump") == [appeal]


# --------------------------------------------------------------------------- orders


def test_orders_are_not_known_to_have_been_carried_out(example_store: Path) -> None:
    rows = rows_of(example_store, "orders")
    by_fact = {fact_id(r["fact"]): r for r in rows}
    assert set(by_fact) == {"petro-orders-intelligence-halt", "petro-x-message"}
    order = by_fact["petro-orders-intelligence-halt"]
    assert (order["ordered_by"], order["ordered_to"], order["kind"]) == (
        "Gustavo Petro", "Colombian security forces", "order")
    assert fact_id(order["ordered_fact"]) == "stop-intelligence-sharing-with-us"
    assert (order["ordered_status"], order["carried_out"]) == (
        "ordered", "not known to have been carried out")
    assert order["condition"].startswith("unless: The US halts its attacks")
    assert order["condition"].endswith("(hypothetical)")
    assert (order["when"], order["start"], order["end"]) == ("In November", "2025-11-01",
                                                             "2025-11-30")
    message = by_fact["petro-x-message"]
    assert (message["kind"], message["medium_name"]) == ("make statement", "X")
    assert fact_id(message["ordered_fact"]) == "cancel-us-security-agreements"
    # the message names no addressee: the ordered action's agents are the ones ordered
    assert message["ordered_to"] == "Colombian security forces"
    assert message["carried_out"] == "not known to have been carried out"


# --------------------------------------------------------------------------- use of force


def test_use_of_force_tells_what_happened_from_what_is_alleged(example_store: Path) -> None:
    rows = rows_of(example_store, "use-of-force")
    statuses = {fact_id(r["fact"]): r["status"] for r in rows}
    expected = facts_of_types("Fight", "Coerce", "Seize", "Abduct")
    assert statuses == {i: a["status"] for i, a in expected.items()}
    assert len(rows) == len(expected)
    by_fact = {fact_id(r["fact"]): r for r in rows}
    seizure = by_fact["us-seizes-maduro"]
    assert (seizure["agents"], seizure["targets"], seizure["kind"], seizure["code"]) == (
        "US military", "Nicolás Maduro", "arrest, detain, or charge with legal action", "173")
    assert (seizure["status"], seizure["happened"], seizure["places"]) == (
        "occurred", "yes", "Caracas")
    for attack in ("eln-attacks-soldiers", "eln-kidnaps-soldiers"):
        row = by_fact[attack]
        assert (row["agents"], row["targets"]) == ("National Liberation Army",
                                                   "Colombian soldiers")
        assert (row["status"], row["happened"]) == ("alleged", "not established")
        assert row["content_of"] == "accuse by Government of Colombia"
        assert row["attributed_to"] == "Government of Colombia"
    # requested, committed and hypothetical attacks are listed, and never as happened
    assert {r["status"] for r in rows if r["happened"] == "yes"} <= {"occurred", "ongoing"}
    assert {"requested", "committed", "hypothetical"} <= {r["status"] for r in rows}
    vow = by_fact["petro-takes-up-arms-against-us"]
    assert vow["condition"].startswith("if: A US military attack on Colombia")


def test_use_of_force_by_and_against(example_store: Path) -> None:
    by_eln = rows_of(example_store, "use-of-force", actor="ELN")
    assert {fact_id(r["fact"]) for r in by_eln} == {"eln-attacks-soldiers",
                                                    "eln-kidnaps-soldiers"}
    against_eln = rows_of(example_store, "use-of-force", target="ELN")
    assert {(fact_id(r["fact"]), r["status"]) for r in against_eln} == {
        ("joint-action-against-eln", "committed"),
        ("violent-attack-on-eln-at-border", "requested"),
        ("attack-eln-from-rear", "requested"),
    }


# --------------------------------------------------------------------------- hostile actions

HOSTILE = ("Criticize", "Accuse", "AccuseOfCrime", "Threaten", "ThreatenMilitaryForce",
           "GiveUltimatum", "ReduceRelations", "Coerce", "Seize", "Abduct", "Fight")


def test_hostile_actions_come_from_the_inferred_hierarchy(example_store: Path) -> None:
    rows = rows_of(example_store, "hostile-actions")
    expected = facts_of_types(*HOSTILE)
    assert {fact_id(r["fact"]) for r in rows} == set(expected)
    assert len(rows) == len(expected)
    kinds = {r["kind"] for r in rows}
    assert {"threaten", "threaten with military force", "give ultimatum"} <= kinds  # threats
    assert {"accuse", "accuse of crime, corruption"} <= kinds  # accusations
    assert "criticize or denounce" in kinds  # criticisms
    assert {"use conventional military force", "arrest, detain, or charge with legal action",
            "abduct, hijack"} <= kinds
    assert {r["family"] for r in rows} == {"Disapprove", "Threaten", "Reduce relations",
                                           "Coerce", "Assault", "Fight"}
    for row in rows:
        assert row["code"][:2] == row["root_code"], row
        assert row["happened"] == ("yes" if row["status"] in ("occurred", "ongoing")
                                   else "not established")
    # no facts file says "hostile action": the class is inferred, never asserted
    with Store(example_store, write=False) as store:
        asserted = run(store, f"ASK {{ GRAPH <{ASSERTED_GRAPH}> {{ ?f a <{KG}HostileAction> }} }}")
    assert asserted.boolean is False


def test_hostile_actions_of_trump(example_store: Path) -> None:
    rows = rows_of(example_store, "hostile-actions", actor="Trump")
    assert sorted((r["kind"], r["targets"]) for r in rows) == [
        ("accuse of crime, corruption", "Gustavo Petro"),
        ("accuse of crime, corruption", "Gustavo Petro"),
        ("threaten", "Gustavo Petro"),
        ("threaten with military force", "Colombia"),
    ]


# --------------------------------------------------------------------------- actor profile


def test_profile_of_petro(example_store: Path) -> None:
    [row] = rows_of(example_store, "actor-profile", actor="President Petro")
    assert (row["name"], row["type"], row["descriptors"]) == ("Gustavo Petro", "person",
                                                              "leftist")
    assert split(row["aliases"]) == {"Petro", "President Petro", "the Colombian leader"}
    assert (row["role"], row["role_in"], row["role_when"]) == ("President", "Colombia",
                                                               "since 2022")
    assert (row["role_start"], row["role_end"]) == ("2022-01-01", "2026-01-08")
    assert "After taking power in 2022" in row["role_evidence"].split(" | ")
    assert row["actor"] == BASE + "entity/gustavo-petro"


def test_profile_of_the_eln_and_of_a_government(example_store: Path) -> None:
    [eln] = rows_of(example_store, "actor-profile", actor="ELN")
    assert (eln["name"], eln["type"], eln["cameo"]) == ("National Liberation Army",
                                                        "armed group", "COLREB")
    assert split(eln["aliases"]) == {"ELN", "Ejército de Liberación Nacional"}
    assert split(eln["descriptors"]) == {"last remaining major armed opposition group",
                                         "cocaine-smuggling guerrillas"}
    assert eln["role"] == "" and eln["part_of"] == ""
    [government] = rows_of(example_store, "actor-profile", actor="united-states-government")
    assert (government["type"], government["cameo"], government["part_of"]) == (
        "government", "USAGOV", "United States")


# --------------------------------------------------------------------------- relations between


def test_relations_between_trump_and_petro(example_store: Path) -> None:
    rows = rows_of(example_store, "relations-between", actor="Trump", other="Petro")
    actions = {(r["direction"], fact_id(r["fact"])) for r in rows if r["row_type"] == "action"}
    assert actions == {
        ("outgoing", "trump-brands-petro-drug-trafficker"),
        ("outgoing", "trump-accuses-petro-cocaine"),
        ("outgoing", "trump-warns-petro"),
        ("outgoing", "trump-invites-petro"),
        ("incoming", "petro-asks-trump-to-attack-eln"),
        ("incoming", "petro-accepts-invitation"),
        ("mutual", "petro-trump-agree-joint-action"),
        ("mutual", "petro-trump-phone-call"),
        ("mutual", "petro-trump-washington-meeting"),
        ("mutual", "heated-exchange"),
    }
    derived = {(r["direction"], r["kind"]) for r in rows if r["row_type"] == "derived relation"}
    assert derived == {("outgoing", "threatened"), ("outgoing", "accused"),
                       ("outgoing", "hostile towards"), ("mutual", "cooperated with")}
    for row in rows:
        if row["direction"] == "incoming":
            assert (row["from_name"], row["to_name"]) == ("Gustavo Petro", "Donald Trump")
        else:
            assert (row["from_name"], row["to_name"]) == ("Donald Trump", "Gustavo Petro")
    # actions first, in time order
    assert [r["row_type"] for r in rows] == sorted(r["row_type"] for r in rows)
    dated = [r["start"] for r in rows if r["row_type"] == "action" and r["start"]]
    assert dated == sorted(dated)


def test_relations_between_is_the_same_from_the_other_side(example_store: Path) -> None:
    one = rows_of(example_store, "relations-between", actor="Trump", other="Petro")
    other = rows_of(example_store, "relations-between", actor="Petro", other="Trump")
    flip = {"outgoing": "incoming", "incoming": "outgoing", "mutual": "mutual"}
    assert Counter((flip[r["direction"]], r["kind"], r["fact"]) for r in one) == Counter(
        (r["direction"], r["kind"], r["fact"]) for r in other)


# --------------------------------------------------------------------------- armed groups


def test_armed_groups_where_they_operate_and_what_they_are_accused_of(
        example_store: Path) -> None:
    rows = rows_of(example_store, "armed-groups")
    assert {r["group_name"] for r in rows} == {
        "National Liberation Army", "various armed groups at the Colombia–Venezuela border"}
    eln_own = {fact_id(r["fact"]): r for r in rows
               if r["group_name"] == "National Liberation Army" and r["role"] == "agent"}
    assert set(eln_own) == {"eln-attacks-soldiers", "eln-kidnaps-soldiers",
                            "eln-retreats-to-venezuela"}
    for row in eln_own.values():  # what Colombia accuses the ELN of: alleged, not established
        assert (row["status"], row["accused_by"]) == ("alleged", "Government of Colombia")
    assert eln_own["eln-retreats-to-venezuela"]["places"] == "Venezuela"
    targeted = {fact_id(r["fact"]): (r["status"], r["border"]) for r in rows
                if r["role"] == "target"}
    assert targeted == {
        "joint-action-against-eln": ("committed", "Colombia–Venezuela border"),
        "violent-attack-on-eln-at-border": ("requested", "Colombia–Venezuela border"),
        "attack-eln-from-rear": ("requested", ""),
    }
    [operate] = [r for r in rows if r["kind"] == "operate"]
    assert (operate["group_type"], operate["status"], operate["border"]) == (
        "group", "ongoing", "Colombia–Venezuela border")


# --------------------------------------------------------------------------- events by CAMEO


def test_events_of_family_13_are_the_threats_and_nothing_else(example_store: Path) -> None:
    rows = rows_of(example_store, "events-by-cameo", code="13")
    assert sorted(r["event_code"] for r in rows) == ["130", "138", "138", "139"]
    assert {r["family"] for r in rows} == {"Threaten"}
    assert {(r["root_code"], r["quad_class"]) for r in rows} == {("13", "3")}


@pytest.mark.parametrize(("code", "codes"), [
    ("138", ["138", "138"]),
    ("112", ["112", "1121", "1121"]),  # a code takes in its sub-codes: 1121 is under 112
    ("11", ["111", "112", "1121", "1121"]),
    ("01", ["010", "010", "010"]),
    ("02", ["0212", "026"]),
    ("021", ["0212"]),  # 0212 is under 021, under 02
    ("0212", ["0212"]),
    ("130", ["130"]),  # "not specified below": 138 is its sibling, not its sub-code
    ("10", []),  # codes are text: "010" is not "10"
    ("20", []),
])
def test_events_by_cameo_code(example_store: Path, code: str, codes: list[str]) -> None:
    rows = rows_of(example_store, "events-by-cameo", code=code)
    assert sorted(r["event_code"] for r in rows) == codes
    assert all(r["root_code"] == r["event_code"][:2] for r in rows)
    assert rows == rows_of(example_store, "events-by-cameo", code=code, exact="no")


@pytest.mark.parametrize(("code", "codes"), [
    ("112", ["112"]),
    ("1121", ["1121", "1121"]),
    ("11", []),  # events carry codes of three or four digits
    ("021", []),
])
def test_events_by_cameo_exact_code(example_store: Path, code: str, codes: list[str]) -> None:
    rows = rows_of(example_store, "events-by-cameo", code=code, exact="yes")
    assert sorted(r["event_code"] for r in rows) == codes


def test_events_by_cameo_needs_a_code() -> None:
    query = parse_query_file(QUERY_DIR / "events-by-cameo.rq")
    with pytest.raises(UsageError, match="needs the parameter code"):
        bind(query, {})
    with pytest.raises(UsageError, match="is not a CAMEO code"):
        bind(query, {"code": "1"})


# --------------------------------------------------------------------------- event table


def test_event_table_codes_root_codes_and_quad_classes(example_store: Path) -> None:
    rows = rows_of(example_store, "event-table")
    known = {a["id"] for a in facts()}
    assert rows
    for row in rows:
        assert row["event_code"], row
        assert row["root_code"] == row["event_code"][:2], row
        assert row["status"] and row["article"] and row["fact"]
        assert fact_id(row["fact"]) in known
        if row["root_code"] == "13":
            assert row["quad_class"] == "3", row
    [seizure] = [r for r in rows if fact_id(r["fact"]) == "us-seizes-maduro"]
    assert (seizure["event_code"], seizure["root_code"], seizure["quad_class"]) == (
        "173", "17", "4")
    assert (seizure["source"], seizure["source_code"], seizure["target"]) == (
        "US military", "USAMIL", "Nicolás Maduro")
    assert (seizure["date"], seizure["end"], seizure["place"]) == ("2026-01-03", "2026-01-03",
                                                                   "Caracas")
    # one row per (event, source, target): two agents give two rows
    joint = [r for r in rows if fact_id(r["fact"]) == "joint-action-against-eln"]
    assert {(r["source"], r["source_code"], r["target_code"]) for r in joint} == {
        ("Government of Colombia", "COLGOV", "COLREB"),
        ("Government of the United States", "USAGOV", "COLREB"),
    }
    # an actor without a code of its own takes that of what it is part of
    [attack] = [r for r in rows if fact_id(r["fact"]) == "eln-attacks-soldiers"]
    assert (attack["target"], attack["target_code"], attack["status"]) == (
        "Colombian soldiers", "COLMIL", "alleged")
    # actions without a CAMEO code (orders, exchanges, taking office) are not events
    uncoded = {fact_id(r["fact"]) for r in rows} & set(
        facts_of_types("Order", "Exchange", "TakeOffice", "Operate", "Retreat"))
    assert uncoded == set()


def test_event_table_window(example_store: Path) -> None:
    rows = rows_of(example_store, "event-table", **{"from": "2026-01-07", "to": "2026-01-08"})
    assert rows
    for row in rows:
        assert not row["end"] or row["end"] >= "2026-01-07", row
        assert not row["date"] or row["date"] <= "2026-01-08", row
    found = {fact_id(r["fact"]) for r in rows}
    assert {"petro-trump-phone-call", "benedetti-announces-joint-action"} <= found
    assert "us-seizes-maduro" not in found  # January 3 only
    assert "trump-invites-petro" not in found  # undated: left out of a window


def test_event_table_as_csv(cli: CliRun, example_store: Path) -> None:
    result = cli("query", "event-table", "--format", "csv", store=example_store)
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0])[:9] == ["date", "end", "source", "source_code", "event_code",
                                  "root_code", "quad_class", "target", "target_code"]
    assert {"event_code": "173", "root_code": "17", "quad_class": "4"}.items() <= next(
        r for r in table if r["fact"].endswith("/us-seizes-maduro")).items()
