"""Golden graphs: the example's asserted and inferred graphs, compared as graphs.

After a deliberate change to the mapping, the ontology or the example, regenerate with
``KGLOAD_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kgload.facts import read_file
from kgload.iris import Iris
from kgload.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"
REGENERATE = os.environ.get("KGLOAD_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def prepared():
    return prepare(read_file(EXAMPLE), Iris())


def _sorted_ntriples(graph: Graph) -> str:
    lines = graph.serialize(format="nt").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def _compare(graph: Graph, name: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(_sorted_ntriples(graph), encoding="utf-8")
    expected = Graph().parse(path, format="nt")
    if not isomorphic(graph, expected):
        _, only_new, only_old = graph_diff(to_isomorphic(graph), to_isomorphic(expected))
        added = sorted(t.n3() if hasattr(t, "n3") else str(t) for t in only_new)[:10]
        removed = sorted(str(t) for t in only_old)[:10]
        pytest.fail(f"{name} differs from the golden graph.\nnew: {added}\ngone: {removed}\n"
                    "If the change is deliberate, regenerate with KGLOAD_REGEN_GOLDEN=1.")


def test_asserted_graph_matches_golden(prepared) -> None:
    _compare(prepared.mapped.graph, "colombia-eln.asserted.nt")


def test_inferred_graph_matches_golden(prepared) -> None:
    _compare(prepared.inferred, "colombia-eln.inferred.nt")


def test_mapping_is_deterministic(prepared) -> None:
    again = prepare(read_file(EXAMPLE), Iris())
    assert _sorted_ntriples(again.mapped.graph) == _sorted_ntriples(prepared.mapped.graph)
