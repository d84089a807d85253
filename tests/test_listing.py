"""Listing rows (kg:listingRow): the packed columns agree with the triples they repeat.

The stored listings read an action's kind, status, time, summary, CAMEO family and
evidence from one literal instead of from the triples. Here every row of the example and
of a generated corpus is unpacked and compared with the same columns read back from the
article's asserted graph and the ontology, so a change on either side that makes them
disagree fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import RDF, RDFS, SKOS, Graph, Literal

from kgload.facts import read_file
from kgload.iris import Iris
from kgload.listing import SEPARATOR, TAGS, pack, unpack
from kgload.ontology import ontology_graph
from kgload.prepare import prepare
from kgload.vocab import KG
from scripts import generator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"


def _from_triples(graph: Graph, fact) -> dict[str, str]:
    """The listing columns of ``fact`` read from its asserted triples and the ontology."""
    onto = ontology_graph()
    classes = [c for c in graph.objects(fact, RDF.type)]
    assert len(classes) == 1, f"{fact}: one asserted class, got {classes}"
    cls = classes[0]
    out: dict[str, str] = {"kind": str(onto.value(cls, RDFS.label))}
    code = graph.value(fact, KG.eventCode)
    if code is not None:
        out["code"] = str(code)
    out["status"] = str(onto.value(graph.value(fact, KG.status), RDFS.label))
    summary = graph.value(fact, KG.summary)
    if summary is not None:
        out["summary"] = str(summary)
    time = graph.value(fact, KG.time)
    if time is not None:
        for prop, name in ((KG.timeText, "when"), (KG.start, "start"), (KG.end, "end")):
            value = graph.value(time, prop)
            if value is not None:
                out[name] = str(value)
        out["precision"] = str(onto.value(graph.value(time, KG.precision), RDFS.label))
    family = onto.value(cls, KG.cameoFamily)
    if family is not None:
        out["root"] = str(onto.value(family, SKOS.notation))
        out["family"] = str(onto.value(family, SKOS.prefLabel))
        out["quad"] = str(onto.value(family, KG.quadClass))
    quotes = sorted(str(q) for q in graph.objects(fact, KG.evidence))
    out["evidence"] = " | ".join(quotes)
    return out


def _check_article(path: Path) -> int:
    prepared = prepare(read_file(path), Iris())
    graph = prepared.mapped.graph
    rows = list(graph.subject_objects(KG.listingRow))
    actions = set(graph.subjects(KG.reportedIn, None)) & set(graph.subjects(KG.status, None))
    assert {fact for fact, _ in rows} == actions, "every action has one listing row"
    for fact, row in rows:
        fields = unpack(str(row))
        # the evidence is in the file's order; the graph's quotes have none
        fields["evidence"] = " | ".join(sorted(fields["evidence"].split(" | ")))
        assert fields == _from_triples(graph, fact), fact
    return len(rows)


def test_the_example_rows_repeat_its_triples():
    assert _check_article(EXAMPLE) >= 20


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("listing-corpus")
    generator().generate(out, 12, seed=5, violations=0, fmt="yaml")
    return out / "articles"


def test_generated_rows_repeat_their_triples(corpus):
    files = sorted(corpus.glob("*.yaml"))
    assert len(files) == 12
    assert sum(_check_article(path) for path in files) > 100


def test_the_evidence_keeps_the_files_order():
    prepared = prepare(read_file(EXAMPLE), Iris())
    iris = Iris()
    fact = iris.fact("afp-2026-01-08-colombia-eln", "petro-ultimatum-to-us")
    row = unpack(str(prepared.mapped.graph.value(fact, KG.listingRow)))
    assert row["evidence"].startswith("In November, Petro ordered")
    assert " | unless the Trump administration halted attacks" in row["evidence"]


_text = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30)


@given(st.dictionaries(st.sampled_from(sorted(TAGS)), _text))
def test_pack_and_unpack_are_inverse_and_every_field_ends_alike(fields):
    text = pack(fields)
    assert text.endswith(SEPARATOR)
    expected = {name: value.replace(SEPARATOR, " ") for name, value in fields.items()}
    assert unpack(text) == expected
    for name, value in expected.items():
        # what a query computes: STRBEFORE(STRAFTER(?row, SEP + tag), SEP)
        after = text.split(SEPARATOR + TAGS[name], 1)[1]
        assert after.split(SEPARATOR, 1)[0] == value


def test_a_row_is_a_plain_string():
    row = Literal(pack({"kind": "attack"}))
    assert row.language is None and row.datatype is None
