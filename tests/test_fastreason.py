"""The fast reasoner gives owlrl's result (minus the artefacts we never store).

owlrl stays the reference: every case here is reasoned both ways and compared triple
for triple, inconsistencies included. Generated corpora are compared in
tests/test_benchmarks_generate.py's corpus too (see benchmarks/).
"""

from __future__ import annotations

from pathlib import Path

import owlrl
import pytest
from rdflib import OWL, RDF, BNode, Graph, URIRef
from rdflib.collection import Collection

from kgload.background import Background, background
from kgload.check import check_facts
from kgload.facts import parse_bytes, read_file
from kgload.fastreason import FallBack, compiled_for, infer_fast
from kgload.iris import Iris
from kgload.mapping import map_article
from kgload.reasoning import infer
from kgload.registry import load_registry
from kgload.vocab import KG_IRI

ROOT = Path(__file__).resolve().parents[1]
IRIS = Iris()
CASES = [
    ROOT / "examples" / "colombia-eln.yaml",
    *sorted((ROOT / "tests" / "fixtures" / "good").glob("*.yaml")),
    ROOT / "tests" / "fixtures" / "bad" / "platform-located-in.yaml",
    ROOT / "tests" / "fixtures" / "bad" / "wrong-roles.yaml",
]

CHAINS = b"""format_version: 1
article: {id: chains, title: "Chains", published: "2026-01-08"}
entities:
  - {id: market, type: Region, name: "Market", located_in: barrio}
  - {id: barrio, type: Region, name: "Barrio", located_in: caracas}
  - {id: b1, type: Border, name: "B1", between: [venezuela, colombia]}
  - {id: gang, type: ArmedGroup, name: "Gang", part_of: venezuela}
actions:
  - {id: a1, type: Fight, agents: [gang], targets: [colombia], places: [market],
     status: ongoing, evidence: "e1"}
  - {id: a2, type: Threaten, agents: [gang], targets: [colombia], status: hypothetical,
     about: [a1], evidence: "e2"}
  - {id: a3, type: DiscussByTelephone, agents: [colombia-government, venezuela-government],
     evidence: "e3"}
"""


def _mapped(path: Path | None = None, raw: bytes | None = None) -> Graph:
    facts = read_file(path) if path is not None else parse_bytes(raw or b"", name="x.yaml")
    return map_article(check_facts(facts, load_registry().types), IRIS).graph


def _both(graph: Graph) -> tuple[set, set, list[str], list[str]]:
    bg = background(IRIS)
    slow, fast = infer(graph, bg), infer_fast(graph, bg)
    return set(slow.graph), set(fast.graph), slow.inconsistencies, fast.inconsistencies


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_same_result_as_owlrl(path: Path) -> None:
    slow, fast, slow_errors, fast_errors = _both(_mapped(path))
    assert fast == slow, (sorted(slow - fast)[:5], sorted(fast - slow)[:5])
    assert fast_errors == slow_errors


def test_transitive_symmetric_and_inverse_chains_match_owlrl() -> None:
    graph = _mapped(raw=CHAINS)
    slow, fast, _, _ = _both(graph)
    assert fast == slow
    market = URIRef(IRIS.entity("market"))
    south_america = URIRef(IRIS.entity("south-america"))
    assert (market, URIRef("https://w3id.org/kgload/ontology#locatedIn"), south_america) in fast


def test_kgload_ontology_is_fully_compiled() -> None:
    assert compiled_for(background(IRIS)).unsupported == []


def _with_property_chain() -> tuple[Background, URIRef]:
    """The background plus an axiom the tables cannot express: a property chain.

    ``ex:agentPartOf`` links a fact to what its agent is part of (kg:agent, then kg:partOf).
    """
    bg = background(IRIS)
    chain = URIRef("https://example.org/test#agentPartOf")
    # the ontology and the registry entities the article names: owlrl over the whole
    # registry would take a minute and say the same about this article
    from kgload.reasoning import _relevant

    closure = Graph()
    for triple in _relevant(bg, _mapped(raw=CHAINS)):
        closure.add(triple)
    steps = BNode()
    Collection(closure, steps, [URIRef(KG_IRI + "agent"), URIRef(KG_IRI + "partOf")])
    closure.add((chain, RDF.type, OWL.ObjectProperty))
    closure.add((chain, OWL.propertyChainAxiom, steps))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    return Background(bg.iris, bg.registry, closure, bg.registry_inferred), chain


def test_an_ontology_the_tables_cannot_express_goes_to_owlrl() -> None:
    from kgload.reasoning import reason

    bg, chain = _with_property_chain()
    assert any("propertyChainAxiom" in item for item in compiled_for(bg).unsupported)
    graph = _mapped(raw=CHAINS)
    with pytest.raises(FallBack, match="propertyChainAxiom"):
        infer_fast(graph, bg)
    # the fast path hands the article to owlrl, which applies the chain
    result = reason(graph, bg, "fast")
    fact = URIRef(str(IRIS.fact("chains", "a1")))
    assert (fact, chain, URIRef(IRIS.entity("venezuela"))) in set(result.graph)
    assert set(result.graph) == set(infer(graph, bg).graph)


def test_equality_sends_the_article_to_owlrl() -> None:
    graph = _mapped(raw=CHAINS)
    a, b = URIRef(IRIS.entity("gang")), URIRef(IRIS.entity("market"))
    graph.add((a, OWL.sameAs, b))
    with pytest.raises(FallBack, match="sameAs"):
        infer_fast(graph, background(IRIS))


def test_two_values_of_a_functional_property_go_to_owlrl() -> None:
    graph = _mapped(raw=CHAINS)
    fact = URIRef(str(IRIS.fact("chains", "a1")))
    graph.add((fact, URIRef("https://w3id.org/kgload/ontology#status"),
               URIRef("https://w3id.org/kgload/ontology#Alleged")))
    with pytest.raises(FallBack, match="functional"):
        infer_fast(graph, background(IRIS))


def test_the_pipeline_falls_back_and_still_answers() -> None:
    from kgload.reasoning import reason

    graph = _mapped(raw=CHAINS)
    graph.add((URIRef(IRIS.entity("gang")), OWL.sameAs, URIRef(IRIS.entity("gang2"))))
    result = reason(graph, background(IRIS), "fast")
    assert (URIRef(IRIS.entity("gang2")), RDF.type,
            URIRef("https://w3id.org/kgload/ontology#ArmedGroup")) in set(result.graph)


def test_same_result_as_owlrl_on_a_generated_corpus(tmp_path: Path) -> None:
    """Articles of every action type, nested content, conditions, episodes, relative dates."""
    from scripts import generator

    generator().generate(tmp_path / "corpus", 6, seed=7)
    files = sorted((tmp_path / "corpus" / "articles").glob("*.yaml"))
    assert len(files) == 6
    for path in files:
        slow, fast, slow_errors, fast_errors = _both(_mapped(path))
        assert fast == slow, (path.name, sorted(slow - fast)[:3], sorted(fast - slow)[:3])
        assert fast_errors == slow_errors
