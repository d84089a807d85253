"""JSON Lines bulk feeds: one article per line, each loaded, rejected or located alone."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from conftest import EXAMPLE, invoke
from kgload.pipeline import validate_paths


def _article(n: int) -> dict:
    return {"format_version": 1,
            "article": {"id": f"feed-{n}", "title": f"Feed {n}", "published": "2026-01-08"},
            "actions": [{"id": "t", "type": "Threaten", "agents": ["colombia-government"],
                         "targets": ["venezuela-government"], "time": "Wednesday",
                         "evidence": f"Bogota threatened Caracas ({n})."}]}


def _feed(tmp_path: Path) -> Path:
    bad_agent = _article(3)
    bad_agent["actions"][0]["agents"] = ["bogota"]
    lines = [json.dumps(_article(1)), "{not json", "", json.dumps(bad_agent),
             json.dumps(_article(4))]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_each_line_is_an_article_and_errors_name_their_line(tmp_path: Path) -> None:
    report = validate_paths([_feed(tmp_path)])
    statuses = [(o.source.rsplit("/", 1)[-1], o.status) for o in report.outcomes]
    assert statuses == [("feed.jsonl:1", "valid"), ("feed.jsonl:2", "rejected"),
                        ("feed.jsonl:4", "rejected"), ("feed.jsonl:5", "valid")]
    syntax = report.outcomes[1].findings[0]
    assert (syntax.rule, syntax.line) == ("json-syntax", 2)
    agent = report.outcomes[2].findings[0]
    assert (agent.rule, agent.line, agent.fact) == ("ActionAgent", 4, "t")
    assert agent.column is not None and agent.column > 1


def test_loading_a_feed(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = invoke("load", _feed(tmp_path), store=store)
    assert result.exit_code == 1
    assert "2 loaded, 0 unchanged, 2 rejected." in result.stderr
    assert "feed.jsonl:2" in result.stderr and "feed.jsonl:4" in result.stderr
    listed = json.loads(invoke("articles", "--format", "json", store=store).stdout)
    assert {row["article"] for row in listed} == {"feed-1", "feed-4"}
    again = invoke("load", _feed(tmp_path), store=store)
    assert "0 loaded, 2 unchanged, 2 rejected." in again.stderr


def test_a_feed_line_gives_the_same_graph_as_the_yaml_file(tmp_path: Path) -> None:
    from rdflib.compare import isomorphic

    from kgload.facts import read_documents, read_file
    from kgload.iris import Iris
    from kgload.prepare import prepare

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    feed = tmp_path / "one.jsonl"
    feed.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    [document] = list(read_documents(feed))
    from_feed = prepare(document, Iris())
    from_yaml = prepare(read_file(EXAMPLE), Iris())
    assert isomorphic(from_feed.mapped.graph, from_yaml.mapped.graph)
