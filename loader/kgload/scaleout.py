"""``kgload prepare`` on Dask: the per-article pipeline mapped over partitions with
``dask.bag``; kgload brings no scheduler of its own (``pip install 'kgload[dask]'``).

A partition is a list of facts files (YAML, JSON) or one JSON Lines file; partition
``p`` becomes ``shards/part-p.nq`` and ``summaries/part-p.jsonl``, written by the worker
that prepares it, so the output folder must be one every worker can write to (a shared
file system). Two passes, as a local ``prepare`` in one:

1. each partition is parsed and reduced to what the articles declare and name (a
   :class:`kgload.offline.Scan` per article: small); the client then decides, in input
   order, what each article may use of the earlier files' entities, and which article
   ids come twice (:class:`kgload.offline.Declarations`);
2. each partition is prepared with that (:func:`kgload.offline.shard_article` per
   article), its shard and summaries written, and only the manifest's entries return.

The result is the same folder as :func:`kgload.offline.prepare_paths` writes for the
same input, up to how articles are cut into shards. Example::

    from dask.distributed import Client, LocalCluster
    from kgload.scaleout import prepare_bag

    with LocalCluster(n_workers=4, threads_per_worker=1) as cluster, Client(cluster):
        report, manifest = prepare_bag(["corpus/"], "prepared/")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Finding, InputRejected, UsageError
from .facts import FactsFile, Limits
from .iris import Iris
from .offline import (
    Declarations,
    Scan,
    ShardWriter,
    new_manifest,
    outcome_of,
    rejected_shard,
    shard_article,
)
from .outcomes import STAGES, LoadReport, Outcome, Timer, rejected_source
from .pipeline import _documents, expand_paths
from .reasoning import Reasoner
from .shards import Entry, Manifest, new_folder
from .validation import Validator

Partition = tuple[int, list[tuple[str, Finding | None]]]  # (index, [(path, refusal)])


@dataclass(frozen=True)
class PartitionResult:
    """What a worker sends back for a partition: its entries and seconds, no quads."""

    index: int
    entries: list[Entry]
    shards: list[str]
    summaries: list[str]
    outcomes: list[Outcome]
    seconds: dict[str, float]


def partitions(paths: Iterable[str | Path], size: int, skipped: list[str]) -> list[Partition]:
    """The inputs cut into partitions: ``size`` files at most, a JSON Lines file alone."""
    out: list[Partition] = []
    current: list[tuple[str, Finding | None]] = []
    for path, refused in expand_paths(paths):
        if refused is not None and refused.rule == "not-facts":
            skipped.append(str(path))
            continue
        if path.suffix.lower() == ".jsonl":
            if current:
                out.append((len(out), current))
                current = []
            out.append((len(out), [(str(path), refused)]))
            continue
        current.append((str(path), refused))
        if len(current) >= size:
            out.append((len(out), current))
            current = []
    if current:
        out.append((len(out), current))
    return out


def _read(partition: Partition, limits: Limits | None, timer: Timer
          ) -> Iterable[tuple[Path, FactsFile | InputRejected]]:
    for name, refused in partition[1]:
        path = Path(name)
        for document in _documents(path, refused, timer, limits):
            yield path, document


def scan_partition(partition: Partition, limits: Limits | None) -> list[Scan | None]:
    """Pass 1 on a worker: each article's :class:`Scan` (None: it cannot be read)."""
    timer = Timer(dict.fromkeys(STAGES, 0.0))
    return [None if isinstance(d, InputRejected) else Scan.of(d)
            for _, d in _read(partition, limits, timer)]


def prepare_partition(partition: Partition, admitted: list[Finding | dict[str, Any] | None],
                      out: str, base: str, reasoner: str, validator: str,
                      limits: Limits | None) -> PartitionResult:
    """Pass 2 on a worker: prepare the partition's articles into its shard and summaries."""
    iris = Iris(base)
    seconds = dict.fromkeys(STAGES, 0.0)
    timer = Timer(seconds)
    writer = ShardWriter(Path(out), shard_size=1 << 62, first=partition[0])
    outcomes = []
    for (path, document), known in zip(_read(partition, limits, timer), admitted, strict=True):
        if isinstance(document, InputRejected):
            shard = rejected_shard(rejected_source(path, document), str(path),
                                   document.findings, iris)
        elif isinstance(known, Finding):
            shard = rejected_shard(document.source, document.path, [known], iris,
                                   document.sha256)
        else:
            shard = shard_article(document, base, reasoner, validator, known or {})
        for stage, spent in shard.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + spent
        writer.add(shard)
        outcomes.append(outcome_of(shard))
    writer.flush()
    return PartitionResult(partition[0], writer.entries, writer.shards, writer.summary_files,
                           outcomes, seconds)


def prepare_bag(paths: Sequence[str | Path], out: str | Path, iris: Iris | None = None, *,
                scheduler: Any = None, partition_size: int = 500,
                reasoner: Reasoner | str = Reasoner.FAST,
                validator: Validator | str = Validator.SPARQL, limits: Limits | None = None,
                on_outcome: Callable[[Outcome], None] | None = None
                ) -> tuple[LoadReport, Manifest]:
    """Prepare facts files or JSON Lines partitions on Dask into the folder ``out``.

    ``scheduler``: a ``dask.distributed.Client``, a scheduler address
    (``"tcp://host:8786"``: a client is opened for the run), or None for Dask's current
    scheduler (the default client if there is one). ``partition_size``: files per
    partition (a JSON Lines file is a partition of its own).
    """
    try:
        import dask.bag as db
    except ImportError:
        raise UsageError("prepare on Dask needs the dask extra: pip install "
                         "'kgload[dask]'") from None
    iris = iris or Iris()
    out = Path(out)
    new_folder(out)
    manifest = new_manifest(iris, str(reasoner), str(validator))
    parts = partitions(paths, partition_size, manifest.skipped)
    report = LoadReport(skipped=list(manifest.skipped))
    if not parts:
        raise UsageError("nothing to prepare: the inputs hold no facts files")

    def run(bag: Any) -> list[Any]:
        if scheduler is None:
            return list(bag.compute())
        return list(client.compute(bag).result())

    client, own = _client(scheduler)
    try:
        scans = run(db.from_sequence(parts, npartitions=len(parts)).map(scan_partition, limits))
        declared = Declarations(iris)
        admitted = [[None if scan is None else declared.admit(scan) for scan in part]
                    for part in scans]
        work = [(part, known) for part, known in zip(parts, admitted, strict=True)]
        bag = db.from_sequence(work, npartitions=len(work)).map(
            lambda item: prepare_partition(item[0], item[1], str(out), iris.base,
                                           str(reasoner), str(validator), limits))
        results = sorted(run(bag), key=lambda r: r.index)
    finally:
        if own and client is not None:
            client.close()
    for result in results:
        manifest.articles += result.entries
        manifest.shards += result.shards
        manifest.summaries += result.summaries
        for stage, spent in result.seconds.items():
            report.seconds[stage] = report.seconds.get(stage, 0.0) + spent
        for outcome in result.outcomes:
            report.outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
    manifest.complete = True
    manifest.write(out)
    return report, manifest


def _client(scheduler: Any) -> tuple[Any, bool]:
    """The Dask client to run on, and whether this run opened it (and must close it)."""
    if scheduler is None or not isinstance(scheduler, str):
        return scheduler, False
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--dask needs the dask extra: pip install 'kgload[dask]'") from None
    try:
        return Client(scheduler, timeout=30), True
    except OSError as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
