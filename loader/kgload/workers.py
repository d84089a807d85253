"""Preparing articles in this process or in N worker processes (``load --jobs N``).

Check, map, reason and validate are pure functions of a parsed facts file, so they can
run anywhere; the store is written only by the main process, in input order. Each
worker warms up once (ontology, registry closure, compiled rules, shapes) and ignores
Ctrl-C: the main process decides when to stop.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from .errors import Finding, InputRejected
from .facts import FactsFile
from .mapping import Iris

# (status, payload, seconds per stage): ("ready", Ready, {...}) or ("rejected", [Finding], {...})
Result = tuple[str, Any, dict[str, float]]


def prepare_task(facts: FactsFile, base: str, reasoner: str,
                 known: dict[str, Any] | None = None) -> Result:
    """Prepare one article; never raises for bad input (findings are returned).

    ``known``: the entities declared elsewhere that the file names (see ``prepare``).
    """
    from .pipeline import STAGES, _Timer, prepare

    seconds = dict.fromkeys(STAGES, 0.0)
    iris = Iris(base)
    try:
        prepared = prepare(facts, iris, _Timer(seconds), reasoner=reasoner, known=known)
    except InputRejected as exc:
        findings: list[Finding] = exc.findings
        return "rejected", findings, seconds
    return "ready", prepared.ready(iris), seconds


def _warm(base: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .fastreason import compiled_for
    from .ontology import shapes_graph
    from .reasoning import background

    compiled_for(background(Iris(base)))
    shapes_graph()


class _InProcess:
    def __init__(self, base: str, reasoner: str) -> None:
        self.base, self.reasoner = base, reasoner

    def submit(self, facts: FactsFile, known: dict[str, Any] | None = None) -> Future[Result]:
        future: Future[Result] = Future()
        future.set_result(prepare_task(facts, self.base, self.reasoner, known))
        return future


class _Pool:
    def __init__(self, executor: ProcessPoolExecutor, base: str, reasoner: str) -> None:
        self.executor, self.base, self.reasoner = executor, base, reasoner

    def submit(self, facts: FactsFile, known: dict[str, Any] | None = None) -> Future[Result]:
        return self.executor.submit(prepare_task, facts, self.base, self.reasoner, known)


@contextmanager
def preparer(jobs: int, iris: Iris, reasoner: str) -> Iterator[_InProcess | _Pool]:
    """Something with ``submit(facts) -> Future[Result]``: in process, or a process pool."""
    if jobs <= 1:
        yield _InProcess(iris.base, reasoner)
        return
    executor = ProcessPoolExecutor(max_workers=jobs, initializer=_warm, initargs=(iris.base,))
    try:
        yield _Pool(executor, iris.base, reasoner)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
