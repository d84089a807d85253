"""Participants beyond named actors (issue 11): unknown agents, documents as sources,
venues, roles in any organization or city, and the actor codes roles give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CliRun

GOOD = Path(__file__).resolve().parent / "fixtures" / "good"


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    from conftest import invoke

    store = tmp_path_factory.mktemp("participants") / "store"
    loaded = invoke("load", GOOD / "participants.yaml", store=store)
    assert loaded.exit_code == 0, loaded.output
    table = json.loads(invoke("query", "event-table", "--format", "json", store=store).stdout)
    return {row["fact"].rsplit("/", 1)[-1]: row for row in table}


def test_an_unknown_agent_is_named_by_the_articles_words(rows: dict[str, dict[str, str]]
                                                         ) -> None:
    killing = rows["gunmen-kill"]
    assert (killing["source"], killing["source_code"]) == ("unidentified gunmen", "")
    assert (killing["event_code"], killing["root_code"]) == ("1823", "18")
    assert rows["indictment"]["source"] == "prosecutors"


def test_a_document_is_a_source_and_a_venue_a_place(rows: dict[str, dict[str, str]]) -> None:
    killing = rows["gunmen-kill"]
    assert killing["attributed_to"] == "UN report on Myanmar"
    assert killing["place"] == "Maracanã stadium"


def test_a_role_in_a_government_gives_its_code_and_one_in_a_city_none(
        rows: dict[str, dict[str, str]]) -> None:
    assert rows["biden-visits"]["source_code"] == "USAGOV"  # envoy of the US government
    assert rows["indictment"]["target_code"] == "USAGOV"
    assert rows["gunmen-kill"]["target"] == "Adli Yaish"  # the mayor of Caracas: a city
    assert rows["gunmen-kill"]["target_code"] == ""
    assert rows["indictment"]["event_code"] == "173"  # Indict: coded as CAMEO 173


def test_two_unknown_agents_are_two_actors(cli: CliRun, tmp_path: Path) -> None:
    from rdflib import Graph

    out = tmp_path / "g.nt"
    store = tmp_path / "store"
    assert cli("load", GOOD / "participants.yaml", store=store).exit_code == 0
    assert cli("export", "--format", "ntriples", "-o", out, store=store).exit_code == 0
    graph = Graph().parse(out, format="nt")
    unknown = {str(s) for s, _, o in graph if str(o).endswith("#UnknownActor")}
    assert len(unknown) == 2
    assert all("/unknown/agents/1" in s for s in unknown)
    # they are not entities: not listed, not described in the shared entities graph
    listed = cli("entities", "gunmen", store=store)
    assert "unidentified gunmen" not in listed.stdout


def test_unknown_is_not_a_type_a_file_can_declare(cli: CliRun, tmp_path: Path) -> None:
    facts = tmp_path / "f.yaml"
    facts.write_text((GOOD / "participants.yaml").read_text(encoding="utf-8").replace(
        "type: Document", "type: UnknownActor"), encoding="utf-8")
    result = cli("validate", facts)
    assert result.exit_code == 1
    assert 'type: "UnknownActor" is not one of' in result.stderr


def test_a_role_held_in_a_city_is_no_inconsistency(cli: CliRun) -> None:
    result = cli("validate", GOOD / "participants.yaml")
    assert result.exit_code == 0, result.stderr
