"""Regression tests for stored-query bugs, each named after what broke.

Most run on a store holding the gold example and three small articles about the same
actors (Trump, Petro, Colombia, the ELN), loaded after it: a store that holds more than
the bundled examples, as users' stores do.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import BASE, EXAMPLE, CliRun, facts_yaml
from kgload.contracts import (
    check_example,
    check_queries,
    holds_only_the_examples,
    list_columns,
)
from kgload.errors import UsageError
from kgload.iris import Iris
from kgload.pipeline import load
from kgload.queries import bind, check_values, get_query, load_queries, parse_query_file, run
from kgload.store import Store

ENTITY = BASE + "entity/"

TRUMP = """
id: donald-trump
type: Person
name: "Donald Trump"
aliases: ["Trump"]
evidence: "U.S. President Donald Trump"
"""
PETRO = """
id: gustavo-petro
type: Person
name: "Gustavo Petro"
aliases: ["Petro", "President Petro"]
descriptors: ["former guerrilla"]
evidence: "Colombian President Gustavo Petro, a former guerrilla"
"""
ELN = """
id: eln
type: ArmedGroup
name: "National Liberation Army"
aliases: ["ELN"]
descriptors: ["Marxist rebels"]
evidence: "the National Liberation Army (ELN), Marxist rebels"
"""
BORDER = """
id: colombia-venezuela-border
type: Border
name: "Colombia–Venezuela border"
between: [colombia, venezuela]
evidence: "near the border with Venezuela"
"""

# Another report of Trump's threat, an ELN attack at two places (one a border), an
# accusation of it and a criticism by Trump.
REUTERS = ("reuters-2026-01-08-trump-petro", (TRUMP, PETRO, ELN, BORDER), (
    """
    id: trump-threatens-colombia
    type: ThreatenMilitaryForce
    agents: [donald-trump]
    targets: [colombia]
    status: occurred
    time: {text: "in recent days", after: "2026-01-03", before: "2026-01-07"}
    attributed_to: [gustavo-petro]
    evidence: "Trump had threatened Colombia with military action, Petro said"
    """,
    """
    id: eln-bombs-pipeline
    type: Fight
    agents: [eln]
    targets: [colombia-government]
    places: [colombia-venezuela-border, venezuela]
    status: occurred
    time: "2026-01-05"
    evidence: "ELN rebels bombed a pipeline near the border with Venezuela"
    """,
    """
    id: petro-accuses-eln
    type: Accuse
    agents: [gustavo-petro]
    targets: [eln]
    about: [eln-bombs-pipeline]
    status: occurred
    time: "2026-01-06"
    evidence: "Petro blamed the ELN for the attack"
    """,
    """
    id: trump-criticizes-petro
    type: Criticize
    agents: [donald-trump]
    targets: [gustavo-petro]
    status: occurred
    time: "2026-01-07"
    evidence: "Trump criticized Petro"
    """,
))

# An order that names no content, an agreement of Benedetti's, an ELN retreat and a
# group of activists acting somewhere (which does not make them an armed group).
EL_TIEMPO = ("el-tiempo-2026-01-08-petro-orders", (
    PETRO, ELN,
    """
    id: armando-benedetti
    type: Person
    name: "Armando Benedetti"
    aliases: ["Benedetti"]
    evidence: "Interior Minister Armando Benedetti"
    """,
    """
    id: peace-activists
    type: Group
    name: "peace activists in Bogotá"
    evidence: "peace activists marched in Bogotá"
    """,
), (
    """
    id: petro-orders-offensive
    type: Order
    agents: [gustavo-petro]
    status: occurred
    time: "2026-01-07"
    evidence: "Petro ordered an offensive"
    """,
    """
    id: benedetti-agrees-with-bogota
    type: AgreeToCooperateMilitarily
    agents: [armando-benedetti, colombia-government]
    status: occurred
    time: "2026-01-07"
    evidence: "Benedetti agreed with the government on joint operations"
    """,
    """
    id: eln-retreats
    type: Retreat
    agents: [eln]
    places: [venezuela]
    status: alleged
    attributed_to: [gustavo-petro]
    evidence: "the rebels withdrew into Venezuela, Petro said"
    """,
    """
    id: activists-march
    type: MakeStatement
    agents: [peace-activists]
    places: [bogota]
    status: occurred
    time: "2026-01-07"
    evidence: "peace activists marched in Bogotá"
    """,
))

# An armed group that neither acts nor is attacked, officials arresting men somewhere
# (neither an armed group), and another call between the two presidents.
AP = ("ap-2026-01-08-colombia-arrests", (
    TRUMP, PETRO,
    """
    id: gulf-clan
    type: ArmedGroup
    name: "Gulf Clan"
    aliases: ["Clan del Golfo"]
    evidence: "the Gulf Clan, Colombia's largest drug cartel"
    """,
    """
    id: colombian-officials
    type: Group
    name: "Colombian officials"
    evidence: "Colombian officials"
    """,
    """
    id: arrested-men
    type: Group
    name: "three men"
    evidence: "arrested three men"
    """,
), (
    """
    id: petro-denounces-gulf-clan
    type: Criticize
    agents: [gustavo-petro]
    targets: [gulf-clan]
    status: occurred
    time: "2026-01-07"
    evidence: "Petro denounced the Gulf Clan"
    """,
    """
    id: officials-arrest-men
    type: Seize
    agents: [colombian-officials]
    targets: [arrested-men]
    places: [bogota]
    status: occurred
    time: "2026-01-07"
    evidence: "Colombian officials arrested three men in Bogotá"
    """,
    """
    id: petro-trump-call
    type: DiscussByTelephone
    agents: [gustavo-petro, donald-trump]
    status: occurred
    time: "2026-01-07"
    evidence: "Petro and Trump spoke by telephone on Wednesday"
    """,
))

EXTRA = (REUTERS, EL_TIEMPO, AP)


def write_articles(folder: Path, articles: Any) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for article_id, entities, actions in articles:
        path = folder / f"{article_id}.yaml"
        path.write_text(facts_yaml(article_id, entities, actions), encoding="utf-8")
        paths.append(path)
    return paths


def build_store(path: Path, files: list[Path]) -> Path:
    with Store(path, write=True) as store:
        report = load(store, files)
    assert [o.status for o in report.outcomes] == ["loaded"] * len(files), [
        f.format() for o in report.outcomes for f in o.findings]
    return path


@pytest.fixture(scope="module")
def larger_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gold example, then three more articles about the same actors. Read-only use."""
    root = tmp_path_factory.mktemp("larger")
    return build_store(root / "store", [EXAMPLE, *write_articles(root / "facts", EXTRA)])


