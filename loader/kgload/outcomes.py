"""What a load or validate run produces: per-file outcomes, the report, the stage timer,
and an article prepared for the commit (parted into its own graphs and its claims)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from rdflib import Graph

from .background import background
from .check import CheckedFacts
from .entities import Split, split
from .errors import Finding, InputRejected
from .facts import FactsFile
from .iris import Iris
from .mapping import Mapped

STAGES = ("parse", "check", "map", "reason", "validate", "write")


@dataclass
class Prepared:
    """An article that passed every stage, ready to commit."""

    facts: FactsFile
    checked: CheckedFacts
    mapped: Mapped
    inferred: Graph
    context: frozenset[Any] = frozenset()  # entities used, declared elsewhere

    @property
    def article_id(self) -> str:
        return self.checked.article_id

    def ready(self, iris: Iris) -> Ready:
        """What the commit needs, and nothing else (small, picklable across processes)."""
        parts = split(self.mapped.graph, self.inferred, iris, background(iris),
                      context=self.context)
        return Ready(self.article_id, self.facts.path, self.facts.sha256, parts, self.context)


@dataclass(frozen=True)
class Ready:
    """An article's graphs and the facts of its provenance, ready to be written."""

    article_id: str
    path: str
    sha256: str
    parts: Split
    context: frozenset[Any] = frozenset()  # entities it uses without declaring them

    @property
    def asserted(self) -> int:
        return len(self.parts.asserted) + len(self.parts.claims)

    @property
    def inferred(self) -> int:
        return len(self.parts.inferred) + len(self.parts.inferred_claims)


class Status(StrEnum):
    """What happened to one article of a ``load`` or ``validate`` run."""

    LOADED = "loaded"  # new in the store
    RELOADED = "reloaded"  # its file changed (or --force): replaced whole
    UNCHANGED = "unchanged"  # the same file, built by the same model: nothing to do
    REJECTED = "rejected"  # a finding stopped it; the store is as it was
    VALID = "valid"  # passed every check (validate: no store)
    PREPARED = "prepared"  # passed every check, written to shards (prepare: no store)


@dataclass
class Outcome:
    """What happened to one input file."""

    source: str
    status: Status
    article_id: str | None = None
    findings: list[Finding] = field(default_factory=list)
    asserted: int = 0
    inferred: int = 0
    notes: list[str] = field(default_factory=list)  # differences with other articles


@dataclass
class LoadReport:
    """The result of a ``load`` or ``validate`` run."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    interrupted: bool = False
    skipped: list[str] = field(default_factory=list)  # files in folders that are not facts

    def count(self, *statuses: Status) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status is Status.REJECTED]


class Timer:
    """Adds the time spent in each stage to a report: ``with timer("check"): ...``."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started


def rejected_source(path: Path, rejection: InputRejected) -> str:
    """Where a rejected article was: the file, or ``file:line`` in JSON Lines."""
    line = rejection.findings[0].line if rejection.findings else None
    return f"{path}:{line}" if path.suffix.lower() == ".jsonl" and line else str(path)
