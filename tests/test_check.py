"""Tests for kgload.check, directly (check_facts) and through pipeline.validate_paths.

Every finding is asserted by its exact rule, line, column and fact id and the key words
of its message. The negative corpus is tests/fixtures/bad/ (one case a user would
recognise per file, each starting with a comment that says what is wrong); the good
corpus, tests/fixtures/good/, holds non-Latin and right-to-left names and a JSON twin of
a YAML file.

Reasoning costs about a second per article, so the whole bad folder is validated in one
``validate_paths`` call, the good files in another, and the twins are prepared once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.compare import isomorphic

from kgload.check import CheckedFacts, check_facts, check_schema
from kgload.dates import DateError, TimeSpan
from kgload.errors import Finding, InputRejected
from kgload.facts import FactsFile, parse_bytes, read_file
from kgload.iris import Iris
from kgload.mapping import map_article
from kgload.pipeline import Outcome, Prepared, validate_paths
from kgload.prepare import prepare
from kgload.registry import load_registry
from kgload.vocab import KG

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
BAD = FIXTURES / "bad"
GOOD = FIXTURES / "good"
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"

# rule, line, column, fact id, key words of the message
Expected = tuple[str, int | None, int | None, str | None, list[str]]

ID_RULE = "Lower-case letters, digits"  # the schema's description of an id

# Files the checks reject (parse-level rejections are in test_facts.py).
CHECK_CASES: dict[str, list[Expected]] = {
    "agent-typo.yaml": [
        ("schema-required", 8, 5, "petro-speaks", ['missing required field "agents"']),
        ("schema-unknown-field", 10, 5, "petro-speaks",
         ['unknown field "agent"', 'did you mean "agents"']),
    ],
    "agent-typo.json": [
        ("schema-required", 5, 5, "petro-speaks", ['missing required field "agents"']),
        ("schema-unknown-field", 8, 7, "petro-speaks",
         ['unknown field "agent"', 'did you mean "agents"']),
    ],
    "missing-required.yaml": [
        ("schema-required", 3, 1, "test-missing-required", ['missing required field "published"']),
        ("schema-required", 7, 5, "petro-speaks", ['missing required field "evidence"']),
    ],
    "wrong-types.yaml": [
        ("schema-type", 13, 14, "long-border", ['value: "2,200" should be a number']),
        ("schema-type", 17, 5, "petro-speaks", ['agents: "petro" should be a list']),
    ],
    "future-format.yaml": [
        # only this: the unknown field of the newer format is not reported
        ("future-format", 2, 1, None, ["format version 2", "reads version 1", "upgrade kgload"]),
    ],
    "bad-ids.yaml": [
        ("schema-pattern", 9, 5, "gustavo petro", ['id: "gustavo petro" is not valid', ID_RULE]),
        ("schema-pattern", 12, 5, "trump\x07", ['id: "trump\\u0007" is not valid', ID_RULE]),
        ("schema-pattern", 16, 5, "../etc/passwd", ['id: "../etc/passwd" is not valid', ID_RULE]),
        ("schema-pattern", 20, 5, "Petro-Speaks", ['id: "Petro-Speaks" is not valid', ID_RULE]),
    ],
    "blank-evidence.yaml": [
        ("schema-blank", 11, 5, "petro-speaks", ["evidence must not be blank"]),
        ("schema-blank", 15, 31, "trump-speaks", ["evidence must not be empty"]),
    ],
    "several-problems.yaml": [
        # a bad date, a bad status, an unknown type and two unknown entities: none hides another
        ("schema-pattern", 8, 3, "test-several-problems",
         ['published: "January 8, 2026" is not valid', "YYYY-MM-DD"]),
        ("schema-enum", 17, 5, "petro-speaks", ['status: "happened" is not one of']),
        ("unknown-action-type", 21, 5, "petro-visits",
         ['unknown action type "Visit"', 'did you mean "MakeAVisit"']),
        ("unknown-entity", 23, 15, "petro-visits", ['"atlantis-government"']),
        ("unknown-entity", 23, 36, "petro-visits", ['"essequibo-mayor"']),
    ],
    "undeclared-entity.yaml": [
        ("unknown-entity", 15, 14, "petro-threatens",
         ['entity "ivan-cepeda"', "not declared", 'did you mean "ivan-cepda"']),
        ("unknown-entity", 16, 15, "petro-threatens",
         ['entity "clan-del-golfo"',
          "not declared in this file, in the shared registry or in the store"]),
    ],
    "undeclared-action.yaml": [
        ("unknown-action", 12, 13, "petro-asks-for-attack",
         ['action "joint-atack"', "not declared", 'did you mean "joint-attack"']),
        ("unknown-action", 12, 26, "petro-asks-for-attack",
         ['action "colombia"', "it is an entity, not an action"]),
        ("self-reference", 17, 17, "joint-attack", ["cannot refer to itself"]),
        ("unknown-action", 22, 17, "petro-warns", ['action "us-halts-attacks"', "not declared"]),
    ],
    "duplicate-ids.yaml": [
        ("duplicate-id", 16, 5, "petro", ['the id "petro" is used twice', "first at line 8"]),
        ("duplicate-id", 20, 5, "call", ['the id "call" is used twice', "first at line 12"]),
    ],
    "registry-id.yaml": [
        ("registry-id", 8, 5, "colombia", ['"colombia"', "shared registry", "use it by id"]),
    ],
    "unknown-action-type.yaml": [
        ("unknown-action-type", 9, 5, "trump-warns-petro",
         ['unknown action type "Thraeten"', 'did you mean "Threaten"', "kgload types"]),
    ],
    "impossible-dates.yaml": [
        ("bad-date", 6, 3, "test-impossible-dates",
         ["published", '"2026-02-30"', "February 2026 has 28 days"]),
        ("bad-date", 11, 5, "petro-speaks", ["time", '"2025-02-30"', "February 2025 has 28 days"]),
    ],
    "unresolvable-time.yaml": [
        ("bad-date", 11, 5, "petro-speaks", ['cannot read "Blursday"', "publication date"]),
    ],
    "time-windows.yaml": [
        ("bad-date", 12, 5, "petro-speaks", ["start (2026-01-05) is after the end (2026-01-02)"]),
        ("bad-date", 17, 5, "trump-speaks",
         ["window is empty", "5 January 2026 is later than 2 January 2026"]),
    ],
}

# Files only reasoning and SHACL reject (through validate_paths).
SEMANTIC_CASES: dict[str, list[Expected]] = {
    "wrong-roles.yaml": [
        ("ActionAgent", 19, 14, "bogota-announces",
         ["agent must be an actor", "a city, platform or border cannot act"]),
        ("ActionPlace", 24, 14, "fight-at-benedetti", ["place must be a place"]),
        ("ActionAttribution", 29, 21, "radio-claims-attack", ["attributed to an actor"]),
    ],
    "platform-located-in.yaml": [
        # in plain words, at the statement that made the platform a place
        ("inconsistent", 12, 5, "x-platform",
         ["contradict the ontology", '"X" (x-platform) is a platform',
          '"located_in" here needs a place', "nothing can be both a platform and a place"]),
    ],
}

GOOD_FILES = ["arabic-names.yaml", "hebrew-names.yaml", "chinese-names.yaml",
              "yaml12-scalars.yaml", "participants.yaml"]


# --- helpers ---------------------------------------------------------------------------------


def registry_types() -> dict[str, str]:
    return load_registry().types


def parse(text: str, *, name: str = "t.yaml") -> FactsFile:
    return parse_bytes(text.encode("utf-8"), name=name, as_json=name.endswith(".json"))


def check(text: str, *, name: str = "t.yaml") -> CheckedFacts:
    return check_facts(parse(text, name=name), registry_types())


def rejected(text: str, *, name: str = "t.yaml") -> list[Finding]:
    with pytest.raises(InputRejected) as caught:
        check(text, name=name)
    return caught.value.findings


def assert_findings(findings: list[Finding], expected: list[Expected], file: str) -> None:
    got = [(f.rule, f.line, f.column, f.fact) for f in findings]
    assert got == [e[:4] for e in expected], "\n".join(f.format() for f in findings)
    for finding, (*_, words) in zip(findings, expected, strict=True):
        assert finding.file == file
        assert finding.severity == "error"
        for word in words:
            assert word in finding.message, (word, finding.message)


HEAD = """\
format_version: 1
article:
  id: test-article
  title: "A test"
  published: "2026-01-08"
