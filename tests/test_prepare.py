"""The scale-out path (docs/scale-out.md): ``prepare`` into shards, ``combine`` from the
summaries, ``load --prepared``, and the same on Dask; each held to a plain ``load`` of
the same input in the same order into a new store.

One thing differs by nature and is left out of every comparison: ``kg:loadedAt`` in an
article's provenance (the time of the load, or of ``combine``). Blank nodes appear in
the ontology graph only (restrictions, lists), which is compared by isomorphism.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from rdflib import Graph
from rdflib.compare import isomorphic

from conftest import EXAMPLE, CliRun, facts_yaml
from kgload.combine import combine
from kgload.offline import prepare_paths
from kgload.pipeline import load
from kgload.shards import MANIFEST, Manifest
from kgload.store import Store
from scripts import generator, load_script

LOADED_AT = "https://w3id.org/kgload/ontology#loadedAt"
ARTICLES = 30
VIOLATIONS = 5


# ---------------------------------------------------------------------- helpers


def _by_graph(quads: Iterable[Any]) -> dict[str, set[Any]]:
    """Quads by graph, without the one bookkeeping triple (kg:loadedAt)."""
    out: dict[str, set[Any]] = {}
    for quad in quads:
        if quad.predicate.value != LOADED_AT:
            out.setdefault(str(quad.graph_name), set()).add(quad)
    return out


def _rdflib(quads: set[Any]) -> Graph:
    graph = Graph()
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                        format=ox.RdfFormat.N_TRIPLES)
    graph.parse(data=data, format="nt")
    return graph


def assert_same_quads(left: Iterable[Any], right: Iterable[Any]) -> None:
    """Graph by graph: equal sets, or isomorphic graphs where blank nodes are."""
    a, b = _by_graph(left), _by_graph(right)
    assert sorted(a) == sorted(b)
    for name in a:
        if a[name] == b[name]:
            continue
        blank = any(isinstance(t, ox.BlankNode) for q in a[name] for t in (q.subject, q.object))
        assert blank, (name, sorted(map(str, a[name] - b[name]))[:5],
                       sorted(map(str, b[name] - a[name]))[:5])
        assert isomorphic(_rdflib(a[name]), _rdflib(b[name])), name


def shard_quads(folder: Path) -> list[Any]:
    quads: list[Any] = []
    for path in sorted((folder / "shards").glob("*.nq")):
        quads += ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
    return quads


def store_quads(path: Path) -> list[Any]:
    with Store(path, write=False) as store:
        return list(store.quads())


# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A generated corpus with violations, then the bundled example."""
    out = tmp_path_factory.mktemp("corpus") / "generated"
    generator().main([str(out), "--articles", str(ARTICLES), "--seed", "11",
                      "--violations", str(VIOLATIONS)])
    return [out / "articles", EXAMPLE]  # (its manifest.json reads as a facts file)


