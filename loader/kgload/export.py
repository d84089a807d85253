"""Exporting the store (or one article) as RDF for other triple stores, and importing a dump.

Dataset formats (TriG, N-Quads) keep the named graphs and the default graph: the whole
store round-trips. Graph formats (Turtle, N-Triples, JSON-LD, RDF/XML) get the union of the
chosen graphs and of the default graph, each triple once (``default_graph_size`` tells the
caller how many triples came from the default graph, so that it can say so).

Both directions stream: an export reads the store quad by quad into pyoxigraph's
serializer, and an import parses the dump twice (a strict check that writes nothing, then
the write in batches), so memory does not grow with the size of the store or the dump;
the one exception is the graph formats' filter of the triples written (``_union``), 1.5 MB
per million quads in the store.
"""

from __future__ import annotations

import os
import random
import stat
import tempfile
import uuid
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from rdflib import URIRef

from .errors import Finding, InputRejected, KgloadError, StoreError, UsageError
from .iris import Iris
from .store import Store, batches
from .vocab import KG_IRI

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# quads per bulk write of an import: about 60 MB of Python objects at a time
IMPORT_BATCH = 100_000
# the graphs an import writes before its commit (new content of graphs the store has)
STAGING_PREFIX = "urn:kgload:import:"


class RdfFormat(StrEnum):
    TURTLE = "turtle"
    TRIG = "trig"
    NQUADS = "nquads"
    NTRIPLES = "ntriples"
    JSONLD = "jsonld"
    RDFXML = "rdfxml"

    @property
    def ox(self) -> ox.RdfFormat:
        return {
            "turtle": ox.RdfFormat.TURTLE,
            "trig": ox.RdfFormat.TRIG,
            "nquads": ox.RdfFormat.N_QUADS,
            "ntriples": ox.RdfFormat.N_TRIPLES,
            "jsonld": ox.RdfFormat.JSON_LD,
            "rdfxml": ox.RdfFormat.RDF_XML,
        }[self.value]

    @property
    def keeps_graphs(self) -> bool:
        return self in (RdfFormat.TRIG, RdfFormat.NQUADS)


def prefixes(iris: Iris) -> dict[str, str]:
    return {
        "kg": KG_IRI,
        "entity": iris.base + "entity/",
        "article": iris.base + "article/",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "owl": "http://www.w3.org/2002/07/owl#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dcterms": "http://purl.org/dc/terms/",
        "prov": "http://www.w3.org/ns/prov#",
    }


def select_graphs(store: Store, iris: Iris, *, article: str | None, inferred: bool,
                  background: bool = True, bookkeeping: bool = True) -> list[URIRef]:
    """The named graphs an export covers (``bookkeeping``: with the store's description
    and the articles' source documents, which a dataset needs to be a kgload store)."""
    if article is not None:
        if store.value(iris.provenance_graph(article), iris.article(article),
                       URIRef(KG_IRI + "sourceSha256")) is None:
            raise UsageError(f"no article {article!r} in the store (`kgload articles` lists them)")
        names = [iris.asserted_graph(article), iris.provenance_graph(article)]
        if inferred:
            names.insert(1, iris.inferred_graph(article))
        return names
    names = [URIRef(n) for n in store.graph_names()
             if bookkeeping or not iris.is_bookkeeping(n)]
    if not inferred:  # by IRI, not by suffix: an article may be named "inferred"
        names = [n for n in names if not _is_inferred(n, iris)]
    if not background:
        names = [n for n in names if n not in iris.background_graphs]
    return names


def _is_inferred(name: URIRef, iris: Iris) -> bool:
    if name in (iris.registry_inferred_graph, iris.entities_inferred_graph):
        return True
    article = iris.article_id_of_graph(str(name))
    return article is not None and name == iris.inferred_graph(article)


