"""The stored queries on the gold example, parameter binding, and binding safety.

The expected rows are the answers a careful reader of the AFP article of 2026-01-08
("Petro and Trump agree on joint action against ELN") gives to each question; they are
written out here, and where a query must list *every* fact of some kind, the list is also
compared with the facts file itself so that the test follows the example's edits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from conftest import ARTICLE_ID, BASE, EXAMPLE, KG, CliRun, invoke
from kgload.errors import UsageError
from kgload.iris import Iris
from kgload.queries import (
    bind,
    get_query,
    load_queries,
    page_drivers,
    paged,
    run,
    sub_selects,
    where_brace,
    with_values,
)
from kgload.store import Store

ENTITY = BASE + "entity/"
FACT = BASE + "article/" + ARTICLE_ID + "/"

STORED = {
    "actions-against", "actions-by", "actor-profile", "agreements", "armed-groups", "borders",
    "claims-by-source", "cooperation", "criticisms", "event-table", "events-by-cameo",
    "hostile-actions", "orders", "relations-between", "requests", "timeline", "use-of-force",
    "who-accused-whom", "who-threatened-whom",
}


# --------------------------------------------------------------------------- helpers


def query_json(cli: CliRun, store: Path, name: str, *params: tuple[str, str],
               extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows of a stored query run through the CLI (``--format json``)."""
    args: list[str] = [*extra, "query", name, "--format", "json"]
    for key, value in params:
        args += ["-p", key, value]
    result = cli(*args, store=store)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def fact_id(row: dict[str, Any]) -> str:
    assert row["fact"].startswith(FACT), row["fact"]
    return row["fact"][len(FACT):]


def evidence(row: dict[str, Any]) -> list[str]:
    return row["evidence"].split(" | ")


def facts_file() -> dict[str, Any]:
    with EXAMPLE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def refs(values: list[Any] | None) -> set[str]:
    return {v["ref"] if isinstance(v, dict) else v for v in values or []}


