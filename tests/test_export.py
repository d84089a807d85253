"""``kgload export``: every format reads back (pyoxigraph strictly, and rdflib), the named
graphs survive in TriG and N-Quads, and --article / --no-inferred / -o do what they say.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib

from conftest import ARTICLE_ID, BASE, KG, TWINS_ACTIONS, TWINS_ENTITIES, invoke
from kgload.pipeline import load
from kgload.queries import bind, parse_query_file
from kgload.store import Store
from kgload.vocab import ERR_NS

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
RDFLIB = {"turtle": "turtle", "trig": "trig", "nquads": "nquads", "ntriples": "nt",
          "rdfxml": "xml"}
GRAPH = BASE + "graph/"
ARTICLE_GRAPHS = {
    f"{GRAPH}article/{ARTICLE_ID}",
    f"{GRAPH}article/{ARTICLE_ID}/inferred",
    f"{GRAPH}article/{ARTICLE_ID}/provenance",
}
BACKGROUND_GRAPHS = {f"{GRAPH}ontology", f"{GRAPH}registry", f"{GRAPH}registry/inferred"}
SHARED_GRAPHS = {f"{GRAPH}entities", f"{GRAPH}entities/inferred", f"{GRAPH}claims"}
# in the dataset formats only: what makes an import a store that reindex can rebuild
BOOKKEEPING_GRAPHS = {f"{GRAPH}store", f"{GRAPH}article/{ARTICLE_ID}/source"}
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
AGENT_OF = KG + "agentOf"
QUERY_DIR = Path(__file__).resolve().parents[1] / "queries"


def exported_count(stderr: str) -> int:
    match = re.search(r"exported (\d+) statements", stderr)
    assert match, stderr
    return int(match.group(1))


def export(store: Path, *args: object) -> tuple[bytes, int]:
    result = invoke("export", *args, store=store)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes, exported_count(result.stderr)


def parse(data: bytes, fmt: str) -> list[ox.Quad]:
    return list(ox.parse(data, FORMATS[fmt], lenient=False))


def graph_names(quads: list[ox.Quad]) -> set[str]:
    return {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}


@pytest.fixture(scope="module")
def exports(example_store: Path) -> dict[str, tuple[bytes, int]]:
    return {fmt: export(example_store, "--format", fmt) for fmt in FORMATS}


@pytest.fixture(scope="module")
def two_articles(example_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plus a small second article, whose id is "inferred" on purpose: its
    asserted graph's IRI ends in /inferred like the inferred graphs'."""
    import shutil

    from conftest import facts_yaml

    folder = tmp_path_factory.mktemp("two-articles")
    store_path = folder / "store"
    shutil.copytree(example_store, store_path)
    facts = folder / "inferred.yaml"
    facts.write_text(facts_yaml("inferred", TWINS_ENTITIES, TWINS_ACTIONS), encoding="utf-8")
    with Store(store_path, write=True) as store:
        report = load(store, [facts])
    assert [o.status for o in report.outcomes] == ["loaded"]
    return store_path


# --------------------------------------------------------------------------- read back


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_reads_back_with_the_exported_count(
        exports: dict[str, tuple[bytes, int]], fmt: str) -> None:
    data, count = exports[fmt]
    quads = parse(data, fmt)
    assert len(quads) == count
    assert len(set(quads)) == count  # no statement written twice
    assert count > 1000


# rdflib 7.6 warns about its own Dataset internals while parsing TriG and N-Quads
@pytest.mark.filterwarnings("ignore:(Dataset|ConjunctiveGraph).*deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", list(RDFLIB))
def test_rdflib_reads_the_export(exports: dict[str, tuple[bytes, int]], fmt: str) -> None:
    data, count = exports[fmt]
    if fmt in ("trig", "nquads"):
        dataset = rdflib.Dataset()
        dataset.parse(data=data, format=RDFLIB[fmt])
        assert len(list(dataset.quads((None, None, None, None)))) == count
        assert {str(g.identifier) for g in dataset.graphs() if len(g)} == (
            ARTICLE_GRAPHS | BACKGROUND_GRAPHS | SHARED_GRAPHS | BOOKKEEPING_GRAPHS)
    else:
        graph = rdflib.Graph()
        graph.parse(data=data, format=RDFLIB[fmt])
        assert len(graph) == count