@pytest.fixture(scope="module")
def loaded(corpus: list[Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The corpus loaded the plain way into a new store."""
    path = tmp_path_factory.mktemp("loaded") / "store"
    with Store(path, write=True) as store:
        report = load(store, corpus)
    return path, report


@pytest.fixture(scope="module")
def prepared(corpus: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus prepared (shards of 8 articles, 2 processes) and combined."""
    out = tmp_path_factory.mktemp("prepared") / "out"
    report, manifest = prepare_paths(corpus, out, shard_size=8, jobs=2)
    assert manifest.complete and len(manifest.shards) >= 3
    combine(out)
    return out


# ---------------------------------------------------------------------- (a) same quads


def test_prepare_and_combine_give_the_quads_load_gives(loaded: tuple[Path, Any],
                                                        prepared: Path) -> None:
    store, report = loaded
    assert_same_quads(shard_quads(prepared), store_quads(store))
    manifest = Manifest.read(prepared)
    statuses = {e.source: e.status for e in manifest.articles}
    assert statuses == {o.source: ("prepared" if o.status == "loaded" else "rejected")
                        for o in report.outcomes}
    assert manifest.combined is not None and manifest.combined["events"] > 0


def test_the_summaries_are_small_beside_the_shards(prepared: Path) -> None:
    summaries = sum(p.stat().st_size for p in (prepared / "summaries").iterdir())
    shards = sum(p.stat().st_size for p in (prepared / "shards").glob("part-*.nq"))
    assert 0 < summaries < shards / 5


# ---------------------------------------------------------------------- (b) on Dask


def test_prepare_on_a_dask_local_cluster_equals_a_local_prepare(
        corpus: list[Path], prepared: Path, loaded: tuple[Path, Any],
        tmp_path: Path) -> None:
    distributed = pytest.importorskip(
        "distributed", reason="dask is not installed (pip install 'kgload[dask]')")
    from kgload.scaleout import prepare_bag

    out = tmp_path / "dask"
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        report, manifest = prepare_bag(corpus, out, scheduler=client, partition_size=8)
    assert manifest.complete and len(manifest.shards) >= 3
    local = Manifest.read(prepared)
    assert ([(e.source, e.article) for e in manifest.articles]
            == [(e.source, e.article) for e in local.articles])
    combine(out)
    assert_same_quads(shard_quads(out), shard_quads(prepared))
    assert_same_quads(shard_quads(out), store_quads(loaded[0]))


# ---------------------------------------------------------------------- (c) load --prepared


def test_load_prepared_gives_the_store_load_gives(cli: CliRun, prepared: Path,
                                                  loaded: tuple[Path, Any],
                                                  tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = cli("load", "--prepared", prepared, store=store)
    assert result.exit_code == 1, result.output  # the rejected articles, as load says
    rejected = sum(1 for e in Manifest.read(prepared).articles if e.status == "rejected")
    assert f"{ARTICLES + 1 - rejected} loaded, 0 unchanged, {rejected} rejected." in result.stderr
    assert_same_quads(store_quads(store), store_quads(loaded[0]))
    again = cli("load", "--prepared", prepared, store=store)
    assert again.exit_code == 2
    assert "load --prepared writes into a store with no articles" in again.stderr


def test_load_takes_files_or_a_prepared_folder(cli: CliRun, prepared: Path,
                                               tmp_path: Path) -> None:
    result = cli("load", EXAMPLE, "--prepared", prepared, store=tmp_path / "s")
    assert result.exit_code == 2
    assert "give load facts files or folders, or --prepared DIR (not both)" in result.stderr


# ---------------------------------------------------------------------- (d) rejections


def test_rejected_articles_are_in_the_manifest_and_write_no_quads(corpus: list[Path],
                                                                   prepared: Path) -> None:
    planned = json.loads((corpus[0].parent / "manifest.json").read_text(encoding="utf-8"))
    manifest = Manifest.read(prepared)
    rejected = {e.source: e for e in manifest.articles if e.status == "rejected"}
    assert len(rejected) >= VIOLATIONS
    for violation in planned["violations"]:
        entry = rejected[str(corpus[0].parent / violation["file"])]
        assert entry.shard is None and entry.quads == 0
        rules = {f["rule"] for f in entry.findings}
        assert violation["rule"] in rules, (violation, entry.findings)
        for finding in entry.findings:
            assert finding["file"] and finding["message"]
        assert any(f["line"] for f in entry.findings)
    written = {ox.NamedNode(q.graph_name.value).value for q in shard_quads(prepared)}
    for article in planned["violations"]:
        assert not any(article["article"] in g for g in written)


def test_an_article_whose_only_declarer_is_rejected_is_rejected_by_combine(
        cli: CliRun, tmp_path: Path) -> None:
    """prepare cannot know that the earlier file that declares an entity will be rejected;
    combine finds it, as load does, and takes the article out of its shard."""
    declares = facts_yaml("declares", [
        'id: xavier\ntype: Person\nname: "Xavier X"\nevidence: "Xavier"',
        'id: yvonne\ntype: Person\nname: "Yvonne Y"\nevidence: "Yvonne"'], [
        "id: x-threatens-y\ntype: Threaten\nagents: [xavier]\ntargets: [yvonne]\n"
        'status: bogus\nevidence: "Xavier threatened Yvonne"'])
    uses = facts_yaml("uses", [
        'id: yvonne\ntype: Person\nname: "Yvonne Y"\nevidence: "Yvonne"'], [
        "id: x-threatens-y\ntype: Threaten\nagents: [xavier]\ntargets: [yvonne]\n"
        'status: occurred\nevidence: "Xavier threatened Yvonne"'])
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "a.yaml").write_text(declares, encoding="utf-8")
    (folder / "b.yaml").write_text(uses, encoding="utf-8")
    with Store(tmp_path / "store", write=True) as store:
        report = load(store, [folder, EXAMPLE])
    assert [o.status for o in report.outcomes] == ["rejected", "rejected", "loaded"]
    out = tmp_path / "out"
    result = cli("prepare", folder, EXAMPLE, "--out", out, "--finish")
    assert result.exit_code == 1
    assert "2 prepared, 1 rejected" in result.stderr
    assert f'rejected {folder / "b.yaml"}:' in result.stderr
    assert ('refers to the entity "xavier", which only a file that was rejected in this run '
            "declares" in result.stderr)
    manifest = Manifest.read(out)
    assert [(e.status, e.rejected_by) for e in manifest.articles] == [
        ("rejected", "prepare"), ("rejected", "combine"), ("prepared", None)]
    assert_same_quads(shard_quads(out), store_quads(tmp_path / "store"))


# ---------------------------------------------------------------------- (e) other loaders


def test_the_shards_bulk_load_into_oxigraph(prepared: Path, loaded: tuple[Path, Any]) -> None:
    store = ox.Store()
    for path in sorted((prepared / "shards").glob("*.nq")):
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    assert_same_quads(store.quads_for_pattern(None, None, None, None),
                      store_quads(loaded[0]))


def test_jena_riot_validates_and_counts_the_shards(prepared: Path, tmp_path: Path) -> None:
    jena = load_script("benchmarks/query_bench.py").Jena(tmp_path, 1)
    why = jena.find()
    if why:
        pytest.skip(f"Jena's riot cannot run here: {why}")
    shards = sorted(str(p) for p in (prepared / "shards").glob("*.nq"))
    command = jena.command("riotcmd.riot", "--validate", *shards)
    checked = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stderr
    count = subprocess.run(jena.command("riotcmd.riot", "--count", *shards),
                           capture_output=True, text=True, timeout=300)
    assert count.returncode == 0, count.stderr
    assert f": {len(shard_quads(prepared)):,} Quads :" in count.stdout + count.stderr


# ---------------------------------------------------------------------- (f) another model


def test_a_folder_of_another_model_is_refused(cli: CliRun, prepared: Path,
                                              tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(prepared, copy)
    data = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    data["model_digest"] = "0" * 64
    (copy / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    for args in (("combine", copy), ("load", "--prepared", copy)):
        result = cli(*args, store=tmp_path / "store")
        assert result.exit_code == 2, result.output
        assert f"{copy} was prepared by another model (digest 000000000000" in result.stderr
        assert "Prepare the facts again with this kgload" in result.stderr


def test_prepare_refuses_a_folder_that_is_not_empty(cli: CliRun, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine", encoding="utf-8")
    result = cli("prepare", EXAMPLE, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "is not empty: give --out a new or empty folder" in result.stderr
    assert (tmp_path / "out" / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_combine_needs_a_prepared_folder(cli: CliRun, tmp_path: Path) -> None:
    result = cli("combine", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path} is not a prepared folder (no manifest.json in it)" in result.stderr


def test_a_summary_round_trips(prepared: Path) -> None:
    from kgload.shards import Summary, read_summaries

    first = next(read_summaries(next((prepared / "summaries").iterdir())))
    assert Summary.from_json(first.to_json()) == first
    assert first.claims and first.declared and first.events
    assert yaml.safe_load(first.to_json())["article"] == first.article_id
