"""``kgload load --prepared DIR``: a combined prepared folder into the embedded store.

The articles' graphs (their shard, and their provenance from the combined shards) go in
journaled bulk batches (:meth:`kgload.store.Store.bulk_write`), every article whole or
absent; the shared graphs the cross-article step computed go last. Until they are in, the
store's journal asks the next open to rebuild the shared graphs from the articles that
landed (what ``load`` does after a crash), so a killed run leaves a consistent store.

The folder was combined for a store with no articles (load orders start at 1, the shared
graphs describe these articles only): a store that holds articles is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .background import background
from .errors import UsageError
from .iris import Iris
from .model import model_digest
from .outcomes import LoadReport, Outcome, Status, Timer
from .pipeline import ensure_background
from .shards import PREPARED, Manifest, read_shard
from .store import Store


def load_prepared(store: Store, folder: str | Path, iris: Iris | None = None, *,
                  on_outcome: Callable[[Outcome], None] | None = None,
                  batch_quads: int = 100_000) -> LoadReport:
    """Commit a combined prepared folder (``kgload combine``) into an open, writable store
    that holds no articles. Rejected articles are reported as ``load`` reports them."""
    iris = iris or Iris()
    folder = Path(folder)
    manifest = Manifest.read(folder)
    manifest.require(model_digest(iris), combined=True, folder=folder)
    held = store.article_ids()
    if held:
        raise UsageError(f"load --prepared writes into a store with no articles; {store.path} "
                         f"holds {len(held)}: give --store a new folder, or load the facts "
                         "files themselves")
    report = LoadReport()
    timer = Timer(report.seconds)
    bg = background(iris)
    ensure_background(store, bg)  # the same graphs as the combined shards' (same digest)
    own = {str(g) for g in (iris.store_graph, *iris.background_graphs)}
    provenance: dict[str, list[Any]] = {}
    shared: list[Any] = []
    for name in (manifest.combined or {}).get("shards", []):
        for quad in read_shard(folder / name):
            graph = quad.graph_name.value
            article = iris.article_id_of_graph(graph)
            if article is not None:
                provenance.setdefault(article, []).append(quad)
            elif graph not in own:
                shared.append(quad)
    entries = {e.article: e for e in manifest.articles if e.status == PREPARED and e.article}
    batch: dict[str, list[Any]] = {}
    quads: list[Any] = []

    def flush() -> None:
        nonlocal batch, quads
        if batch:
            with timer("write"):
                store.bulk_write({a: iris.article_graphs(a) for a in batch}, quads,
                                 base=iris.base, more_to_come=True)
        batch, quads = {}, []

    for shard in manifest.shards:
        with timer("parse"):
            by_article: dict[str, list[Any]] = {}
            for quad in read_shard(folder / shard):
                article = iris.article_id_of_graph(quad.graph_name.value)
                if article in entries:
                    by_article.setdefault(article, []).append(quad)
        for article, article_quads in by_article.items():
            batch[article] = article_quads
            quads += article_quads + provenance.get(article, [])
            if len(quads) >= batch_quads:
                flush()
    flush()
    with timer("write"):  # the shared graphs, and then the journal goes
        if shared:
            store.bulk_write({}, shared, base=iris.base)
        store.end_bulk_writes()
    for entry in manifest.articles:
        if entry.status == PREPARED:
            outcome = Outcome(entry.source, Status.LOADED, entry.article,
                              asserted=entry.quads, notes=list(entry.notes))
        else:
            outcome = Outcome(entry.source, Status.REJECTED, findings=entry.finding_objects)
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return report
