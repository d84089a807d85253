"""Query contracts: each stored query's examples, run against a store and checked.

An example says: with these parameters, the query returns rows matching these (on the
columns given), none matching the ``absent`` ones, and, if ``count`` is given, exactly
that many rows. ``kgload check`` runs them all, against the bundled example data or a
store of the user's, so anyone who writes queries can keep them honest in CI.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import KgloadError
from .mapping import Iris
from .queries import Example, StoredQuery, bind, run
from .resources import data_dir
from .store import Store


@dataclass
class ContractResult:
    """The outcome of one example of one query."""

    query: str
    number: int
    params: dict[str, str]
    problems: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def holds(self) -> bool:
        return not self.problems


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _matches(expected: dict[str, str], row: dict[str, str]) -> bool:
    return all(row.get(column) == value for column, value in expected.items())


def check_example(store: Store, query: StoredQuery, number: int, example: Example,
                  iris: Iris) -> ContractResult:
    """Run one example and say what does not hold (an error is a problem, not a crash)."""
    outcome = ContractResult(query.name, number, example.params)
    try:
        result = run(store, bind(query, example.params, store, iris))
    except KgloadError as exc:
        outcome.problems.append(f"the query fails: {exc.message}")
        return outcome
    if result.boolean is not None or result.triples is not None:
        outcome.problems.append("contracts are for SELECT queries")
        return outcome
    rows = [{v: _text(cell) for v, cell in zip(result.variables, row, strict=True)}
            for row in result.rows]
    outcome.rows = len(rows)
    columns = set(result.variables)
    for expected in (*example.rows, *example.absent):
        unknown = sorted(set(expected) - columns)
        if unknown:
            outcome.problems.append(f"no column {', '.join(unknown)} in the result "
                                    f"(columns: {', '.join(result.variables)})")
            return outcome
    for expected in example.rows:
        if not any(_matches(expected, row) for row in rows):
            outcome.problems.append(f"missing row {expected}")
    for unwanted in example.absent:
        if any(_matches(unwanted, row) for row in rows):
            outcome.problems.append(f"unwanted row {unwanted}")
    if example.count is not None and example.count != len(rows):
        outcome.problems.append(f"{len(rows)} rows, expected {example.count}")
    return outcome


def check_queries(store: Store, queries: dict[str, StoredQuery],
                  iris: Iris | None = None) -> list[ContractResult]:
    """Every example of every query; a query without examples is itself a failure."""
    iris = iris or Iris()
    results = []
    for name, query in sorted(queries.items()):
        if not query.examples:
            results.append(ContractResult(name, 0, {}, ["the query has no examples "
                                                       "(add `#+ examples:` to its header)"]))
        for number, example in enumerate(query.examples, start=1):
            results.append(check_example(store, query, number, example, iris))
    return results


@contextmanager
def example_store(iris: Iris | None = None) -> Iterator[Store]:
    """A temporary store holding the bundled example facts (deleted afterwards)."""
    from .pipeline import load

    folder = Path(tempfile.mkdtemp(prefix="kgload-examples-"))
    try:
        with Store(folder / "store", write=True) as store:
            report = load(store, [data_dir("examples")], iris)
            if report.rejected:
                problems = "; ".join(f.format() for o in report.rejected for f in o.findings)
                raise KgloadError(f"the bundled examples do not load: {problems}")
        with Store(folder / "store", write=False) as store:
            yield store
    finally:
        shutil.rmtree(folder, ignore_errors=True)