"""

ACTION = """\
actions:
  - id: a1
    type: MakeStatement
    agents: [colombia-government]
    evidence: "Petro spoke"
"""  # lines 6-10 after HEAD


def with_action(extra: str = "", *, agents: str = "[colombia-government]") -> str:
    """HEAD and one action (its id on line 7, its extra fields from line 11 on)."""
    return HEAD + ACTION.replace("[colombia-government]", agents) + extra


# --- the negative corpus -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHECK_CASES))
def test_bad_fixture_via_check_facts(name: str) -> None:
    path = BAD / name
    with pytest.raises(InputRejected) as caught:
        check_facts(read_file(path), registry_types())
    assert_findings(caught.value.findings, CHECK_CASES[name], str(path))


@pytest.fixture(scope="module")
def bad_outcomes() -> dict[str, Outcome]:
    """Every file of the bad folder, validated in one run (folder expansion included)."""
    report = validate_paths([BAD])
    return {Path(o.source).name: o for o in report.outcomes}


@pytest.mark.parametrize("name", sorted(CHECK_CASES | SEMANTIC_CASES))
def test_bad_fixture_via_validate_paths(bad_outcomes: dict[str, Outcome], name: str) -> None:
    outcome = bad_outcomes[name]
    assert outcome.status == "rejected"
    assert outcome.article_id is None
    expected = (CHECK_CASES | SEMANTIC_CASES)[name]
    assert_findings(outcome.findings, expected, str(BAD / name))


def test_every_bad_fixture_is_rejected(bad_outcomes: dict[str, Outcome]) -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.suffix in (".yaml", ".json")}
    assert set(bad_outcomes) == on_disk
    assert all(o.status == "rejected" and o.findings for o in bad_outcomes.values())
    for name in on_disk - set(CHECK_CASES) - set(SEMANTIC_CASES):
        with pytest.raises(InputRejected):  # the parse-level cases of test_facts.py
            read_file(BAD / name)


def test_all_semantic_problems_of_a_file_are_reported_at_once(
    bad_outcomes: dict[str, Outcome],
) -> None:
    findings = bad_outcomes["wrong-roles.yaml"].findings
    assert len(findings) == 3
    assert {f.rule for f in findings} == {"ActionAgent", "ActionPlace", "ActionAttribution"}


def test_semantic_problems_pass_the_cheap_checks() -> None:
    # only reasoning and SHACL can see them: check_facts accepts both files
    for name in SEMANTIC_CASES:
        check_facts(read_file(BAD / name), registry_types())


# --- schema --------------------------------------------------------------------------------


def test_unknown_field_suggests_the_right_one() -> None:
    findings = rejected(with_action("    stauts: occurred\n"))
    assert_findings(findings, [
        ("schema-unknown-field", 11, 5, "a1", ['unknown field "stauts"', 'did you mean "status"']),
    ], "t.yaml")


def test_unknown_field_far_from_any_known_one() -> None:
    findings = rejected(with_action("    mood: angry\n"))
    assert [f.message for f in findings] == ['unknown field "mood"']


def test_unknown_field_with_a_control_character_is_shown_escaped() -> None:
    findings = rejected(with_action('    "mo\\eod": angry\n'))
    assert findings[0].rule == "schema-unknown-field"
    assert "\x1b" not in findings[0].message
    assert '"mo\\u001bod"' in findings[0].message


def test_a_document_that_is_not_a_mapping() -> None:
    findings = rejected("- format_version: 1\n")
    assert_findings(findings, [
        ("schema-root", 1, 1, None, ["must be a mapping", "format_version, article and actions"]),
    ], "t.yaml")


def test_format_version_as_text() -> None:
    findings = rejected(with_action().replace("format_version: 1", 'format_version: "1"'))
    assert findings[0].rule == "schema-type"
    assert (findings[0].line, findings[0].column) == (1, 1)
    assert 'format_version: "1" should be a whole number' in findings[0].message


@pytest.mark.parametrize(
    ("value", "shown"),
    [(".inf", "inf"), (".nan", "nan"), ("1e400", "inf")],
)
def test_a_length_that_is_not_finite(value: str, shown: str) -> None:
    # JSON Schema's "number" accepts them; RDF's xsd:decimal has no such value
    text = HEAD + f"""\
