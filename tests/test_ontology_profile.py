"""The ontology's OWL 2 RL conformance and its consistency, checked by real OWL tools.

- Profile: py-horned-owl (``pyhornedowl.profile.check_profile``), a Rust implementation of
  the OWL 2 structural specification and the profile grammars.
- Consistency: HermiT, run by owlready2 on Java. Skipped with the reason when owlready2 or
  Java is missing; HermiT runs 3 times in this module (1-2 s each).

Both tools read RDF/XML, not Turtle: the ontology is converted with rdflib into ``tmp_path``,
and nothing is added to it: Protégé and ROBOT users load the shipped files as they are, so
the files themselves must declare every term they use, kgload's and the aligned
vocabularies' alike.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, URIRef
from rdflib.collection import Collection

from kgload.background import background
from kgload.facts import read_file
from kgload.iris import Iris
from kgload.ontology import ontology_graph
from kgload.prepare import prepare
from kgload.vocab import KG_IRI

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"
KG = KG_IRI

_RESERVED = (str(RDF), str(RDFS), str(OWL), str(XSD))
_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
          RDFS.Datatype)
_CLASS_AXIOMS = (RDFS.subClassOf, OWL.disjointWith, OWL.equivalentClass)


def _ontology() -> Graph:
    """A private copy of the ontology (``ontology_graph()`` must not be mutated)."""
    graph = Graph()
    graph += ontology_graph()
    return graph


def _missing_declarations(graph: Graph) -> dict[URIRef, set[URIRef]]:
    """Every IRI the graph uses as a class or property without declaring it, with its kinds.

    OWL 2 DL (and py-horned-owl) require every entity to be declared: an undeclared IRI is
    itself a violation, and an RDF parser may read an axiom about it as the wrong kind of
    axiom (a subproperty axiom under an undeclared superproperty becomes an object property
    axiom). The ontology aligns with SEM, PROV-O, ORG, schema.org, Dublin Core and SKOS by
    subclass/subproperty without importing them, so it must declare the terms of theirs it
    uses. Each IRI is listed with every kind it is used as (two kinds: illegal punning).
    Predicates that carry no axioms (skos:definition, skos:inScheme...) only document
    terms: they are expected to be annotation properties.
    """
    declared = {s: kind for kind in _KINDS for s in graph.subjects(RDF.type, kind)}
    missing: dict[URIRef, set[URIRef]] = {}

    def use(iri: object, kind: URIRef | None) -> None:
        if (kind is not None and isinstance(iri, URIRef) and iri not in declared
                and not str(iri).startswith(_RESERVED)):
            missing.setdefault(iri, set()).add(kind)

    for axiom in _CLASS_AXIOMS:
        for sub, sup in graph.subject_objects(axiom):
            use(sub, OWL.Class)
            use(sup, OWL.Class)
    for cls in graph.objects(None, RDFS.domain):
        use(cls, OWL.Class)
    for prop, cls in graph.subject_objects(RDFS.range):
        if declared.get(prop) == OWL.ObjectProperty:
            use(cls, OWL.Class)
    for thing, cls in graph.subject_objects(RDF.type):
        if thing not in declared:
            use(cls, OWL.Class)
    for sub, sup in graph.subject_objects(RDFS.subPropertyOf):
        use(sup, declared.get(sub))
    for prop, inverse in graph.subject_objects(OWL.inverseOf):
        use(prop, OWL.ObjectProperty)
        use(inverse, OWL.ObjectProperty)
    for prop in set(graph.predicates()):
        use(prop, OWL.AnnotationProperty)
    return missing


def _write_rdfxml(graph: Graph, path: Path) -> Path:
    """Write ``graph`` as RDF/XML with each subject's rdf:type triples first.

    py-horned-owl 2.0's RDF reader depends on triple order: when ``owl:versionIRI`` comes
    before ``rdf:type owl:Ontology`` it reads it as an annotation and reports an undeclared
    annotation property. rdflib writes a subject's triples in store order, so a copied graph
    can trigger it; a fixed order (types first, then sorted) makes the result reproducible.
    """
    ordered = Graph()
    for triple in sorted(graph, key=lambda t: (t[1] != RDF.type, *map(str, t))):
        ordered.add(triple)
    path.write_text(ordered.serialize(format="xml"), encoding="utf-8")
    return path


# ---------------------------------------------------------------- OWL 2 RL profile


@pytest.fixture(scope="module")
def horned():
    return pytest.importorskip(
        "pyhornedowl", reason="py-horned-owl is not installed (pip install -e '.[test]')")


def _violations(horned, graph: Graph, path: Path) -> set[tuple[str, str]]:
    """The RL profile violations of ``graph`` as it is (nothing added), as comparable keys."""
    from pyhornedowl.profile import check_profile

    ontology = horned.open_ontology_from_file(str(_write_rdfxml(graph, path)), "rdf")
    report = check_profile(ontology, "RL")
    keys = set()
    for violation in report.violations:
        detail = getattr(violation, "iri", None) or getattr(violation, "axiom", None)
        keys.add((type(violation).__name__, str(detail)))
    assert report.conformant == (not keys)
    return keys


@pytest.fixture(scope="module")
def baseline(horned, tmp_path_factory) -> set[tuple[str, str]]:
    path = tmp_path_factory.mktemp("profile") / "kgload.owl"
    return _violations(horned, _ontology(), path)


def test_the_shipped_ontology_declares_every_term_it_uses() -> None:
    """kgload's terms and those of the vocabularies it aligns with (sem:Event, prov:Agent...)."""
    undeclared = {str(iri): sorted(str(k) for k in kinds)
                  for iri, kinds in _missing_declarations(_ontology()).items()}
    assert not undeclared, f"terms used without rdf:type owl:Class etc.: {undeclared}"