def rows_of(store_path: Path, name: str, **params: str) -> list[dict[str, str]]:
    query, _ = get_query(name)
    with Store(store_path, write=False) as store:
        result = run(store, bind(query, params, store))
    return [{v: "" if t is None else str(t) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows]


def fact_of(row: dict[str, str], column: str = "fact") -> str:
    return row[column].rsplit("/", 1)[-1]


# --------------------------------------------------------------------------- orders


def test_an_order_about_nothing_is_one_row_not_joined_with_every_action(
        larger_store: Path) -> None:
    rows = rows_of(larger_store, "orders")
    # two orders of the example, each with its content, and the order about nothing
    assert sorted((fact_of(r), fact_of(r, "ordered_fact")) for r in rows) == [
        ("petro-orders-intelligence-halt", "stop-intelligence-sharing-with-us"),
        ("petro-orders-offensive", ""),
        ("petro-x-message", "cancel-us-security-agreements"),
    ]
    [empty] = [r for r in rows if fact_of(r) == "petro-orders-offensive"]
    assert (empty["ordered_by"], empty["ordered_to"], empty["ordered_kind"],
            empty["ordered_status"], empty["carried_out"], empty["condition"]) == (
        "Gustavo Petro", "", "", "", "", "")
    [halt] = [r for r in rows if fact_of(r) == "petro-orders-intelligence-halt"]
    assert halt["condition"].startswith("unless: The US halts its attacks")


# --------------------------------------------------------------------------- armed groups


def test_armed_groups_lists_every_armed_group_and_no_unarmed_group(larger_store: Path) -> None:
    rows = rows_of(larger_store, "armed-groups")
    assert {(r["group_name"], r["group_type"]) for r in rows} == {
        ("National Liberation Army", "armed group"),
        ("Gulf Clan", "armed group"),  # declared, only denounced: listed all the same
        ("various armed groups at the Colombia–Venezuela border", "group"),  # operates there
    }
    # not the officials who arrest, the men arrested, the activists who march somewhere,
    # the soldiers attacked or the traffickers fought: groups, but not armed ones
    [clan] = [r for r in rows if r["group_name"] == "Gulf Clan"]
    assert (clan["role"], clan["kind"], clan["fact"]) == ("", "", "")
    assert clan["group"] == ENTITY + "gulf-clan"


def test_armed_collectives_are_derived_per_article(larger_store: Path) -> None:
    """kg:ArmedCollective, the listing's starting set: the armed groups (the registry's
    and the declared ones) and the groups an article reports operating, fighting or
    abducting, and no other group."""
    from kgload.registry import load_registry

    with Store(larger_store, write=False) as store:
        armed = {str(row["g"].value)[len(ENTITY):] for row in store.query(
            "SELECT DISTINCT ?g WHERE { ?g a <https://w3id.org/kgload/ontology#ArmedCollective> }")}
    registry_groups = {i for i, t in load_registry().types.items() if t == "ArmedGroup"}
    assert registry_groups <= armed
    assert armed - registry_groups == {"eln", "gulf-clan", "various-armed-groups"}


def test_a_facts_file_cannot_declare_a_derived_class(cli: CliRun, tmp_path: Path) -> None:
    facts = tmp_path / "derived.yaml"
    facts.write_text(facts_yaml("test-derived-class", entities=["""
        id: some-band
        type: ArmedCollective
        name: "Some band"
        evidence: "some band"
        """]), encoding="utf-8")
    result = cli("load", facts, store=tmp_path / "store")
    assert result.exit_code == 1, result.output  # rejected
    assert 'derived.yaml:10:5: [some-band] type: "ArmedCollective" is not one of' in result.output


def test_armed_groups_orders_long_names_as_whole_names(tmp_path: Path) -> None:
    """The sort compares three 15-character chunks of a group's name, then the whole name
    only when it is longer than 45 characters: names that share their first 45
    characters still come in the order of their whole names (not of their ids), each
    group's rows together, and a shorter name that is a prefix of them first."""
    prefix = "Revolutionary Armed Forces of the Northern Andes"  # 48 characters
    groups = [("a-zeta", prefix + " Zeta Front"), ("b-alpha", prefix + " Alpha Front"),
              ("c-short", prefix[:45]), ("d-beta", prefix + " Beta Front")]
    entities = [f"""
        id: {group_id}
        type: ArmedGroup
        name: "{name}"
        evidence: "{name}"
        """ for group_id, name in groups]
    actions = [f"""
        id: {group_id}-fights
        type: Fight
        agents: [{group_id}]
        status: ongoing
        evidence: "{name} fought"
        """ for group_id, name in groups]
    store_path = build_store(tmp_path / "store", write_articles(
        tmp_path / "facts", [("test-long-group-names", entities, actions)]))
    names = [r["group_name"] for r in rows_of(store_path, "armed-groups")
             if r["group_name"].startswith(prefix[:45])]
    assert names == sorted(name for _, name in groups)


def test_armed_groups_border_column_when_a_border_is_one_place_of_several(
        larger_store: Path) -> None:
    [bombing] = [r for r in rows_of(larger_store, "armed-groups", group="ELN")
                 if fact_of(r) == "eln-bombs-pipeline"]
    assert set(bombing["places"].split("; ")) == {"Venezuela", "Colombia–Venezuela border"}
    assert bombing["border"] == "Colombia–Venezuela border"
    assert bombing["accused_by"] == "Gustavo Petro"


# --------------------------------------------------------------------------- CAMEO codes


def test_events_by_cameo_includes_sub_codes_unless_exact(cli: CliRun,
                                                        example_store: Path) -> None:
    def codes(*params: str) -> list[str]:
        result = cli("query", "events-by-cameo", "-p", "code", "112", *params, "--format",
                     "json", store=example_store)
        assert result.exit_code == 0, result.output
        return sorted(r["event_code"] for r in json.loads(result.stdout))

    assert codes() == ["112", "1121", "1121"]
    assert codes("-p", "exact", "no") == ["112", "1121", "1121"]
    assert codes("-p", "exact", "yes") == ["112"]
    wrong = cli("query", "events-by-cameo", "-p", "code", "112", "-p", "exact", "maybe",
                store=example_store)
    assert wrong.exit_code == 2
    assert "parameter exact: 'maybe' is not one of yes, no" in wrong.stderr


# --------------------------------------------------------------------------- entity names
# A made-up state: the name rules are tested apart from the world registry.

RURITANIA = ("ruritania-article", (
    """
    id: ruritania
    type: State
    name: "Ruritania"
    evidence: "Ruritania"
    """,
    """
    id: ruritania-government
    type: Government
    name: "Government of Ruritania"
    aliases: ["Ruritania", "Strelsau"]
    evidence: "the government in Strelsau"
    """,
), (
    """
    id: strelsau-threatens-ruritania
    type: Threaten
    agents: [ruritania-government]
    targets: [ruritania]
    status: occurred
    evidence: "Strelsau threatened"
    """,
    """
    id: ruritania-threatens-strelsau
    type: Threaten
    agents: [ruritania]
    targets: [ruritania-government]
    status: occurred
    evidence: "Ruritania threatened"
    """,
))


@pytest.fixture(scope="module")
def ruritania_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ruritania")
    return build_store(root / "store", write_articles(root / "facts", [RURITANIA]))


@pytest.mark.parametrize(("value", "expected"), [
    ("ruritania", "ruritania"),  # the id, though it is also the government's alias (any case)
    (ENTITY + "ruritania", "ruritania"),  # the IRI
    ("Ruritania", "ruritania"),  # a name wins over another entity's alias
    ("RURITANIA", "ruritania"),
    ("ruritania-government", "ruritania-government"),
    ("Strelsau", "ruritania-government"),  # an alias, when no name or id is that
    ("government of ruritania", "ruritania-government"),
])
def test_an_entity_id_or_name_wins_over_an_alias(cli: CliRun, ruritania_store: Path, value: str,
                                                 expected: str) -> None:
    result = cli("query", "who-threatened-whom", "-p", "actor", value, "--format", "json",
                 store=ruritania_store)
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert fact_of(row) == {"ruritania": "ruritania-threatens-strelsau",
                            "ruritania-government": "strelsau-threatens-ruritania"}[expected]


def test_two_aliases_on_the_same_footing_stay_ambiguous(cli: CliRun, tmp_path: Path,
                                                        twins_file: Path) -> None:
    store = tmp_path / "twins"
    assert cli("load", twins_file, store=store).exit_code == 0
    result = cli("query", "who-threatened-whom", "-p", "actor", "Smith", store=store)
    assert result.exit_code == 2
    assert "'Smith' is ambiguous" in result.stderr


# --------------------------------------------------------------------------- date windows


@pytest.mark.parametrize("name", ["timeline", "event-table"])
def test_a_reversed_window_is_a_usage_error(cli: CliRun, example_store: Path,
                                            name: str) -> None:
    result = cli("query", name, "-p", "from", "2026-01-08", "-p", "to", "2026-01-01",
                 store=example_store)
    assert result.exit_code == 2
    assert (f"query {name}: the window is reversed: from 2026-01-08 is after to 2026-01-01"
            in result.stderr)
    assert result.stdout == ""
    same_day = cli("query", name, "-p", "from", "2026-01-08", "-p", "to", "2026-01-08",
                   store=example_store)
    assert same_day.exit_code == 0, same_day.output


def test_the_window_check_applies_to_any_query_with_from_and_to(tmp_path: Path) -> None:
    path = tmp_path / "span.rq"
    path.write_text(textwrap.dedent("""\
        #+ params:
        #+   from: {type: date}
        #+   to: {type: date}
        #+   label: {type: string}
        SELECT ?x WHERE { BIND(?from AS ?x) FILTER(BOUND(?to) || BOUND(?label)) }
        """), encoding="utf-8")
    query = parse_query_file(path)
    with pytest.raises(UsageError, match="from 2025-02-01 is after to 2025-01-31"):
        check_values(query, {"from": "2025-02-01", "to": "2025-01-31"})
    assert check_values(query, {"from": "2025-01-31", "to": "2025-02-01"})
    assert check_values(query, {"from": "2025-02-01"})  # one end: nothing to compare
    with pytest.raises(UsageError, match="is not a date"):  # the type check still speaks
        bind(query, {"from": "soon", "to": "2025-01-31"})
    # string parameters named from/to are not a window
    path.write_text(path.read_text().replace("{type: date}", "{type: string}"))
    assert check_values(parse_query_file(path), {"from": "b", "to": "a"})


def test_every_query_with_a_window_says_how_it_reads_it() -> None:
    queries, _ = load_queries()
    windowed = [q for q in queries.values() if q.param("from") and q.param("to")]
    assert {q.name for q in windowed} >= {"timeline", "event-table"}
    for query in windowed:
        text = " ".join(query.description.split())
        assert "overlaps" in text, query.name
        assert "undated" in text.lower(), query.name


# --------------------------------------------------------------------------- contracts


def test_contracts_hold_on_a_store_holding_more_than_the_examples(larger_store: Path) -> None:
    queries, _ = load_queries()
    with Store(larger_store, write=False) as store:
        assert not holds_only_the_examples(store)
        results = check_queries(store, queries)
        exact = check_queries(store, queries, exact=True)
    assert all(not r.exact for r in results)
    assert [(r.query, r.number, r.problems) for r in results if not r.holds] == []
    # the extra articles do add rows: exact counts would not hold
    assert {r.query for r in exact if not r.holds} >= {"orders", "armed-groups", "timeline",
                                                      "criticisms", "actor-profile"}


def test_contracts_are_exact_on_the_examples_alone(example_store: Path) -> None:
    queries, _ = load_queries()
    with Store(example_store, write=False) as store:
        assert holds_only_the_examples(store)
        results = check_queries(store, queries)
    assert all(r.exact for r in results)
    assert [(r.query, r.number, r.problems) for r in results if not r.holds] == []


def test_check_with_store_holds_on_the_larger_store(cli: CliRun, larger_store: Path) -> None:
    result = cli("check", "--format", "json", store=larger_store)
    assert result.exit_code == 0, result.output
    assert {r["contract"] for r in json.loads(result.stdout)} == {"holds"}


CONTRACT_QUERY = """#+ summary: Aliases of an actor
#+ params:
#+   actor: {type: actor, required: true}
#+ examples:
#+   - params: {actor: Petro}
#+     rows: [{aliases: "Petro; President Petro"}]
#+     absent: [{aliases: ""}]
#+     count: 1
PREFIX kg: <https://w3id.org/kgload/ontology#>
SELECT (GROUP_CONCAT(DISTINCT ?alias; separator="; ") AS ?aliases) (COUNT(*) AS ?n)
WHERE { ?actor kg:alias ?alias } GROUP BY ?actor
"""


def test_a_joined_cell_may_hold_more_values_on_a_larger_store(tmp_path: Path,
                                                              larger_store: Path) -> None:
    path = tmp_path / "aliases.rq"
    path.write_text(CONTRACT_QUERY, encoding="utf-8")
    query = parse_query_file(path)
    assert list_columns(query) == {"aliases": "; "}
    with Store(larger_store, write=False) as store:
        loose = check_example(store, query, 1, query.examples[0], Iris(), exact=False)
        strict = check_example(store, query, 1, query.examples[0], Iris(), exact=True)
    # the example's article gives Petro three aliases: the listed two are among them
    assert loose.holds, loose.problems
    assert strict.problems == [
        "missing row {'aliases': 'Petro; President Petro'}"]


def test_a_count_is_a_lower_bound_on_a_larger_store(tmp_path: Path,
                                                    larger_store: Path) -> None:
    path = tmp_path / "threats.rq"
    path.write_text(CONTRACT_QUERY.replace("count: 1", "count: 40"), encoding="utf-8")
    query = parse_query_file(path)
    with Store(larger_store, write=False) as store:
        outcome = check_example(store, query, 1, query.examples[0], Iris(), exact=False)
    assert outcome.problems == [
        "1 rows, expected at least 40 (the store holds more than the examples)"]