def test_graph_formats_hold_the_union_of_the_dataset(
        exports: dict[str, tuple[bytes, int]]) -> None:
    quads = parse(exports["nquads"][0], "nquads")
    union = {(q.subject, q.predicate, q.object) for q in quads
             if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
             and q.graph_name.value not in BOOKKEEPING_GRAPHS}
    for fmt in ("turtle", "ntriples", "jsonld", "rdfxml"):
        triples = {(q.subject, q.predicate, q.object) for q in parse(exports[fmt][0], fmt)
                   if not isinstance(q.subject, ox.BlankNode)
                   and not isinstance(q.object, ox.BlankNode)}
        assert triples == union, fmt


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_dataset_formats_keep_the_named_graphs(exports: dict[str, tuple[bytes, int]],
                                               fmt: str) -> None:
    quads = parse(exports[fmt][0], fmt)
    assert graph_names(quads) == (ARTICLE_GRAPHS | BACKGROUND_GRAPHS | SHARED_GRAPHS
                                  | BOOKKEEPING_GRAPHS)
    assert all(isinstance(q.graph_name, ox.NamedNode) for q in quads)  # nothing in default
    by_graph = {name: sum(1 for q in quads if q.graph_name.value == name)
                for name in graph_names(quads)}
    assert all(n > 0 for n in by_graph.values()), by_graph
    provenance = [q for q in quads
                  if q.graph_name.value == f"{GRAPH}article/{ARTICLE_ID}/provenance"]
    assert {q.predicate.value for q in provenance} >= {KG + "sourceSha256", KG + "loadedAt"}


def test_graph_formats_have_no_graphs(exports: dict[str, tuple[bytes, int]]) -> None:
    for fmt in ("turtle", "ntriples", "jsonld", "rdfxml"):
        assert all(isinstance(q.graph_name, ox.DefaultGraph)
                   for q in parse(exports[fmt][0], fmt)), fmt


# --------------------------------------------------------------------------- hygiene


def test_no_reasoner_artefacts(exports: dict[str, tuple[bytes, int]]) -> None:
    quads = parse(exports["nquads"][0], "nquads")
    for quad in quads:
        assert not isinstance(quad.subject, ox.Literal), quad
        if quad.graph_name.value in ARTICLE_GRAPHS:
            assert not isinstance(quad.subject, ox.BlankNode), quad
            assert not isinstance(quad.object, ox.BlankNode), quad
        if quad.predicate.value == SAME_AS:
            assert quad.subject != quad.object, quad
        for term in (quad.subject, quad.predicate, quad.object):
            assert not (isinstance(term, ox.NamedNode) and term.value.startswith(ERR_NS)), quad
    assert b"daml.org" not in exports["nquads"][0]  # owlrl's error vocabulary


# --------------------------------------------------------------------------- selections


def test_one_article(two_articles: Path) -> None:
    data, count = export(two_articles, "--format", "nquads", "--article", ARTICLE_ID)
    quads = parse(data, "nquads")
    assert len(quads) == count
    assert graph_names(quads) == ARTICLE_GRAPHS  # not the other article, not the background
    with Store(two_articles, write=False) as store:  # claim links become the claims
        assert count <= sum(store.count(rdflib.URIRef(g)) for g in ARTICLE_GRAPHS)
    assert not any("alice-smith" in str(q) for q in quads)
    names = {q.object.value for q in quads if q.predicate.value == KG + "name"}
    assert "Gustavo Petro" in names  # what the article says of its entities comes with it
    assert not any("/statement/" in q.subject.value for q in quads)
    turtle, triples = export(two_articles, "--format", "turtle", "--article", "inferred")
    assert b"Alice Smith" in turtle and b"Gustavo Petro" not in turtle
    assert len(parse(turtle, "turtle")) == triples


def test_whole_store_without_inferred(two_articles: Path) -> None:
    full, _ = export(two_articles, "--format", "nquads")
    assert AGENT_OF in {q.predicate.value for q in parse(full, "nquads")}
    data, count = export(two_articles, "--format", "nquads", "--no-inferred")
    quads = parse(data, "nquads")
    assert len(quads) == count
    assert graph_names(quads) == {
        f"{GRAPH}article/{ARTICLE_ID}", f"{GRAPH}article/{ARTICLE_ID}/provenance",
        # the asserted graph of the article named "inferred" is not an inferred graph
        f"{GRAPH}article/inferred", f"{GRAPH}article/inferred/provenance",
        f"{GRAPH}ontology", f"{GRAPH}registry", f"{GRAPH}entities", f"{GRAPH}claims",
        f"{GRAPH}article/{ARTICLE_ID}/source", f"{GRAPH}article/inferred/source",
        f"{GRAPH}store",
    }
    assert AGENT_OF not in {q.predicate.value for q in quads}


