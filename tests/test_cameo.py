"""The CAMEO vocabulary: generated from the code list, complete, and usable in facts files."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kgload.ontology import action_types, ontology_graph
from kgload.typetree import search, type_tree
from kgload.vocab import KG, KG_IRI
from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
CODEFILE = ROOT.parent / "shared" / "data" / "cameo" / "CAMEO_codefile.txt"
GENERATED = ROOT / "ontology" / "cameo.ttl"


def _generator() -> ModuleType:
    """ontology/build/cameo.py, which is a script, not a module of the package."""
    return load_script("ontology/build/cameo.py", "cameo_build")


def _needs_codefile() -> str:
    if not CODEFILE.is_file():
        pytest.skip(f"the CAMEO code list is not beside the project ({CODEFILE}); CI has it")
    return CODEFILE.read_text(encoding="utf-8")


def test_the_shipped_vocabulary_is_what_the_generator_writes() -> None:
    text = _needs_codefile()
    assert _generator().render(_generator().parse(text)) == GENERATED.read_text(encoding="utf-8"), (
        "ontology/cameo.ttl is out of date: python ontology/build/cameo.py "
        "../shared/data/cameo/CAMEO_codefile.txt ontology/cameo.ttl")


def test_every_code_of_the_list_is_an_action_class_under_its_parent() -> None:
    text = _needs_codefile()
    listed = set(re.findall(r"^LABEL:\s*(\d{3,4})=", text, re.M))
    assert len(listed) == 295
    by_code = {kind.cameo: kind for kind in action_types().values()
               if kind.cameo and ontology_graph().value(kind.iri, KG.cameoCode) is not None}
    assert set(by_code) == listed
    graph = ontology_graph()
    for code, kind in by_code.items():
        parents = set(graph.objects(kind.iri, RDFS.subClassOf))
        if len(code) == 4:
            assert by_code[code[:3]].iri in parents, code
        elif not code.endswith("0"):
            assert by_code[code[:2] + "0"].iri in parents, code
        else:
            assert KG.Action in parents, code


def test_labels_come_from_the_list_and_icews_variants_are_alternatives() -> None:
    graph = ontology_graph()

    def cls(code: str) -> URIRef:
        return next(k.iri for k in action_types().values()
                    if graph.value(k.iri, KG.cameoCode) == Literal(code))

    assert graph.value(cls("0841"), RDFS.label) == Literal("return, release person(s)", lang="en")
    # LABELi: the ICEWS wording
    assert Literal("abduct, hijack, or take hostage", lang="en") in set(
        graph.objects(cls("181"), SKOS.altLabel))
    # a repeated line corrects the one before: the last is the label, the first is hidden
    assert graph.value(cls("018"), RDFS.label) == Literal("make empathetic comment", lang="en")
    assert Literal("make empathetic commment", lang="en") in set(
        graph.objects(cls("018"), SKOS.hiddenLabel))
    # a misspelling is corrected in the name and the label, and kept hidden
    assert cls("055") == URIRef(KG_IRI + "Apologize")
    assert Literal("apolgize", lang="en") in set(graph.objects(cls("055"), SKOS.hiddenLabel))
    # "13y" is not a code: its line gives nothing
    assert not [s for s in graph.subjects(KG.cameoCode, Literal("13y"))]


def test_the_parser_reads_every_line_form_of_the_list() -> None:
    gen = _generator()
    parsed = gen.parse(
        "//01: MAKE PUBLIC STATEMENT\n"
        "LABEL: 010= Make statement\n"
        "LABEL: 011= Decline comment\n"
        "LABEL: 011= Decline comment\n"
        "LABELi: 011= Decline to comment\n"
        "LABEL: 0111i= Variant by code suffix\n"
        "LABEL: 0111= Decline comment again (really)\n"
        "LABELI: 0111= Upper-case variant marker\n"
        "LABELi: 01y= not a code\n"
    )
    assert set(parsed.codes) == {"010", "011", "0111"}
    assert parsed.codes["011"].labels == ["Decline comment"]
    assert parsed.codes["0111"].variants == ["Variant by code suffix", "Upper-case variant marker"]
    assert any("01y" in line for line in parsed.skipped)
    assert gen.class_name("0111", "Decline comment again (really)") == "DeclineCommentAgain"
    graph = Graph().parse(data="@prefix kg: <https://w3id.org/kgload/ontology#> .\n"
                               + gen.render(parsed), format="turtle")
    assert (URIRef(KG_IRI + "DeclineCommentAgain"), RDFS.subClassOf,
            URIRef(KG_IRI + "DeclineComment")) in graph


def test_a_code_without_a_family_heading_is_refused() -> None:
    with pytest.raises(ValueError, match="under no family heading"):
        _generator().parse("LABEL: 010= Make statement\n")


def test_the_issue_stories_kinds_have_types() -> None:
    """The events a trial of 14 wire stories could not express (issue 11)."""
    wanted = {"MakeAVisit": "042", "HostAVisit": "043", "DemonstrateOrRally": "141",
              "ReturnReleasePerson": "0841", "KillByPhysicalAssault": "1823",
              "EngageInMassKillings": "202", "FightWithArtilleryAndTanks": "194",
              "EmployAerialWeapons": "195", "Reject": "120", "DeclineComment": "011",
              "PraiseOrEndorse": "051", "ExpressIntentToProvideMilitaryAid": "0332",
              "ExpressIntentToCooperateEconomically": "0311",
              "ThreatenToBoycottEmbargoOrSanction": "1312", "AccuseOfWarCrimes": "1124",
              "Indict": "173", "Sentence": "116"}
    types = action_types()
    assert {name: types[name].cameo for name in wanted} == wanted
    assert types["JoinGroup"].cameo is None


def test_cooperative_and_hostile_families() -> None:
    graph = ontology_graph()

    def under(name: str, group: str) -> bool:
        return URIRef(KG_IRI + group) in graph.transitive_objects(URIRef(KG_IRI + name),
                                                                  RDFS.subClassOf)

    assert under("ReturnReleasePerson", "CooperativeAction")
    assert under("ProvideHumanitarianAid", "CooperativeAction")
    assert under("EngageInMassKillings", "HostileAction")
    assert under("DemonstrateOrRally", "HostileAction")
    assert not under("Investigate", "HostileAction")
    assert not under("Investigate", "CooperativeAction")


def test_the_tree_lists_each_type_once_under_its_most_specific_parent() -> None:
    tree = type_tree()
    names = [(e.kind, e.name) for e in tree]
    assert len(names) == len(set(names))
    by_name = {e.name: e for e in tree if e.kind == "action"}
    assert by_name["Consult"].parent == "CooperativeAction"  # not kg:Action
    assert by_name["Fight"].parent == "HostileAction"
    assert by_name["Indict"].parent == "Seize"
    # depth first: each entry comes after its parent
    seen: set[str] = set()
    for entry in (e for e in tree if e.kind == "action"):
        assert entry.parent is None or entry.parent in seen, entry.name
        seen.add(entry.name)


@pytest.mark.parametrize(("words", "expected"), [
    # the label says "shelling", the CAMEO verb dictionary codes the verb "shell" 190
    ("shelling", {"FightWithArtilleryAndTanks", "Fight"}),
    ("release prisoners", {"ReturnReleasePerson"}),
    ("war crimes", {"AccuseOfWarCrimes", "InvestigateWarCrimes"}),
    ("1823", {"KillByPhysicalAssault"}),
    ("Threaten", {"Threaten"}),
])
def test_search_finds_the_words_news_uses(words: str, expected: set[str]) -> None:
    matched = {e.name for e, hit in search(type_tree(), words) if hit}
    assert matched == expected


DICTIONARY = ROOT.parent / "shared" / "data" / "phoenix" / "CAMEO.2.0.txt"
VERBS = ROOT / "loader" / "kgload" / "cameo-verbs.tsv"


def _verbs_generator() -> ModuleType:
    """loader/build/cameo_verbs.py, a script, not a module of the package."""
    return load_script("loader/build/cameo_verbs.py")


def test_the_shipped_verbs_are_what_the_generator_writes() -> None:
    codefile = _needs_codefile()
    if not DICTIONARY.is_file():
        pytest.skip(f"the CAMEO verb dictionary is not beside the project ({DICTIONARY}); "
                    "CI has it")
    build = _verbs_generator()
    text = DICTIONARY.read_text(encoding="utf-8", errors="replace")
    assert build.render(build.parse(text, build.known_codes(codefile))) == VERBS.read_text(
        encoding="utf-8"), (
        "loader/kgload/cameo-verbs.tsv is out of date: python loader/build/cameo_verbs.py "
        "../shared/data/phoenix/CAMEO.2.0.txt ../shared/data/cameo/CAMEO_codefile.txt "
        "loader/kgload/cameo-verbs.tsv")


def test_the_verb_parser_reads_blocks_own_codes_forms_and_patterns() -> None:
    build = _verbs_generator()
    text = "\n".join([
        "# a comment [111]",
        "---  DENOUNCE   [111]  ---",
        "+DRESS_DOWN {+DRESSES_DOWN +DRESSED_DOWN} ",
        "CANE [180]",
        "CHIDE  # jw  11/14/91",
        "- * ACCUSATION                        [016]         # DENOUNCE",
        "---  VISIT   [042:043]  ---",
        "TOUR",
        "---  ASK   [---]  ---",
        "ASK",
        "INQUIRE [:020]",
    ])
    verbs = build.parse(text, {"111", "180", "042", "016", "020"})
    assert verbs == {"denounce": {"111"}, "dress down": {"111"}, "cane": {"180"},
                     "chide": {"111"}, "visit": {"042"}, "tour": {"042"}, "inquire": {"020"}}


def test_every_verb_points_at_a_class_and_search_reads_them() -> None:
    codes = {kind.cameo for kind in action_types().values() if kind.cameo}
    rows = [line.split("\t") for line in VERBS.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    assert len(rows) > 1000
    assert {code for _, listed in rows for code in listed.split()} <= codes
    for words, expected in [("condemn", "Criticize"), ("deplored", "Criticize"),
                            ("extradite", "EngageInJudicialCooperation"),
                            ("oppose", "Disapprove"), ("welcomed", "PraiseOrEndorse")]:
        matched = [entry.name for entry, hit in search(type_tree(), words) if hit]
        assert expected in matched, (words, matched)
