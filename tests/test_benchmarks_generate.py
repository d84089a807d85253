"""benchmarks/generate.py: a deterministic, valid and realistic synthetic corpus.

Validating a generated article runs the whole pipeline (about a second each), so only a
handful are validated here; the other tests read the generated files without loading them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kgload.check import facts_schema
from kgload.facts import read_file
from kgload.ontology import action_types
from kgload.pipeline import validate_paths
from scripts import generator

ROOT = Path(__file__).resolve().parents[1]


gen = generator()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _docs(folder: Path, manifest: Any) -> list[dict[str, Any]]:
    return [read_file(folder / name).data for name in manifest.files]


@pytest.fixture(scope="module")
def corpus200(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("corpus200")
    manifest = gen.generate(folder, 200, seed=5)
    return manifest, _docs(folder, manifest)


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    for fmt in ("yaml", "jsonl"):
        first = gen.generate(tmp_path / fmt / "a", 12, seed=3, violations=4, fmt=fmt)
        gen.generate(tmp_path / fmt / "b", 12, seed=3, violations=4, fmt=fmt)
        other = gen.generate(tmp_path / fmt / "c", 12, seed=4, violations=4, fmt=fmt)
        a, b, c = (_files(tmp_path / fmt / name) for name in "abc")
        assert a == b
        assert "manifest.json" in a and len(a) == (13 if fmt == "yaml" else 2)
        assert a != c and first.article_ids != other.article_ids


def test_violations_leave_the_other_articles_unchanged(tmp_path: Path) -> None:
    clean = gen.generate(tmp_path / "clean", 15, seed=9)
    dirty = gen.generate(tmp_path / "dirty", 15, seed=9, violations=5)
    assert clean.article_ids == dirty.article_ids
    changed = {name for name in clean.files
               if (tmp_path / "clean" / name).read_bytes()
               != (tmp_path / "dirty" / name).read_bytes()}
    assert changed == {v.file for v in dirty.violations}
    assert len(changed) == 5


def test_generated_articles_are_valid(tmp_path: Path) -> None:
    manifest = gen.generate(tmp_path, 5, seed=11)
    report = validate_paths([tmp_path / name for name in manifest.files])
    problems = [f.format() for o in report.outcomes for f in o.findings]
    assert [o.status for o in report.outcomes] == ["valid"] * 5, problems
    assert [o.article_id for o in report.outcomes] == manifest.article_ids


def test_each_violation_is_rejected_with_the_manifest_rule(tmp_path: Path) -> None:
    kinds = len(gen.VIOLATION_KINDS)
    manifest = gen.generate(tmp_path, kinds + 1, seed=13, violations=kinds)
    assert len(manifest.violations) == kinds
    assert {v.kind for v in manifest.violations} == set(gen.VIOLATION_KINDS)
    assert len({v.article for v in manifest.violations}) == kinds  # distinct articles
    saved = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [v["article"] for v in saved["violations"]] == [
        v.article for v in manifest.violations]
    assert gen.Manifest.read(tmp_path / "manifest.json") == manifest

    report = validate_paths([tmp_path / name for name in manifest.files])
    by_article = {aid: outcome for aid, outcome in zip(manifest.article_ids, report.outcomes,
                                                       strict=True)}
    expected = manifest.invalid
    rejected = {aid for aid, o in by_article.items() if o.status == "rejected"}
    assert rejected == set(expected)
    for aid, violation in expected.items():
        findings = by_article[aid].findings
        assert [f.rule for f in findings] == [violation.rule], (violation.kind, findings)
        assert findings[0].fact == violation.fact, (violation.kind, findings)


def test_actors_recur_across_articles_with_one_declaration(tmp_path: Path) -> None:
    manifest = gen.generate(tmp_path, 20, seed=17)
    declared: dict[str, set[tuple[Any, ...]]] = {}
    articles_of: Counter[str] = Counter()
    for doc in _docs(tmp_path, manifest):
        for entity in doc["entities"]:
            key = (entity["name"], entity["type"], tuple(entity.get("aliases", [])),
                   entity.get("wikidata"), entity.get("cameo"))
            declared.setdefault(entity["id"], set()).add(key)
            articles_of[entity["id"]] += 1
    assert all(len(keys) == 1 for keys in declared.values()), {
        k: v for k, v in declared.items() if len(v) > 1}
    actors = {eid for eid, keys in declared.items()
              if next(iter(keys))[1] not in ("Platform", "City", "Region", "Border")}
    recurring = [eid for eid in actors if articles_of[eid] >= 2]
    assert len(recurring) >= 5
    assert max(articles_of[eid] for eid in actors) >= 4  # popular actors: a skewed pool
    assert len(set(manifest.article_ids)) == 20


def test_a_200_article_corpus_uses_every_action_type_and_status(corpus200: Any) -> None:
    """Every type kgload defines itself, and most of the 295 CAMEO codes, which are drawn
    gen.CURATED_WEIGHT times less often (a large corpus has them all)."""
    manifest, docs = corpus200
    used = Counter(a["type"] for doc in docs for a in doc["actions"])
    assert set(used) <= set(action_types())
    assert gen.knowledge().curated <= set(used)
    assert len(used) >= 0.9 * len(action_types()), sorted(set(action_types()) - set(used))
    assert manifest.action_types == {name: used[name] for name in sorted(action_types())}
    statuses = {a["status"] for doc in docs for a in doc["actions"]}
    assert statuses == set(facts_schema()["$defs"]["action"]["properties"]["status"]["enum"])
    assert all(10 <= len(doc["actions"]) <= 40 for doc in docs)


def test_a_200_article_corpus_looks_like_news(corpus200: Any) -> None:
    manifest, docs = corpus200
    assert len(set(manifest.article_ids)) == 200
    assert len({doc["article"]["published"][:4] for doc in docs}) >= 5
    actions = [a for doc in docs for a in doc["actions"]]
    registry_ids = {"colombia", "united-states-government", "bogota"}
    referenced = {p if isinstance(p, str) else p["ref"] for a in actions
                  for key in ("agents", "targets", "places") for p in a.get(key, [])}
    assert registry_ids & referenced  # the registry is used by id
    for key in ("about", "condition", "medium", "attributed_to", "places", "quote", "parts"):
        assert any(key in a for a in actions), key
    assert any(a.get("condition", {}).get("unless") for a in actions)
    assert any(a.get("condition", {}).get("if") for a in actions)
    participants = [p for a in actions for key in ("agents", "targets") for p in a.get(key, [])]
    assert any(isinstance(p, dict) and p.get("certain") is False for p in participants)
    assert any(isinstance(p, dict) and "text" in p for p in participants)
    for a in actions:
        if "parts" in a:
            assert len(a["parts"]) >= 2
    texts = [a["time"] for a in actions if isinstance(a.get("time"), str)]
    forms = {
        "weekday": r"(last )?(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day",
        "month day": r"[A-Z][a-z]+ \d{1,2}",
        "in month": r"In [A-Z][a-z]+",
        "last month name": r"last [A-Z][a-z]+",
        "recent": r"in recent days",
        "since year": r"since \d{4}",
        "iso": r"\d{4}-\d{2}-\d{2}",
    }
    for name, pattern in forms.items():
        assert any(re.fullmatch(pattern, t) for t in texts), name
    objects = [a["time"] for a in actions if isinstance(a.get("time"), dict)]
    assert any({"text", "after", "before"} <= set(t) for t in objects)
    entities = [e for doc in docs for e in doc["entities"]]
    assert {"Person", "Organization", "Government", "ArmedGroup", "SecurityForce", "Group",
            "Platform", "City", "Border"} <= {e["type"] for e in entities}
    assert any("aliases" in e for e in entities) and any("cameo" in e for e in entities)
    assert any("wikidata" in e for e in entities)


def test_yaml_json_and_jsonl_carry_the_same_facts(tmp_path: Path) -> None:
    yaml_manifest = gen.generate(tmp_path / "y", 8, seed=21, violations=3)
    json_manifest = gen.generate(tmp_path / "j", 8, seed=21, violations=3, fmt="json")
    lines_manifest = gen.generate(tmp_path / "l", 8, seed=21, violations=3, fmt="jsonl")
    from_yaml = _docs(tmp_path / "y", yaml_manifest)
    assert from_yaml == _docs(tmp_path / "j", json_manifest)
    lines = (tmp_path / "l" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == from_yaml
    assert lines_manifest.files == ["articles.jsonl"]
    for violation in lines_manifest.violations:
        assert json.loads(lines[violation.line - 1])["article"]["id"] == violation.article


def test_bad_requests_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        gen.generate(tmp_path / "a", 3, violations=4)
    with pytest.raises(ValueError):
        gen.generate(tmp_path / "b", 3, fmt="xml")
    gen.generate(tmp_path / "c", 2)
    with pytest.raises(FileExistsError):
        gen.generate(tmp_path / "c", 2)
    assert len(gen.generate(tmp_path / "c", 1, overwrite=True).files) == 1
    assert len(list((tmp_path / "c" / "articles").iterdir())) == 1


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = gen.main([str(tmp_path), "--articles", "3", "--seed", "2", "--violations", "1",
                     "--format", "json"])
    assert code == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["articles"] == 3 and manifest["format"] == "json"
    assert len(manifest["violations"]) == 1
    assert len(list((tmp_path / "articles").glob("*.json"))) == 3
    assert "3 articles" in capsys.readouterr().err
