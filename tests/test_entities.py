"""Many articles, one graph: entities stored once, conflicts, duplicates, removal, events.

Multi-article fixtures made here: small facts files about the same people, loaded into
one store in a known order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph

from conftest import BASE, KG, facts_yaml, invoke, nquads
from kgload.background import background
from kgload.entities import EntityIndex
from kgload.errors import Refused
from kgload.iris import Iris
from kgload.ontology import shapes_graph
from kgload.pipeline import load, remove
from kgload.store import Store

IRIS = Iris()
ENTITY = BASE + "entity/"
REJECTED = 1

ALICE = """
id: alice-smith
type: Person
name: "Alice Smith"
aliases: ["Smith"]
wikidata: Q1000001
"""
ALICE_AGAIN = """
id: alice-smith
type: Person
name: "Alice B. Smith"
aliases: ["Ms Smith"]
"""
ALICE_CITY = """
id: alice-smith
type: City
name: "Alice Springs"
"""
CAROL = """
id: carol-jones
type: Person
name: "Carol Jones"
wikidata: Q1000001
"""
BORDER = """
id: north-south-border
type: Border
name: "North–South border"
between: [colombia, venezuela]
length: {value: %s, unit: km}
"""


def threat(fact: str, agent: str = "alice-smith", target: str = "colombia",
           time: str = "2026-01-05") -> str:
    return f"""
id: {fact}
type: Threaten
agents: [{agent}]
targets: [{target}]
status: occurred
time: "{time}"
evidence: "{agent} threatened {target}"
"""


def write(folder: Path, name: str, article_id: str, entities: list[str],
          actions: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(facts_yaml(article_id, entities, actions), encoding="utf-8")
    return path


def select(store: Store, sparql: str, *names: str) -> list[tuple[str, ...]]:
    answer = store.query(f"PREFIX kg: <{KG}>\n{sparql}")
    return sorted(tuple(row[n].value if row[n] is not None else "" for n in names)
                  for row in answer)


def shared_graphs(store: Store) -> dict[str, set[str]]:
    return {str(g): {str(q) for q in store.quads([g])} for g in IRIS.shared_graphs}


def assert_rebuild_is_identity(store: Store) -> None:
    """What was maintained article by article equals a rebuild from the articles' links."""
    before = shared_graphs(store)
    store.update(EntityIndex(store, IRIS, background(IRIS)).rebuild())
    assert shared_graphs(store) == before


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "facts"
    return {
        "first": write(folder, "first.yaml", "first", [ALICE], [threat("t1")]),
        "second": write(folder, "second.yaml", "second", [ALICE_AGAIN], [threat("t2")]),
        "user": write(folder, "user.yaml", "user", [], [threat("t3", time="2026-01-06")]),
        "city": write(folder, "city.yaml", "city", [ALICE_CITY], [threat("t4", "colombia",
                                                                         "alice-smith")]),
        "carol": write(folder, "carol.yaml", "carol", [CAROL], [threat("t5", "carol-jones")]),
    }