def default_graph_size(store: Store) -> int:
    """How many triples the store's default graph holds (kgload itself writes none there;
    an imported dump may bring some)."""
    return sum(1 for _ in store.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def export(store: Store, output: IO[bytes], fmt: RdfFormat, iris: Iris, *,
           article: str | None = None, inferred: bool = True) -> int:
    """Write the chosen graphs to ``output``; returns the number of statements written.

    The whole store (``article`` None) includes its default graph: as itself in TriG and
    N-Quads, merged into the union in the graph formats. One article is its graphs only.
    """
    names = select_graphs(store, iris, article=article, inferred=inferred,
                          background=article is None, bookkeeping=fmt.keeps_graphs)
    written = [0]

    def counted(items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            written[0] += 1
            yield item

    names_for = None if fmt in (RdfFormat.NQUADS, RdfFormat.NTRIPLES) else prefixes(iris)
    if article is not None:  # one article: its graphs are small, the claims written out
        quads = _article_quads(store, iris, names)
        if fmt.keeps_graphs:
            ox.serialize(counted(quads), output, fmt.ox, prefixes=names_for)
        else:
            triples = dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
            ox.serialize(counted(triples), output, fmt.ox, prefixes=names_for)
        return written[0]
    graphs: list[Any] = [ox.DefaultGraph(), *(ox.NamedNode(str(n)) for n in names)]
    if fmt.keeps_graphs:
        ox.serialize(counted(_quads(store, graphs)), output, fmt.ox, prefixes=names_for)
    else:
        ox.serialize(counted(_union(store, graphs)), output, fmt.ox, prefixes=names_for)
    return written[0]


def _quads(store: Store, graphs: list[Any]) -> Iterator[Any]:
    for graph in graphs:
        yield from store.ox.quads_for_pattern(None, None, None, graph)


def _union(store: Store, graphs: list[Any]) -> Iterator[Any]:
    """The triples of ``graphs``, each once, in the graphs' order: a triple is written from
    the first of them that holds it.

    Memory stays bounded without a set of the triples written: a Bloom filter of them
    (``_Written``, about 1.5 MB per million quads in the store) says which triples are new
    for certain, and only the others (the triples really repeated, plus well under 1% of
    the rest) are looked up in the store to see whether an earlier graph holds them.
    """
    rank = {graph: i for i, graph in enumerate(graphs)}
    written = _Written(store.count())
    lookup = store.ox.quads_for_pattern
    for i, graph in enumerate(graphs):
        for quad in lookup(None, None, None, graph):
            triple = quad.triple
            if (written.add(triple) and i > 0
                    and any(rank.get(other.graph_name, i) < i
                            for other in lookup(quad.subject, quad.predicate, quad.object,
                                                None))):
                continue
            yield triple


class _Written:
    """A Bloom filter of triples: ``add`` says whether a triple may have been added before
    (False: certainly not; True: perhaps, to be checked).

    Blocked, for speed in Python: each triple sets ``_BITS`` bits of one 64-bit word, the
    word and the bit pattern both chosen from the triple's 64-bit hash (pyoxigraph hashes
    its terms in Rust), so one test is one AND. At 12 bits per expected triple the filter
    answered "perhaps" for 0.3% of the new triples of a 370,000-quad store; the array is
    capped at ``_MAX_WORDS`` (a larger store only gets more false "perhaps").
    """

    _BITS = 7  # bits set per triple
    _PATTERN_BITS = 12  # log2 of the number of bit patterns to choose from
    _BITS_PER_TRIPLE = 12
    _MAX_WORDS = 2**23  # 64 MB

    def __init__(self, expected: int) -> None:
        pick = random.Random(0)  # any fixed patterns do: only the speed depends on them
        self._patterns = array("Q", (sum(1 << b for b in pick.sample(range(64), self._BITS))
                                     for _ in range(1 << self._PATTERN_BITS)))
        size = min(self._MAX_WORDS, max(1, expected * self._BITS_PER_TRIPLE // 64))
        self._words = array("Q", [0]) * size  # no temporary of the array's size

    def add(self, triple: object) -> bool:
        h = hash(triple) & 0xFFFF_FFFF_FFFF_FFFF
        pattern = self._patterns[h & ((1 << self._PATTERN_BITS) - 1)]
        at = (h >> self._PATTERN_BITS) % len(self._words)
        word = self._words[at]
        if word & pattern == pattern:
            return True
        self._words[at] = word | pattern
        return False


def _article_quads(store: Store, iris: Iris, names: list[URIRef]) -> Iterator[Any]:
    """One article's graphs as it said them: each claim link (see ``kgload.entities``)
    becomes the statement about the entity it stands for, in the same graph."""
    statement = iris.base + "statement/"
    reported_in = ox.NamedNode(KG_IRI + "reportedIn")
    claims = ox.NamedNode(iris.claims_graph)
    parts = [ox.NamedNode(RDF_NS + name) for name in ("subject", "predicate", "object")]
    for quad in store.quads(names):
        subject = quad.subject
        if not (isinstance(subject, ox.NamedNode) and subject.value.startswith(statement)):
            yield quad
            continue
        if quad.predicate != reported_in:
            continue  # the statement's own provenance: the article is the provenance here
        terms = [next(iter(store.ox.quads_for_pattern(subject, part, None, claims)), None)
                 for part in parts]
        if all(terms):
            s, p, o = (t.object for t in terms if t is not None)
            yield ox.Quad(s, p, o, quad.graph_name)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- writing a file


@contextmanager
def output_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary handle that writes ``path`` whole or not at all, without replacing what
    is not a regular file.

    A regular file (or a new one) is written beside itself and renamed over, so a failed
    export leaves the old one; a symbolic link is followed, and its target written that
    way (the link stays); a pipe, a device or anything else is opened and written through,
    never replaced (``-o /dev/stdout``, a FIFO another program reads).
    """
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "wb") as handle:
            yield handle
        return
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:  # no half-written file is left behind
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- import


def import_dump(store: Store, source: IO[bytes] | str, fmt: RdfFormat, *,
                merge: Iterable[URIRef] = (), base: str | None = None,
                batch: int = IMPORT_BATCH) -> dict[str, int]:
    """Load an N-Quads or TriG dump (e.g. from ``export``) into the store, atomically.

    The dump is parsed twice, streaming. The first pass checks it strictly and writes
    nothing (a syntax error names its line and column and leaves the store untouched).
    The second writes it in batches: every named graph it holds replaces the store's graph
    of that name, except the ``merge`` graphs, which it adds to; its default-graph triples
    are added to the default graph. With ``base``, the shared entity graphs under it are
    then rebuilt from every article the store holds (``kgload.entities``).

    The write is journaled (``Store.begin_staged_write``): graphs new to the store are
    written under their names, the new content of the others under staging names, and a
    failure or crash before the commit drops them all; after the commit the next open
    finishes it. So the store has the whole dump or none of it.
    Returns the number of quads per graph ("" for the default graph).
    """
    if not fmt.keeps_graphs:
        raise UsageError("import reads dataset formats only: nquads or trig")
    shared = {str(g) for g in merge}  # graphs added to, not replaced (the claims graph)
    if shared and base is None:
        raise ValueError("merging shared graphs needs the base IRI to rebuild them")
    name = source if isinstance(source, str) else getattr(source, "name", "<input>")
    if not isinstance(source, str) and not source.seekable():
        raise UsageError(f"cannot import from {name}: it must be a file (it is read twice)")

    counts: Counter[str] = Counter()
    for quad in _parse(source, fmt, str(name)):  # the check: nothing is written yet
        graph = quad.graph_name
        counts["" if isinstance(graph, ox.DefaultGraph) else graph.value] += 1
    if not counts:
        return {}

    existing = set(store.graph_names())
    token = f"{STAGING_PREFIX}{uuid.uuid4().hex}:"
    staging: dict[str, str] = {}  # target ("" the default graph) -> its staging graph
    fresh: list[str] = []
    for i, graph in enumerate(counts):
        if graph == "" or (graph in existing and graph not in shared):
            staging[graph] = f"{token}{i}"
        elif graph not in shared:
            fresh.append(graph)
    written = fresh + list(staging.values())
    iris = Iris(base) if base is not None else None
    articles = sorted({a for g in counts if iris is not None
                       and (a := iris.article_id_of_graph(g)) is not None})

    store.begin_staged_write(articles, written, base)
    try:
        _write(store, _parse(source, fmt, str(name), rename=True), staging, batch)
    except BaseException as exc:
        with suppress(OSError, KgloadError):  # if this fails too, the journal stays
            store.abort_staged_write(written, base)
        if isinstance(exc, OSError):
            raise StoreError(f"cannot write to the store at {store.path}: {exc}") from exc
        raise
    store.commit_staged_write([(s, t) for t, s in staging.items()], base)
    return dict(counts)


def _parse(source: IO[bytes] | str, fmt: RdfFormat, name: str, *,
           rename: bool = False) -> Iterator[Any]:
    """The dump's quads, strictly parsed; a syntax error is a rejection of the file."""
    if not isinstance(source, str):
        source.seek(0)
    try:
        yield from ox.parse(None if isinstance(source, str) else source, fmt.ox,
                            path=source if isinstance(source, str) else None,
                            rename_blank_nodes=rename)
    except SyntaxError as exc:
        raise InputRejected([Finding(name, f"not valid {fmt.value}: {exc}",
                                     f"{fmt.value}-syntax")]) from None


def _write(store: Store, quads: Iterator[Any], staging: dict[str, str], batch: int) -> None:
    """Bulk-write ``quads`` in batches, each quad of a ``staging`` target to its staging
    graph instead."""
    into: dict[Any, Any] = {
        (ox.DefaultGraph() if target == "" else ox.NamedNode(target)): ox.NamedNode(name)
        for target, name in staging.items()}
    redirect: Callable[[Any], Any] = into.get
    def placed(quad: Any) -> Any:
        moved = redirect(quad.graph_name)
        return quad if moved is None else ox.Quad(quad.subject, quad.predicate, quad.object,
                                                  moved)

    for part in batches(map(placed, quads), batch):
        store.ox.bulk_extend(part)
    store.ox.flush()