entities:
  - id: long-border
    type: Border
    name: "The border"
    between: [colombia, venezuela]
    length: {{value: {value}, unit: km}}
""" + ACTION
    assert_findings(rejected(text), [
        ("schema-range", 11, 14, "long-border", [f"value: {shown} is not a finite number"]),
    ], "t.yaml")


def test_a_json_number_too_large_for_a_float() -> None:
    text = (
        '{"format_version": 1,\n'
        ' "article": {"id": "t", "title": "T", "published": "2026-01-08"},\n'
        ' "entities": [{"id": "b", "type": "Border", "name": "B",\n'
        '               "length": {"value": 1e400, "unit": "km"}}],\n'
        ' "actions": [{"id": "a", "type": "Fight", "agents": ["colombia"], "evidence": "x"}]}\n'
    )
    findings = rejected(text, name="t.json")
    assert_findings(findings, [
        ("schema-range", 4, 27, "b", ["value: inf is not a finite number"]),
    ], "t.json")


def test_a_zero_length_and_an_unknown_unit() -> None:
    text = HEAD + """\
entities:
  - id: long-border
    type: Border
    name: "The border"
    between: [colombia, venezuela]
    length: {value: 0, unit: miles}
""" + ACTION
    assert_findings(rejected(text), [
        ("schema-range", 11, 14, "long-border", ["value: 0 must be greater than 0"]),
        ("schema-enum", 11, 24, "long-border",
         ['unit: "miles" is not one of: km, mi, m']),
    ], "t.yaml")


@pytest.mark.parametrize(
    ("agents", "expected"),
    [
        ('[{ref: "Gustavo Petro"}]',
         [("schema-pattern", 9, 15, "a1", ['ref: "Gustavo Petro" is not valid', ID_RULE])]),
        ("[{reff: colombia}]",
         [("schema-required", 9, 14, "a1", ['missing required field "ref"']),
          ("schema-unknown-field", 9, 15, "a1", ['unknown field "reff"', 'did you mean "ref"'])]),
        ("[{ref: colombia, certain: maybe}]",
         [("schema-type", 9, 30, "a1", ['certain: "maybe" should be true or false'])]),
        ("[42]",
         [("schema-form", 9, 14, "a1", ["agents: 42 has the wrong form", "An entity id, or an"])]),
        ("[]", [("schema-items", 9, 5, "a1", ["agents needs at least 1 item(s)"])]),
    ],
    ids=["ref-pattern", "ref-typo", "certain-type", "number", "empty"],
)
def test_participant_messages_say_what_is_wrong(agents: str, expected: list[Expected]) -> None:
    assert_findings(rejected(with_action(agents=agents)), expected, "t.yaml")


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("{}", [("schema-fields", 11, 5, "a1", ["time: {} should be non-empty"])]),
        ('{start: "2026-1-5"}',
         [("schema-pattern", 11, 12, "a1", ['start: "2026-1-5" is not valid', "YYYY-MM-DD"])]),
        ('{text: "Wednesday", when: "2026-01-07"}',
         [("schema-unknown-field", 11, 31, "a1", ['unknown field "when"'])]),
        ("[Wednesday]", [("schema-form", 11, 5, "a1", ["time: [\"Wednesday\"] has the wrong form",
                                                       "When: an expression"])]),
    ],
    ids=["empty", "start-pattern", "unknown-key", "list"],
)
def test_time_messages_say_what_is_wrong(time: str, expected: list[Expected]) -> None:
    assert_findings(rejected(with_action(f"    time: {time}\n")), expected, "t.yaml")


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ('"  "', [("schema-blank", 10, 5, "a1", ["evidence must not be blank"])]),
        ('""', [("schema-blank", 10, 5, "a1", ["evidence must not be empty"])]),
        ("[]", [("schema-items", 10, 5, "a1", ["evidence needs at least 1 item(s)"])]),
        ('["ok", "\\t"]', [("schema-blank", 10, 22, "a1", ["evidence must not be blank"])]),
        ("42", [("schema-form", 10, 5, "a1", ["evidence: 42 has the wrong form"])]),
        ("~", [("schema-form", 10, 5, "a1", ["evidence: null has the wrong form"])]),
    ],
    ids=["blank", "empty", "empty-list", "blank-item", "number", "null"],
)
def test_evidence_messages(evidence: str, expected: list[Expected]) -> None:
    text = with_action().replace('evidence: "Petro spoke"', f"evidence: {evidence}")
    assert_findings(rejected(text), expected, "t.yaml")


def test_deeply_nested_value_is_reported_without_recursion_trouble() -> None:
    deep = "[" * 60 + "]" * 60  # within the parser's limit, far beyond what the format allows
    text = with_action().replace('evidence: "Petro spoke"', f"evidence: {deep}")
    findings = rejected(text)
    # evidence is a list, as it may be: its first item is not a text
    assert [(f.rule, f.line, f.column) for f in findings] == [("schema-type", 10, 16)]
    assert findings[0].message.startswith("evidence: [[[[")
    assert findings[0].message.endswith("[... should be a text")  # the value is cut short
    assert len(findings[0].message) < 100


def test_long_values_are_cut_short_in_messages() -> None:
    findings = rejected(with_action().replace("id: a1", f'id: "{"X" * 150}"'))
    assert findings[0].rule == "schema-pattern"
    assert f'id: "{"X" * 56}..." is not valid' in findings[0].message


def test_schema_findings_come_in_document_order() -> None:
    text = HEAD + """\
