"""`kgload validate FILE --text ARTICLE.txt`: every evidence and quote is the article's words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CliRun
from kgload.evidence import check_quotations, normalize, quotations
from kgload.facts import parse_bytes, read_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"
SEED = ROOT.parent / "shared" / "seed" / "colombia-eln-article.txt"

ARTICLE = """BOGOTA (AFP) \u2014 Colombia\u2019s president said on\u00a0Thursday that the
talks were \u201cover\u201d.

He added that the army would \u2018stay\u2019 at the border."""

FACTS = """format_version: 1
article: {id: t, title: T, published: "2026-01-08"}
entities:
  - id: petro
    type: Person
    name: Petro
    evidence: ["Colombia's president said", "Colombia's President said"]
    roles:
      - {role: President, of: colombia, evidence: "the army would stay"}
actions:
  - id: petro-ends-talks
    type: MakeStatement
    agents: [petro]
    quote: "over"
    evidence: 'said on Thursday that the talks were "over"'
  - id: army-stays
    type: MakeStatement
    agents: [petro]
    quote: "stay at the border"
    evidence:
      - "the army would \u2018stay\u2019 at the border"
      - "the army would leave"
""".encode()


def test_normalize_forgets_what_copying_changes() -> None:
    assert normalize("\u201cover\u201d \u2018x\u2019") == "\"over\" 'x'"
    assert normalize("  on\u00a0Thursday\n that ") == "on Thursday that"


def test_every_excerpt_is_found_once() -> None:
    facts = parse_bytes(FACTS, name="t.yaml")
    fields = [(path, field) for path, field, _ in quotations(facts.data)]
    assert fields == [
        (("entities", 0, "evidence", 0), "evidence"),
        (("entities", 0, "evidence", 1), "evidence"),
        (("entities", 0, "roles", 0, "evidence"), "evidence"),
        (("actions", 0, "evidence"), "evidence"),
        (("actions", 0, "quote"), "quote"),
        (("actions", 1, "evidence", 0), "evidence"),
        (("actions", 1, "evidence", 1), "evidence"),
        (("actions", 1, "quote"), "quote"),
    ]


def test_misquotes_are_named_with_line_fact_and_field() -> None:
    facts = parse_bytes(FACTS, name="t.yaml")
    found = [(f.line, f.fact, f.message) for f in check_quotations(facts, ARTICLE, "a.txt")]
    assert found == [
        (7, "petro", 'evidence "Colombia\'s President said" is not in the article text '
                     "(a.txt) (it is there, in other capitals)"),
        (9, "petro", 'evidence "the army would stay" is not in the article text (a.txt)'),
        (19, "army-stays", 'quote "stay at the border" is not in the article text (a.txt)'),
        (22, "army-stays", 'evidence "the army would leave" is not in the article text (a.txt)'),
    ]
    assert {f.rule for f in check_quotations(facts, ARTICLE, "a.txt")} == {"not-in-text"}


def test_the_seed_example_quotes_its_article() -> None:
    if not SEED.is_file():
        pytest.skip(f"the seed article is not beside the project ({SEED}); CI has it")
    facts = read_file(EXAMPLE)
    assert len(list(quotations(facts.data))) > 40
    assert check_quotations(facts, SEED.read_text(encoding="utf-8"), SEED.name) == []


def test_validate_text_rejects_a_misquote(cli: CliRun, tmp_path: Path) -> None:
    text = tmp_path / "article.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    facts = tmp_path / "t.yaml"
    facts.write_bytes(FACTS)
    result = cli("validate", str(facts), "--text", str(text))
    assert result.exit_code == 1, result.output
    assert f"{facts}:22:9: [army-stays] evidence \"the army would leave\" is not in the " \
           "article text (article.txt) (not-in-text)" in result.stderr
    as_json = json.loads(cli("validate", str(facts), "--text", str(text), "--format",
                             "json").stdout)
    assert [f["rule"] for f in as_json[0]["findings"]].count("not-in-text") == 4
    # without --text, the same file is valid
    assert cli("validate", str(facts)).exit_code == 0


def test_validate_text_must_be_readable_text(cli: CliRun, tmp_path: Path) -> None:
    binary = tmp_path / "article.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    result = cli("validate", str(EXAMPLE), "--text", str(binary))
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "UTF-8" in result.stderr
    missing = cli("validate", str(EXAMPLE), "--text", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
