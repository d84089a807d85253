"""Each SHACL shape rejects its negative fixture, and only that shape fires.

``tests/fixtures/shapes/_base.ttl`` conforms; each ``NAME.ttl`` beside it adds data that
breaks the shape ``kgs:NAME`` and nothing else. Every constraint-bearing shape of
``shapes/`` must have such a fixture.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import SH

from kgload.ontology import ontology_graph, shapes_graph

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
KGS = Namespace("https://w3id.org/kgload/shapes#")
# operands of sh:or, not checks of their own
_HELPERS = {"IsPlatform", "IsNewsOrganization", "IsActor", "IsDocument", "IsPlace"}


def _constraint_shapes() -> list[str]:
    shapes = shapes_graph()
    names = set()
    for shape in set(shapes.subjects(RDF.type, SH.PropertyShape)):
        if isinstance(shape, URIRef) and str(shape).startswith(str(KGS)):
            names.add(str(shape)[len(str(KGS)):])
    return sorted(names - _HELPERS)


def _report(extra: Path | None) -> tuple[bool, set[str], Graph]:
    # the shapes alone, on data plus the (unclosed) ontology: sh:class follows
    # rdfs:subClassOf in the data graph; no inference, so a range cannot mask a violation
    data = Graph()
    data += ontology_graph()
    data.parse(FIXTURES / "_base.ttl")
    if extra is not None:
        data.parse(extra)
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph(), inference="none")
    fired = {str(s)[len(str(KGS)):] for s in report.objects(None, SH.sourceShape)
             if str(s).startswith(str(KGS))}
    return conforms, fired, report


def test_the_base_fixture_conforms() -> None:
    conforms, fired, _ = _report(None)
    assert conforms, f"_base.ttl breaks {fired}"


def test_every_shape_has_a_negative_fixture() -> None:
    names = _constraint_shapes()
    assert len(names) >= 30
    missing = [n for n in names if not (FIXTURES / f"{n}.ttl").is_file()]
    assert not missing, f"shapes without a negative fixture: {missing}"
    extra = {p.stem for p in FIXTURES.glob("*.ttl")} - set(names) - {"_base"}
    assert not extra, f"fixtures for shapes that do not exist: {extra}"


@pytest.mark.parametrize("name", _constraint_shapes())
def test_negative_fixture_breaks_exactly_its_shape(name: str) -> None:
    conforms, fired, _ = _report(FIXTURES / f"{name}.ttl")
    assert not conforms
    assert fired == {name}


def test_every_shape_has_a_message_in_plain_words() -> None:
    shapes = shapes_graph()
    for name in _constraint_shapes():
        message = shapes.value(KGS[name], SH.message)
        assert message is not None and len(str(message)) > 15, name
        assert "sh:" not in str(message) and "IRI" not in str(message), name
