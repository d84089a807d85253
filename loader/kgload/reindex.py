"""``kgload reindex``: stale articles rebuilt from the source documents the store keeps.

An article is stale when the model that built it (see :mod:`kgload.model`) is not the
running one: the ontology, a rule, a shape, the registry or the mapping code changed. Its
stored graphs are outputs of the old pipeline, so they cannot replay the change; the
store keeps each article's facts document as it was loaded, and reindex runs the whole
pipeline on it again, in one of two ways:

- *in place* (:func:`reindex`): each stale article is replaced in one transaction (the
  reload path of :func:`kgload.pipeline.load`): whole or not at all. An interrupted run
  leaves the articles it finished current and the others stale; the next one resumes.
  Each reload also resolves the article's entities again against the whole store, about
  a second per article: right for a few stale articles.
- *rebuild* (:func:`rebuild`): every article is loaded from its document into a new
  store beside this one (``STORE.reindex``), by the bulk path of a load, with the
  graphs kgload does not make (the default graph, imported graphs) copied over; the new
  store then replaces the old one under the writer lock. The store is the old one or
  the new one, never a mix. An interrupted rebuild leaves ``STORE.reindex``: the next
  one finds there the articles already built and goes on. When many articles are stale
  this takes the time of a load of the store.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .backup import swap_in
from .commit import remove
from .errors import InputRejected, KgloadError, StoreBusy, StoreError
from .facts import FactsFile, Limits, parse_bytes
from .iris import Iris
from .model import model_status, stale_articles
from .outcomes import LoadReport, Outcome, Status, Timer
from .pipeline import Documents, load_documents
from .reasoning import Reasoner
from .store import Store, batches
from .validation import Validator
from .vocab import KG, KG_IRI

# held by a rebuild, in the store's folder: one rebuild of a store at a time
REBUILD_LOCK_NAME = "kgload-rebuild.lock"


@dataclass
class ReindexReport:
    """What a reindex did: the load report of the rebuilt articles, and what it could not."""

    load: LoadReport
    without_source: list[str] = field(default_factory=list)  # ids it cannot rebuild
    replaced: Path | None = None  # rebuild: the old store's folder, to delete once closed

    @property
    def rebuilt(self) -> int:
        return self.load.count(Status.LOADED, Status.RELOADED)


def stored_document(store: Store, iris: Iris, article_id: str) -> FactsFile | None:
    """The article's facts document as it was loaded, parsed again (None: not stored)."""
    graph, article = iris.source_graph(article_id), iris.article(article_id)
    text = store.value(graph, article, KG.sourceText)
    if text is None:
        return None
    provenance = iris.provenance_graph(article_id)
    name = store.value(provenance, article, KG.sourceFile) or f"{article_id}.yaml"
    as_json = store.value(graph, article, KG.sourceFormat) == "json"
    line = store.value(graph, article, KG.sourceLine)
    facts = parse_bytes(text.encode("utf-8"), name=name, as_json=as_json)
    # the article was within the limits of the load that stored it, which may have been
    # raised (--max-actions...): the rebuild does not judge its size again
    facts.limits = Limits(file_bytes=sys.maxsize, actions=sys.maxsize,
                          about_depth=sys.maxsize)
    if line is not None:
        facts.line = int(line)
        facts.positions = {k: (at + facts.line - 1, column)
                           for k, (at, column) in facts.positions.items()}
    # the hash of the file as it was read (a UTF-8 BOM is not in the text), so that
    # loading the same file again finds it unchanged
    facts.sha256 = store.value(provenance, article, KG.sourceSha256) or facts.sha256
    return facts


def reindex(store: Store, iris: Iris | None = None, *,
            reasoner: Reasoner | str = Reasoner.FAST, jobs: int = 1,
            on_outcome: Callable[[Outcome], None] | None = None,
            everything: bool = False, validator: Validator | str = Validator.SPARQL,
            stop: Callable[[], bool] | None = None) -> ReindexReport:
    """Rebuild the store's stale articles (``everything``: every article) in load order."""
    iris = iris or Iris()
    found = stale_articles(store, iris, every=everything)
    without = [aid for aid, has_source in found if not has_source]
    todo = [aid for aid, has_source in found if has_source]

    report = load_documents(store, _sources(store, iris, todo), iris, force=True,
                            reasoner=reasoner, validator=validator, on_outcome=on_outcome,
                            jobs=jobs, stop=stop)
    return ReindexReport(report, without)


