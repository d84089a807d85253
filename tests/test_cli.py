"""The ``kgload`` command: messages, exit codes, and what each command does to a store.

Every call goes through the ``cli`` fixture, which also checks that no traceback ever
reaches the user. Tests that write work on fresh stores or on copies of the example store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import (
    ARTICLE_ID,
    EXAMPLE,
    TWINS_ENTITIES,
    CliRun,
    facts_yaml,
)
from kgload import __version__
from kgload.store import Store

COMMANDS = ("load", "validate", "query", "queries", "sparql", "export", "articles", "stats",
            "remove", "schema", "types", "check", "import", "entities", "compact",
            "reindex", "backup", "restore", "check-store", "push", "serve", "prepare",
            "combine")
STORED = (
    "actions-against", "actions-by", "actor-profile", "agreements", "armed-groups", "borders",
    "claims-by-source", "cooperation", "criticisms", "event-table", "events-by-cameo",
    "hostile-actions", "orders", "relations-between", "requests", "timeline", "use-of-force",
    "who-accused-whom", "who-threatened-whom",
)

BAD_ACTION = """
id: bad-action
type: Threaten
agents: [nobody-known]
targets: [bob-smith]
status: occurred
evidence: "Nobody threatened Bob Smith"
"""


def article_ids(cli: CliRun, store: Path) -> list[str]:
    result = cli("articles", "--format", "json", store=store)
    assert result.exit_code == 0, result.output
    return [row["article"] for row in json.loads(result.stdout)]


def export_nquads(cli: CliRun, store: Path) -> bytes:
    result = cli("export", "--format", "nquads", store=store)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.fixture
def good_and_bad(tmp_path: Path, twins_file: Path) -> tuple[Path, Path, Path, int, int]:
    """A folder with a valid facts file and one referring to an undeclared entity."""
    folder = tmp_path / "facts"
    folder.mkdir()
    good = folder / "a-good.yaml"
    good.write_bytes(twins_file.read_bytes())
    bad = folder / "b-bad.yaml"
    text = facts_yaml("bad-article", TWINS_ENTITIES, [BAD_ACTION])
    bad.write_text(text, encoding="utf-8")
    [(line, column)] = [(n, row.index("nobody-known") + 1)
                        for n, row in enumerate(text.splitlines(), start=1)
                        if "agents: [nobody-known]" in row]
    return folder, good, bad, line, column


# --------------------------------------------------------------------------- no store needed


def test_version(cli: CliRun) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == "kgload, version 0.1.0\n"
    assert __version__ == "0.1.0"


def test_help_lists_every_command_and_the_exit_codes(cli: CliRun) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:")[1].split("Exit codes:")[0]
    listed = {line.split()[0] for line in commands.splitlines() if line.strip()
              and line.startswith("  ") and not line.startswith("   ")}
    assert listed == set(COMMANDS)
    codes = result.stdout.split("Exit codes:")[1]
    for code, words in [("0", "success"), ("1", "rejected"), ("2", "usage error"),
                        ("3", "in use"), ("4", "cannot be read or written"),
                        ("5", "internal error"), ("130", "interrupted")]:
        assert any(line.split()[:1] == [code] and words in line
                   for line in codes.splitlines()), (code, codes)


def test_schema_is_json_schema(cli: CliRun) -> None:
    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "article" in schema["properties"]


def test_types_lists_the_tree_with_cameo_codes(cli: CliRun) -> None:
    result = cli("types")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    # the tree: a code under its parent code, indented one step more
    threaten = next(i for i, line in enumerate(lines) if line.split()[:2] == ["Threaten", "130"])
    depth = len(lines[threaten]) - len(lines[threaten].lstrip())
    military = next(i for i, line in enumerate(lines)
                    if line.split()[:2] == ["ThreatenMilitaryForce", "138"])
    assert threaten < military
    assert len(lines[military]) - len(lines[military].lstrip()) == depth + 2
    assert ["JoinGroup", "join"] in [line.split() for line in lines]  # kgload's own, no code
    as_json = json.loads(cli("types", "--format", "json").stdout)
    assert {"kind": "action", "type": "GiveUltimatum", "code": "139", "label": "give ultimatum",
            "family": "Threaten", "parent": "Threaten", "other labels": "", "verbs": ""} in as_json
    threaten_row = next(r for r in as_json if r["type"] == "Threaten")
    assert "warn" in threaten_row["verbs"].split("; ")  # the CAMEO verb dictionary's
    assert len([r for r in as_json if r["kind"] == "action" and r["code"]]) >= 295


def test_types_searches_words_codes_and_names(cli: CliRun) -> None:
    found = cli("types", "air", "strikes")
    assert found.exit_code == 0
    marked = [line.split()[1] for line in found.stdout.splitlines() if line.startswith("*")]
    assert marked == ["EmployAerialWeapons"]
    # the match comes after its super-types, unmarked
    assert "Fight" in found.stdout and "HostileAction" in found.stdout
    codes = json.loads(cli("types", "19", "--format", "json").stdout)
    assert {r["code"] for r in codes if r["code"]} >= {"190", "194", "195", "1951", "196"}
    assert all(r["code"].startswith("19") for r in codes if r["code"])
    exact = cli("types", "state").stdout
    assert [line.split()[1] for line in exact.splitlines() if line.startswith("*")] == ["State"]
    # the verbs of the CAMEO verb dictionary, in any form: the labels say "criticize"
    condemned = cli("types", "condemned").stdout
    assert [line.split()[1] for line in condemned.splitlines() if line.startswith("*")] == [
        "Criticize"]
    nothing = cli("types", "no", "such", "thing")
    assert nothing.exit_code == 1
    assert "no type matches 'no such thing'" in nothing.stderr


def test_queries_lists_every_stored_query(cli: CliRun) -> None:
    result = cli("queries")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert names == sorted(STORED)


def test_queries_describes_one(cli: CliRun) -> None:
    result = cli("queries", "who-threatened-whom")
    assert result.exit_code == 0
    assert result.stdout.startswith("who-threatened-whom: Who threatened whom")
    assert "parameters of who-threatened-whom:" in result.stdout
    assert "  actor (actor, optional): Only threats made by this actor" in result.stdout
    assert "  target (entity, optional): Only threats against this actor or place" in (
        result.stdout)
    assert "SELECT ?source ?threatened" in result.stdout
    unknown = cli("queries", "no-such-query")
    assert unknown.exit_code == 2
    assert "no stored query named 'no-such-query'" in unknown.stderr


def test_validate(cli: CliRun, good_and_bad: tuple[Path, Path, Path, int, int]) -> None:
    folder, good, bad, line, column = good_and_bad
    result = cli("validate", "--format", "json", folder)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 2
    by_file = {item["file"]: item for item in data}
    assert by_file[str(good)] == {"file": str(good), "status": "valid",
                                  "article": "twins-article", "findings": []}
    rejected = by_file[str(bad)]
    assert rejected["status"] == "rejected"
    [finding] = rejected["findings"]
    assert {"file", "line", "column", "fact", "rule", "message"} <= set(finding)
    assert finding["file"] == str(bad)
    assert (finding["line"], finding["column"]) == (line, column)
    assert finding["fact"] == "bad-action"
    assert finding["rule"] == "unknown-entity"
    assert '"nobody-known"' in finding["message"]
    # the same as text, for people (the bad file alone: it fails before reasoning)
    text = cli("validate", bad)
    assert text.exit_code == 1
    assert f"{bad}:{line}:{column}: [bad-action] refers to the entity" in text.stderr
    assert text.stdout == "0 valid, 1 rejected.\n"  # the verdict is the result


# --------------------------------------------------------------------------- loading


def test_load_then_load_again(cli: CliRun, tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = cli("load", EXAMPLE, store=store)
    assert first.exit_code == 0, first.output
    assert first.stderr.splitlines()[-1] == "1 loaded, 0 unchanged, 0 rejected."
    assert f"loaded {ARTICLE_ID} from {EXAMPLE}" in first.stderr
    before = export_nquads(cli, store)
    again = cli("load", EXAMPLE, store=store)
    assert again.exit_code == 0, again.output
    assert again.stderr.splitlines()[-1] == "0 loaded, 1 unchanged, 0 rejected."
    assert f"unchanged {ARTICLE_ID}" in again.stderr
    assert export_nquads(cli, store) == before  # byte for byte: nothing was rewritten
    assert article_ids(cli, store) == [ARTICLE_ID]


def test_force_reloads(cli: CliRun, store_copy: Path) -> None:
    import pyoxigraph as ox

    from kgload.iris import Iris

    before = cli("articles", "--format", "json", store=store_copy)
    [old] = json.loads(before.stdout)
    # a stale triple in each of the article's graphs: a replacement drops it, an addition
    # keeps it (and would add nothing else when the reload falls within the same second)
    stale = ox.NamedNode("https://example.org/test#stale")
    graphs = [ox.NamedNode(str(g)) for g in Iris().article_graphs(ARTICLE_ID)]
    with Store(store_copy, write=True) as store:
        store.ox.extend([ox.Quad(stale, stale, stale, graph) for graph in graphs])
    result = cli("load", "--force", EXAMPLE, store=store_copy)
    assert result.exit_code == 0, result.output
    assert f"reloaded {ARTICLE_ID} from {EXAMPLE}" in result.stderr
    assert result.stderr.splitlines()[-1] == "1 loaded, 0 unchanged, 0 rejected."
    [new] = json.loads(cli("articles", "--format", "json", store=store_copy).stdout)
    assert new["article"] == ARTICLE_ID
    assert new["triples"] == old["triples"]  # replaced, not added to
    assert new["sha256"] == old["sha256"]
    assert b"https://example.org/test#stale" not in export_nquads(cli, store_copy)


def test_a_bad_file_does_not_stop_the_good_one(
        cli: CliRun, tmp_path: Path, good_and_bad: tuple[Path, Path, Path, int, int]) -> None:
    folder, good, bad, line, column = good_and_bad
    store = tmp_path / "store"
    result = cli("load", folder, store=store)
    assert result.exit_code == 1
    assert f"loaded twins-article from {good}" in result.stderr
    assert f"rejected {bad}:" in result.stderr
    assert (f'{bad}:{line}:{column}: [bad-action] refers to the entity "nobody-known"'
            in result.stderr)
    assert "1 loaded, 0 unchanged, 1 rejected." in result.stderr
    assert f"not loaded: {bad}" in result.stderr
    assert article_ids(cli, store) == ["twins-article"]


def test_load_a_missing_file(cli: CliRun, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = cli("load", missing, store=tmp_path / "store")
    assert result.exit_code == 1
    assert f"{missing}: no such file or folder" in result.stderr
    assert "0 loaded, 0 unchanged, 1 rejected." in result.stderr


def test_quiet_prints_no_progress(cli: CliRun, tmp_path: Path, twins_file: Path) -> None:
    # (without -q, loading prints progress: see test_load_then_load_again)
    quiet = cli("-q", "load", twins_file, store=tmp_path / "quiet")
    assert quiet.exit_code == 0
    assert quiet.output == ""
    out = tmp_path / "out.ttl"
    exported = cli("-q", "export", "-o", out, store=tmp_path / "quiet")
    assert exported.exit_code == 0
    assert exported.output == ""
    assert out.stat().st_size > 0
    assert article_ids(cli, tmp_path / "quiet") == ["twins-article"]


def test_load_refuses_a_folder_that_is_not_a_store(cli: CliRun, tmp_path: Path,
                                                   twins_file: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    result = cli("load", twins_file, store=folder)
    assert result.exit_code == 4
    assert f"{folder} is not a kgload store" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    reader = cli("articles", store=folder)
    assert reader.exit_code == 4
    assert f"{folder} is not a kgload store" in reader.stderr


# --------------------------------------------------------------------------- stores


def test_query_without_a_store(cli: CliRun, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = cli("query", "who-threatened-whom", store=missing)
    assert result.exit_code == 4
    assert f"there is no store at {missing}" in result.stderr
    assert not missing.exists()  # reading never creates a store


def test_a_usage_error_is_reported_before_the_store_is_opened(cli: CliRun,
                                                               tmp_path: Path) -> None:
    result = cli("query", "actions-by", store=tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "query actions-by needs the parameter actor (-p actor VALUE)" in result.stderr


def test_store_in_use_by_a_writer(cli: CliRun, store_copy: Path, twins_file: Path) -> None:
    with Store(store_copy, write=True):
        load = cli("load", twins_file, store=store_copy)
        assert load.exit_code == 3
        assert "store is in use" in load.stderr
        assert "--wait" in load.stderr
        reader = cli("articles", store=store_copy)
        assert reader.exit_code == 3
        assert "store is in use" in reader.stderr
        query = cli("query", "who-threatened-whom", store=store_copy)
        assert query.exit_code == 3
    # released: both work again, and the refused load left nothing behind
    assert article_ids(cli, store_copy) == [ARTICLE_ID]


def test_store_in_use_by_a_reader(cli: CliRun, store_copy: Path, twins_file: Path) -> None:
    with Store(store_copy, write=False):
        load = cli("load", twins_file, store=store_copy)
        assert load.exit_code == 3
        assert "store is in use" in load.stderr
        remove = cli("remove", ARTICLE_ID, store=store_copy)
        assert remove.exit_code == 3
        # readers do not exclude each other
        assert article_ids(cli, store_copy) == [ARTICLE_ID]
    # released: a writer gets in
    assert cli("remove", ARTICLE_ID, store=store_copy).exit_code == 0
    assert article_ids(cli, store_copy) == []


def test_remove(cli: CliRun, store_copy: Path) -> None:
    result = cli("remove", ARTICLE_ID, store=store_copy)
    assert result.exit_code == 0, result.output
    assert f"removed {ARTICLE_ID}" in result.stderr
    assert article_ids(cli, store_copy) == []
    rows = json.loads(cli("query", "who-threatened-whom", "--format", "json",
                          store=store_copy).stdout)
    assert rows == []
    again = cli("remove", ARTICLE_ID, store=store_copy)
    assert again.exit_code == 2
    assert f"no article '{ARTICLE_ID}' in the store" in again.stderr


def test_remove_unknown(cli: CliRun, store_copy: Path) -> None:
    before = export_nquads(cli, store_copy)
    result = cli("remove", "no-such-article", store=store_copy)
    assert result.exit_code == 2
    assert ("no article 'no-such-article' in the store (`kgload articles` lists them)"
            in result.stderr)
    assert export_nquads(cli, store_copy) == before


def test_articles_and_stats(cli: CliRun, example_store: Path) -> None:
    [row] = json.loads(cli("articles", "--format", "json", store=example_store).stdout)
    assert row["article"] == ARTICLE_ID
    assert row["file"] == EXAMPLE.name
    assert row["triples"] > 0
    table = cli("articles", store=example_store).stdout
    assert ARTICLE_ID in table and "colombia-eln.yaml" in table
    stats = {r["what"]: r["count"]
             for r in json.loads(cli("stats", "--format", "json", store=example_store).stdout)}
    with EXAMPLE.open(encoding="utf-8") as handle:
        facts = yaml.safe_load(handle)
    assert stats["articles"] == 1
    assert stats["actions"] == len(facts["actions"])
    assert stats["asserted triples (articles)"] == row["triples"]
    assert stats["actions of type ThreatenMilitaryForce"] == 2
    # 4 of the article (with its source), ontology, registry (+ inferred), entities
    # (+ inferred), claims, the store's own description
    assert stats["named graphs"] == 11


# --------------------------------------------------------------------------- sparql


def test_sparql_syntax_error(cli: CliRun, example_store: Path) -> None:
    result = cli("sparql", "SELEC * WHERE { ?s ?p ?o }", store=example_store)
    assert result.exit_code == 2
    assert result.stderr.startswith("kgload: error: the query is not valid SPARQL:")
    assert result.stdout == ""


def test_sparql_ask(cli: CliRun, example_store: Path) -> None:
    yes = cli("sparql", "ASK { <https://example.org/kgload/entity/eln> ?p ?o }",
              store=example_store)
    assert (yes.exit_code, yes.stdout) == (0, "true\n")
    no = cli("sparql", "ASK { ?s <urn:no-such-predicate> ?o }", store=example_store)
    assert (no.exit_code, no.stdout) == (0, "false\n")


def test_sparql_select_from_a_file_or_stdin(cli: CliRun, example_store: Path,
                                            tmp_path: Path) -> None:
    text = ("PREFIX kg: <https://w3id.org/kgload/ontology#>\n"
            "SELECT ?name WHERE { ?e a kg:Person ; kg:name ?name } ORDER BY ?name")
    query_file = tmp_path / "people.rq"
    query_file.write_text(text, encoding="utf-8")
    from_file = cli("sparql", "-f", query_file, "--format", "json", store=example_store)
    assert from_file.exit_code == 0, from_file.output
    names = [r["name"] for r in json.loads(from_file.stdout)]
    assert {"Gustavo Petro", "Donald Trump", "Armando Benedetti", "Nicolás Maduro"} <= set(names)
    from_stdin = cli("sparql", "-f", "-", "--format", "json", store=example_store, input=text)
    assert from_stdin.stdout == from_file.stdout
    neither = cli("sparql", store=example_store)
    assert neither.exit_code == 2
    assert "give the query as an argument or with -f FILE" in neither.stderr


def test_sparql_cannot_update(cli: CliRun, example_store: Path) -> None:
    before = export_nquads(cli, example_store)
    result = cli("sparql", "DELETE WHERE { ?s ?p ?o }", store=example_store)
    assert result.exit_code == 2
    assert "kgload runs queries only (SELECT, ASK, CONSTRUCT, DESCRIBE)" in result.stderr
    assert export_nquads(cli, example_store) == before


def test_sparql_evaluation_error_is_not_a_bug(cli: CliRun, example_store: Path) -> None:
    # a SERVICE call that cannot be made (port 9 is refused before any connection)
    result = cli("sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                 "--allow-service", store=example_store)
    assert result.exit_code == 4
    assert "the query failed" in result.stderr
    assert "internal error" not in result.stderr


def test_sparql_construct(cli: CliRun, example_store: Path) -> None:
    result = cli("sparql", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
                 "--format", "ntriples", store=example_store)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3
    rows = cli("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "turtle",
               store=example_store)
    assert rows.exit_code == 2
    assert "turtle is for CONSTRUCT/DESCRIBE queries" in rows.stderr


# --------------------------------------------------------------------------- user queries


def test_a_user_query_replaces_a_bundled_one(cli: CliRun, example_store: Path,
                                             tmp_path: Path) -> None:
    folder = tmp_path / "my-queries"
    folder.mkdir()
    mine = folder / "who-threatened-whom.rq"
    mine.write_text('#+ summary: My own threats\nSELECT ?mine WHERE { BIND("mine" AS ?mine) }\n',
                    encoding="utf-8")
    result = cli("--queries", folder, "query", "who-threatened-whom", "--format", "json",
                 store=example_store)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"mine": "mine"}]
    assert f"query who-threatened-whom from {mine} replaces " in result.stderr
    assert "queries/who-threatened-whom.rq" in result.stderr
    listing = cli("--queries", folder, "queries")
    assert "My own threats" in listing.stdout
    assert "replaces" in listing.stderr
    # the environment variable does the same
    by_env = cli("query", "who-threatened-whom", "--format", "json", store=example_store,
                 env={"KGLOAD_QUERIES": str(folder)})
    assert json.loads(by_env.stdout) == [{"mine": "mine"}]


def test_a_user_query_with_a_bad_header(cli: CliRun, example_store: Path,
                                        tmp_path: Path) -> None:
    folder = tmp_path / "bad-queries"
    folder.mkdir()
    (folder / "broken.rq").write_text(
        "#+ params:\n#+   x: {type: colour}\nSELECT ?x WHERE { }\n", encoding="utf-8")
    result = cli("--queries", folder, "query", "broken", store=example_store)
    assert result.exit_code == 2
    assert "parameter x has unknown type 'colour'" in result.stderr