def test_an_entity_has_one_name_and_rows_do_not_multiply(tmp_path: Path,
                                                         files: dict[str, Path]) -> None:
    with Store(tmp_path / "s", write=True) as store:
        report = load(store, [files["first"], files["second"]], IRIS)
        assert report.count("loaded") == 2
        alice = f"<{ENTITY}alice-smith>"
        assert select(store, f"SELECT ?n WHERE {{ {alice} kg:name ?n }}", "n") == [
            ("Alice Smith",)]  # the first article's name, once
        assert select(store, f"SELECT ?a WHERE {{ {alice} kg:alias ?a }}", "a") == [
            ("Alice B. Smith",), ("Ms Smith",), ("Smith",)]
        assert select(store, f"SELECT ?t WHERE {{ {alice} a ?t }}", "t").count(
            (KG + "Person",)) == 1
        # what each article said stays traceable: the name claims and who made them
        said = select(store, f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
            SELECT ?n ?article WHERE {{
            ?st rdf:subject {alice} ; rdf:predicate kg:name ; rdf:object ?n ;
                kg:reportedIn ?article }}""", "n", "article")
        assert said == [("Alice B. Smith", BASE + "article/second"),
                        ("Alice Smith", BASE + "article/first")]
        assert report.outcomes[1].notes and "Alice Smith" in report.outcomes[1].notes[0]
        assert_rebuild_is_identity(store)


def test_a_known_id_needs_no_declaration(tmp_path: Path, files: dict[str, Path]) -> None:
    alone = invoke("validate", files["user"])
    assert alone.exit_code == REJECTED and "unknown-entity" in alone.output
    together = invoke("validate", files["first"], files["user"])
    assert together.exit_code == 0, together.output
    with Store(tmp_path / "s", write=True) as store:
        assert load(store, [files["first"]], IRIS).count("loaded") == 1
        report = load(store, [files["user"]], IRIS)
        assert report.count("loaded") == 1, report.outcomes[0].findings
        assert select(store, f"SELECT ?n WHERE {{ <{ENTITY}alice-smith> kg:name ?n }}",
                      "n") == [("Alice Smith",)]


def test_disjoint_types_across_articles_are_a_rejection(tmp_path: Path,
                                                        files: dict[str, Path]) -> None:
    store_path = tmp_path / "s"
    assert invoke("load", files["first"], store=store_path).exit_code == 0
    result = invoke("load", files["city"], store=store_path)
    assert result.exit_code == REJECTED
    assert "(entity-type-conflict)" in result.output
    assert 'declared a City here, but article "first" (file first.yaml)' in result.output
    assert f"{files['city']}:10:5:" in result.output  # the line of `type: City`
    together = invoke("validate", files["first"], files["city"])
    assert together.exit_code == REJECTED and "entity-type-conflict" in together.output
    with Store(store_path, write=False) as store:
        assert store.articles()[0].article_id == "first"
        assert len(store.articles()) == 1


def test_two_ids_with_one_wikidata_id_are_likely_duplicates(tmp_path: Path,
                                                            files: dict[str, Path]) -> None:
    store_path = tmp_path / "s"
    result = invoke("load", files["first"], files["carol"], store=store_path)
    assert result.exit_code == 0, result.output
    assert '"carol-jones" has the wikidataId Q1000001, like "alice-smith"' in result.output
    listing = invoke("entities", "--duplicates", "--format", "json", store=store_path)
    groups = json.loads(listing.output)
    assert {"code": "wikidataId", "value": "Q1000001", "ids": "alice-smith, carol-jones",
            "names": "Alice Smith; Carol Jones"} in groups
    found = json.loads(invoke("entities", "smith", "--format", "json",
                              store=store_path).output)
    assert [(e["id"], e["name"], e["articles"]) for e in found] == [
        ("alice-smith", "Alice Smith", 1)]


def test_removal_takes_only_what_the_article_alone_said(tmp_path: Path,
                                                       files: dict[str, Path]) -> None:
    with Store(tmp_path / "s", write=True) as store:
        load(store, [files["first"], files["second"], files["user"]], IRIS)
        alice = f"<{ENTITY}alice-smith>"
        assert remove(store, "first", IRIS)
        # the name falls to the earliest article left; what only "first" said is gone
        assert select(store, f"SELECT ?n WHERE {{ {alice} kg:name ?n }}", "n") == [
            ("Alice B. Smith",)]
        assert select(store, f"SELECT ?a WHERE {{ {alice} kg:alias ?a }}", "a") == [
            ("Ms Smith",)]
        assert select(store, f"SELECT ?w WHERE {{ {alice} kg:wikidataId ?w }}", "w") == []
        assert_rebuild_is_identity(store)
        # "second" is now the only article that declares alice; "user" needs her
        with pytest.raises(Refused, match='only article that declares "alice-smith"'):
            remove(store, "second", IRIS)
        assert remove(store, "user", IRIS) and remove(store, "second", IRIS)
        assert select(store, f"SELECT ?p WHERE {{ {alice} ?p ?o }}", "p") == []
        assert shared_graphs(store) == {str(g): set() for g in IRIS.shared_graphs}


def test_an_article_id_taken_by_another_file_is_refused(tmp_path: Path,
                                                        files: dict[str, Path]) -> None:
    store_path = tmp_path / "s"
    assert invoke("load", files["first"], store=store_path).exit_code == 0
    other = write(tmp_path / "elsewhere", "other.yaml", "first", [ALICE_AGAIN], [threat("x")])
    result = invoke("load", other, store=store_path)
    assert result.exit_code == REJECTED
    assert 'the article id "first" is already loaded from the file first.yaml' in result.output
    assert "(article-id-taken)" in result.output
    forced = invoke("load", "--force", other, store=store_path)
    assert forced.exit_code == 0 and "reloaded first" in forced.output


def test_reports_of_one_event_are_one_row_and_facts_of_one_article_stay_two(
        tmp_path: Path, files: dict[str, Path]) -> None:
    folder = tmp_path / "events"
    one = write(folder, "a.yaml", "report-a", [ALICE],
                [threat("t1"), threat("t1b", time="2026-01-05")])  # two threats, one day
    two = write(folder, "b.yaml", "report-b", [], [threat("t2")])
    store_path = tmp_path / "s"
    assert invoke("load", one, two, store=store_path).exit_code == 0
    table = json.loads(invoke("query", "who-threatened-whom", "-p", "actor", "alice-smith",
                              "--format", "json", store=store_path).output)
    assert sorted(int(r["reports"]) for r in table) == [1, 2]
    split = json.loads(invoke("query", "who-threatened-whom", "-p", "actor", "alice-smith",
                              "-p", "per_article", "yes", "--format", "json",
                              store=store_path).output)
    assert len(split) == 3
    with Store(store_path, write=False) as store:
        events = select(store, "SELECT ?f ?e WHERE { ?f kg:reportsEvent ?e }", "f", "e")
    by_fact = {f.rsplit("/", 1)[-1]: e for f, e in events}
    assert by_fact["t1"] == by_fact["t2"] != by_fact["t1b"]


def test_derived_relations_name_their_facts_and_articles(tmp_path: Path,
                                                         files: dict[str, Path]) -> None:
    with Store(tmp_path / "s", write=True) as store:
        load(store, [files["first"], files["user"]], IRIS)
        got = select(store, f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
            PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT ?article ?fact WHERE {{
              ?st rdf:subject <{ENTITY}alice-smith> ; rdf:predicate kg:threatened ;
                  rdf:object <{ENTITY}colombia> ; prov:wasDerivedFrom ?fact .
              ?fact kg:reportedIn ?article }}""", "article", "fact")
        assert got == [(BASE + "article/first", BASE + "article/first/t1"),
                       (BASE + "article/user", BASE + "article/user/t3")]
        assert len(select(store, f"SELECT ?o WHERE {{ <{ENTITY}alice-smith> kg:threatened ?o }}",
                          "o")) == 1