def lib_rows(store_path: Path, sparql: str) -> list[dict[str, str | None]]:
    """Rows of already bound SPARQL, run through kgload.queries.run."""
    with Store(store_path, write=False) as store:
        result = run(store, sparql)
    return [{v: None if t is None else str(t) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows]


# --------------------------------------------------------------------------- listing


def test_all_stored_queries_are_found_with_their_parameters() -> None:
    found, notes = load_queries()
    assert set(found) == STORED
    assert notes == []
    params = {name: {(p.name, p.type, p.required) for p in q.params} for name, q in found.items()}
    assert params["who-threatened-whom"] == {("actor", "actor", False),
                                             ("target", "entity", False),
                                             ("per_article", "string", False)}
    assert params["actions-by"] == {("actor", "actor", True)}
    assert params["actions-against"] == {("target", "entity", True)}
    assert params["timeline"] == {("from", "date", False), ("to", "date", False)}


# --------------------------------------------------------------------------- threats


# A careful reader finds four threats (CAMEO family 13) in the article:
#  - Trump threatened military action against Colombia (138), after Maduro's seizure on
#    January 3 and before the call of Wednesday January 7;
#  - Petro vowed to take up arms against any U.S. attack (138), in the heated exchange
#    "in recent days" before that call;
#  - Trump told Petro to "watch out for his SS" (a plain threat, 130), between the
#    January 3 raid that Petro criticized and the call;
#  - in November, Petro's order to stop sharing intelligence "unless the Trump
#    administration halted attacks" is an ultimatum (139) to the US government.
THREATS = {
    ("Donald Trump", "Colombia", "138"),
    ("Gustavo Petro", "United States", "138"),
    ("Donald Trump", "Gustavo Petro", "130"),
    ("Gustavo Petro", "Government of the United States", "139"),
}


@pytest.fixture(scope="module")
def threats(example_store: Path) -> list[dict[str, Any]]:
    result = invoke("query", "who-threatened-whom", "--format", "json", store=example_store)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_who_threatened_whom_is_exactly_the_four_threats(threats: list[dict[str, Any]]) -> None:
    assert {(r["source"], r["threatened"], r["code"]) for r in threats} == THREATS
    assert len(threats) == len(THREATS)  # one row per threat, no duplicates


def test_trump_threatens_colombia(threats: list[dict[str, Any]]) -> None:
    [row] = [r for r in threats if (r["source"], r["threatened"]) == ("Donald Trump", "Colombia")]
    assert row["kind"] == "threaten with military force"
    assert row["code"] == "138"
    assert row["status"] == "occurred"
    assert (row["start"], row["end"]) == ("2026-01-03", "2026-01-07")
    assert any("threatened military action against Colombia" in e for e in evidence(row))
    assert fact_id(row) == "trump-threatens-colombia"


def test_petro_vows_to_take_up_arms(threats: list[dict[str, Any]]) -> None:
    [row] = [r for r in threats
             if (r["source"], r["threatened"]) == ("Gustavo Petro", "United States")]
    assert (row["kind"], row["code"], row["status"]) == (
        "threaten with military force", "138", "occurred")
    assert any("take up arms against any U.S. attack" in e for e in evidence(row))
    assert row["end"] == "2026-01-07"  # before the Wednesday call that eased tensions
    assert row["when"] == "in recent days"


def test_trump_warns_petro(threats: list[dict[str, Any]]) -> None:
    [row] = [r for r in threats
             if (r["source"], r["threatened"]) == ("Donald Trump", "Gustavo Petro")]
    assert (row["kind"], row["code"], row["status"]) == ("threaten", "130", "occurred")
    assert any("watch out for his SS" in e for e in evidence(row))
    assert (row["start"], row["end"]) == ("2026-01-03", "2026-01-07")


def test_petro_ultimatum_in_november(threats: list[dict[str, Any]]) -> None:
    [row] = [r for r in threats
             if (r["source"], r["threatened"]) == ("Gustavo Petro",
                                                   "Government of the United States")]
    assert (row["kind"], row["code"], row["status"]) == ("give ultimatum", "139", "occurred")
    assert row["when"] == "In November"
    assert (row["start"], row["end"]) == ("2025-11-01", "2025-11-30")


@pytest.mark.parametrize("actor", [
    "Trump",  # an alias
    "president trump",  # an alias, in another case
    "Donald Trump",  # the name
    "donald-trump",  # the entity id
    ENTITY + "donald-trump",  # the IRI
    f"<{ENTITY}donald-trump>",  # the IRI, N-Triples style
])
def test_threats_by_trump_however_he_is_named(cli: CliRun, example_store: Path,
                                              actor: str) -> None:
    rows = query_json(cli, example_store, "who-threatened-whom", ("actor", actor))
    assert {(r["source"], r["threatened"], r["code"]) for r in rows} == {
        ("Donald Trump", "Colombia", "138"),
        ("Donald Trump", "Gustavo Petro", "130"),
    }


def test_threats_against_petro(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "who-threatened-whom", ("target", "Petro"))
    assert [(r["source"], r["threatened"], r["code"]) for r in rows] == [
        ("Donald Trump", "Gustavo Petro", "130")]


def test_threats_by_petro_against_the_united_states(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "who-threatened-whom",
                      ("actor", "Petro"), ("target", "United States"))
    assert [(r["source"], r["threatened"], r["code"]) for r in rows] == [
        ("Gustavo Petro", "United States", "138")]


def test_an_iri_nobody_has_gives_no_rows(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "who-threatened-whom",
                      ("actor", ENTITY + "nobody-at-all"))
    assert rows == []


# --------------------------------------------------------------------------- accusations


def test_colombia_accuses_the_eln_of_three_alleged_acts(cli: CliRun,
                                                         example_store: Path) -> None:
    rows = query_json(cli, example_store, "who-accused-whom")
    [row] = [r for r in rows if r["accuser"] == "Government of Colombia"]
    assert row["accused"] == "National Liberation Army"
    assert (row["kind"], row["code"], row["status"]) == ("accuse", "112", "ongoing")
    # "Colombia accuses the ELN of launching attacks and kidnappings against Colombian
    # soldiers and retreating to rear bases in Venezuela": three acts, each only alleged.
    charges = row["accused_of"]
    assert charges.endswith("(alleged)") and charges.count("(alleged)") == 3, charges
    assert not re.search(r"\((occurred|ongoing|committed|requested|planned)\)", charges)
    for act in ("attack", "kidnap", "rear bases in venezuela"):
        assert act in charges.lower(), (act, charges)


def test_trump_accuses_petro_twice(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "who-accused-whom", ("actor", "Trump"))
    assert len(rows) == 2
    assert {(r["accuser"], r["accused"], r["code"], r["kind"]) for r in rows} == {
        ("Donald Trump", "Gustavo Petro", "1121", "accuse of crime, corruption")}
    assert {fact_id(r) for r in rows} == {"trump-brands-petro-drug-trafficker",
                                          "trump-accuses-petro-cocaine"}
    [cocaine] = [r for r in rows if fact_id(r) == "trump-accuses-petro-cocaine"]
    assert "make cocaine" in cocaine["quoted"]
    [branded] = [r for r in rows if fact_id(r) == "trump-brands-petro-drug-trafficker"]
    assert any("drug trafficker" in e for e in evidence(branded))


def test_accusations_against_the_eln(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "who-accused-whom", ("target", "ELN"))
    assert [(r["accuser"], r["code"]) for r in rows] == [("Government of Colombia", "112")]


# --------------------------------------------------------------------------- agreements


def test_agreements(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "agreements")
    by_code = {r["code"]: r for r in rows}
    # Petro and Trump agreed to take "joint action" (0312), and committed to it: the joint
    # action itself is the object of the agreement, with status committed.
    joint = by_code["0312"]
    assert set(joint["parties"].split("; ")) == {"Donald Trump", "Gustavo Petro"}
    assert joint["kind"] == "express intent to cooperate militarily"
    assert joint["status"] == "occurred"
    # (one object: summaries may themselves hold the "; " that separates objects)
    agreed = joint["agreed"]
    assert agreed.endswith("(committed)") and agreed.count("(committed)") == 1, agreed
    assert "joint" in agreed.lower() and "ELN" in agreed
    assert joint["attributed_to"] == "Armando Benedetti"
    # "He accepted President Trump's invitation to meet in Washington" (036).
    accept = by_code["036"]
    assert accept["parties"] == "Gustavo Petro"
    assert accept["kind"] == "express intent to meet or negotiate"
    assert accept["status"] == "occurred"
    assert "(planned)" in accept["agreed"]  # the Washington meeting has not happened yet
    assert "Washington" in accept["agreed"]
    assert fact_id(joint) == "petro-trump-agree-joint-action"
    assert fact_id(accept) == "petro-accepts-invitation"


def test_agreements_of_trump(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "agreements", ("actor", "Trump"))
    # Trump is a party to the agreement, not to Petro's acceptance (he is its target).
    assert [r["code"] for r in rows] == ["0312"]


# --------------------------------------------------------------------------- actors


def test_actions_by_petro(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "actions-by", ("actor", "Petro"))
    got = {fact_id(r) for r in rows}
    assert len(got) == len(rows)  # one row per action
    # What a reader sees Petro doing in the article:
    assert {
        "petro-trump-agree-joint-action", "petro-trump-phone-call",
        "petro-asks-trump-to-attack-eln", "petro-takes-office", "petro-eln-peace-talks",
        "petro-accepts-invitation", "petro-vows-to-take-up-arms",
        "petro-criticizes-maduro-seizure", "petro-orders-intelligence-halt",
        "petro-ultimatum-to-us", "petro-x-message",
    } <= got
    # ... and not what was done to him.
    assert not {"trump-invites-petro", "trump-warns-petro", "trump-accuses-petro-cocaine"} & got
    # exactly the actions of the facts file that have him among their agents
    expected = {a["id"] for a in facts_file()["actions"] if "gustavo-petro" in refs(a["agents"])}
    assert got == expected
    by_fact = {fact_id(r): r for r in rows}
    assert by_fact["petro-ultimatum-to-us"]["code"] == "139"
    assert by_fact["petro-ultimatum-to-us"]["targets"] == "Government of the United States"
    assert by_fact["petro-eln-peace-talks"]["status"] == "stalled"
    assert by_fact["petro-trump-phone-call"]["start"] == "2026-01-07"


def test_actions_against_the_eln(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "actions-against", ("target", "ELN"))
    got = {fact_id(r) for r in rows}
    # Colombia's accusation, Petro's stalled peace talks, and the attacks on the ELN that
    # were agreed (committed) or asked for (requested); the agreement itself is between
    # Petro and Trump and is *about* the joint action, it does not target the ELN.
    assert {
        "colombia-accuses-eln", "petro-eln-peace-talks", "joint-action-against-eln",
        "violent-attack-on-eln-at-border", "attack-eln-from-rear",
    } <= got
    expected = {a["id"] for a in facts_file()["actions"] if "eln" in refs(a.get("targets"))}
    assert got == expected
    by_fact = {fact_id(r): r for r in rows}
    assert by_fact["joint-action-against-eln"]["status"] == "committed"
    assert by_fact["violent-attack-on-eln-at-border"]["status"] == "requested"
    assert by_fact["colombia-accuses-eln"]["agents"] == "Government of Colombia"


# --------------------------------------------------------------------------- timeline


@pytest.fixture(scope="module")
def timeline(example_store: Path) -> list[dict[str, Any]]:
    query, _ = get_query("timeline")
    with Store(example_store, write=False) as store:
        sparql = bind(query, {}, store)
    return lib_rows(example_store, sparql)


def overlaps(row: dict[str, Any], start: str | None, end: str | None) -> bool:
    return ((end is None or row["start"] is None or row["start"] <= end)
            and (start is None or row["end"] is None or row["end"] >= start))


def test_timeline_lists_every_dated_action_in_order(timeline: list[dict[str, Any]]) -> None:
    got = [fact_id(r) for r in timeline]
    assert len(got) == len(set(got))
    assert set(got) == {a["id"] for a in facts_file()["actions"] if "time" in a}
    starts = [r["start"] for r in timeline if r["start"] is not None]
    assert starts == sorted(starts)
    by_fact = {fact_id(r): r for r in timeline}
    assert (by_fact["us-seizes-maduro"]["start"], by_fact["us-seizes-maduro"]["end"]) == (
        "2026-01-03", "2026-01-03")
    assert by_fact["us-seizes-maduro"]["precision"] == "day"
    assert by_fact["benedetti-announces-joint-action"]["start"] == "2026-01-08"  # Thursday
    assert by_fact["petro-trump-phone-call"]["start"] == "2026-01-07"  # Wednesday
    assert (by_fact["trump-begins-second-term"]["start"],
            by_fact["trump-begins-second-term"]["end"]) == ("2025-01-01", "2025-01-31")


@pytest.mark.parametrize(("start", "end", "inside", "outside"), [
    ("2026-01-03", "2026-01-07",
     {"us-seizes-maduro", "petro-trump-phone-call", "trump-threatens-colombia",
      "trump-warns-petro"},
     {"benedetti-announces-joint-action", "petro-takes-office",
      "petro-orders-intelligence-halt", "colombia-shares-intelligence-with-us"}),
    ("2026-01-08", None, {"benedetti-announces-joint-action"},
     {"petro-trump-phone-call", "us-seizes-maduro"}),
    (None, "2022-12-31", {"petro-takes-office", "petro-eln-peace-talks"},
     {"us-seizes-maduro", "trump-begins-second-term"}),
])
def test_timeline_window(cli: CliRun, example_store: Path, timeline: list[dict[str, Any]],
                         start: str | None, end: str | None, inside: set[str],
                         outside: set[str]) -> None:
    params = [p for p in (("from", start), ("to", end)) if p[1] is not None]
    rows = query_json(cli, example_store, "timeline", *params)
    got = {fact_id(r) for r in rows}
    assert inside <= got
    assert not outside & got
    # exactly the actions of the whole timeline whose time span overlaps the window
    assert got == {fact_id(r) for r in timeline if overlaps(r, start, end)}
    assert got != {fact_id(r) for r in timeline}


# --------------------------------------------------------------------------- borders, claims


def test_border_from_both_sides(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "borders")
    assert {(r["side"], r["other_side"]) for r in rows} == {("Colombia", "Venezuela"),
                                                           ("Venezuela", "Colombia")}
    for row in rows:
        assert row["border_name"] == "Colombia–Venezuela border"
        assert float(row["length"]) == 2200
        assert row["unit"] == "km"
        assert "porous" in row["described_as"].split("; ")
        # one item per kind and status, with its number of actions: bounded on a corpus
        activity = row["activity_at_border"].split(" | ")
        assert "operate (ongoing): 1" in activity, activity  # the armed groups there
        # the requested and the committed joint attacks on the ELN happen there too
        assert "use conventional military force (requested): 1" in activity, activity
        assert "use conventional military force (committed): 1" in activity, activity
        assert len(activity) == len(set(activity))
        assert int(row["actions_at_border"]) == sum(int(a.rsplit(": ", 1)[1]) for a in activity)


def test_borders_of_venezuela(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "borders", ("place", "Venezuela"))
    assert [(r["side"], r["other_side"]) for r in rows] == [("Venezuela", "Colombia")]


def test_claims_by_source(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "claims-by-source")
    by_fact = {fact_id(r): r for r in rows}
    announce = by_fact["benedetti-announces-joint-action"]
    assert (announce["source_name"], announce["medium_name"]) == ("Armando Benedetti",
                                                                  "Blue Radio")
    x_message = by_fact["petro-x-message"]
    assert (x_message["source_name"], x_message["medium_name"]) == ("Gustavo Petro", "X")
    # the alleged ELN acts are the Colombian government's claims, not the article's
    government = {fact_id(r): r["status"] for r in rows
                  if r["source_name"] == "Government of Colombia"}
    assert government == {"eln-attacks-soldiers": "alleged", "eln-kidnaps-soldiers": "alleged",
                          "eln-retreats-to-venezuela": "alleged"}
    # the agreement is reported on Benedetti's word
    assert by_fact["petro-trump-agree-joint-action"]["source_name"] == "Armando Benedetti"
    # facts the article states in its own voice are no one's claims
    assert "us-seizes-maduro" not in by_fact


def test_claims_of_benedetti(cli: CliRun, example_store: Path) -> None:
    rows = query_json(cli, example_store, "claims-by-source", ("source", "Benedetti"))
    assert rows
    assert {r["source_name"] for r in rows} == {"Armando Benedetti"}
    assert "petro-trump-agree-joint-action" in {fact_id(r) for r in rows}


# --------------------------------------------------------------------------- parameter errors


def test_missing_required_parameter(cli: CliRun, example_store: Path) -> None:
    result = cli("query", "actions-by", store=example_store)
    assert result.exit_code == 2
    assert "query actions-by needs the parameter actor (-p actor VALUE)" in result.stderr
    assert "parameters of actions-by:" in result.stderr
    assert "actor (actor, required)" in result.stderr
    assert result.stdout == ""


def test_unknown_parameter(cli: CliRun, example_store: Path) -> None:
    result = cli("query", "who-threatened-whom", "-p", "colour", "red", store=example_store)
    assert result.exit_code == 2
    assert "unknown parameter colour for query who-threatened-whom" in result.stderr
    assert "actor (actor, optional)" in result.stderr
    assert "target (entity, optional)" in result.stderr


def test_parameter_of_the_wrong_type(cli: CliRun, example_store: Path) -> None:
    result = cli("query", "timeline", "-p", "from", "notadate", store=example_store)
    assert result.exit_code == 2
    assert "parameter from: 'notadate' is not a date (YYYY-MM-DD)" in result.stderr
    assert "parameters of timeline:" in result.stderr
    assert "from (date, optional)" in result.stderr
    assert result.stdout == ""


def test_parameter_given_twice(cli: CliRun, example_store: Path) -> None:
    result = cli("query", "who-threatened-whom", "-p", "actor", "Trump", "-p", "actor", "Petro",
                 store=example_store)
    assert result.exit_code == 2
    assert "parameter actor is given twice" in result.stderr


def test_unknown_actor(cli: CliRun, example_store: Path) -> None:
    result = cli("query", "actions-by", "-p", "actor", "Nobody Known", store=example_store)
    assert result.exit_code == 2
    assert "parameter actor: no actor is named 'Nobody Known' in the store" in result.stderr
    assert "parameters of actions-by:" in result.stderr


def test_a_place_is_not_an_actor(cli: CliRun, example_store: Path) -> None:
    # the border is an entity (a valid target) but not an actor
    result = cli("query", "actions-by", "-p", "actor", "Colombia–Venezuela border",
                 store=example_store)
    assert result.exit_code == 2
    assert "no actor is named" in result.stderr
    rows = query_json(cli, example_store, "actions-against",
                      ("target", "Colombia–Venezuela border"))
    assert rows == []  # nothing targets the border itself: things happen *at* it


def test_unknown_query_name(cli: CliRun, example_store: Path) -> None:
    result = cli("query", "who-threatend-whom", store=example_store)
    assert result.exit_code == 2
    assert "no stored query named 'who-threatend-whom'" in result.stderr
    assert "did you mean who-threatened-whom" in result.stderr


def test_ambiguous_actor_lists_the_candidates(cli: CliRun, tmp_path: Path,
                                              twins_file: Path) -> None:
    store = tmp_path / "twins-store"
    loaded = cli("load", twins_file, store=store)
    assert loaded.exit_code == 0, loaded.output
    result = cli("query", "who-threatened-whom", "-p", "actor", "smith", store=store)
    assert result.exit_code == 2
    assert "parameter actor: 'smith' is ambiguous" in result.stderr
    assert f"Alice Smith <{ENTITY}alice-smith>" in result.stderr
    assert f"Bob Smith <{ENTITY}bob-smith>" in result.stderr
    assert result.stdout == ""
    # the full name (any case), the id or the IRI pick one of them
    for name in ("alice smith", "alice-smith", ENTITY + "alice-smith"):
        rows = query_json(cli, store, "who-threatened-whom", ("actor", name))
        assert [(r["source"], r["threatened"]) for r in rows] == [("Alice Smith", "Bob Smith")]


# --------------------------------------------------------------------------- injection

EVIL = [
    'he said "hi"',
    "it's",
    "a } b { c",
    "# not a comment",
    "line one\nline two",
    'x" } UNION { ?s ?p ?o } #',
    "x' } UNION { ?s ?p ?o } #",
    '"""',
    'back\\slash\\" } UNION { ?s ?p ?o }',
    "} UNION { ?s ?p ?o }",
    "<urn:x> } UNION { ?s ?p ?o",
]


def nt_string(value: str) -> str:
    """The N-Triples string literal of ``value``, written independently of kgload."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


@pytest.fixture(scope="module")
def user_queries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("user-queries")
    (folder / "echo.rq").write_text(
        "#+ summary: Echo the parameters back (one row)\n"
        "#+ params:\n"
        "#+   text: {type: string, required: true}\n"
        "#+   code: {type: cameo}\n"
        "#+   n: {type: integer}\n"
        "#+   thing: {type: iri}\n"
        "SELECT ?text ?code ?n ?thing WHERE { }\n",
        encoding="utf-8",
    )
    (folder / "summaries-containing.rq").write_text(
        "#+ summary: Actions whose summary contains a text\n"
        "#+ params:\n"
        "#+   text: {type: string, required: true}\n"
        f"PREFIX kg: <{KG}>\n"
        "SELECT ?fact ?summary WHERE {\n"
        "  ?fact kg:summary ?summary .\n"
        "  FILTER(CONTAINS(?summary, ?text))\n"
        "}\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize("value", EVIL)
def test_a_string_parameter_is_bound_as_one_escaped_literal(
        example_store: Path, user_queries: Path, value: str) -> None:
    query, _ = get_query("echo", [user_queries])
    sparql = bind(query, {"text": value})
    literal = nt_string(value)
    block = f"VALUES (?text) {{ ({literal}) }}"
    assert block in sparql
    # nothing else was added or changed: the query is the stored text plus that block
    assert sparql.replace(" " + block + "\n", "", 1) == query.sparql
    # and it round-trips: exactly one row, the value as given
    assert lib_rows(example_store, sparql) == [
        {"text": value, "code": None, "n": None, "thing": None}]


@pytest.mark.parametrize("value", EVIL)
def test_a_string_parameter_filters_and_injects_nothing(
        example_store: Path, user_queries: Path, value: str) -> None:
    query, _ = get_query("summaries-containing", [user_queries])
    assert lib_rows(example_store, bind(query, {"text": value})) == []  # no extra rows
    # the same query finds what it should with an ordinary value
    rows = lib_rows(example_store, bind(query, {"text": "watch out"}))
    assert [r["fact"] for r in rows] == [FACT + "trump-warns-petro"]


def test_evil_string_through_the_cli(cli: CliRun, example_store: Path,
                                     user_queries: Path) -> None:
    value = 'x" } UNION { ?s ?p ?o } #'
    result = cli("--queries", user_queries, "query", "echo", "-p", "text", value,
                 "-p", "code", "138", "-p", "n", "7", "-p", "thing", "urn:x:y",
                 "--format", "json", store=example_store)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"text": value, "code": "138", "n": 7, "thing": "urn:x:y"}]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("code", '138" } UNION { ?s ?p ?o } #', "is not a CAMEO code"),
    ("code", "13 8", "is not a CAMEO code"),
    ("n", "1 } UNION { ?s ?p ?o }", "is not a whole number"),
    ("thing", "https://example.org/a> } UNION { ?s ?p ?o", "is not a valid IRI"),
    ("thing", "https://example.org/a b", "is not a valid IRI"),
    ("thing", "<https://example.org/a>b>", "is not a valid IRI"),
    ("thing", 'https://example.org/"x"', "is not a valid IRI"),
    ("thing", "no scheme here", "is not a valid IRI"),
])
def test_typed_parameters_reject_what_is_not_of_their_type(
        cli: CliRun, example_store: Path, user_queries: Path, name: str, value: str,
        message: str) -> None:
    query, _ = get_query("echo", [user_queries])
    with pytest.raises(UsageError, match=re.escape(message)):
        bind(query, {"text": "t", name: value})
    result = cli("--queries", user_queries, "query", "echo", "-p", "text", "t",
                 "-p", name, value, store=example_store)
    assert result.exit_code == 2
    assert f"parameter {name}: {value!r} {message}" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("value", EVIL + ["https://example.org/kgload/entity/a> } UNION { ?s"])
def test_entity_parameters_reject_unknown_names(cli: CliRun, example_store: Path,
                                                value: str) -> None:
    result = cli("query", "who-threatened-whom", "-p", "actor", value, store=example_store)
    assert result.exit_code == 2
    assert ("no actor is named" in result.stderr or "is not a valid IRI" in result.stderr)
    assert result.stdout == ""


@pytest.mark.parametrize("value", [v for v in EVIL if not v.startswith("<")])
def test_entity_parameter_without_a_store_is_an_encoded_iri(example_store: Path,
                                                            value: str) -> None:
    # Without a store to look names up in, a value is taken as an entity id and minted
    # into an IRI: percent-encoded, so it cannot leave the IRI either.
    query, _ = get_query("who-threatened-whom")
    sparql = bind(query, {"actor": value})
    iri = str(Iris().entity(value))
    assert re.fullmatch(r"[^\s<>\"{}|\\^`]+", iri)
    assert f'VALUES (?actor ?per_article) {{ (<{iri}> "no") }}' in sparql
    assert len(re.findall(r"\sUNION\s", sparql)) == len(re.findall(r"\sUNION\s", query.sparql))
    with Store(example_store, write=False) as store:
        result = run(store, sparql)
        baseline = run(store, query.sparql)
    assert result.rows == []
    assert result.variables == baseline.variables  # same shape, no rows


# --------------------------------------------------------------------------- where_brace

DATA = [
    ("urn:a", "urn:p", "x"),
    ("urn:b", "urn:p", "y"),
]


@pytest.fixture(scope="module")
def tiny() -> ox.Store:
    store = ox.Store()
    for s, p, o in DATA:
        store.add(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.Literal(o)))
    return store


def solutions(store: ox.Store, sparql: str) -> Any:
    answer = store.query(sparql)
    if isinstance(answer, ox.QueryTriples):
        return sorted((t.subject.value, t.predicate.value, t.object.value) for t in answer)
    names = [v.value for v in answer.variables]
    return sorted(tuple(None if s[n] is None else s[n].value for n in names) for s in answer)


# Each query, bound with ?s = <urn:a>, must behave as if its pattern started with that
# binding: only urn:a's row (or triple) comes back.
WHERE_CASES = {
    "comment with a brace before WHERE":
        "SELECT ?s ?o # { this is not the pattern\nWHERE { ?s <urn:p> ?o }",
    "comment with a brace and WHERE before the pattern":
        "# WHERE { nope }\nSELECT ?s ?o WHERE { ?s <urn:p> ?o }",
    "#+ header with braces":
        "#+ params:\n#+   s: {type: iri}\nSELECT ?s ?o WHERE { ?s <urn:p> ?o }",
    "string with a brace in the projection":
        'SELECT ?s (CONCAT("{", ?o, "} WHERE {") AS ?c) WHERE { ?s <urn:p> ?o }',
    "string with a brace in the pattern":
        "SELECT ?s ?o WHERE { ?s <urn:p> ?o FILTER(?o != \"{ WHERE }\") }",
    "single-quoted and long strings":
        "SELECT ?s ?o WHERE { ?s <urn:p> ?o FILTER(?o != '{' && ?o != \"\"\"a { \" } b\"\"\") }",
    "no WHERE keyword":
        "SELECT ?s ?o { ?s <urn:p> ?o }",
    "variable named ?where":
        "SELECT ?where ?s ?o { ?s <urn:p> ?o BIND(1 AS ?where) }",
    "prefix named where":
        "PREFIX where: <urn:> SELECT ?s ?o { ?s where:p ?o }",
    "IRI with a hash before the pattern":
        "PREFIX ex: <urn:ex#> SELECT ?s ?o WHERE { ?s <urn:p> ?o }",
    "sub-select":
        "SELECT ?s ?o WHERE { { SELECT ?s ?o WHERE { ?s <urn:p> ?o } } }",
    "sub-select not projecting the parameter, no outer WHERE":
        "SELECT ?s ?o { ?s <urn:p> ?o { SELECT (COUNT(*) AS ?n) WHERE { ?x ?y ?z } } }",
    "EXISTS in the projection":
        "SELECT ?s ?o (EXISTS { ?s <urn:p> \"x\" } AS ?e) WHERE { ?s <urn:p> ?o }",
    "FILTER NOT EXISTS":
        "SELECT ?s ?o WHERE { ?s <urn:p> ?o FILTER NOT EXISTS { ?s <urn:q> ?o } }",
}


@pytest.mark.parametrize("sparql", WHERE_CASES.values(), ids=WHERE_CASES.keys())
def test_with_values_binds_in_the_outer_pattern(tiny: ox.Store, sparql: str) -> None:
    everything = solutions(tiny, sparql)
    assert len(everything) == 2  # unbound: both subjects
    bound = with_values(sparql, {"s": ox.NamedNode("urn:a")})
    rows = solutions(tiny, bound)
    assert len(rows) == 1
    assert rows[0] in everything
    assert "urn:a" in rows[0]
    # the block opens the outer pattern, right after its brace
    at = where_brace(sparql)
    assert sparql[at - 1] == "{"
    assert bound.startswith(f"{sparql[:at]} VALUES (?s) {{ (<urn:a>) }}\n")
    if not sub_selects(sparql):
        assert bound == f"{sparql[:at]} VALUES (?s) {{ (<urn:a>) }}\n{sparql[at:]}"


def test_a_sub_select_that_names_a_parameter_has_it_bound_in_its_own_pattern(
        tiny: ox.Store) -> None:
    # evaluated on its own, the sub-select would see ?o unbound: the FILTER would keep all
    sparql = ("SELECT ?s WHERE { { SELECT ?s WHERE { ?s <urn:p> ?x "
              "FILTER(!BOUND(?o) || ?x = ?o) } } { SELECT ?y WHERE { ?y <urn:p> ?z } } }")
    assert len(solutions(tiny, sparql)) == 4
    [(value,)] = solutions(tiny, "SELECT ?o WHERE { <urn:a> <urn:p> ?o }")
    bound = with_values(sparql, {"o": ox.Literal(value), "s": ox.NamedNode("urn:a")})
    assert bound.count("VALUES (?o ?s)") == 2  # the outer pattern, and the sub-select's
    assert solutions(tiny, bound) == [("urn:a",), ("urn:a",)]  # the last sub-select: as is


def test_sub_selects_skip_strings_comments_and_nest() -> None:
    sparql = ('SELECT * WHERE { ?a <urn:p> "{ SELECT ?x WHERE { }" # SELECT { }\n'
              "{ SELECT ?b (COUNT(?c) AS ?n) WHERE { ?b <urn:q> ?c "
              "{ SELECT ?c WHERE { ?c <urn:r> ?d } } } GROUP BY ?b } }")
    found = sub_selects(sparql)
    assert [sparql[s.pattern:s.pattern_end].strip() for s in found] == [
        "?b <urn:q> ?c { SELECT ?c WHERE { ?c <urn:r> ?d } }", "?c <urn:r> ?d"]
    assert [sparql[s.start:s.end].strip() for s in found] == [
        "SELECT ?b (COUNT(?c) AS ?n) WHERE { ?b <urn:q> ?c "
        "{ SELECT ?c WHERE { ?c <urn:r> ?d } } } GROUP BY ?b",
        "SELECT ?c WHERE { ?c <urn:r> ?d }"]


def test_paged_puts_the_page_into_the_marked_driver_only_when_a_page_is_asked() -> None:
    sparql = "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n  # kgload:page\n} }"
    assert paged(sparql, None) == sparql
    assert paged(sparql, 10, 30) == sparql.replace("  # kgload:page", "LIMIT 40")
    assert paged("SELECT * WHERE { ?s ?p ?o } # kgload:page", 5) == (
        "SELECT * WHERE { ?s ?p ?o } # kgload:page")  # a mark only on a line of its own
    # the whole result: a counted driver gets its count, an open one stays unbounded
    assert paged(sparql, None, 0, 7) == sparql.replace("  # kgload:page", "LIMIT 7")
    open_mark = sparql.replace("# kgload:page", "# kgload:page open")
    assert paged(open_mark, None, 0, 7) == open_mark
    assert paged(open_mark, 10, 30) == sparql.replace("  # kgload:page", "LIMIT 40")
    assert len(page_drivers(open_mark)) == 1


def test_a_whole_result_is_the_same_with_a_counted_or_an_open_driver(tmp_path: Path) -> None:
    sparql = ("SELECT ?s ?o WHERE { { SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n"
              "  # kgload:page\n} ?s ?p ?o } ORDER BY ?s ?o")
    with Store(tmp_path / "s", write=True) as store:
        store.update('INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:p> "x" , "z" . '
                     '<urn:b> <urn:p> "y" } }')
        sent: list[str] = []
        query = store.query
        store.query = lambda text: (sent.append(text), query(text))[1]  # type: ignore[method-assign]
        counted = run(store, sparql).rows
        assert len(sent) == 2 and "COUNT(*)" in sent[0] and "LIMIT 2" in sent[1]
        sent.clear()
        opened = run(store, sparql.replace("# kgload:page", "# kgload:page open")).rows
        assert len(sent) == 1 and "LIMIT" not in sent[0]  # not counted, not bounded
    assert counted == opened and len(counted) == 3


CONSTRUCT_CASES = {
    "template then WHERE":
        "CONSTRUCT { ?s <urn:q> ?o } WHERE { ?s <urn:p> ?o }",
    "template with a brace in a string":
        "CONSTRUCT { ?s <urn:q> \"{ WHERE {\" } WHERE { ?s <urn:p> ?o }",
    "template without the WHERE keyword":
        "CONSTRUCT { ?s <urn:q> ?o } { ?s <urn:p> ?o }",
    "template mentioning where":
        "PREFIX where: <urn:> CONSTRUCT { ?s where:q ?where } WHERE { ?s <urn:p> ?where }",
}


@pytest.mark.parametrize("sparql", CONSTRUCT_CASES.values(), ids=CONSTRUCT_CASES.keys())
def test_with_values_skips_construct_templates(tiny: ox.Store, sparql: str) -> None:
    assert len(solutions(tiny, sparql)) == 2
    bound = with_values(sparql, {"s": ox.NamedNode("urn:a")})
    triples = solutions(tiny, bound)
    assert len(triples) == 1
    assert triples[0][0] == "urn:a"


def test_ask(tiny: ox.Store) -> None:
    ask = with_values("ASK { ?s <urn:p> \"y\" }", {"s": ox.NamedNode("urn:a")})
    assert bool(tiny.query(ask)) is False
    ask = with_values("ASK { ?s <urn:p> \"x\" }", {"s": ox.NamedNode("urn:a")})
    assert bool(tiny.query(ask)) is True


@pytest.mark.parametrize("sparql", [
    "DESCRIBE <urn:a>",
    "# SELECT * WHERE { ?s ?p ?o }\nDESCRIBE <urn:a>",
    'SELECT * "WHERE { }"',
])
def test_a_query_without_a_pattern_is_refused(sparql: str) -> None:
    with pytest.raises(UsageError, match="cannot find the query's WHERE"):
        where_brace(sparql)
    assert with_values(sparql, {}) == sparql  # nothing to bind: left alone


@pytest.mark.parametrize("name", sorted(STORED))
def test_every_stored_query_binds_after_its_where(name: str) -> None:
    query, _ = get_query(name)
    at = where_brace(query.sparql)
    # the brace right after the WHERE keyword (the stored queries all spell it)
    assert re.search(r"\bWHERE\s*\{$", query.sparql[:at])
    assert query.sparql[:at].count("WHERE") == 1