def test_one_article_without_inferred(example_store: Path) -> None:
    data, count = export(example_store, "--format", "trig", "--article", ARTICLE_ID,
                         "--no-inferred")
    quads = parse(data, "trig")
    assert graph_names(quads) == ARTICLE_GRAPHS - {f"{GRAPH}article/{ARTICLE_ID}/inferred"}
    assert AGENT_OF not in {q.predicate.value for q in quads}
    turtle, _ = export(example_store, "--format", "turtle", "--article", ARTICLE_ID,
                       "--no-inferred")
    assert AGENT_OF not in {q.predicate.value for q in parse(turtle, "turtle")}
    assert b"agentOf" not in turtle


def test_unknown_article(example_store: Path) -> None:
    result = invoke("export", "--article", "no-such-article", store=example_store)
    assert result.exit_code == 2
    assert ("no article 'no-such-article' in the store (`kgload articles` lists them)"
            in result.stderr)
    assert result.stdout == ""


# --------------------------------------------------------------------------- -o FILE


def test_output_file(example_store: Path, tmp_path: Path,
                     exports: dict[str, tuple[bytes, int]]) -> None:
    out = tmp_path / "graph.trig"
    out.write_bytes(b"an older export")
    result = invoke("export", "--format", "trig", "-o", out, store=example_store)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"exported {exports['trig'][1]} statements to {out}" in result.stderr
    assert out.read_bytes() == exports["trig"][0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.trig"]  # no .part left


def test_output_file_untouched_on_error(example_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph.ttl"
    out.write_bytes(b"an older export")
    result = invoke("export", "--article", "no-such-article", "-o", out, store=example_store)
    assert result.exit_code == 2
    assert out.read_bytes() == b"an older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]  # no .part left


def test_output_file_in_a_missing_folder(example_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "graph.ttl"
    result = invoke("export", "-o", out, store=example_store)
    assert result.exit_code == 4
    assert f"cannot write {out}" in result.stderr
    assert not out.parent.exists()


# ------------------------------------------------------------------ import


def _quads(path: Path) -> tuple[set[str], int]:
    """Quads without blank nodes (as text), and how many had blank nodes."""
    plain, blank = set(), 0
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        if any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object)):
            blank += 1
        else:
            plain.add(str(quad))
    return plain, blank


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_export_then_import_into_a_fresh_store_gives_the_same_dataset(
        example_store: Path, tmp_path: Path, fmt: str) -> None:
    dump = tmp_path / ("dump.nq" if fmt == "nquads" else "dump.trig")
    assert invoke("export", "--format", fmt, "-o", dump, store=example_store).exit_code == 0
    fresh = tmp_path / "fresh"
    result = invoke("import", dump, store=fresh)
    assert result.exit_code == 0, result.stderr
    assert "imported" in result.stderr
    again = tmp_path / "again.nq"
    assert invoke("export", "--format", "nquads", "-o", again, store=fresh).exit_code == 0
    original = tmp_path / "original.nq"
    invoke("export", "--format", "nquads", "-o", original, store=example_store)
    assert _quads(again) == _quads(original)
    listed = invoke("articles", "--format", "json", store=fresh)
    assert ARTICLE_ID in listed.stdout


def test_import_of_a_broken_dump_changes_nothing(store_copy: Path, tmp_path: Path) -> None:
    before = invoke("export", "--format", "nquads", store=store_copy).stdout
    dump = tmp_path / "broken.nq"
    dump.write_text("<https://a.example/s> <https://a.example/p> <https://a.example/o> "
                    "<https://a.example/g> .\n<https://a.example/s> <p> \"x\" .\n")
    result = invoke("import", dump, store=store_copy)
    assert result.exit_code == 1
    assert "not valid nquads" in result.stderr and "line 2" in result.stderr
    assert invoke("export", "--format", "nquads", store=store_copy).stdout == before


def test_import_needs_a_dataset_format(store_copy: Path, tmp_path: Path) -> None:
    dump = tmp_path / "graph.ttl"
    dump.write_text("<https://a.example/s> <https://a.example/p> 1 .\n")
    result = invoke("import", dump, store=store_copy)
    assert result.exit_code == 2 and "give --format nquads or --format trig" in result.stderr


# ------------------------------------------------------------------ the default graph

DEFAULT_TRIPLE = '<https://a.example/s> <https://a.example/p> "x" .\n'
NAMED_QUAD = '<https://a.example/s> <https://a.example/p> "y" <https://a.example/g> .\n'


@pytest.fixture
def with_default_graph(store_copy: Path, tmp_path: Path) -> Path:
    """The example plus a dump of one default-graph triple and one named-graph triple."""
    dump = tmp_path / "two.nq"
    dump.write_text(DEFAULT_TRIPLE + NAMED_QUAD, encoding="utf-8")
    result = invoke("import", dump, store=store_copy)
    assert result.exit_code == 0, result.stderr
    assert "imported 2 quads in 2 graph(s)" in result.stderr
    return store_copy


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_dataset_export_keeps_the_default_graph(with_default_graph: Path, tmp_path: Path,
                                                fmt: str) -> None:
    data, count = export(with_default_graph, "--format", fmt)
    quads = parse(data, fmt)
    default = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
    assert [str(ox.Triple(q.subject, q.predicate, q.object)) for q in default] == [
        '<https://a.example/s> <https://a.example/p> "x"']
    assert "https://a.example/g" in graph_names(quads)
    assert len(quads) == count
    # and the whole store round-trips, the default graph included
    dump = tmp_path / ("dump.nq" if fmt == "nquads" else "dump.trig")
    dump.write_bytes(data)
    fresh = tmp_path / "fresh"
    assert invoke("import", dump, store=fresh).exit_code == 0
    again, _ = export(fresh, "--format", "nquads")
    original, _ = export(with_default_graph, "--format", "nquads")
    assert _quad_texts(again) == _quad_texts(original)


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml"])
def test_graph_export_merges_the_default_graph_and_says_so(with_default_graph: Path,
                                                           fmt: str) -> None:
    result = invoke("-q", "export", "--format", fmt, store=with_default_graph)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ("warning: 1 triple(s) of the store's default graph are merged "
                             f"into the {fmt} union with the named graphs' (trig or nquads "
                             "keeps them apart)\n")
    triples = {str(ox.Triple(q.subject, q.predicate, q.object))
               for q in parse(result.stdout_bytes, fmt)}
    assert '<https://a.example/s> <https://a.example/p> "x"' in triples
    assert '<https://a.example/s> <https://a.example/p> "y"' in triples


def test_graph_export_without_a_default_graph_warns_of_nothing(example_store: Path) -> None:
    result = invoke("export", "--format", "turtle", store=example_store)
    assert result.exit_code == 0
    assert "warning" not in result.stderr


def test_union_writes_a_triple_in_two_graphs_once(store_copy: Path, tmp_path: Path) -> None:
    dump = tmp_path / "twice.nq"
    dump.write_text(DEFAULT_TRIPLE
                    + DEFAULT_TRIPLE.replace(" .", " <https://a.example/g1> .")
                    + DEFAULT_TRIPLE.replace(" .", " <https://a.example/g2> ."),
                    encoding="utf-8")
    assert invoke("import", dump, store=store_copy).exit_code == 0
    data, count = export(store_copy, "--format", "ntriples")
    assert data.count(b'<https://a.example/s> <https://a.example/p> "x" .') == 1
    assert len(parse(data, "ntriples")) == count


TRIPLE_FORMATS = ["turtle", "ntriples", "jsonld", "rdfxml"]


@pytest.fixture
def repeated(store_copy: Path, tmp_path: Path) -> tuple[Path, list[ox.Triple]]:
    """The example plus triples held more than once: one by the default graph and a named
    graph, one by two named graphs, and one of the article's own triples re-stated in
    another graph. Returns the store and those three triples."""
    with Store(store_copy, write=False) as store:
        own = next(iter(store.ox.quads_for_pattern(
            None, None, None, ox.NamedNode(f"{GRAPH}article/{ARTICLE_ID}")))).triple
    x, y = DEFAULT_TRIPLE.removesuffix(" .\n"), DEFAULT_TRIPLE.replace('"x"', '"y"')[:-3]
    dump = tmp_path / "repeated.nq"
    dump.write_text(f"{x} .\n{x} <https://a.example/g1> .\n{y} <https://a.example/g1> .\n"
                    f"{y} <https://a.example/g2> .\n{own} <https://a.example/g3> .\n",
                    encoding="utf-8")
    assert invoke("import", dump, store=store_copy).exit_code == 0
    triples = [next(iter(ox.parse(f"{t} .", ox.RdfFormat.N_TRIPLES))).triple for t in (x, y)]
    return store_copy, [*triples, own]


def _export_in_process(path: Path, fmt: str) -> tuple[bytes, int, set[ox.Triple], int]:
    """Export the whole store in ``fmt`` in this process; returns the output, the count,
    the union of the exported graphs as the store holds them, and how many triple
    look-ups (a pattern with its subject bound) the export made."""
    import io

    from kgload.export import RdfFormat
    from kgload.export import export as run_export
    from kgload.iris import Iris

    class Lookups(_Reads):
        def __init__(self, real: ox.Store) -> None:
            super().__init__(real)
            self.lookups = 0

        def quads_for_pattern(self, *pattern: object) -> object:
            self.lookups += pattern[0] is not None
            return super().quads_for_pattern(*pattern)

    iris = Iris(BASE)
    output = io.BytesIO()
    with Store(path, write=False) as store:
        union = {q.triple for q in store.ox  # the bookkeeping graphs are not exported
                 if isinstance(q.graph_name, ox.DefaultGraph)
                 or not iris.is_bookkeeping(q.graph_name.value)}
        counting = Lookups(store.ox)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Store, "ox", property(lambda self: counting))
            count = run_export(store, output, RdfFormat(fmt), iris)
    return output.getvalue(), count, union, counting.lookups


