"""Query contracts: each stored query's examples, run against a store and checked.

An example (``#+ examples:`` in a query's header) gives parameters and what the query
returns with them on the bundled example data (the facts files directly in ``examples/``;
its subfolders, such as the PETRARCH-2 corpus ``examples/petrarch/``, are other examples
that the contracts do not read): ``rows`` it must return
(each matches some result row on the columns it lists), ``absent`` rows it must not
return, and ``count``, the number of rows. ``kgload check`` runs them all, against the
bundled example data or, with ``--store``, a store of the user's, so anyone who writes
queries can keep them honest in CI.

What an example guarantees, and so what is checked, depends on the store:

- **The store holds exactly the bundled examples** (``kgload check`` without
  ``--store``, or a store into which only they were loaded): every listed row is
  there, cell for cell; no ``absent`` row is; ``count`` is the exact number of rows.
- **The store holds more** (the examples and other articles): the contract must hold
  on any store that contains the examples, so it checks only what more data cannot
  take away. Every listed row is still there; a column the query joins from several
  values (``GROUP_CONCAT``, such as aliases or whom the article credits) matches when
  the listed values are among the cell's, since other articles may add to them;
  ``count`` is a lower bound; ``absent`` rows are not checked, since another article
  may report just such a fact. A store that lacks the examples fails the contracts.

Which case applies is decided from the articles the store holds
(:func:`holds_only_the_examples`); ``check_queries(..., exact=...)`` forces one.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import InternalError, KgloadError
from .iris import Iris
from .queries import Example, StoredQuery, bind, run, where_brace
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
    exact: bool = True  # checked as on the bundled examples alone (see the module doc)

    @property
    def holds(self) -> bool:
        return not self.problems


def _text(value: Any) -> str:
    return "" if value is None else str(value)


_PROJECTED = re.compile(r"\bAS\s+\?(\w+)\s*\)", re.IGNORECASE)
_QUOTED = r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_SEPARATOR = re.compile(r"GROUP_CONCAT\s*\(.*?separator\s*=\s*" + _QUOTED,
                        re.IGNORECASE | re.DOTALL)


def list_columns(query: StoredQuery) -> dict[str, str]:
    """The columns the query joins from several values, with their separators.

    ``(GROUP_CONCAT(DISTINCT ?alias; separator="; ") AS ?aliases)`` gives
    ``{"aliases": "; "}``; a GROUP_CONCAT without a separator joins with a space.
    """
    try:
        head = query.sparql[:where_brace(query.sparql)]
    except KgloadError:
        return {}
    found: dict[str, str] = {}
    at = 0
    for match in _PROJECTED.finditer(head):
        expression = head[at:match.start()]
        at = match.end()
        if not re.search(r"GROUP_CONCAT\s*\(", expression, re.IGNORECASE):
            continue
        separator = _SEPARATOR.search(expression)
        found[match.group(1)] = (re.sub(r"\\(.)", r"\1", separator.group(1)[1:-1])
                                 if separator else " ")
    return found


def _matches(expected: dict[str, str], row: dict[str, str],
             lists: dict[str, str] | None = None) -> bool:
    """Whether ``row`` has the expected cells; with ``lists``, a listed value of a joined
    column matches when its items are among the cell's (the superset reading)."""
    for column, value in expected.items():
        cell = row.get(column)
        if cell == value:
            continue
        separator = (lists or {}).get(column)
        if separator is None or cell is None:
            return False
        if not set(_items(value, separator)) <= set(_items(cell, separator)):
            return False
    return True


def _items(text: str, separator: str) -> list[str]:
    return text.split(separator) if text else []


def check_example(store: Store, query: StoredQuery, number: int, example: Example,
                  iris: Iris, *, exact: bool = True) -> ContractResult:
    """Run one example and say what does not hold (an error is a problem, not a crash).

    ``exact``: the store holds only the bundled examples (rows cell for cell, absent
    rows, exact count); else what the example guarantees on a larger store (see the
    module doc).
    """
    outcome = ContractResult(query.name, number, example.params, exact=exact)
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
    lists = None if exact else list_columns(query)
    for expected in example.rows:
        if not any(_matches(expected, row, lists) for row in rows):
            outcome.problems.append(f"missing row {expected}")
    if exact:
        for unwanted in example.absent:
            if any(_matches(unwanted, row) for row in rows):
                outcome.problems.append(f"unwanted row {unwanted}")
    if example.count is not None:
        if exact and example.count != len(rows):
            outcome.problems.append(f"{len(rows)} rows, expected {example.count}")
        elif not exact and len(rows) < example.count:
            outcome.problems.append(f"{len(rows)} rows, expected at least {example.count} "
                                    "(the store holds more than the examples)")
    return outcome


def check_queries(store: Store, queries: dict[str, StoredQuery],
                  iris: Iris | None = None, *, exact: bool | None = None
                  ) -> list[ContractResult]:
    """Every example of every query; a query without examples is itself a failure.

    ``exact=None`` decides from the store: exact checks when it holds the bundled
    examples and nothing else, else the checks that hold on any store containing them.
    """
    iris = iris or Iris()
    if exact is None:
        exact = holds_only_the_examples(store)
    results = []
    for name, query in sorted(queries.items()):
        if not query.examples:
            results.append(ContractResult(name, 0, {}, ["the query has no examples "
                                                       "(add `#+ examples:` to its header)"],
                                          exact=exact))
        for number, example in enumerate(query.examples, start=1):
            results.append(check_example(store, query, number, example, iris, exact=exact))
    return results


def example_files() -> list[Path]:
    """The bundled example data: the facts files directly in ``examples/``.

    Its subfolders hold other corpora (``examples/petrarch/``) whose articles would change
    the contracts' rows and counts, so they are not read.
    """
    from .pipeline import FACTS_SUFFIXES

    return sorted(p for p in data_dir("examples").iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in FACTS_SUFFIXES)


@cache
def example_article_ids() -> frozenset[str]:
    """The ids of the articles of the bundled examples (:func:`example_files`)."""
    from .facts import FactsFile, read_documents
    from .pipeline import expand_paths

    ids = set()
    for path, refused in expand_paths(example_files()):
        if refused is not None:
            continue
        for document in read_documents(path):
            article = document.data.get("article") if (
                isinstance(document, FactsFile) and isinstance(document.data, dict)) else None
            if isinstance(article, dict) and isinstance(article.get("id"), str):
                ids.add(article["id"])
    return frozenset(ids)


def holds_only_the_examples(store: Store) -> bool:
    """Whether the store's articles are exactly those of the bundled examples."""
    return store.article_ids() == example_article_ids()


@contextmanager
def example_store(iris: Iris | None = None) -> Iterator[Store]:
    """A temporary store holding the bundled example facts (deleted afterwards)."""
    from .pipeline import load

    folder = Path(tempfile.mkdtemp(prefix="kgload-examples-"))
    try:
        with Store(folder / "store", write=True) as store:
            report = load(store, example_files(), iris)
            if report.rejected:
                problems = "; ".join(f.format() for o in report.rejected for f in o.findings)
                raise InternalError(f"the bundled examples do not load: {problems}")
        with Store(folder / "store", write=False) as store:
            yield store
    finally:
        shutil.rmtree(folder, ignore_errors=True)
