"""``kgload combine DIR``: what crosses articles, decided from the summaries alone.

The step a store's commit takes for each article (:class:`kgload.commit.Writer`), over
a prepared folder (:mod:`kgload.shards`): in input order, each prepared article is
checked again against the articles accepted before it (an entity it names must still be
declared by one of them; what it declares must not clash with them), given its load
order and its provenance, and its claims are added to an :class:`EntityIndex`, the
same one ``load`` keeps, here over a scratch store that holds only the background.
The entities' resolved descriptions and the claims graph that index then writes, the
articles' provenance and the background graphs become ``shards/combined-*.nq``.

The summaries are read, not the quads, with one exception: an article rejected here
(which ``load`` would have rejected) is taken out of the shard that holds it, which is
then written again. Events need nothing: an event's IRI is a function of one report
(:mod:`kgload.mapping`), so the articles' graphs already group them; the report counts
the events that several articles report.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .background import background
from .commit import declared_only_by_rejected, provenance
from .entities import EntityIndex, declared_conflicts
from .errors import Finding, InternalError
from .iris import Iris
from .model import model_digest
from .pipeline import ensure_background
from .shards import (
    PREPARED,
    REJECTED,
    SHARDS,
    Entry,
    Manifest,
    Summary,
    combined_name,
    read_shard,
    read_summaries,
    write_atomically,
)
from .store import Store
from .terms import to_ox

COMBINED_QUADS = 1_000_000  # quads per combined shard
_PROVENANCE_BATCH = 500  # articles whose provenance goes into the scratch store at once


@dataclass
class CombineReport:
    """What the cross-article step decided."""

    accepted: int = 0
    rejected: list[Entry] = field(default_factory=list)  # rejected here (not by prepare)
    shards: list[str] = field(default_factory=list)  # the combined shards written
    rewritten: list[str] = field(default_factory=list)  # article shards written again
    quads: int = 0  # in the combined shards
    events: int = 0
    events_reported_by_several: int = 0
    notes: list[tuple[str, str]] = field(default_factory=list)  # (source, note)


def combine(folder: str | Path, iris: Iris | None = None, *,
            on_entry: Callable[[Entry], None] | None = None) -> CombineReport:
    """Run the cross-article step over a prepared folder; writes the combined shards and
    the verdicts into its manifest. Running it again gives the same shards."""
    iris = iris or Iris()
    folder = Path(folder)
    manifest = Manifest.read(folder)
    manifest.require(model_digest(iris), combined=False, folder=folder)
    report = CombineReport()
    for old in (folder / SHARDS).glob("combined-*.nq"):
        old.unlink()
    scratch = Path(tempfile.mkdtemp(prefix=".combine-", dir=folder))
    try:
        with Store(scratch / "store", write=True) as store:
            quads = _combine(store, folder, manifest, iris, report, on_entry)
            _write(folder, quads, report)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _drop_rejected(folder, report, iris)
    manifest.combined = {"shards": report.shards, "accepted": report.accepted,
                         "rejected": [e.source for e in report.rejected],
                         "rewritten": report.rewritten, "events": report.events,
                         "events_reported_by_several": report.events_reported_by_several}
    manifest.write(folder)
    return report


def _combine(store: Store, folder: Path, manifest: Manifest, iris: Iris,
             report: CombineReport, on_entry: Callable[[Entry], None] | None) -> list[Any]:
    bg = background(iris)
    ensure_background(store, bg)
    index = EntityIndex(store, iris, bg)
    loaded_at = datetime.now(UTC)
    provenance_quads: list[Any] = []
    unwritten: list[Any] = []
    events: Counter[str] = Counter()
    summaries = _summaries(folder, manifest)
    for entry in manifest.articles:
        if entry.status != PREPARED:
            if on_entry:
                on_entry(entry)
            continue
        summary = _next_of(summaries, entry, folder)
        findings = _recheck(summary, index, iris, bg)
        if findings:
            entry.status, entry.rejected_by = REJECTED, "combine"
            entry.findings = [f.to_dict() for f in findings]
            report.rejected.append(entry)
        else:
            order = entry.order = index.take_order()
            graph = to_ox(iris.provenance_graph(summary.article_id))
            quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph)
                     for s, p, o in provenance(summary, iris, loaded_at, order)]
            provenance_quads += quads
            unwritten += quads
            entry.notes = index.add_article(order, summary.claims, summary.inferred_claims)
            report.notes += [(entry.source, note) for note in entry.notes]
            events.update(summary.events)
            report.accepted += 1
            if len(unwritten) >= _PROVENANCE_BATCH * 12:  # messages name earlier articles
                store.ox.bulk_extend(unwritten)
                unwritten = []
        if on_entry:
            on_entry(entry)
    deletes, inserts = index.pending()
    if deletes:  # the scratch store held no entity: nothing can be stale
        raise InternalError("combine: the cross-article step found stale shared graphs")
    report.events = len(events)
    report.events_reported_by_several = sum(1 for n in events.values() if n > 1)
    shared = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g)) for (s, p, o), g in inserts]
    graphs = [iris.store_graph, *iris.background_graphs]
    return [*store.quads(graphs), *provenance_quads, *shared]


def _summaries(folder: Path, manifest: Manifest) -> Iterator[Summary]:
    """The prepared articles' summaries, in the manifest's order."""
    for name in manifest.summaries:
        yield from read_summaries(folder / name)


def _next_of(summaries: Iterator[Summary], entry: Entry, folder: Path) -> Summary:
    """The summary of ``entry`` (those of articles a previous combine rejected are passed)."""
    for summary in summaries:
        if summary.source == entry.source:
            return summary
    raise InternalError(f"{folder}: no summary of {entry.source} where the manifest puts it; "
                        "prepare the facts again")


def _recheck(summary: Summary, index: EntityIndex, iris: Iris, bg: Any) -> list[Finding]:
    """What :meth:`kgload.commit.Writer.recheck` finds, from the summary."""
    findings = [declared_only_by_rejected(summary.path, used.id, used.line, used.column)
                for used in summary.used if index.known(iris.entity(used.id)) is None]
    known = {d.id: k for d in summary.declared
             if (k := index.known(iris.entity(d.id))) is not None}
    return findings + declared_conflicts(summary.path, summary.declared, known, bg)


def _write(folder: Path, quads: list[Any], report: CombineReport) -> None:
    for i in range(0, max(len(quads), 1), COMBINED_QUADS):
        name = combined_name(i // COMBINED_QUADS)
        chunk = quads[i:i + COMBINED_QUADS]
        write_atomically(folder / name,
                         ox.serialize(chunk, format=ox.RdfFormat.N_QUADS) or b"")
        report.shards.append(name)
    report.quads = len(quads)


def _drop_rejected(folder: Path, report: CombineReport, iris: Iris) -> None:
    """Take the articles rejected here out of their shards (the only quads read)."""
    by_shard: dict[str, set[str]] = {}
    for entry in report.rejected:
        if entry.shard and entry.article:
            by_shard.setdefault(entry.shard, set()).update(
                str(g) for g in iris.article_graphs(entry.article))
    for name, graphs in sorted(by_shard.items()):
        kept = [q for q in read_shard(folder / name) if q.graph_name.value not in graphs]
        write_atomically(folder / name, ox.serialize(kept, format=ox.RdfFormat.N_QUADS) or b"")
        report.rewritten.append(name)
    for entry in report.rejected:
        entry.shard = entry.summary = None
        entry.quads = 0