@pytest.mark.parametrize("saturated", [False, True], ids=["filter", "saturated-filter"])
@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_union_writes_each_repeated_triple_once(
        repeated: tuple[Path, list[ox.Triple]], monkeypatch: pytest.MonkeyPatch, fmt: str,
        saturated: bool) -> None:
    """Whether the filter of written triples says "new" (most triples) or "perhaps"
    (a saturated one says it of every triple), the output is the union, each triple once."""
    from kgload.export import _Written

    if saturated:  # one 64-bit word: after a few triples, every triple is looked up
        monkeypatch.setattr(_Written, "_MAX_WORDS", 1)
    path, triples = repeated
    data, count, union, lookups = _export_in_process(path, fmt)
    written = [q.triple for q in parse(data, fmt)]
    assert len(written) == count == len(union)
    assert set(written) == union
    for triple in triples:
        assert written.count(triple) == 1, triple
    if saturated:
        assert lookups > count - 20


def test_union_export_looks_up_only_the_triples_that_may_repeat(
        repeated: tuple[Path, list[ox.Triple]]) -> None:
    """The union used to look every quad up in the store to see whether an earlier graph
    held it (1,000 articles: 142 s of Turtle instead of 25 s); now only the triples that
    the filter of written triples says it may have seen: the repeated ones, and a few
    more."""
    path, _ = repeated
    with Store(path, write=False) as store:
        quads = len(store.ox)
    _, count, _, lookups = _export_in_process(path, "ntriples")
    assert count > 1000
    assert lookups <= 3 + quads // 50  # 3 triples held twice; 2% of the quads


