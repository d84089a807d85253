"""Evaluation that the caller can abandon: a worker thread feeds items to the caller.

pyoxigraph evaluates a query in Rust. It releases the GIL while it does, but neither
``Store.query`` (which computes aggregates and ORDER BY at once) nor ``next()`` on the
solutions returns to Python until it is done, so Python's signal handlers do not run
meanwhile: measured with pyoxigraph 0.5.13, a SIGALRM due after 0.5 s was handled only
when a 2 s ``COUNT(*)`` returned, and never during a ``next()`` that scanned for 60 s.
Ctrl-C, or a deadline, cannot stop a query evaluated in the caller's thread.

So :class:`Feed` evaluates in a daemon worker thread, and the caller's thread waits for
its items in slices of :data:`WAIT_SLICE` seconds: a KeyboardInterrupt reaches the caller
within a slice, and a deadline is checked after each. The worker cannot be stopped
inside a Rust call; it is told to stop, and does so as soon as it hands over its next
item (in the CLI the process exits first). No signal handler is installed here: only
the CLI decides what Ctrl-C does.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .errors import QueryTimeout

T = TypeVar("T")

WAIT_SLICE = 0.1  # seconds the caller waits for items before it checks again
BUFFERED = 10_000  # items the worker may hold before the caller takes them
# items that wake a waiting caller before its slice ends: waking it for each row costs
# two thread switches a row (40,000 rows: 6 s instead of 3.5 s), and a row waits at most
# a slice anyway
WAKE_AT = 1_000


class _Abandoned(BaseException):
    """Raised in the worker when the caller stopped reading (not an error to report)."""


def _forget_locals(exc: BaseException) -> None:
    """Clear the worker's frames in an exception's tracebacks, keeping the lines.

    pyoxigraph's solutions may only be freed in the thread that made them (else a
    RuntimeError, "unsendable, but is being dropped on another thread"): the reader must
    not end up holding them through the frames of an error it re-raises.
    """
    pending: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        pending += [error.__cause__, error.__context__]


class Feed(Generic[T]):
    """Items produced by ``produce(emit)`` in a worker thread, read in batches as they come.

    ``timeout`` (seconds) bounds the whole run, from the start until the last item is
    read: past it, reading raises :class:`QueryTimeout` and the worker is told to stop.
    An exception raised by ``produce`` is raised again in the reader's thread. Use it as
    a context manager (or call :meth:`close`) so that a reader who stops early stops
    the worker too::

        with Feed(lambda emit: [emit(n) for n in range(3)]) as feed:
            items = [n for batch in feed for n in batch]
    """

    def __init__(self, produce: Callable[[Callable[[T], None]], None], *,
                 timeout: float | None = None, buffered: int = BUFFERED) -> None:
        if timeout is not None and not timeout > 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.timeout = timeout
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._buffered = buffered
        self._ready = threading.Condition()
        self._items: list[T] = []
        self._done = False
        self._stopped = False
        self._error: BaseException | None = None
        self._reader_waits = False  # the reader is waiting for items: wake it
        self._thread = threading.Thread(target=self._work, args=(produce,),
                                        name="kgload-query", daemon=True)
        self._thread.start()

    def _work(self, produce: Callable[[Callable[[T], None]], None]) -> None:
        try:
            produce(self._emit)
        except _Abandoned:
            pass
        except BaseException as exc:  # handed to the reader, who reports it
            _forget_locals(exc)
            with self._ready:
                self._error = exc
        finally:
            with self._ready:
                self._done = True
                self._ready.notify_all()

    def _emit(self, item: T) -> None:
        with self._ready:
            while len(self._items) >= self._buffered and not self._stopped:
                self._ready.wait(WAIT_SLICE)
            if self._stopped:
                raise _Abandoned
            self._items.append(item)
            if self._reader_waits and len(self._items) >= WAKE_AT:
                self._ready.notify_all()

    def _late(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def __iter__(self) -> Iterator[list[T]]:
        """Batches of items as the worker makes them (an item waits at most a slice)."""
        try:
            while True:
                with self._ready:
                    while not self._items and not self._done:
                        if self._late():
                            raise QueryTimeout(self._timeout_message(), seconds=self.timeout)
                        self._reader_waits = True
                        self._ready.wait(WAIT_SLICE)
                        self._reader_waits = False
                    items, self._items = self._items, []
                    done, error = self._done, self._error
                    self._ready.notify_all()
                if not done and self._late():
                    raise QueryTimeout(self._timeout_message(), seconds=self.timeout)
                if items:
                    yield items
                if done:
                    if error is not None:
                        raise error
                    return
        finally:
            self.close()

    def _timeout_message(self) -> str:
        return f"the query was stopped: it ran past its time limit of {self.timeout:g} s"

    def close(self) -> None:
        """Tell the worker to stop (it does so when it next hands over an item)."""
        with self._ready:
            self._stopped = True
            self._items = []
            self._ready.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the worker to end; whether it has.

        A stopped worker ends when it next hands over an item, or when the Rust call it
        is in returns: until then it still reads the store (``kgload serve`` keeps its
        read lock until this says so).
        """
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> Feed[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
