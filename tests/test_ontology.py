"""The ontology, the shapes and the facts schema agree with each other and with CAMEO."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from kgload.check import facts_schema
from kgload.ontology import action_types, entity_types, ontology_graph, shapes_graph
from kgload.vocab import KG, KG_IRI

ROOT = Path(__file__).resolve().parents[1]
CAMEO = ROOT.parent / "shared" / "data" / "cameo" / "CAMEO_codefile.txt"


def _kg_terms(graph: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {
        s for kind in kinds for s in graph.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and str(s).startswith(KG_IRI)
    }


def test_every_term_the_code_uses_is_defined_in_the_ontology() -> None:
    graph = ontology_graph()
    defined = {s for s in graph.subjects() if isinstance(s, URIRef)}
    used = [URIRef(KG_IRI + name) for name in KG.__annotations__]
    missing = [str(term) for term in used if term not in defined]
    assert not missing, f"kgload.vocab.KG lists terms the ontology lacks: {missing}"


def test_every_class_and_property_has_a_label_and_a_definition() -> None:
    """kgload's own terms are defined; the CAMEO classes carry the code list's label and
    code only (the list gives no definitions, and kgload writes none in its name)."""
    graph = ontology_graph()
    terms = _kg_terms(graph)
    assert len(terms) > 80
    unlabelled = sorted(str(t) for t in terms if graph.value(t, RDFS.label) is None)
    undefined = sorted(str(t) for t in terms if graph.value(t, SKOS.definition) is None
                       and graph.value(t, KG.cameoCode) is None)
    assert not unlabelled, f"terms without rdfs:label: {unlabelled}"
    assert not undefined, f"terms without skos:definition: {undefined}"


def test_schema_entity_types_are_the_ontology_entity_classes() -> None:
    schema = facts_schema()
    enum = set(schema["$defs"]["entity"]["properties"]["type"]["enum"])
    classes = set(entity_types()) - {"Entity", "Actor", "Place"}
    assert enum == classes


def test_action_types_and_their_codes() -> None:
    types = action_types()
    assert "HappenedAction" not in types, "a class assigned by reasoning is not a facts type"
    assert types["ThreatenMilitaryForce"].cameo == "138"
    assert types["GiveUltimatum"].cameo == "139"
    assert types["Order"].cameo is None
    codes = [t.cameo for t in types.values() if t.cameo]
    assert all(isinstance(code, str) and re.fullmatch(r"\d{3,4}", code) for code in codes)
    graph = ontology_graph()
    stated = [str(graph.value(t.iri, KG.cameoCode)) for t in types.values()
              if graph.value(t.iri, KG.cameoCode) is not None]
    assert len(stated) == len(set(stated)), "two action classes state the same CAMEO code"
    # a finer kind without a code of its own is coded as the CAMEO event it refines
    assert types["Indict"].cameo == types["Seize"].cameo == "173"
    assert types["Sentence"].cameo == "116"
    assert types["JoinGroup"].cameo is None


def test_cameo_family_of_each_action_class_matches_its_code() -> None:
    graph = ontology_graph()
    for kind in action_types().values():
        family = graph.value(kind.iri, KG.cameoFamily)
        if kind.cameo is None:
            assert family is None
            continue
        assert family is not None, f"{kind.name} has a code but no family"
        assert str(graph.value(family, SKOS.notation)) == kind.cameo[:2], kind.name
        assert (family, SKOS.inScheme, URIRef(KG_IRI + "CameoScheme")) in graph


def test_cameo_codes_exist_in_the_cameo_codebook() -> None:
    if not CAMEO.is_file():
        pytest.skip(f"the CAMEO code list is not beside the project ({CAMEO}); CI has it")
    listed = set(re.findall(r"^LABELi?:\s*(\d+)=", CAMEO.read_text(encoding="utf-8"), re.M))
    unknown = {k.name: k.cameo for k in action_types().values() if k.cameo not in (None, *listed)}
    assert not unknown, f"codes not in CAMEO 0.7b5: {unknown}"


def test_no_action_class_gets_a_code_by_inheritance() -> None:
    # codes are annotations on classes and stated once on each event by the mapper, never
    # owl:hasValue restrictions (those are inherited: an event would get "13" and "138")
    graph = ontology_graph()
    for restriction in graph.subjects(RDF.type, OWL.Restriction):
        assert graph.value(restriction, OWL.onProperty) != KG.eventCode


def test_shapes_only_use_terms_of_the_ontology() -> None:
    defined = {s for s in ontology_graph().subjects() if isinstance(s, URIRef)}
    used = {o for o in shapes_graph().objects() if isinstance(o, URIRef)
            and str(o).startswith(KG_IRI)}
    assert used - defined == set()


def test_schema_is_valid_json_schema() -> None:
    from jsonschema.validators import Draft202012Validator, validator_for

    schema = facts_schema()
    # the draft it names is a known one (no silent fallback to the latest draft) ...
    assert validator_for(schema, default=None) is Draft202012Validator, schema.get("$schema")
    # ... and the schema is valid against that draft's meta-schema
    Draft202012Validator.check_schema(schema)


def test_schema_accepts_the_example_and_refuses_what_breaks_it() -> None:
    from jsonschema.validators import Draft202012Validator

    from kgload.facts import read_file

    validator = Draft202012Validator(facts_schema())
    example = read_file(ROOT / "examples" / "colombia-eln.yaml").data
    assert not list(validator.iter_errors(example))
    broken = json.loads(json.dumps(example))
    broken["article"]["unknown_key"] = 1
    del broken["actions"][0]["type"]
    problems = sorted(e.validator for e in validator.iter_errors(broken))
    assert problems == ["additionalProperties", "required"], problems


def test_reasoning_states_nothing_about_the_vocabularies_it_aligns_with() -> None:
    """owlrl says sem:Event rdfs:subClassOf sem:Event once the ontology declares sem:Event:
    vocabulary statements, not facts; the registry's inferred graph must not hold them."""
    from kgload.background import background
    from kgload.iris import Iris

    aligned = ("http://semanticweb.cs.vu.nl/2009/11/sem/", "http://www.w3.org/ns/prov#",
               "http://www.w3.org/ns/org#", "https://schema.org/", "http://purl.org/dc/terms/",
               "http://www.w3.org/2004/02/skos/core#")
    about = sorted(str(s) for s, _, _ in background(Iris()).registry_inferred
                   if str(s).startswith(aligned))
    assert not about, about[:5]
