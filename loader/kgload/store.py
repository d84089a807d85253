"""The persistent store: Oxigraph (pyoxigraph) in a directory, guarded by a file lock.

pyoxigraph refuses a second writer on the same directory but says reading while another
process writes is undefined; kgload coordinates at its own level with ``flock`` on
``kgload.lock`` inside the store directory: any number of readers, or one writer.

An article is in the store whole or not at all, even if the process dies mid-write: a
reloaded or removed article is one SPARQL update (``DROP SILENT GRAPH`` for each of its
graphs, then ``INSERT DATA``), which pyoxigraph applies atomically; new articles and
imports go in bulk batches (:meth:`Store.bulk_write`), which pyoxigraph does not make
atomic, so the graphs of a batch are named in a journal first and the next open drops
them if the batch did not finish (:meth:`Store._recover`).

A directory is a kgload store if it holds ``kgload.lock`` or Oxigraph's database files
(``CURRENT`` and a ``MANIFEST-*``); a store whose lock file was deleted gets a new one
(``Store.relocked`` says so). The lock file is opened non-inheritable and worker
processes are spawned, never forked with it (see ``workers``). A writer also holds
``kgload.intent`` while it waits for the lock and while it writes: ``flock`` grants new
shared locks while an exclusive one waits, so readers that come and go all the time
(``kgload serve``) would keep a writer out forever; they check :func:`writer_waiting`
before each read instead and step aside. Damaged database files
(truncated, overwritten, missing) raise :class:`StoreDamaged`, whether found on opening
or while reading.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .errors import StoreBusy, StoreDamaged, StoreError
from .terms import nt_line, to_ox
from .vocab import KG_IRI

LOCK_NAME = "kgload.lock"
# a writer holds it (exclusive) from before it asks for the lock until it is done, so that
# a reader that asks first (``kgload serve``) stops taking new reads: see writer_waiting
INTENT_NAME = "kgload.intent"
# how long a writer without --wait keeps asking for the intent lock (which readers that
# check it hold for an instant; another writer holds it for its whole run), and then for
# the store's lock (which such readers give up as soon as they see the intent)
_INTENT_PATIENCE = 1.0
JOURNAL_NAME = "kgload-journal.json"
# files of the database itself: if one is missing or unreadable, the store is damaged
_DATABASE_FILES = ("CURRENT", "MANIFEST-", ".sst", "OPTIONS-", ".log")
_MOVE_SLICE = 50_000  # quads of a staged graph copied at a time when an import commits


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (the last one shorter, none empty): quads are
    written a batch at a time, so that a large graph is never held whole."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def is_damage(exc: BaseException) -> bool:
    """Whether an error raised by the database says that its files are damaged.

    RocksDB reports a truncated or overwritten file as ``Corruption: ...`` (a
    ``RuntimeError`` from pyoxigraph), and a database file that has gone as an
    ``IO error: No such file or directory`` naming it. A full or read-only disk is not
    damage.
    """
    text = str(exc)
    if isinstance(exc, RuntimeError):
        return "Corruption" in text
    if isinstance(exc, FileNotFoundError):
        return "IO error" in text and any(name in text for name in _DATABASE_FILES)
    return False


def looks_like_store(path: Path) -> bool:
    """Whether ``path`` holds a kgload store (its lock file, or Oxigraph's database files)."""
    if (path / LOCK_NAME).exists():
        return True
    return (path / "CURRENT").is_file() and any(path.glob("MANIFEST-*"))


def writer_waiting(path: str | os.PathLike[str]) -> bool:
    """Whether a writer holds or waits for the store at ``path`` (its intent lock).

    A reader that checks this before each read and then opens the store only briefly
    lets a waiting writer in as soon as the reads under way end (``kgload serve``).
    """
    try:
        intent = open(Path(path) / INTENT_NAME, "rb")  # noqa: SIM115
    except OSError:
        return False  # no writer ever announced itself here (or it cannot be read)
    with intent:
        try:
            fcntl.flock(intent, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
        fcntl.flock(intent, fcntl.LOCK_UN)
    return False


def insert_data(graphs: Mapping[URIRef, Iterable[tuple[Any, Any, Any]]]) -> str:
    """``INSERT DATA`` for the given graphs, terms serialized as N-Triples (never pasted)."""
    parts = ["INSERT DATA {"]
    for name, graph in graphs.items():
        parts.append(f"GRAPH {to_ox(name)} {{")
        parts.extend(nt_line(t) for t in graph)
        parts.append("}")
    parts.append("}")
    return "\n".join(parts)


def replace_graphs_update(graphs: dict[URIRef, Graph], drop: Iterable[URIRef] = ()) -> str:
    """One atomic update: drop ``drop`` and every graph in ``graphs``, then insert them."""
    names = list(dict.fromkeys([*drop, *graphs]))
    drops = [f"DROP SILENT GRAPH {to_ox(name)}" for name in names]
    nonempty = {name: g for name, g in graphs.items() if len(g)}
    statements = drops + ([insert_data(nonempty)] if nonempty else [])
    return " ;\n".join(statements)


@dataclass(frozen=True)
class ArticleInfo:
    """What the store knows of a loaded article."""

    article_id: str
    iri: str
    source_file: str
    sha256: str
    loaded_at: str
    triples: int = 0


class Store:
    """A kgload store directory. Use as a context manager; ``write`` takes the writer lock."""

    def __init__(self, path: str | os.PathLike[str], *, write: bool, wait: bool = False) -> None:
        self.path = Path(path)
        self.write = write
        self.wait = wait
        self._lock_file: Any = None
        self._intent_file: Any = None
        self._store: ox.Store | None = None
        self.recovered: list[str] = []  # articles of an interrupted bulk write, rolled back
        self.relocked = False  # the lock file was missing and has been created again

    # ------------------------------------------------------------ opening and locking

    def __enter__(self) -> Store:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        exists = self.path.is_dir() and any(self.path.iterdir())
        if exists and not looks_like_store(self.path):  # never scatter a database into a folder
            raise StoreError(f"{self.path} is not a kgload store (a folder with other files "
                             "in it)" + ("; give --store a new or empty folder"
                                         if self.write else ""))
        if self.write:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store directory {self.path}: "
                                 f"{exc.strerror or exc}") from exc
        elif not exists:
            raise StoreError(f"there is no store at {self.path}: load facts first "
                             "(kgload load FILE), or give --store PATH")
        if not self.write and (self.path / JOURNAL_NAME).exists():
            with Store(self.path, write=True, wait=self.wait) as writer:
                # a writer's open finishes the interrupted load's rollback
                self.recovered, self.relocked = writer.recovered, writer.relocked
        self._lock()
        try:
            self._store = ox.Store(str(self.path)) if self.write else ox.Store.read_only(
                str(self.path))
        except (OSError, RuntimeError) as exc:
            self._unlock()
            if is_damage(exc):
                raise StoreDamaged(self.path, str(exc)) from exc
            if "LOCK" in str(exc) and "temporarily unavailable" in str(exc):
                # a process that holds the database without our lock file (it was deleted)
                raise StoreBusy(f"store is in use: {self.path} is open in another process; "
                                "try again") from None
            if isinstance(exc, RuntimeError):
                raise
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc
        if self.write:
            try:
                self.recovered = self._recover()
            except BaseException:
                self.close()
                raise

    def _lock(self) -> None:
        if self.write:
            self._announce()
        until = time.monotonic() + _INTENT_PATIENCE
        try:
            while True:
                try:
                    self._lock_main()
                    return
                except StoreBusy:
                    # readers that watch the intent (kgload serve) let go within a moment
                    if not self.write or time.monotonic() >= until:
                        raise
                time.sleep(0.02)
        except BaseException:
            self._withdraw()
            raise

    def _announce(self) -> None:
        """Take the intent lock (see ``writer_waiting``): readers that check it step aside."""
        try:
            self._intent_file = open(self.path / INTENT_NAME, "a+b")  # noqa: SIM115
        except OSError as exc:
            raise StoreError(f"cannot open the store's lock file {self.path / INTENT_NAME}: "
                             f"{exc.strerror or exc}") from exc
        until = time.monotonic() + _INTENT_PATIENCE
        while True:
            try:
                fcntl.flock(self._intent_file, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
                return
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    self._withdraw()
                    raise StoreError(f"cannot lock the store {self.path}: {exc}") from exc
                if time.monotonic() >= until:  # another writer holds it
                    self._withdraw()
                    raise StoreBusy(f"store is in use: {self.path} is being used by another "
                                    "kgload process; try again, or pass --wait") from None
                time.sleep(0.01)

    def _withdraw(self) -> None:
        intent, self._intent_file = self._intent_file, None
        if intent is not None:
            with suppress(OSError):
                fcntl.flock(intent, fcntl.LOCK_UN)
            intent.close()

    def _lock_main(self) -> None:
        lock_path = self.path / LOCK_NAME
        missing = not lock_path.exists()
        try:
            # readers open it read-only: a store on a read-only disk can still be read; a
            # reader re-creates a deleted lock file. open() gives a non-inheritable file.
            how = "a+b" if self.write or missing else "rb"
            self._lock_file = open(lock_path, how)  # noqa: SIM115
        except OSError as exc:
            raise StoreError(f"cannot open the store's lock file {lock_path}: "
                             f"{exc.strerror or exc}") from exc
        mode = fcntl.LOCK_EX if self.write else fcntl.LOCK_SH
        try:
            fcntl.flock(self._lock_file, mode | (0 if self.wait else fcntl.LOCK_NB))
        except OSError as exc:
            self._lock_file.close()
            self._lock_file = None
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                what = "written to" if not self.write else "used"
                raise StoreBusy(f"store is in use: {self.path} is being {what} by another "
                                "kgload process; try again, or pass --wait") from None
            raise StoreError(f"cannot lock the store {self.path}: {exc}") from exc
        if not self._lock_is_current(lock_path):
            # while this process waited, a rebuild or restore swapped another folder in
            # (the lock it got is the old folder's): lock the store that is there now
            self._unlock(keep_intent=True)
            self._lock_main()
            return
        if missing and any(n not in (LOCK_NAME, INTENT_NAME) for n in os.listdir(self.path)):
            self.relocked = True  # (a new store's lock file is not news)

    def _lock_is_current(self, lock_path: Path) -> bool:
        """Whether the locked file is still the store's lock file (not swapped away)."""
        try:
            there = os.stat(lock_path)
        except OSError:
            return False
        held = os.fstat(self._lock_file.fileno())
        return (there.st_dev, there.st_ino) == (held.st_dev, held.st_ino)

    def upgrade(self, *, wait: bool = True, stop: Callable[[], bool] | None = None,
                waiting: Callable[[], None] | None = None) -> bool:
        """Make this reader the writer: wait until the other readers are done (``wait``
        False: raise :class:`StoreBusy` if there are any), then open the database for
        writing (and finish an interrupted load, as any writer's open does).

        While it waits, ``waiting`` is called once, and ``stop`` is asked every 0.1 s:
        when it says so, the store is left closed and False returned.

        ``flock`` cannot turn a shared lock into an exclusive one atomically: another
        writer that was waiting may write between the two. A caller that read the store
        under the shared lock must check that what it read has not changed.
        """
        if self.write:
            return True
        self.close_database()
        self._unlock()
        self.write, waited = True, self.wait
        told = False
        try:
            while True:
                self.wait = wait and stop is None and waiting is None
                try:
                    self._lock()
                    break
                except StoreBusy:
                    if not wait:
                        raise
                if waiting is not None and not told:
                    waiting()
                    told = True
                if stop is not None and stop():
                    return False
                time.sleep(0.1)
        finally:
            self.wait = waited
        try:
            self._store = ox.Store(str(self.path))
            self.recovered += self._recover()
        except (OSError, RuntimeError) as exc:
            self.close()
            if is_damage(exc):
                raise StoreDamaged(self.path, str(exc)) from exc
            if isinstance(exc, RuntimeError):
                raise
            raise StoreError(f"cannot open the store at {self.path} for writing: {exc}"
                             ) from exc
        return True

    def _unlock(self, *, keep_intent: bool = False) -> None:
        if self._lock_file is not None:
            with suppress(OSError):
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
        if not keep_intent:
            self._withdraw()

    def close(self) -> None:
        self.close_database()
        self._unlock()

    def close_database(self) -> None:
        """Close the database but keep the lock: the folder may then be swapped for
        another (RocksDB writes by path, so an open database would write into the new
        folder: see ``kgload.backup.swap_in``)."""
        if self._store is not None:
            if self.write:
                with suppress(OSError):
                    self._store.flush()
            self._store = None
            gc.collect()  # the database closes when its last reference goes

    @property
    def ox(self) -> ox.Store:
        if self._store is None:
            raise StoreError("the store is not open")
        return self._store

    # ------------------------------------------------------------ writing

    def update(self, sparql: str) -> None:
        """Run one SPARQL update (atomic); I/O failures become :class:`StoreError`."""
        try:
            self.ox.update(sparql)
        except OSError as exc:
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc

    def flush(self) -> None:
        """Write what the database holds in memory (its memtables) to disk, freeing it."""
        try:
            self.ox.flush()
        except OSError as exc:
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc

    def replace_graphs(self, graphs: dict[URIRef, Graph], drop: Iterable[URIRef] = ()) -> None:
        self.update(replace_graphs_update(graphs, drop))

    # ------------------------------------------------------------ journaled bulk writes
    #
    # Oxigraph's bulk writer is several times faster than a transaction but not atomic.
    # Before a bulk write, the graphs it will create are listed in a journal (written and
    # fsynced first); the journal is removed once the write is flushed. A store opened
    # with a journal present had a bulk write interrupted: those graphs are dropped (in
    # one atomic update) before anything else, so every article is whole or absent.

    def bulk_write(self, articles: dict[str, list[URIRef]], quads: list[Any], *,
                   then: tuple[str, list[Any]] = ("", []), base: str | None = None,
                   more_to_come: bool = False) -> None:
        """Write new articles' quads (their graphs must not exist yet), crash-safely.

        ``then`` changes the shared graphs under ``base`` (the entities the articles
        speak of): an update that deletes, then quads to add; it runs after the bulk
        write, before the journal goes. If the process dies before, the next open drops
        the articles' graphs and rebuilds the shared graphs from the articles that remain.
        ``more_to_come``: the shared graphs are written by a later call (``load
        --prepared``); until then the journal stays and asks the next open for that rebuild.
        """
        if not quads:
            return
        graphs = [str(g) for names in articles.values() for g in names]
        self._write_journal({"articles": list(articles), "graphs": graphs, "base": base})
        try:
            self.ox.bulk_extend(quads)
            deletes, more = then
            if deletes:
                self.ox.update(deletes)
            if more:
                self.ox.bulk_extend(more)
            self.ox.flush()
        except OSError as exc:
            with suppress(OSError):  # if this fails too, the journal stays: next open rolls back
                self._rollback(graphs, base if any(then) else None)
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc
        if more_to_come:
            self._write_journal({"articles": [], "graphs": [], "base": base})
        else:
            self._clear_journal()

    def end_bulk_writes(self) -> None:
        """After bulk writes with ``more_to_come``: the run is whole, the journal goes."""
        self._clear_journal()

    def _write_journal(self, content: dict[str, Any]) -> None:
        path = self.path / JOURNAL_NAME
        tmp = path.with_suffix(".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(content, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            _fsync_dir(self.path)
        except OSError as exc:
            raise StoreError(f"cannot write the store's journal {path}: "
                             f"{exc.strerror or exc}") from exc

    def _clear_journal(self) -> None:
        (self.path / JOURNAL_NAME).unlink(missing_ok=True)
        _fsync_dir(self.path)

    def _rollback(self, graphs: list[str], base: str | None = None) -> None:
        if graphs:
            self.update(" ;\n".join(f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in graphs))
            self.ox.flush()
        if base:
            from .entities import rebuild_store  # the shared graphs follow the articles

            rebuild_store(self, base)
            self.ox.flush()
        self._clear_journal()

    def _recover(self) -> list[str]:
        path = self.path / JOURNAL_NAME
        if not path.exists():
            return []
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
            graphs, articles = list(content["graphs"]), list(content["articles"])
            base = content.get("base")
            if base is not None and not isinstance(base, str):
                raise TypeError("base is not a string")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"the store's journal {path} is unreadable ({exc}); the last "
                             "load was interrupted and cannot be rolled back safely") from exc
        self._roll_forward(content.get("moves", []))  # a committed import: finish it
        self._rollback(graphs, base)
        return articles

    # ------------------------------------------------------------ staged writes (import)
    #
    # An import writes graphs the store lacks under their names, and the new content of
    # graphs the store has under staging names; the journal lists both, so until the commit
    # a crash or failure drops them (the store is as before). The commit rewrites the
    # journal to list the moves (staging graph -> its target; "" is the default graph),
    # and from then on the next open finishes them: the import is applied whole.

    def begin_staged_write(self, articles: list[str], graphs: list[str],
                           base: str | None) -> None:
        """Journal the graphs a staged write creates: until the commit, recovery drops them."""
        self._write_journal({"articles": articles, "graphs": graphs, "base": base})

    def abort_staged_write(self, graphs: list[str], base: str | None) -> None:
        """Drop the graphs of an unfinished staged write and rebuild the shared graphs."""
        self._rollback(graphs, base)

    def commit_staged_write(self, moves: list[tuple[str, str]], base: str | None) -> None:
        """Journal the moves, then make each staging graph its target, rebuild, clear."""
        self._write_journal({"articles": [], "graphs": [], "base": base,
                             "moves": [list(m) for m in moves]})
        try:
            self._roll_forward(moves)
        except OSError as exc:  # the journal stays: the next open finishes the moves
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc
        self._rollback([], base)  # no graph to drop: the shared graphs are rebuilt, then clear

    def _roll_forward(self, moves: Iterable[Any]) -> None:
        """Each staging graph still there replaces its target (again, if a crash cut it)."""
        for staging_name, target_name in moves:
            staging = ox.NamedNode(staging_name)
            if not self.ox.contains_named_graph(staging):
                continue  # moved before the crash
            target: Any = ox.NamedNode(target_name) if target_name else ox.DefaultGraph()
            if target_name:  # the default graph is added to, a named graph replaced
                self.ox.update(f"DROP SILENT GRAPH {target}")
            moved = (ox.Quad(q.subject, q.predicate, q.object, target)
                     for q in self.ox.quads_for_pattern(None, None, None, staging))
            for batch in batches(moved, _MOVE_SLICE):  # a graph of a dump may be large
                self.ox.bulk_extend(batch)
            self.ox.flush()  # the copy is on disk before its source goes
            self.ox.update(f"DROP GRAPH {staging}")

    def compact(self) -> float:
        """Compact the store's files (RocksDB full compaction); returns the seconds it took.

        Many write batches leave the data spread over many files in several levels, and
        every index look-up of a query then probes each of them. After a large load,
        compaction makes the stored queries 2-3x faster (measured on stores of generated
        articles: ``README.md``, "What happens on load"). It changes no data, and a
        compaction cut short (even killed) leaves the store as it was.
        """
        started = time.perf_counter()
        try:
            self.ox.optimize()
            self.ox.flush()
        except OSError as exc:
            raise StoreError(f"cannot compact the store at {self.path}: {exc}") from exc
        return time.perf_counter() - started

    def drop_graphs(self, names: Iterable[URIRef]) -> None:
        statements = [f"DROP SILENT GRAPH {to_ox(n)}" for n in names]
        if statements:
            self.update(" ;\n".join(statements))

    # ------------------------------------------------------------ reading

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Database errors while reading become :class:`StoreDamaged` or :class:`StoreError`."""
        try:
            yield
        except (OSError, RuntimeError) as exc:
            if is_damage(exc):
                raise StoreDamaged(self.path, str(exc)) from exc
            if isinstance(exc, OSError):
                raise StoreError(f"cannot read the store at {self.path}: {exc}") from exc
            raise

    def query(self, sparql: str, *, union: bool = True) -> Any:
        with self.reading():
            return self.ox.query(sparql, use_default_graph_as_union=union)

    def value(self, graph: URIRef, subject: URIRef, predicate: URIRef) -> str | None:
        with self.reading():
            for quad in self.ox.quads_for_pattern(to_ox(subject), to_ox(predicate), None,
                                                  to_ox(graph)):
                term = quad.object
                return str(term.value) if hasattr(term, "value") else str(term)
        return None

    def graph_names(self) -> list[str]:
        with self.reading():
            return sorted(g.value for g in self.ox.named_graphs()
                          if isinstance(g, ox.NamedNode))

    def count(self, graph: URIRef | None = None) -> int:
        with self.reading():
            if graph is None:
                return len(self.ox)
            return sum(1 for _ in self.ox.quads_for_pattern(None, None, None, to_ox(graph)))

    def quads(self, graphs: Iterable[URIRef] | None = None) -> Iterator[Any]:
        with self.reading():
            if graphs is None:
                yield from self.ox.quads_for_pattern(None, None, None, None)
                return
            for name in graphs:
                yield from self.ox.quads_for_pattern(None, None, None, to_ox(name))

    def article_ids(self) -> set[str]:
        """The ids of the loaded articles (cheap: their provenance, no triple counts)."""
        rows = self.query(
            f"""PREFIX kg: <{KG_IRI}>
            SELECT ?article WHERE {{ GRAPH ?p {{ ?article kg:assertedGraph ?g }} }}""",
            union=False)
        with self.reading():
            return {_last_segment(row["article"].value) for row in rows}

    def articles(self) -> list[ArticleInfo]:
        """Loaded articles, from their provenance graphs."""
        rows = self.query(
            f"""PREFIX kg: <{KG_IRI}>
            SELECT ?article ?file ?sha ?at ?g WHERE {{
              GRAPH ?p {{ ?article kg:sourceSha256 ?sha ; kg:sourceFile ?file ;
                          kg:loadedAt ?at ; kg:assertedGraph ?g }} }}
            ORDER BY ?article""",
            union=False,
        )
        out = []
        with self.reading():
            rows = list(rows)
        for row in rows:
            iri = row["article"].value
            graph = row["g"]
            out.append(ArticleInfo(
                article_id=_last_segment(iri),
                iri=iri,
                source_file=row["file"].value,
                sha256=row["sha"].value,
                loaded_at=row["at"].value,
                triples=self.count(URIRef(graph.value)),
            ))
        return out


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _last_segment(iri: str) -> str:
    return unquote(iri.rstrip("/").rsplit("/", 1)[-1])