def test_disagreeing_lengths_are_reports_side_by_side(tmp_path: Path) -> None:
    folder = tmp_path / "borders"
    one = write(folder, "a.yaml", "len-a", [BORDER % "2200", ALICE], [threat("la")])
    two = write(folder, "b.yaml", "len-b", [BORDER % "2219"], [threat("lb")])
    store_path = tmp_path / "s"
    result = invoke("load", one, two, store=store_path)
    assert result.exit_code == 0, result.output
    borders = json.loads(invoke("query", "borders", "--format", "json",
                                store=store_path).output)
    lengths = {str(r.get("length", "")) for r in borders if "North" in str(r)}
    assert any("2200" in x for x in lengths) and any("2219" in x for x in lengths), borders
    union = Graph()
    with Store(store_path, write=False) as store:
        for quad in store.quads():
            union.parse(data=f"{quad.subject} {quad.predicate} {quad.object} .",
                        format="nt")
    conforms, _, text = pyshacl.validate(union, shacl_graph=shapes_graph(), inference="none")
    assert conforms, text


def test_a_folder_load_skips_files_that_are_not_facts(tmp_path: Path,
                                                      files: dict[str, Path]) -> None:
    folder = files["first"].parent
    # a corpus manifest that names articles deeper down (its violations) is not facts
    (folder / "manifest.json").write_text(json.dumps(
        {"articles": 3, "seed": 0, "version": "1",
         "violations": [{"article": "a-1", "fact": "f", "line": 3}]}))
    for name in ("city", "carol", "user"):
        files[name].unlink()
    result = invoke("load", folder, store=tmp_path / "s")
    assert result.exit_code == 0, result.output
    assert "2 loaded, 0 unchanged, 0 rejected, 1 skipped (not facts files: manifest.json)" \
        in result.output
    named = invoke("load", folder / "manifest.json", store=tmp_path / "s")
    assert named.exit_code == REJECTED  # named on the command line: read as facts