def _sources(store: Store, iris: Iris, ids: list[str]
             ) -> Callable[[LoadReport, Timer], Iterator[tuple[Path, Documents]]]:
    """The stored documents of ``ids``, read one at a time (memory holds those in flight)."""
    def documents() -> Iterator[FactsFile | InputRejected]:
        for aid in ids:
            try:
                facts = stored_document(store, iris, aid)
            except InputRejected as exc:
                yield exc
                continue
            if facts is not None:
                yield facts

    def inputs(report: LoadReport, timer: Timer) -> Iterator[tuple[Path, Documents]]:
        yield Path(str(store.path)), documents()

    return inputs


def rebuild(store: Store, iris: Iris | None = None, *, reasoner: Reasoner | str = Reasoner.FAST,
            validator: Validator | str = Validator.SPARQL, jobs: int = 1,
            on_outcome: Callable[[Outcome], None] | None = None,
            batch_quads: int = 100_000, stop: Callable[[], bool] | None = None,
            waiting: Callable[[], None] | None = None) -> ReindexReport:
    """Every article of the open store rebuilt into a new store that replaces it.

    Opened for reading, the store stays readable while the new one is built (queries go
    on; other writers wait or are told it is busy): only the swap takes the writer lock
    (:meth:`Store.upgrade`), and if a writer got in while the lock changed hands, what
    it changed is built too before the swap; ``waiting`` is called if readers make it
    wait, and ``stop`` ends the wait too. Opened for writing, the store is held for the
    whole rebuild.

    Nothing is replaced when an article has no stored document, when the new model
    rejects one, or when the run is interrupted (``STORE.reindex`` keeps what was built,
    for the next run). After a replacement, ``store`` holds only the lock, and
    ``replaced`` names the old folder: close ``store``, then delete it (:func:`finish`).
    """
    iris = iris or Iris()
    with _rebuilding(store):
        return _rebuild(store, iris, reasoner=reasoner, validator=validator, jobs=jobs,
                        on_outcome=on_outcome,
                        batch_quads=batch_quads, stop=stop, waiting=waiting)


@contextmanager
def _rebuilding(store: Store) -> Iterator[None]:
    """One rebuild of a store at a time (a rebuild holds only a reader's lock on it)."""
    path = store.path / REBUILD_LOCK_NAME
    try:
        handle = open(path, "a+b")  # noqa: SIM115
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror or exc}") from exc
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreBusy(f"store is in use: another kgload process is rebuilding "
                                f"{store.path}; try again when it is done") from None
            raise StoreError(f"cannot lock {path}: {exc}") from exc
        yield
    finally:
        handle.close()


def _rebuild(store: Store, iris: Iris, *, reasoner: Reasoner | str,
             validator: Validator | str, jobs: int,
             on_outcome: Callable[[Outcome], None] | None, batch_quads: int,
             stop: Callable[[], bool] | None,
             waiting: Callable[[], None] | None) -> ReindexReport:
    staging = store.path.with_name(store.path.name + ".reindex")
    leftover = store.path.with_name(store.path.name + ".replaced")
    if leftover.exists():  # an earlier swap that was not cleaned up
        shutil.rmtree(leftover)
    if staging.exists() and not _current(staging, iris):
        shutil.rmtree(staging)  # built by another model: a fresh bulk load is faster
    seen = _fingerprint(store, iris)
    report = _build(store, staging, iris, reasoner=reasoner, validator=validator, jobs=jobs,
                    on_outcome=on_outcome, batch_quads=batch_quads, stop=stop)
    if not _complete(report):
        return report
    if not store.write:
        if not store.upgrade(stop=stop, waiting=waiting):
            report.load.interrupted = True  # stopped while queries still read the store
            return report
        if _fingerprint(store, iris) != seen:  # a writer came in while the lock changed hands
            more = _build(store, staging, iris, reasoner=reasoner, validator=validator,
                          jobs=jobs,
                          on_outcome=None, batch_quads=batch_quads, stop=stop)
            report.without_source = more.without_source
            report.load.outcomes += [o for o in more.load.outcomes
                                     if o.status is not Status.UNCHANGED]
            report.load.interrupted = more.load.interrupted
            if not _complete(report):
                return report
    store.close_database()  # the lock stays held
    report.replaced = swap_in(store.path, staging)
    return report


