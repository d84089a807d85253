"""The store's lifecycle: the model an article was built by, reindex, backup and restore.

Regression tests for what broke: a rule edited after a load left the article "unchanged"
on reload (the digest covered only the ontology's version), export-style round trips lost
the default graph, and there was no way to rebuild a store after a model change.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ARTICLE_ID, BASE, EXAMPLE, KG, CliRun
from kgload import model
from kgload.backup import MANIFEST
from kgload.facts import read_file
from kgload.iris import Iris
from kgload.model import STORE_FORMAT, model_digest, model_status
from kgload.pipeline import load
from kgload.reindex import finish, rebuild, reindex, stored_document
from kgload.store import Store

IRIS = Iris(BASE)
VOLATILE = {KG + "loadedAt"}  # what a rebuild may change in an article's graphs


def _make_stale(path: Path, article_ids: list[str] | None = None) -> None:
    """Record another model's digest on articles, as an older kgload would have."""
    store = ox.Store(str(path))
    which = "" if article_ids is None else "VALUES ?a {{ {} }}".format(" ".join(
        f"<{IRIS.article(a)}>" for a in article_ids))
    store.update(f"""PREFIX kg: <{KG}>
        DELETE {{ GRAPH ?g {{ ?a kg:modelDigest ?d }} }}
        INSERT {{ GRAPH ?g {{ ?a kg:modelDigest "another model" }} }}
        WHERE {{ {which} GRAPH ?g {{ ?a kg:modelDigest ?d }} }}""")
    store.flush()
    del store


def _article_quads(path: Path, article_id: str) -> set[str]:
    with Store(path, write=False) as store:
        names = [ox.NamedNode(str(g)) for g in IRIS.article_graphs(article_id)]
        return {str(q) for g in names for q in store.ox.quads_for_pattern(None, None, None, g)
                if q.predicate.value not in VOLATILE}


def _all_quads(path: Path) -> set[str]:
    store = ox.Store.read_only(str(path))
    return {str(q) for q in store}


class _Crash(Exception):
    """A crash right after the first article is committed (raised by its callback)."""


def _crash(outcome: object) -> None:
    raise _Crash


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    """Two articles on lines 2 and 3 of a JSON Lines file (line 1 is blank)."""
    data = read_file(EXAMPLE).data
    lines = [""]
    for aid in ("jl-one", "jl-two"):
        data["article"]["id"] = aid
        lines.append(json.dumps(data))
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------------ the model digest


def test_the_model_digest_covers_rules_shapes_registry_schema_and_code() -> None:
    names = [name for name, _ in model._files()]
    assert "ontology/rules/derived-relations.rq" in names
    assert any(n.startswith("shapes/") for n in names)
    assert any(n.startswith("registry/") for n in names)
    assert any(n.startswith("schema/") for n in names)
    assert "kgload/mapping.py" in names and "kgload/cli.py" not in names
    assert model_digest(Iris(BASE)) != model_digest(Iris("https://example.com/other/"))