def _quad_texts(data: bytes) -> tuple[set[str], int]:
    plain, blank = set(), 0
    for quad in ox.parse(data, ox.RdfFormat.N_QUADS):
        if any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object)):
            blank += 1
        else:
            plain.add(str(quad))
    return plain, blank


# ------------------------------------------------------------------ streaming


class _Reads:
    """The store's pyoxigraph handle, counting the quads read through it."""

    def __init__(self, real: ox.Store) -> None:
        self.real, self.read = real, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def __len__(self) -> int:
        return len(self.real)

    def quads_for_pattern(self, *pattern: object) -> object:
        for quad in self.real.quads_for_pattern(*pattern):
            self.read += 1
            yield quad


class _FirstWrite:
    """An output that records how many quads had been read at its first write."""

    def __init__(self, reads: _Reads) -> None:
        self.reads, self.at_first_write, self.size = reads, None, 0

    def write(self, data: bytes) -> int:
        if self.at_first_write is None:
            self.at_first_write = self.reads.read
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("fmt", ["nquads", "trig", "turtle", "ntriples"])
def test_export_writes_before_it_has_read_the_whole_store(
        example_store: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    from kgload.export import RdfFormat
    from kgload.export import export as run_export
    from kgload.iris import Iris

    with Store(example_store, write=False) as store:
        total = len(store.ox)
        reads = _Reads(store.ox)
        monkeypatch.setattr(Store, "ox", property(lambda self: reads))
        output = _FirstWrite(reads)
        count = run_export(store, output, RdfFormat(fmt), Iris(BASE))  # type: ignore[arg-type]
    assert count > 1000 and output.size > 0
    assert output.at_first_write is not None and output.at_first_write < total / 2


# ------------------------------------------------------------------ -o special files


def test_output_through_a_symlink_keeps_the_link(example_store: Path, tmp_path: Path,
                                                 exports: dict[str, tuple[bytes, int]]) -> None:
    target = tmp_path / "real.nq"
    target.write_bytes(b"an older export")
    target.chmod(0o640)
    link = tmp_path / "link.nq"
    link.symlink_to(target.name)
    result = invoke("export", "--format", "nquads", "-o", link, store=example_store)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and link.readlink() == Path("real.nq")
    assert target.read_bytes() == exports["nquads"][0]
    assert target.stat().st_mode & 0o777 == 0o640  # the file's mode is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.nq", "real.nq"]


def test_output_to_a_fifo_writes_through_it(example_store: Path, tmp_path: Path,
                                            exports: dict[str, tuple[bytes, int]]) -> None:
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = invoke("export", "--format", "nquads", "-o", fifo, store=example_store)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert received == [exports["nquads"][0]]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the pipe, not a regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_output_through_a_symlink_to_a_fifo_writes_through(
        example_store: Path, tmp_path: Path, exports: dict[str, tuple[bytes, int]]) -> None:
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.ttl"
    link.symlink_to(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = invoke("export", "-o", link, store=example_store)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert received == [exports["turtle"][0]]
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)


def _cells(solutions: Any, variables: list[str]) -> Counter[tuple[str, ...]]:
    """A SELECT answer as a multiset of rows of cell texts, parts of joined cells sorted
    (GROUP_CONCAT's order is the store's)."""
    def text(term: Any) -> str:
        value = "" if term is None else str(term.value)
        for separator in (" | ", "; "):
            if separator in value:
                return separator.join(sorted(value.split(separator)))
        return value
    return Counter(tuple(text(solution[v]) for v in variables) for solution in solutions)


@pytest.fixture(scope="module")
def flat_store(exports: dict[str, tuple[bytes, int]]) -> ox.Store:
    """The Turtle export loaded into a plain pyoxigraph store: one default graph."""
    flat = ox.Store()
    flat.bulk_load(exports["turtle"][0], ox.RdfFormat.TURTLE)
    return flat


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERY_DIR.glob("*.rq")))
def test_stored_queries_answer_alike_over_a_triples_export(
        example_store: Path, flat_store: ox.Store, name: str) -> None:
    """A store loaded from a triples export (Turtle: one default graph, no named graphs)
    gives every stored query the rows kgload's store gives, for its default parameters
    and every example's: no stored query reads GRAPH ?g (issue 12)."""
    query = parse_query_file(QUERY_DIR / f"{name}.rq")
    code = re.sub(r"(?m)^[ \t]*#.*$", "", query.sparql)  # comment lines
    assert not re.search(r"\bGRAPH\s*[?$<]", code, re.IGNORECASE), name
    cases = [dict(example.params) for example in query.examples]
    if not any(p.required for p in query.params):
        cases.insert(0, {})
    assert cases, name
    answered = 0
    with Store(example_store, write=False) as store:
        for params in cases:
            sparql = bind(query, {k: str(v) for k, v in params.items()}, store)
            ours = store.query(sparql)
            variables = [v.value for v in ours.variables]
            expected = _cells(ours, variables)
            got = _cells(flat_store.query(sparql), variables)
            assert got == expected, (name, params)
            answered += bool(expected)
    assert answered, name  # rows to compare, not only empty answers
