"""Input limits and strictness: whole-text id patterns, JSON Lines positions, size limits
(file size, actions per article, depth of ``about``) with the options that raise them,
symbolic links in query folders, and YAML tags.

Each test is named after what broke; speed itself is measured in benchmarks, not here.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke
from kgload.check import check_facts, facts_schema
from kgload.errors import ExitCode, Finding, InputRejected
from kgload.facts import FactsFile, Limits, parse_bytes, parse_size, read_documents, read_file
from kgload.pipeline import validate_paths
from kgload.registry import load_registry


def _action(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"a{n}", "type": "Accuse", "agents": ["colombia-government"],
            "targets": ["venezuela-government"], "evidence": f"Bogota accused Caracas ({n}).",
            **extra}


def _article(actions: list[dict[str, Any]], *, article_id: str = "limits-1",
             entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"format_version": 1,
                           "article": {"id": article_id, "title": "T", "published": "2026-01-08"},
                           "actions": actions}
    if entities is not None:
        doc["entities"] = entities
    return doc


def _chain(depth: int, *, article_id: str = "chain-1") -> dict[str, Any]:
    """Actions a0 about a1 about ... a{depth}: ``about`` nested ``depth`` levels deep."""
    return _article([_action(i, **({"about": [f"a{i + 1}"]} if i < depth else {}))
                     for i in range(depth + 1)], article_id=article_id)


def _json(doc: dict[str, Any], name: str = "t.json") -> FactsFile:
    return parse_bytes(json.dumps(doc, indent=1).encode(), name=name, as_json=True)


def _rejected(facts: FactsFile) -> list[Finding]:
    with pytest.raises(InputRejected) as caught:
        check_facts(facts, load_registry().types)
    return caught.value.findings


def _write(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


# --- ids and other patterns match the whole text -----------------------------------------


@pytest.mark.parametrize("bad", ["p-one\n", "p-one\r\n"])
def test_an_id_with_a_trailing_newline_is_refused(bad: str) -> None:
    # re.search("^...$") let "p-one\n" through: a second node that prints like p-one
    doc = _article([_action(1, targets=[bad])],
                   entities=[{"id": bad, "type": "Person", "name": "P. One"}])
    findings = _rejected(_json(doc))
    assert [(f.rule, f.fact) for f in findings] == [("schema-pattern", "a1"),
                                                    ("schema-pattern", bad)]
    assert all(json.dumps(bad) in f.message for f in findings)


def test_a_yaml_id_with_a_trailing_newline_is_refused() -> None:
    text = ('format_version: 1\narticle: {id: "ids-test\\n", title: T, published: "2026-01-08"}\n'
            "actions: [{id: a, type: Accuse, agents: [colombia-government], evidence: e}]\n")
    [finding] = _rejected(parse_bytes(text.encode(), name="t.yaml"))
    assert (finding.rule, finding.line, finding.column) == ("schema-pattern", 2, 11)


@pytest.mark.parametrize(("field", "bad"), [
    ("wikidata", "Q42\n"), ("iso3166", "COL\n"), ("cameo", "COLGOV\n")])
def test_codes_with_a_trailing_newline_are_refused(field: str, bad: str) -> None:
    doc = _article([_action(1)], entities=[
        {"id": "x-state", "type": "Organization", "name": "X", field: bad}])
    assert [f.rule for f in _rejected(_json(doc))] == ["schema-pattern"]


def test_every_schema_pattern_is_anchored_or_a_search() -> None:
    # the pattern keyword full-matches "^...$" and searches anything else ("\S": not blank)
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.append(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(facts_schema())
    assert found
    for pattern in found:
        assert pattern == "\\S" or (pattern.startswith("^") and pattern.endswith("$")), pattern


def test_each_missing_field_is_reported_once() -> None:
    # jsonschema gives one error per missing field, each listing them all: they doubled
    findings = _rejected(parse_bytes(b'{"format_version": 1}', name="t.json", as_json=True))
    assert [f.message for f in findings] == ['missing required field "article"',
                                             'missing required field "actions"']


# --- JSON Lines and JSON positions --------------------------------------------------------


def test_a_jsonl_error_at_the_end_of_a_line_is_on_that_line(tmp_path: Path) -> None:
    # the line break was parsed with the line: "t.jsonl:3:1" for an error on line 2
    feed = tmp_path / "t.jsonl"
    feed.write_text(json.dumps(_article([_action(1)])) + '\n{"a": 1\n{"b": [1,\r\n',
                    encoding="utf-8")
    syntax = [d.findings[0] for d in read_documents(feed) if isinstance(d, InputRejected)]
    assert [(f.rule, f.line, f.column) for f in syntax] == [("json-syntax", 2, 8),
                                                            ("json-syntax", 3, 10)]
    report = validate_paths([feed])
    assert [o.source.rsplit("/", 1)[-1] for o in report.outcomes] == [
        "t.jsonl:1", "t.jsonl:2", "t.jsonl:3"]


def test_the_last_line_of_a_long_feed_keeps_its_number(tmp_path: Path) -> None:
    feed = tmp_path / "t.jsonl"
    line = json.dumps({"format_version": 1}) + "\n"
    feed.write_text(line * 999 + '{"format_version": 1\n', encoding="utf-8")
    last = list(read_documents(feed))[-1]
    assert isinstance(last, InputRejected)
    assert (last.findings[0].line, last.findings[0].rule) == (1000, "json-syntax")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_unicode_line_separator_in_a_json_string_moves_no_position(separator: str) -> None:
    # YAML counts them as line breaks, JSON does not: the next key was put on line 2
    doc = _article([_action(1, targets=["nowhere"])])
    doc["article"]["title"] = f"one{separator}two"  # before the action, on the same line
    text = json.dumps(doc, ensure_ascii=False)
    [finding] = _rejected(parse_bytes(text.encode(), name="t.json", as_json=True))
    assert (finding.rule, finding.line, finding.column) == (
        "unknown-entity", 1, text.index('"nowhere"') + 1)


# --- size limits --------------------------------------------------------------------------


def test_limits_default_to_10_mb_5000_actions_and_about_depth_50() -> None:
    assert (Limits().file_bytes, Limits().actions, Limits().about_depth) == (
        10_000_000, 5_000, 50)


@pytest.mark.parametrize(("text", "size"), [
    ("10MB", 10_000_000), ("10 mb", 10_000_000), ("500KB", 500_000), ("1MiB", 2**20),
    ("2GiB", 2 * 2**30), ("1.5M", 1_500_000), ("123", 123), ("123B", 123)])
def test_sizes_are_read_as_people_write_them(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "ten", "10XB", "-1MB", "0", "1e3"])
def test_a_size_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


def test_a_bad_size_option_is_a_usage_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.json", _article([_action(1)]))
    result = invoke("validate", "--max-file-size", "10XB", path)
    assert result.exit_code == ExitCode.USAGE
    assert "'10XB' is not a size" in result.output


def test_an_article_over_5000_actions_is_refused_before_the_schema() -> None:
    # 5,000 actions took 26 s and 50,000 ran past 150 s at 2.75 GB: there was no limit
    facts = _json(_article([_action(i) for i in range(5_001)]))
    [finding] = _rejected(facts)
    where = facts.position(("actions",))
    assert where is not None and (finding.rule, finding.line) == ("too-many-actions", where[0])
    assert finding.message == ("the article has 5,001 actions, over the limit of 5,000 per "
                               "article: raise it with --max-actions, or split the article")


def test_the_action_limit_is_the_files_own(tmp_path: Path) -> None:
    path = _write(tmp_path, "three.json", _article([_action(i) for i in range(3)]))
    [finding] = _rejected(read_file(path, Limits(actions=2)))
    assert finding.rule == "too-many-actions"
    check_facts(read_file(path, Limits(actions=3)), load_registry().types)


def test_validate_names_the_file_the_limit_and_the_option(tmp_path: Path) -> None:
    path = _write(tmp_path, "three.json", _article([_action(i) for i in range(3)]))
    result = invoke("validate", "--max-actions", "2", path)
    assert result.exit_code == ExitCode.REJECTED
    assert (f"{path}:8:2: the article has 3 actions, over the limit of 2 per article: raise "
            "it with --max-actions, or split the article (too-many-actions)") in result.stderr
    assert invoke("validate", "--max-actions", "3", path).exit_code == ExitCode.OK


def test_a_file_over_the_size_option_is_refused_unread(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.json", _article([_action(1)]))
    size = path.stat().st_size
    result = invoke("validate", "--max-file-size", str(size - 1), path)
    assert result.exit_code == ExitCode.REJECTED
    assert (f"{path}: the file is {size:,} bytes, over the limit of {size - 1:,} bytes for one "
            "article: raise it with --max-file-size") in result.stderr
    assert invoke("validate", "--max-file-size", str(size), path).exit_code == ExitCode.OK


def test_a_file_over_10_mb_is_refused_by_default_and_read_with_a_higher_limit(
        tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(10_000_001)  # a hole: no disk space, all zeros
    assert "over the limit of 10 MB" in invoke("validate", path).stderr
    result = invoke("validate", "--max-file-size", "20MB", path)
    assert "(binary)" in result.stderr and "file-too-large" not in result.stderr


def test_a_jsonl_line_over_the_size_limit_is_refused_alone(tmp_path: Path) -> None:
    small = json.dumps(_article([_action(1)], article_id="small-1"))
    large = json.dumps(_article([_action(i) for i in range(20)], article_id="large-1"))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(f"{small}\n{large}\n", encoding="utf-8")
    documents = list(read_documents(feed, Limits(file_bytes=len(small.encode()))))
    assert isinstance(documents[0], FactsFile)
    assert isinstance(documents[1], InputRejected)
    finding = documents[1].findings[0]
    assert (finding.rule, finding.line, finding.column) == ("file-too-large", 2, 1)
    assert f"the line is {len(large.encode()):,} bytes" in finding.message


def test_about_nested_50_deep_is_accepted_and_51_refused() -> None:
    check_facts(_json(_chain(50)), load_registry().types)
    [finding] = _rejected(_json(_chain(51)))
    assert (finding.rule, finding.fact) == ("about-too-deep", "a0")
    assert "51 levels deep" in finding.message and "--max-about-depth" in finding.message
    check_facts(replace(_json(_chain(51)), limits=Limits(about_depth=51)),
                load_registry().types)


def test_about_nesting_far_beyond_the_limit_is_refused_without_recursion() -> None:
    [finding] = _rejected(_json(_chain(4_000)))
    assert finding.rule == "about-too-deep"


def test_an_about_cycle_is_counted_once_around() -> None:
    # a0 about a1 about a2 about a0 (benchmarks/generate.py writes such cycles): the depth
    # count ends, and the cycle's length is its depth
    doc = _article([_action(0, about=["a1"]), _action(1, about=["a2"]), _action(2, about=["a0"])])
    check_facts(_json(doc), load_registry().types)
    [finding] = _rejected(replace(_json(doc), limits=Limits(about_depth=1)))
    assert finding.rule == "about-too-deep"


def test_shared_content_is_no_cycle() -> None:
    # two actions about the same third one, and one about both: a diamond, not a cycle
    doc = _article([_action(0, about=["a1", "a2"]), _action(1, about=["a3"]),
                    _action(2, about=["a3"]), _action(3)])
    check_facts(_json(doc), load_registry().types)


def test_the_limits_reach_the_worker_processes(tmp_path: Path) -> None:
    # --jobs 2 prepares in spawned processes: the raised limit must be checked there too
    folder = tmp_path / "facts"
    folder.mkdir()
    _write(folder, "deep.json", _chain(51, article_id="deep-1"))
    _write(folder, "flat.json", _article([_action(1)], article_id="flat-1"))
    store = tmp_path / "store"
    refused = invoke("load", "--jobs", "2", folder, store=store)
    assert refused.exit_code == ExitCode.REJECTED, refused.output
    assert "(about-too-deep)" in refused.stderr
    loaded = invoke("load", "--jobs", "2", "--max-about-depth", "51", folder, store=store)
    assert loaded.exit_code == ExitCode.OK, loaded.output
    assert "1 loaded, 1 unchanged, 0 rejected." in loaded.stderr


def test_load_help_names_the_file_kinds_and_the_limits() -> None:
    for command in ("load", "validate"):
        text = " ".join(invoke(command, "--help").output.split())
        assert ".yaml, .yml" in text and ".json" in text and ".jsonl" in text, text
        for option in ("--max-file-size SIZE", "--max-actions N", "--max-about-depth N"):
            assert option in text


# --- symbolic links in a --queries folder -------------------------------------------------


def _query_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "queries"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET=do-not-print\n", encoding="utf-8")
    (folder / "leak.rq").symlink_to(secret)
    (folder / "mine.rq").write_text("#+ summary: Mine\nSELECT * WHERE { ?s ?p ?o }\n",
                                    encoding="utf-8")
    return folder


def test_a_symlink_in_a_queries_folder_is_not_followed(tmp_path: Path) -> None:
    folder = _query_folder(tmp_path)
    result = invoke("--queries", folder, "queries", "leak")
    assert result.exit_code == ExitCode.USAGE
    assert "do-not-print" not in result.output
    assert (f"{folder / 'leak.rq'} is a symbolic link inside a query folder; kgload does not "
            "follow links out of the folders it is given") in result.stderr
    listing = invoke("--queries", folder, "queries")
    assert "mine" in listing.stdout and "leak" not in listing.stdout
    assert "leak.rq is a symbolic link inside a query folder" in listing.stderr


def test_a_pipe_in_a_queries_folder_is_not_opened(tmp_path: Path) -> None:
    folder = tmp_path / "queries"
    folder.mkdir()
    pipe = folder / "pipe.rq"
    os.mkfifo(pipe)
    unblocked = []

    def unblock() -> None:  # if kgload opened the pipe, end its wait (and the test fails)
        if not done.wait(10):
            unblocked.append(True)
            with pipe.open("wb"):
                pass

    done = threading.Event()
    helper = threading.Thread(target=unblock)
    helper.start()
    try:
        listing = invoke("--queries", folder, "queries")
    finally:
        done.set()
        helper.join()
    assert not unblocked, "kgload opened the pipe and waited on it"
    assert listing.exit_code == ExitCode.OK
    assert "pipe.rq is not a regular file" in listing.stderr


# --- YAML tags ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown", "column"), [
    ("!!str T", "!!str", 29), ("!!float 1", "!!float", 29), ("! T", "!", 29)])
def test_a_core_yaml_tag_is_refused_with_file_line_and_tag(value: str, shown: str,
                                                           column: int) -> None:
    # !!str validated and !!float 1 gave 1.0, although the README says tags are rejected
    text = (f'format_version: 1\narticle: {{id: tag-1, title: {value}, published: "2026-01-08"}}'
            "\nactions: []\n")
    with pytest.raises(InputRejected) as caught:
        parse_bytes(text.encode(), name="tag.yaml")
    [finding] = caught.value.findings
    assert (finding.file, finding.rule, finding.line, finding.column) == (
        "tag.yaml", "yaml-tag", 2, column)
    assert f"the YAML tag {shown} is not allowed" in finding.message