def test_an_intent_to_mend_ties_derives_no_cooperation(tmp_path: Path) -> None:
    intent = """
id: mend-ties
type: ExpressIntentToCooperate
agents: [alice-smith]
targets: [colombia]
status: occurred
evidence: "Alice Smith said she wants to mend ties with Colombia"
"""
    talks = intent.replace("mend-ties", "talks").replace("ExpressIntentToCooperate", "Consult")
    with Store(tmp_path / "s", write=True) as store:
        load(store, [write(tmp_path, "i.yaml", "intent", [ALICE], [intent])], IRIS)
        ask = f"ASK {{ <{ENTITY}alice-smith> kg:cooperatedWith <{ENTITY}colombia> }}"
        assert not store.query(f"PREFIX kg: <{KG}>\n{ask}")
        load(store, [write(tmp_path, "t.yaml", "talks", [], [talks])], IRIS)
        assert store.query(f"PREFIX kg: <{KG}>\n{ask}")


def test_articles_in_flight_see_what_earlier_files_declare(tmp_path: Path,
                                                           files: dict[str, Path]) -> None:
    """With --jobs, a file is checked before the file that declares its entity lands."""
    with Store(tmp_path / "s", write=True) as store:
        report = load(store, [files["first"], files["user"]], IRIS, jobs=2)
        assert [o.status for o in report.outcomes] == ["loaded", "loaded"]
    broken = write(tmp_path / "b", "first.yaml", "first-broken", [ALICE],
                   [threat("t1").replace("targets: [colombia]", "targets: [nobody-at-all]")])
    with Store(tmp_path / "s2", write=True) as store:
        report = load(store, [broken, files["user"]], IRIS, jobs=2)
        assert [o.status for o in report.outcomes] == ["rejected", "rejected"]
        assert "only a file that was rejected in this run declares" in \
            report.outcomes[1].findings[0].message


def test_a_difference_is_told_once(tmp_path: Path, files: dict[str, Path]) -> None:
    third = write(tmp_path / "c", "third.yaml", "third", [ALICE_AGAIN], [threat("t9")])
    with Store(tmp_path / "s", write=True) as store:
        report = load(store, [files["first"], files["second"], third], IRIS)
        assert [len(o.notes) for o in report.outcomes] == [0, 1, 0]


def test_an_imported_dump_leaves_the_shared_graphs_describing_every_article(
        tmp_path: Path, files: dict[str, Path]) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    assert invoke("load", files["first"], store=source).exit_code == 0
    assert invoke("load", files["carol"], store=target).exit_code == 0
    dump = tmp_path / "first.nq"
    assert invoke("export", "--format", "nquads", "-o", dump, store=source).exit_code == 0
    result = invoke("import", dump, store=target)
    assert result.exit_code == 0, result.output
    with Store(target, write=True) as store:
        names = select(store, "SELECT ?n WHERE { GRAPH ?g { ?e kg:name ?n } }", "n")
        assert ("Alice Smith",) in names and ("Carol Jones",) in names
        assert_rebuild_is_identity(store)


def test_a_refused_removal_is_exit_1_and_changes_nothing(tmp_path: Path,
                                                         files: dict[str, Path]) -> None:
    store_path = tmp_path / "s"
    assert invoke("load", files["first"], files["user"], store=store_path).exit_code == 0
    before = nquads(store_path)
    result = invoke("remove", "first", store=store_path)
    assert result.exit_code == REJECTED
    assert 'only article that declares "alice-smith" (used by user)' in result.output
    assert nquads(store_path) == before
