"""Short read sessions on a store shared with loads: how ``kgload serve`` reads.

The store allows several readers or one writer (``flock`` on ``kgload.lock``), and reading
a pyoxigraph store opened read-only while another process writes is undefined. A server
that kept the store open would lock every load out for as long as it runs; one that
opened it for each request would pay about 35 ms an open. So :class:`ReadGate` opens it
read-only when a request comes, shares that one open store among the requests under way,
and closes it (letting go of the lock) once no request has used it for ``linger``
seconds, or at once when a writer has announced itself (:func:`kgload.store.writer_waiting`).

While a writer waits or writes, no new read starts: :meth:`ReadGate.reading` raises
:class:`~kgload.errors.StoreBusy` (the server answers 503 with ``Retry-After``), so a load
waits only for the reads under way, and a request never waits for a load. A reader only
ever sees the store between two writers' runs, so it sees every article whole.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import StoreBusy
from .store import Store, writer_waiting

BUSY_MESSAGE = ("the store is being written (a load, or another writer, is under way); "
                "try again in a moment")


class ReadGate:
    """Read access to the store at ``path`` for many threads, never in a writer's way."""

    def __init__(self, path: str | Path, *, linger: float = 0.5) -> None:
        self.path = Path(path)
        self.linger = linger
        self._cond = threading.Condition()
        self._store: Store | None = None
        self._users = 0
        self._idle_since = 0.0
        self._writing = False  # this process writes (kgload serve --allow-update)
        self._closed = False
        self._janitor: threading.Thread | None = None

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """The open store, for one request; :class:`StoreBusy` while a writer waits."""
        store = self.enter()
        try:
            yield store
        finally:
            self.leave()

    def enter(self) -> Store:
        """Start a read (pair it with :meth:`leave`); see :meth:`reading`."""
        if writer_waiting(self.path):
            raise StoreBusy(BUSY_MESSAGE)
        with self._cond:
            if self._writing or self._closed:
                raise StoreBusy(BUSY_MESSAGE)
            if self._store is None:
                store = Store(self.path, write=False, wait=False)
                try:
                    store.open()
                except StoreBusy:
                    raise StoreBusy(BUSY_MESSAGE) from None
                self._store = store
                self._start_janitor()
            self._users += 1
            return self._store

    def leave(self) -> None:
        """End a read started by :meth:`enter`."""
        with self._cond:
            self._users -= 1
            if self._users == 0:
                self._idle_since = time.monotonic()
                self._cond.notify_all()

    def _start_janitor(self) -> None:
        if self._janitor is None or not self._janitor.is_alive():
            self._janitor = threading.Thread(target=self._sweep, name="kgload-readgate",
                                             daemon=True)
            self._janitor.start()

    def _sweep(self) -> None:
        """Close the idle store after ``linger`` s, or as soon as a writer waits."""
        while True:
            time.sleep(min(0.05, self.linger or 0.05))
            waiting = writer_waiting(self.path)
            with self._cond:
                if self._store is None:
                    self._janitor = None
                    return
                idle = self._users == 0
                if idle and (waiting or self._closed
                             or time.monotonic() - self._idle_since >= self.linger):
                    self._close_store()

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    @contextmanager
    def writing(self, *, timeout: float = 10.0) -> Iterator[Store]:
        """The store open for writing, once the reads under way here are done.

        New reads get :class:`StoreBusy` meanwhile; another process's reader or writer
        makes it :class:`StoreBusy` too (after ``timeout`` s for this process's reads).
        """
        with self._cond:
            if self._writing:
                raise StoreBusy(BUSY_MESSAGE)
            self._writing = True
            try:
                if not self._cond.wait_for(lambda: self._users == 0, timeout):
                    raise StoreBusy("the store is being read by requests that have not "
                                    "ended; try again in a moment")
                self._close_store()
            except BaseException:
                self._writing = False
                raise
        try:
            with Store(self.path, write=True, wait=False) as store:
                yield store
        finally:
            with self._cond:
                self._writing = False

    def close(self) -> None:
        """Stop reading: new reads are refused, the store closes when the last one ends."""
        with self._cond:
            self._closed = True
            if self._users == 0:
                self._close_store()