def test_the_shipped_ontology_is_in_owl2_rl(baseline) -> None:
    assert not baseline, f"OWL 2 RL violations (py-horned-owl): {sorted(baseline)}"


def _some_values_from_superclass(graph: Graph) -> tuple[str, str]:
    restriction = BNode()
    graph.add((restriction, RDF.type, OWL.Restriction))
    graph.add((restriction, OWL.onProperty, URIRef(KG + "holds")))
    graph.add((restriction, OWL.someValuesFrom, URIRef(KG + "RoleAssignment")))
    graph.add((URIRef(KG + "Person"), RDFS.subClassOf, restriction))
    return "ObjectSomeValuesFrom", KG + "Person"


def _union_superclass(graph: Graph) -> tuple[str, str]:
    union = BNode()
    members = BNode()
    Collection(graph, members, [URIRef(KG + "Person"), URIRef(KG + "Organization")])
    graph.add((union, RDF.type, OWL.Class))
    graph.add((union, OWL.unionOf, members))
    graph.add((URIRef(KG + "Group"), RDFS.subClassOf, union))
    return "ObjectUnionOf", KG + "Group"


@pytest.mark.parametrize("inject", [_some_values_from_superclass, _union_superclass])
def test_the_profile_check_reports_a_non_rl_superclass(horned, baseline, tmp_path,
                                                       inject) -> None:
    """An existential or a union is legal OWL 2 DL but not an RL superclass expression."""
    graph = _ontology()
    constructor, subclass = inject(graph)
    new = _violations(horned, graph, tmp_path / "injected.owl") - baseline
    assert len(new) == 1, new
    ((kind, axiom),) = new
    assert kind == "UseOfNonSuperClassExpression"
    assert axiom.startswith(f"SubClassOf(<{subclass}> {constructor}("), axiom


# ---------------------------------------------------------------- consistency (HermiT)


@pytest.fixture(scope="module")
def owlready2():
    module = pytest.importorskip(
        "owlready2", reason="owlready2 (HermiT) is not installed (pip install -e '.[test]')")
    if shutil.which(module.JAVA_EXE) is None:
        pytest.skip(f"HermiT needs a Java runtime: {module.JAVA_EXE!r} is not on PATH")
    return module


def _hermit(owlready2, graph: Graph, path: Path, *, opaque_dates: bool = False) -> None:
    """Run HermiT's consistency check on ``graph``; raises if it is inconsistent.

    HermiT gets the plain conversion, without the declarations added for the profile check:
    the OWL API that reads it types undeclared IRIs from their use. HermiT refuses every
    datatype outside the OWL 2 datatype map, which has no xsd:date. Facts carry xsd:date
    literals (kg:start, kg:end, kg:published; the shapes check them), so for data
    ``opaque_dates=True`` passes ``--ignoreUnsupportedDatatypes`` and HermiT reasons about
    no date value. The ontology alone is checked without it: a date range in an axiom fails.
    """
    world = owlready2.World()
    try:
        world.get_ontology(_write_rdfxml(graph, path).as_uri()).load()
        typed = {str(s) for s in graph.subjects(RDF.type) if isinstance(s, URIRef)}
        unloaded = sorted(iri for iri in typed if world[iri] is None)
        assert not unloaded, f"owlready2 did not load: {unloaded[:10]}"
        try:
            owlready2.sync_reasoner_hermit(
                world, debug=0, ignore_unsupported_datatypes=opaque_dates)
        except owlready2.OwlReadyJavaError as error:
            message = str(error).split("\tat ")[0]
            pytest.fail(f"HermiT could not reason: {message}")
    finally:
        world.close()


def test_hermit_finds_the_ontology_consistent(owlready2, tmp_path) -> None:
    _hermit(owlready2, _ontology(), tmp_path / "kgload.owl")


def test_hermit_finds_the_example_and_registry_consistent(owlready2, tmp_path) -> None:
    iris = Iris()
    prepared = prepare(read_file(EXAMPLE), iris)
    graph = _ontology()
    graph += prepared.mapped.graph
    graph += background(iris).registry
    _hermit(owlready2, graph, tmp_path / "example.owl", opaque_dates=True)


def test_hermit_finds_a_platform_that_is_a_place_inconsistent(owlready2, tmp_path) -> None:
    graph = _ontology()
    assert (URIRef(KG + "Platform"), OWL.disjointWith, URIRef(KG + "Place")) in graph
    thing = URIRef("https://example.org/test#radio-and-town")
    graph.add((thing, RDF.type, URIRef(KG + "Platform")))
    graph.add((thing, RDF.type, URIRef(KG + "Place")))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _hermit(owlready2, graph, tmp_path / "inconsistent.owl")