entities:
  - id: Bad
    type: Persn
    name: ""
actions:
  - id: a1
    type: MakeStatement
    agents: colombia
"""
    findings = rejected(text)
    assert [(f.rule, f.line) for f in findings] == [
        ("schema-pattern", 7), ("schema-enum", 8), ("schema-blank", 9),
        ("schema-required", 11), ("schema-type", 13),
    ]
    assert 'did you mean "Person"' in findings[1].message


def test_check_schema_of_a_valid_file_is_empty() -> None:
    assert check_schema(read_file(EXAMPLE)) == []


# --- cross references ------------------------------------------------------------------------


def test_an_action_used_as_an_entity() -> None:
    text = with_action("  - id: a2\n    type: Threaten\n    agents: [colombia]\n"
                       "    targets: [a1]\n    evidence: \"x\"\n")
    assert_findings(rejected(text), [
        ("unknown-entity", 14, 15, "a2", ['entity "a1"', "it is an action, not an entity"]),
    ], "t.yaml")


def test_unknown_entities_in_every_kind_of_reference() -> None:
    text = HEAD + """\
entities:
  - id: some-person
    type: Person
    name: "Some Person"
    part_of: nowhere-org
    roles:
      - {role: "mayor", of: atlantis}
  - id: some-city
    type: City
    name: "Some City"
    located_in: atlantis
