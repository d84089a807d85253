"""The gold example, examples/colombia-eln.yaml, against the seed article it is drawn from.

Every sentence of the article must be the evidence of at least one fact, every evidence
must be an exact excerpt of the article (no invented quotes), the file must not carry the
article itself, and every id it refers to must be declared in it or in the registry.
"""

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"
SCHEMA = ROOT / "loader" / "kgload" / "schema" / "facts-1.schema.json"
REGISTRY = ROOT / "registry" / "world.yaml"
ONTOLOGY = ROOT / "ontology" / "kgload.ttl"
ARTICLE = SHARED / "seed" / "colombia-eln-article.txt"

# Lines of the article file that are not its body: the dateline and the credit.
NOT_BODY = ("Release date", "•updated", "Additional sources of information")

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
# A sentence ends at . ! or ? (possibly followed by a closing quote) before a capital or an
# opening quote; "U.S. military" does not end one, the next word is lower-case.
_SENTENCE_END = re.compile(r'(?:(?<=[.!?])|(?<=[.!?]"))\s+(?=["A-Z])')


def normalise(text: str) -> str:
    """Curly quotes to straight ones, Unicode NFC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())


# --- loading -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    with EXAMPLE.open(encoding="utf-8") as f:
        document = yaml.safe_load(f)
    assert isinstance(document, dict), f"{EXAMPLE} is not a mapping"
    return document


@pytest.fixture(scope="module")
def registry_ids() -> set[str]:
    with REGISTRY.open(encoding="utf-8") as f:
        registry = yaml.safe_load(f)
    return {entity["id"] for entity in registry["entities"]}


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    if not ARTICLE.is_file():
        pytest.skip(
            "the seed article is not beside the project at "
            "../shared/seed/colombia-eln-article.txt; CI provides it"
        )
    found = []
    for line in ARTICLE.read_text(encoding="utf-8").splitlines():
        line = normalise(line)
        if not line or line.startswith(NOT_BODY):
            continue
        found.extend(part for part in _SENTENCE_END.split(line) if part)
    assert found, f"no article body found in {ARTICLE}"
    return found


def participants(values: list[Any] | None) -> Iterator[str]:
    for value in values or []:
        yield value["ref"] if isinstance(value, dict) else value


def as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def evidence_of(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, evidence) for every evidence of every entity, role and action."""
    found = []
    for entity in facts.get("entities", []):
        found += [(entity["id"], text) for text in as_list(entity.get("evidence"))]
        for number, role in enumerate(entity.get("roles", []), start=1):
            where = f"{entity['id']} role {number} ({role['role']})"
            found += [(where, text) for text in as_list(role.get("evidence"))]
    for action in facts["actions"]:
        found += [(action["id"], text) for text in as_list(action.get("evidence"))]
    return found


# --- the file itself -----------------------------------------------------------------------


def test_yaml_has_no_anchors_tags_or_duplicate_keys() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        assert not isinstance(token, yaml.AnchorToken | yaml.AliasToken | yaml.TagToken), (
            f"line {token.start_mark.line + 1}: anchors, aliases and tags are not allowed"
        )

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            keys = [key.value for key, _ in node.value]
            duplicates = {key for key in keys if keys.count(key) > 1}
            assert not duplicates, f"line {node.start_mark.line + 1}: duplicate keys {duplicates}"
            for _, value in node.value:
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    walk(yaml.compose(text, Loader=yaml.SafeLoader))


def test_example_is_valid_against_the_schema(facts: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(facts)
    ]
    assert not errors, "schema errors:\n" + "\n".join(errors)


def test_article_header(facts: dict[str, Any]) -> None:
    article = facts["article"]
    assert article["id"] == "afp-2026-01-08-colombia-eln"
    assert article["published"] == "2026-01-08"
    assert article["publisher"] == "AFP"


# --- evidence against the article ----------------------------------------------------------


def test_every_sentence_of_the_article_is_evidence(
    facts: dict[str, Any], sentences: list[str]
) -> None:
    evidence = [normalise(text) for _, text in evidence_of(facts)]
    uncovered = [s for s in sentences if not any(text in s for text in evidence)]
    assert not uncovered, "sentences no fact has as evidence:\n" + "\n".join(uncovered)


def test_every_evidence_and_quote_is_in_the_article(
    facts: dict[str, Any], sentences: list[str]
) -> None:
    excerpts = evidence_of(facts)
    excerpts += [(a["id"] + " (quote)", a["quote"]) for a in facts["actions"] if "quote" in a]
    invented = [
        f"{where}: {text!r}"
        for where, text in excerpts
        if not any(normalise(text) in sentence for sentence in sentences)
    ]
    assert not invented, "not an excerpt of one sentence of the article:\n" + "\n".join(invented)