def _complete(report: ReindexReport) -> bool:
    return not (report.without_source or report.load.rejected or report.load.interrupted)


def _build(store: Store, staging: Path, iris: Iris, *, reasoner: Reasoner | str,
           validator: Validator | str, jobs: int,
           on_outcome: Callable[[Outcome], None] | None, batch_quads: int,
           stop: Callable[[], bool] | None) -> ReindexReport:
    """Bring ``staging`` to the store's articles, each built from its document by the
    running model (those it already holds, unchanged, are kept), and copy the graphs
    kgload does not make."""
    found = stale_articles(store, iris, every=True)
    without = [aid for aid, has_source in found if not has_source]
    if without:
        return ReindexReport(LoadReport(), without)
    ids = [aid for aid, _ in found]
    with Store(staging, write=True) as new:
        report = load_documents(new, _sources(store, iris, ids), iris, reasoner=reasoner,
                                validator=validator, on_outcome=on_outcome, jobs=jobs,
                                batch_quads=batch_quads, stop=stop)
        if report.rejected or report.interrupted:
            return ReindexReport(report)
        for aid in sorted(new.article_ids() - set(ids)):  # removed since an earlier run
            remove(new, aid, iris)
        _copy_foreign_graphs(store, new, iris)
    return ReindexReport(report)


def _fingerprint(store: Store, iris: Iris) -> str:
    """A digest of what a writer changes: every article's source, load order and load
    time, and the size of every graph kgload does not make (the default graph, imports)."""
    digest = hashlib.sha256()
    rows = store.query(
        f"""PREFIX kg: <{KG_IRI}>
        SELECT ?article ?order ?sha ?at WHERE {{
          GRAPH ?p {{ ?article kg:assertedGraph ?g ; kg:loadOrder ?order
                      OPTIONAL {{ ?article kg:sourceSha256 ?sha }}
                      OPTIONAL {{ ?article kg:loadedAt ?at }} }} }}""", union=False)
    with store.reading():
        lines = sorted(" ".join(str(row[v]) for v in ("article", "order", "sha", "at"))
                       for row in rows)
        for graph in _foreign_graphs(store, iris):
            count = sum(1 for _ in store.ox.quads_for_pattern(None, None, None, graph))
            lines.append(f"{graph} {count}")
    for line in lines:
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def _current(staging: Path, iris: Iris) -> bool:
    """Whether what an interrupted rebuild left was built by the running model."""
    try:
        with Store(staging, write=True) as built:
            return model_status(built, iris).stale == 0
    except KgloadError:  # not a store any more (damaged, half made): start again
        return False


def finish(report: ReindexReport) -> None:
    """Delete the old store's folder after a rebuild replaced it (its store closed)."""
    if report.replaced is not None and report.replaced.exists():
        shutil.rmtree(report.replaced)


def _made_by_kgload(iris: Iris, name: str) -> bool:
    """A graph that a load writes (an article's, the shared and background ones)."""
    if iris.article_id_of_graph(name) is not None:
        return True
    return name in {str(g) for g in (*iris.shared_graphs, *iris.background_graphs,
                                      iris.store_graph)}


def _foreign_graphs(store: Store, iris: Iris) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The default graph and the named graphs kgload does not write (an import's)."""
    graphs: list[ox.NamedNode | ox.DefaultGraph] = [ox.DefaultGraph()]
    return graphs + [ox.NamedNode(n) for n in store.graph_names()
                     if not _made_by_kgload(iris, n)]


def _copy_foreign_graphs(old: Store, new: Store, iris: Iris, batch: int = 10_000) -> int:
    """Copy the default graph and the graphs kgload does not write (an import's) as they
    are, replacing what an earlier, interrupted run copied; returns the quads copied."""
    copied = 0
    for graph in _foreign_graphs(old, iris):
        if isinstance(graph, ox.DefaultGraph):
            new.ox.clear_graph(graph)
        elif new.ox.contains_named_graph(graph):
            new.ox.remove_graph(graph)
        for quads in batches(old.ox.quads_for_pattern(None, None, None, graph), batch):
            new.ox.extend(quads)
            copied += len(quads)
    return copied