actions:
  - id: a1
    type: MakeStatement
    agents: [some-person]
    places: [{ref: el-dorado, text: "El Dorado"}]
    attributed_to: [nobody]
    medium: radio-x
    evidence: "x"
"""
    findings = rejected(text)
    assert [(f.rule, f.line, f.column, f.fact) for f in findings] == [
        ("unknown-entity", 10, 5, "some-person"),
        ("unknown-entity", 12, 25, "some-person"),
        ("unknown-entity", 16, 5, "some-city"),
        ("unknown-entity", 21, 14, "a1"),
        ("unknown-entity", 22, 21, "a1"),
        ("unknown-entity", 23, 5, "a1"),
    ]
    words = ["nowhere-org", "atlantis", "atlantis", "el-dorado", "nobody", "radio-x"]
    assert [f'"{w}"' in f.message for f, w in zip(findings, words, strict=True)] == [True] * 6


def test_border_between_the_same_place_and_between_on_a_non_border() -> None:
    text = HEAD + """\
entities:
  - id: odd-border
    type: Border
    name: "Odd"
    between: [colombia, colombia]
  - id: odd-region
    type: Region
    name: "Odd region"
    between: [colombia, venezuela]
""" + ACTION
    assert_findings(rejected(text), [
        ("border-sides", 10, 5, "odd-border", ["two different places"]),
        ("between-not-border", 14, 5, "odd-region", ['"between" only applies to a Border']),
    ], "t.yaml")


def test_every_kind_of_problem_is_reported_at_once() -> None:
    text = with_action("    about: [a9]\n    time: \"Blursday\"\n").replace(
        "type: MakeStatement", "type: Thraeten").replace(
        "[colombia-government]", "[colombia-govt]")
    findings = rejected(text)
    assert [(f.rule, f.line, f.column, f.fact) for f in findings] == [
        ("unknown-action-type", 8, 5, "a1"),
        ("unknown-entity", 9, 14, "a1"),
        ("unknown-action", 11, 13, "a1"),
        ("bad-date", 12, 5, "a1"),
    ]
    assert 'did you mean "colombia-government"' in findings[1].message


# --- dates -----------------------------------------------------------------------------------


def _action_index(checked: CheckedFacts, fact_id: str) -> int:
    return [a["id"] for a in checked.actions].index(fact_id)


def test_relative_times_of_the_gold_example_are_resolved() -> None:
    checked = check_facts(read_file(EXAMPLE), registry_types())
    assert checked.published == date(2026, 1, 8)
    assert checked.article_id == "afp-2026-01-08-colombia-eln"
    assert checked.language == "en"

    def time(fact_id: str) -> TimeSpan:
        return checked.times[("actions", _action_index(checked, fact_id), "time")]

    day = date(2026, 1, 7)
    assert time("petro-trump-phone-call") == TimeSpan(day, day, "day", "Wednesday")
    thursday = date(2026, 1, 8)
    assert time("benedetti-announces-joint-action") == TimeSpan(thursday, thursday, "day",
                                                                "Thursday")
    assert time("petro-orders-intelligence-halt") == TimeSpan(
        date(2025, 11, 1), date(2025, 11, 30), "month", "In November")
    assert time("trump-warns-petro") == TimeSpan(
        date(2026, 1, 3), date(2026, 1, 7), "approximate", "in recent days")
    petro = [e["id"] for e in checked.entities].index("gustavo-petro")
    assert checked.times[("entities", petro, "roles", 0, "time")] == TimeSpan(
        date(2022, 1, 1), date(2026, 1, 8), "year", "since 2022")


def test_unquoted_publication_date_still_loads() -> None:
    checked = check(with_action("    time: Wednesday\n").replace(
        'published: "2026-01-08"', "published: 2026-01-08"))
    assert checked.published == date(2026, 1, 8)
    assert checked.times == {
        ("actions", 0, "time"): TimeSpan(date(2026, 1, 7), date(2026, 1, 7), "day", "Wednesday")
    }


def test_explicit_bounds_and_windows() -> None:
    text = with_action('    time: {start: "2026-01-02", end: "2026-01-02"}\n'
                       "  - id: a2\n    type: MakeStatement\n    agents: [colombia]\n"
                       '    time: {text: "in recent days", after: "2026-01-05"}\n'
                       '    evidence: "x"\n')
    times = check(text).times
    assert times[("actions", 0, "time")] == TimeSpan(date(2026, 1, 2), date(2026, 1, 2), "day")
    assert times[("actions", 1, "time")] == TimeSpan(
        date(2026, 1, 5), date(2026, 1, 8), "approximate", "in recent days")


@pytest.mark.parametrize(
    ("time", "words"),
    [
        ('"2026-02-30"', ['"2026-02-30"', "February 2026 has 28 days"]),
        ('{end: "2025-13-01"}', ['"2025-13-01"', "there is no month 13"]),
        ('"February 30"', ["February 2025 has 28 days", "no year is given, so it is read as 2025"]),
        ('"since 2027"', ['"since 2027" starts after the article was published']),
        ('{text: "Wednesday", after: "2026-01-08"}',
         ['"Wednesday" means 7 January 2026', "on or after 8 January 2026",
          "cannot both be true"]),
        ('"decades ago"', ['cannot read "decades ago"', "to keep these words as written"]),
    ],
    ids=["feb-30", "month-13", "feb-30-no-year", "since-future", "window", "unreadable"],
)
def test_bad_dates(time: str, words: list[str]) -> None:
    findings = rejected(with_action(f"    time: {time}\n"))
    assert_findings(findings, [("bad-date", 11, 5, "a1", ["time: ", *words])], "t.yaml")


def test_published_must_be_an_iso_date() -> None:
    findings = rejected(with_action().replace('"2026-01-08"', '"January 8, 2026"'))
    assert_findings(findings, [
        ("schema-pattern", 5, 3, "test-article",
         ['published: "January 8, 2026" is not valid', "YYYY-MM-DD"]),
    ], "t.yaml")


# --- the good corpus, through the whole pipeline ---------------------------------------------


@pytest.fixture(scope="module")
def good_outcomes() -> dict[str, Outcome]:
    report = validate_paths([GOOD / name for name in GOOD_FILES])
    return {Path(o.source).name: o for o in report.outcomes}


@pytest.mark.parametrize("name", GOOD_FILES)
def test_good_file_is_valid(good_outcomes: dict[str, Outcome], name: str) -> None:
    outcome = good_outcomes[name]
    assert outcome.findings == []
    assert outcome.status == "valid"
    assert outcome.article_id == read_file(GOOD / name).data["article"]["id"]
    assert outcome.asserted > 0 and outcome.inferred > 0


def test_good_folder_holds_only_the_listed_files() -> None:
    names = {p.name for p in GOOD.iterdir()}
    assert names == set(GOOD_FILES) | {"twin.yaml", "twin.json"}


@pytest.mark.parametrize(
    ("name", "entity", "name_literal", "alias"),
    [
        ("arabic-names.yaml", "abdel-fattah-el-sisi", "عبد الفتاح السيسي",
         "\u200fالرئيس السيسي"),
        ("hebrew-names.yaml", "medinat-yisrael", "ישראל", "מְדִינַת יִשְׂרָאֵל"),
        ("chinese-names.yaml", "wang-yi", "王毅", "\U00020000"),
    ],
)
def test_non_latin_names_reach_the_graph_unchanged(
    name: str, entity: str, name_literal: str, alias: str
) -> None:
    checked = check_facts(read_file(GOOD / name), registry_types())
    iris = Iris()
    graph = map_article(checked, iris).graph
    node = iris.entity(entity)
    assert (node, KG.name, Literal(name_literal)) in graph
    assert (node, KG.alias, Literal(alias)) in graph


@pytest.fixture(scope="module")
def twins() -> Iterator[tuple[Prepared, Prepared]]:
    iris = Iris()
    yield (prepare(read_file(GOOD / "twin.yaml"), iris),
           prepare(read_file(GOOD / "twin.json"), iris))


def test_json_twin_gives_an_isomorphic_asserted_graph(twins: tuple[Prepared, Prepared]) -> None:
    from_yaml, from_json = twins
    assert len(from_yaml.mapped.graph) > 50
    assert isomorphic(from_yaml.mapped.graph, from_json.mapped.graph)
    assert isomorphic(from_yaml.inferred, from_json.inferred)
    assert from_yaml.checked.times == from_json.checked.times


def test_twin_graph_holds_what_the_yaml_says(twins: tuple[Prepared, Prepared]) -> None:
    graph = twins[1].mapped.graph  # the JSON one
    summaries = {str(o) for o in graph.objects(None, KG.summary)}
    assert "Petro and Trump hold their first telephone conversation." in summaries  # folded
    iris = Iris()
    assert (iris.fact("test-twin", "phone-call"), KG.agent, iris.entity("donald-trump")) in graph


def test_a_bad_publication_date_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "once.yaml"
    path.write_text("""format_version: 1