def test_editing_a_rule_changes_the_model_digest(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The break: a rule edited after a load left the article 'unchanged' on reload."""
    before = model_digest(IRIS)
    copies = {}
    for name in ("ontology", "shapes", "registry"):
        copies[name] = tmp_path / name
        shutil.copytree(model.data_dir(name), copies[name])
    monkeypatch.setattr(model, "data_dir", lambda name: copies[name])
    model._files_digest.cache_clear()
    try:
        assert model_digest(IRIS) == before  # the same bytes elsewhere: the same model
        rule = copies["ontology"] / "rules" / "derived-relations.rq"
        rule.write_text(rule.read_text() + "\n# an edit\n")
        model._files_digest.cache_clear()
        assert model_digest(IRIS) != before
    finally:
        model._files_digest.cache_clear()


def test_an_article_records_its_model_and_its_source(store_copy: Path) -> None:
    with Store(store_copy, write=False) as store:
        article = IRIS.article(ARTICLE_ID)
        provenance = IRIS.provenance_graph(ARTICLE_ID)
        assert store.value(provenance, article, model.KG.modelDigest) == model_digest(IRIS)
        text = store.value(IRIS.source_graph(ARTICLE_ID), article, model.KG.sourceText)
        assert text == EXAMPLE.read_text(encoding="utf-8")
        status = model_status(store, IRIS)
    assert (status.articles, status.stale, status.store_format) == (1, 0, STORE_FORMAT)


def test_a_stale_article_is_not_unchanged_on_reload(store_copy: Path) -> None:
    _make_stale(store_copy)
    with Store(store_copy, write=True) as store:
        assert model_status(store, IRIS).stale == 1
        report = load(store, [EXAMPLE], IRIS)
        assert [o.status for o in report.outcomes] == ["reloaded"]
        assert model_status(store, IRIS).stale == 0


def test_a_store_of_a_newer_format_is_refused(store_copy: Path, cli: CliRun) -> None:
    store = ox.Store(str(store_copy))
    graph = ox.NamedNode(str(IRIS.store_graph))
    store.update(f"""PREFIX kg: <{KG}> DELETE {{ GRAPH {graph} {{ ?s kg:storeFormat ?f }} }}
        INSERT {{ GRAPH {graph} {{ {graph} kg:storeFormat {STORE_FORMAT + 1} }} }}
        WHERE {{ GRAPH {graph} {{ ?s kg:storeFormat ?f }} }}""")
    store.flush()
    del store
    result = cli("load", EXAMPLE, store=store_copy)
    assert result.exit_code == 4, result.output
    assert f"format {STORE_FORMAT + 1}, written by a newer kgload" in result.output


# ------------------------------------------------------------------ reindex


def test_reindex_rebuilds_a_stale_article_as_a_fresh_load_would(store_copy: Path,
                                                                 cli: CliRun) -> None:
    fresh = _article_quads(store_copy, ARTICLE_ID)
    _make_stale(store_copy)
    result = cli("reindex", store=store_copy)
    assert result.exit_code == 0, result.output
    assert "1 rebuilt, 0 rejected." in result.output
    assert _article_quads(store_copy, ARTICLE_ID) == fresh
    again = cli("reindex", store=store_copy)
    assert again.exit_code == 0 and "nothing to do" in again.output
    # the rebuilt article keeps the hash of its file: loading the file finds it unchanged
    reload = cli("load", EXAMPLE, store=store_copy)
    assert "0 loaded, 1 unchanged, 0 rejected." in reload.output


def test_reindex_keeps_the_line_of_a_json_lines_article(tmp_path: Path, jsonl: Path) -> None:
    path = tmp_path / "store"
    with Store(path, write=True) as store:
        assert load(store, [jsonl], IRIS).count("loaded") == 2
    fresh = _article_quads(path, "jl-two")
    _make_stale(path)
    with Store(path, write=True) as store:
        report = reindex(store, IRIS)
    assert [(o.status, o.source) for o in report.load.outcomes] == [
        ("reloaded", "two.jsonl:2"), ("reloaded", "two.jsonl:3")]
    assert _article_quads(path, "jl-two") == fresh


def test_an_interrupted_reindex_resumes_where_it_stopped(tmp_path: Path, jsonl: Path) -> None:
    path = tmp_path / "store"
    with Store(path, write=True) as store:
        load(store, [jsonl, EXAMPLE], IRIS)
    _make_stale(path)
    with Store(path, write=True) as store, pytest.raises(_Crash):
        reindex(store, IRIS, on_outcome=_crash)
    with Store(path, write=True) as store:
        assert model_status(store, IRIS).stale == 2  # the first is rebuilt, whole
        report = reindex(store, IRIS)
        assert [o.article_id for o in report.load.outcomes] == ["jl-two", ARTICLE_ID]
        assert model_status(store, IRIS).stale == 0


def test_reindex_says_which_articles_have_no_stored_source(store_copy: Path,
                                                           cli: CliRun) -> None:
    _make_stale(store_copy)
    store = ox.Store(str(store_copy))
    store.update(f"DROP GRAPH <{IRIS.source_graph(ARTICLE_ID)}>")
    store.update(f"""PREFIX kg: <{KG}> DELETE WHERE {{
        GRAPH ?g {{ ?a kg:sourceGraph ?s }} }}""")
    store.flush()
    del store
    result = cli("reindex", store=store_copy)
    assert result.exit_code == 1, result.output
    assert "0 rebuilt, 0 rejected, 1 without a stored source." in result.output
    assert f"not rebuilt: {ARTICLE_ID}: loaded by a kgload that did not keep" in result.output


# ------------------------------------------------------------------ backup and restore


def test_backup_and_restore_round_trip_every_graph(store_copy: Path, tmp_path: Path,
                                                   cli: CliRun) -> None:
    store = ox.Store(str(store_copy))  # a default-graph triple, which export used to drop
    store.add(ox.Quad(ox.NamedNode("http://example.com/s"), ox.NamedNode("http://example.com/p"),
                      ox.Literal("x")))
    store.flush()
    del store
    before = _all_quads(store_copy)
    target = tmp_path / "backup"
    result = cli("backup", target, store=store_copy)
    assert result.exit_code == 0, result.output
    assert "backed up 1 articles" in result.output
    assert all(p.stat().st_nlink == 1 for p in target.iterdir())  # copies, not links
    restored = tmp_path / "restored"
    result = cli("restore", target, store=restored)
    assert result.exit_code == 0, result.output
    assert _all_quads(restored) == before
    assert cli("articles", store=restored).exit_code == 0


def test_restore_refuses_a_damaged_backup_and_leaves_the_store(store_copy: Path,
                                                               tmp_path: Path,
                                                               cli: CliRun) -> None:
    target = tmp_path / "backup"
    assert cli("backup", target, store=store_copy).exit_code == 0
    before = _all_quads(store_copy)
    manifest = json.loads((target / MANIFEST).read_text())
    damaged = target / max(manifest["files"], key=lambda n: manifest["files"][n]["size"])
    with damaged.open("r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    result = cli("restore", target, "--replace", store=store_copy)
    assert result.exit_code == 4, result.output
    assert f"{damaged.name} does not match its checksum" in result.output
    assert _all_quads(store_copy) == before


def test_restore_over_a_store_needs_replace(store_copy: Path, tmp_path: Path,
                                            cli: CliRun) -> None:
    target = tmp_path / "backup"
    assert cli("backup", target, store=store_copy).exit_code == 0
    again = cli("backup", target, store=store_copy)
    assert again.exit_code == 2 and "already exists" in again.output
    refused = cli("restore", target, store=store_copy)
    assert refused.exit_code == 2 and "pass --replace" in refused.output
    assert cli("restore", target, "--replace", store=store_copy).exit_code == 0
    assert not store_copy.with_name(store_copy.name + ".replaced").exists()
    assert cli("articles", store=store_copy).exit_code == 0
    # the old database was closed before the swap: nothing of it was written into the new
    checked = cli("check-store", store=store_copy)
    assert checked.exit_code == 0, checked.output


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path: Path, cli: CliRun) -> None:
    folder = tmp_path / "not-a-backup"
    folder.mkdir()
    result = cli("restore", folder, store=tmp_path / "store")
    assert result.exit_code == 2 and "is not a kgload backup" in result.output
    assert not (tmp_path / "store").exists() or not os.listdir(tmp_path / "store")


def test_every_command_says_when_articles_are_stale(store_copy: Path, cli: CliRun) -> None:
    assert "another version of kgload" not in cli("stats", store=store_copy).output
    _make_stale(store_copy)
    for args in (("stats",), ("articles",), ("query", "timeline", "--limit", "1"),
                 ("export", "--format", "nquads")):
        result = cli(*args, store=store_copy)
        assert result.exit_code == 0, (args, result.output)
        assert ("all 1 articles were built by another version of kgload's model"
                in result.stderr), args
        assert "another version of kgload" not in result.stdout, args  # the note is not data
    assert "another version" not in cli("reindex", store=store_copy).output


# ------------------------------------------------------------------ reindex by rebuilding


def _with_foreign_graphs(path: Path) -> set[str]:
    """A default-graph triple and an imported named graph, which a rebuild must keep."""
    store = ox.Store(str(path))
    s, p = ox.NamedNode("http://example.com/s"), ox.NamedNode("http://example.com/p")
    store.add(ox.Quad(s, p, ox.Literal("in the default graph")))
    store.add(ox.Quad(s, p, ox.Literal("imported"), ox.NamedNode("http://example.com/g")))
    store.flush()
    del store
    return {q for q in _all_quads(path) if "example.com" in q}


def test_a_rebuild_replaces_the_store_with_the_same_articles_and_foreign_graphs(
        tmp_path: Path, jsonl: Path, cli: CliRun) -> None:
    path = tmp_path / "store"
    with Store(path, write=True) as store:
        load(store, [jsonl, EXAMPLE], IRIS)
    fresh = {aid: _article_quads(path, aid) for aid in ("jl-one", "jl-two", ARTICLE_ID)}
    foreign = _with_foreign_graphs(path)
    _make_stale(path, ["jl-one", "jl-two"])  # 2 of 3: auto rebuilds
    result = cli("reindex", store=path)
    assert result.exit_code == 0, result.output
    assert "rebuilding 2 of 3 articles into a new store beside it (store.reindex)" in result.output
    assert "3 rebuilt, 0 rejected." in result.output
    assert {aid: _article_quads(path, aid) for aid in fresh} == fresh
    assert {q for q in _all_quads(path) if "example.com" in q} == foreign
    assert not (tmp_path / "store.reindex").exists() and not (tmp_path / "store.replaced").exists()
    with Store(path, write=False) as store:
        assert model_status(store, IRIS).stale == 0
        assert [a.article_id for a in sorted(store.articles(), key=lambda a: a.article_id)] == [
            ARTICLE_ID, "jl-one", "jl-two"]


def test_an_interrupted_rebuild_goes_on_from_what_it_built(tmp_path: Path, jsonl: Path) -> None:
    path = tmp_path / "store"
    with Store(path, write=True) as store:
        load(store, [jsonl, EXAMPLE], IRIS)
    fresh = _article_quads(path, ARTICLE_ID)
    _make_stale(path)
    with Store(path, write=True) as store, pytest.raises(_Crash):
        rebuild(store, IRIS, on_outcome=_crash, batch_quads=1)  # one article per batch
    assert (tmp_path / "store.reindex").exists()
    with Store(path, write=True) as store:
        assert model_status(store, IRIS).stale == 3  # the store itself is untouched
        report = rebuild(store, IRIS)
    finish(report)
    assert [o.status for o in report.load.outcomes] == ["unchanged", "loaded", "loaded"]
    assert _article_quads(path, ARTICLE_ID) == fresh


def test_a_rebuild_that_the_model_rejects_replaces_nothing(store_copy: Path,
                                                           cli: CliRun) -> None:
    _make_stale(store_copy)
    store = ox.Store(str(store_copy))  # a stored document the model no longer accepts
    store.update(f"""PREFIX kg: <{KG}>
        DELETE {{ GRAPH ?g {{ ?a kg:sourceText ?t }} }}
        INSERT {{ GRAPH ?g {{ ?a kg:sourceText "article: [unclosed" }} }}
        WHERE {{ GRAPH ?g {{ ?a kg:sourceText ?t }} }}""")
    store.flush()
    del store
    before = _all_quads(store_copy)
    result = cli("reindex", "--method", "rebuild", store=store_copy)
    assert result.exit_code == 1, result.output
    assert "the store was not replaced" in result.output
    assert _all_quads(store_copy) == before


def test_a_rebuild_starts_again_when_an_earlier_one_was_built_by_another_model(
        tmp_path: Path, jsonl: Path) -> None:
    path = tmp_path / "store"
    with Store(path, write=True) as store:
        load(store, [jsonl], IRIS)
    staging = tmp_path / "store.reindex"
    with Store(staging, write=True) as store:  # what an older kgload's rebuild left
        load(store, [jsonl], IRIS)
    _make_stale(staging)
    _make_stale(path)
    with Store(path, write=True) as store:
        report = rebuild(store, IRIS)
    finish(report)
    # loaded afresh by the bulk path, not reloaded one by one in the leftover store
    assert [o.status for o in report.load.outcomes] == ["loaded", "loaded"]


def test_a_stored_document_is_not_judged_by_the_default_limits_again(store_copy: Path) -> None:
    """An article loaded with raised limits (--max-actions...) must rebuild."""
    with Store(store_copy, write=False) as store:
        facts = stored_document(store, IRIS, ARTICLE_ID)
    assert facts is not None and facts.text == EXAMPLE.read_text(encoding="utf-8")
    assert facts.limits.actions > 10**9 and facts.limits.about_depth > 10**9
    assert facts.limits.file_bytes > 10**12


def test_the_library_installs_no_signal_handler(tmp_path: Path, jsonl: Path) -> None:
    """A load, a reindex and a rebuild leave SIGINT to the caller (the CLI installs its
    own); a ``stop`` callable ends them between articles."""
    import signal

    before = signal.getsignal(signal.SIGINT)
    seen: list[object] = []

    def watch(outcome: object) -> None:
        seen.append(signal.getsignal(signal.SIGINT))

    path = tmp_path / "store"
    with Store(path, write=True) as store:
        asked: list[int] = []
        report = load(store, [jsonl, EXAMPLE], IRIS, on_outcome=watch,
                      stop=lambda: len(asked.append(1) or asked) > 1)  # after one article
        assert report.interrupted and [o.article_id for o in report.outcomes] == ["jl-one"]
        reindex(store, IRIS, everything=True, on_outcome=watch)
    assert seen and all(handler is before for handler in seen)