def test_the_article_is_not_copied(facts: dict[str, Any], sentences: list[str]) -> None:
    evidence = {normalise(text) for _, text in evidence_of(facts)}
    body = " ".join(sentences)
    longest = max(len(s) for s in sentences)
    text = normalise(EXAMPLE.read_text(encoding="utf-8"))
    runs = [f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False)]
    copied = [run for run in runs if run in text]
    assert not copied, f"consecutive sentences of the article are copied: {copied}"
    too_long = [text for text in evidence if len(text) > longest]
    assert not too_long, f"evidence longer than any sentence: {too_long}"
    assert body not in text


# --- ids -------------------------------------------------------------------------------------


def test_fact_ids_are_unique_and_registry_ids_not_redeclared(
    facts: dict[str, Any], registry_ids: set[str]
) -> None:
    ids = [e["id"] for e in facts.get("entities", [])] + [a["id"] for a in facts["actions"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"fact ids used twice: {duplicates}"
    redeclared = sorted(set(ids) & registry_ids)
    assert not redeclared, f"registry entities declared again: {redeclared}"


def test_every_referenced_id_is_declared(facts: dict[str, Any], registry_ids: set[str]) -> None:
    entity_ids = {e["id"] for e in facts.get("entities", [])} | registry_ids
    action_ids = {a["id"] for a in facts["actions"]}
    missing = []

    def need(where: str, ref: str, known: set[str], kind: str) -> None:
        if ref not in known:
            missing.append(f"{where}: {ref!r} is not a declared {kind}")

    for entity in facts.get("entities", []):
        for field in ("part_of", "located_in"):
            if field in entity:
                need(f"{entity['id']}.{field}", entity[field], entity_ids, "entity")
        for ref in entity.get("between", []):
            need(f"{entity['id']}.between", ref, entity_ids, "entity")
        for role in entity.get("roles", []):
            if "of" in role:
                need(f"{entity['id']}.roles.of", role["of"], entity_ids, "entity")
    for action in facts["actions"]:
        where = action["id"]
        for field in ("agents", "targets", "places", "attributed_to"):
            for ref in participants(action.get(field)):
                need(f"{where}.{field}", ref, entity_ids, "entity")
        if "medium" in action:
            need(f"{where}.medium", action["medium"], entity_ids, "entity")
        for ref in action.get("about", []):
            need(f"{where}.about", ref, action_ids, "action")
        for key, ref in action.get("condition", {}).items():
            need(f"{where}.condition.{key}", ref, action_ids, "action")
    assert not missing, "\n".join(missing)


# --- what the loader will make of the file ---------------------------------------------------


def test_action_types_are_action_classes_of_the_ontology(facts: dict[str, Any]) -> None:
    from rdflib import RDFS, Graph, Namespace

    kg = Namespace("https://w3id.org/kgload/ontology#")
    ontology = Graph().parse(ONTOLOGY, format="turtle")
    ontology.parse(ONTOLOGY.with_name("cameo.ttl"), format="turtle")  # the CAMEO classes
    classes = {
        str(c).removeprefix(str(kg))
        for c in ontology.transitive_subjects(RDFS.subClassOf, kg.Action)
        if str(c).startswith(str(kg)) and c != kg.Action and c != kg.HappenedAction
    }
    unknown = sorted({a["type"] for a in facts["actions"]} - classes)
    assert not unknown, f"action types that are not action classes of the ontology: {unknown}"


def test_times_resolve_against_the_publication_date(facts: dict[str, Any]) -> None:
    from kgload.dates import DateError, TimeSpan, narrow, parse_absolute, resolve

    published = date.fromisoformat(facts["article"]["published"])
    timed = [(a["id"], a["time"]) for a in facts["actions"] if "time" in a]
    for entity in facts.get("entities", []):
        roles = entity.get("roles", [])
        timed += [(f"{entity['id']} role {r['role']}", r["time"]) for r in roles if "time" in r]
    problems = []
    for where, time in timed:
        try:
            if isinstance(time, str):
                span = resolve(time, published)
            else:
                span = TimeSpan(None, None, "approximate")
                if "text" in time:
                    span = resolve(time["text"], published)
                if "start" in time:
                    span = TimeSpan(parse_absolute(time["start"]).start, span.end, span.precision)
                if "end" in time:
                    span = TimeSpan(span.start, parse_absolute(time["end"]).end, span.precision)
                span = narrow(
                    span,
                    after=parse_absolute(time["after"]).start if "after" in time else None,
                    before=parse_absolute(time["before"]).end if "before" in time else None,
                )
            if span.start is not None and span.start > published:
                problems.append(f"{where}: {time!r} starts after the publication date")
        except DateError as error:
            problems.append(f"{where}: {time!r}: {error}")
    assert not problems, "\n".join(problems)