article: {id: once, title: "Once", published: "2026-02-30"}
actions:
  - {id: a, type: MakeStatement, agents: [colombia-government], time: Wednesday,
     evidence: "x"}
  - {id: b, type: MakeStatement, agents: [colombia-government], time: "2025-02-30",
     evidence: "y"}
""", encoding="utf-8")
    with pytest.raises(InputRejected) as caught:
        check_facts(read_file(path), load_registry().types)
    rules = [(f.rule, f.fact) for f in caught.value.findings]
    assert rules == [("bad-date", "once"), ("bad-date", "b")]  # not "a": no second cause


def test_explicit_bounds_only_narrow_a_time_text(tmp_path: Path) -> None:
    from kgload.check import resolve_time

    published = date(2026, 1, 8)
    span = resolve_time({"text": "in recent days", "start": "2025-01-01"}, published)
    assert (span.start, span.end) == (date(2026, 1, 1), date(2026, 1, 8))
    with pytest.raises(DateError, match="cannot both be true|empty"):
        resolve_time({"text": "Wednesday", "start": "2026-01-08"}, published)


def test_parts_and_capitals_are_checked_references(tmp_path: Path) -> None:
    path = tmp_path / "refs.yaml"
    path.write_text("""format_version: 1
article: {id: refs, title: "Refs", published: "2026-01-08"}
entities:
  - {id: ruritania, type: State, name: "Ruritania", capital: strelsau}
actions:
  - {id: x, type: Exchange, agents: [ruritania], parts: [x, nowhere], evidence: "e"}
""", encoding="utf-8")
    with pytest.raises(InputRejected) as caught:
        check_facts(read_file(path), load_registry().types)
    found = {(f.rule, f.line) for f in caught.value.findings}
    assert found == {("unknown-entity", 4), ("self-reference", 6), ("unknown-action", 6)}
