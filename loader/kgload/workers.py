"""Preparing articles in this process or in N worker processes (``load --jobs N``).

Check, map, reason and validate are pure functions of a parsed facts file, so they can
run anywhere; the store is written only by the main process, in input order. Each
worker warms up once (ontology, registry closure, compiled rules, shapes) and ignores
Ctrl-C: the main process decides when to stop.

Workers are started with the "spawn" method (a fresh interpreter, not a fork), so they
hold none of the main process's open files: not the store's lock file (a forked worker
kept its ``flock`` and, outliving a killed parent, the store stayed locked for good),
nor the store's database files. They die with the main process: on Linux the kernel
kills them when it dies (``PR_SET_PDEATHSIG``), elsewhere a watchdog thread notices
that their parent is gone. Their standard output is not the caller's (results come back
through the pool), so a ``kgload load ... | tee log`` sees its end as soon as the main
process is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import Finding, InputRejected
from .facts import FactsFile
from .iris import Iris
from .outcomes import STAGES, Ready, Timer
from .prepare import prepare

T = TypeVar("T")


@dataclass(frozen=True)
class Preparation:
    """What preparing one article gave: ``ready`` to commit, or the ``findings`` that
    reject it; and the seconds spent in each stage (small and picklable)."""

    ready: Ready | None
    findings: list[Finding]
    seconds: dict[str, float]


def prepare_task(facts: FactsFile, base: str, reasoner: str,
                 known: dict[str, Any] | None = None, validator: str = "sparql"
                 ) -> Preparation:
    """Prepare one article; never raises for bad input (findings are returned).

    ``known``: the entities declared elsewhere that the file names (see ``prepare``).
    """
    seconds = dict.fromkeys(STAGES, 0.0)
    iris = Iris(base)
    try:
        prepared = prepare(facts, iris, Timer(seconds), reasoner=reasoner, known=known,
                           validator=validator)
    except InputRejected as exc:
        return Preparation(None, exc.findings, seconds)
    return Preparation(prepared.ready(iris), [], seconds)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCHDOG_SECONDS = 0.5  # how often a worker checks that its parent is alive (non-Linux)


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends (even by SIGKILL)."""
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the line above: nobody would kill us
        os._exit(1)

    def watch() -> None:  # the fallback where there is no prctl (or it failed)
        while os.getppid() == parent:
            time.sleep(WATCHDOG_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="kgload-parent-watchdog", daemon=True).start()


def _quiet_stdout() -> None:
    """Point this worker's standard output away from the caller's (a pipe, a terminal)."""
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _warm(base: str, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    _quiet_stdout()
    from .background import background
    from .fastreason import compiled_for
    from .ontology import shapes_graph

    compiled_for(background(Iris(base)))
    shapes_graph()


class _InProcess:
    def __init__(self, base: str, reasoner: str, validator: str) -> None:
        self.base, self.reasoner, self.validator = base, reasoner, validator

    def submit(self, facts: FactsFile, known: dict[str, Any] | None = None) -> Future[Preparation]:
        future: Future[Preparation] = Future()
        future.set_result(prepare_task(facts, self.base, self.reasoner, known, self.validator))
        return future

    def run(self, task: Callable[..., T], *args: Any) -> Future[T]:
        """Any picklable task (``kgload prepare`` runs its own per-article task here)."""
        future: Future[T] = Future()
        future.set_result(task(*args))
        return future


class _Pool:
    def __init__(self, executor: ProcessPoolExecutor, base: str, reasoner: str,
                 validator: str) -> None:
        self.executor, self.base, self.reasoner = executor, base, reasoner
        self.validator = validator

    def submit(self, facts: FactsFile, known: dict[str, Any] | None = None) -> Future[Preparation]:
        return self.executor.submit(prepare_task, facts, self.base, self.reasoner, known,
                                    self.validator)

    def run(self, task: Callable[..., T], *args: Any) -> Future[T]:
        return self.executor.submit(task, *args)


@contextmanager
def preparer(jobs: int, iris: Iris, reasoner: str, validator: str = "sparql"
             ) -> Iterator[_InProcess | _Pool]:
    """Something with ``submit(facts) -> Future[Preparation]``: in process, or a process pool."""
    if jobs <= 1:
        yield _InProcess(iris.base, reasoner, validator)
        return
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(
        "spawn"), initializer=_warm, initargs=(iris.base, os.getpid()))
    try:
        _start(executor, jobs)
        yield _Pool(executor, iris.base, reasoner, validator)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _started() -> int:
    return os.getpid()


def _start(executor: ProcessPoolExecutor, jobs: int) -> None:
    """Start every worker now, from this thread, with Ctrl-C ignored from their first line.

    A spawned interpreter keeps an ignored SIGINT ignored, so a Ctrl-C while a worker is
    still importing cannot print its traceback. ``PR_SET_PDEATHSIG`` fires when the
    thread that started the worker ends: this one lives as long as the pool. A Ctrl-C
    that arrives during these few milliseconds is lost (the next one counts).
    """
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        for _ in range(jobs):  # each submit starts a worker while none is idle
            executor.submit(_started)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
