"""benchmarks/query_bench.py --quick: every stored query is in the table; never its timings.

The machine running the tests is shared and noisy, so nothing here asserts a duration: only
that the run exits 0, that its table has a row for every stored query (each with a number
or a reported timeout / out of memory / error), that the targets are checked, and that
``--results`` writes its section of a Markdown file.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kgload.queries import load_queries

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "query_bench.py"
COLUMNS = ["articles", "query", "params", "rows", "bind s", "first page s", "full s",
           "CLI wall s", "peak RSS MB", "TDB2 s", "kgload/TDB2", "notes"]
TIMED = ("bind s", "first page s", "full s", "CLI wall s")
REPORTED = re.compile(r"[0-9][0-9,.]*|timeout|out of memory|error|skipped|—")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kgload_query_bench", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    work = tmp_path_factory.mktemp("query-bench")
    results = work / "RESULTS.md"
    results.write_text("# Results\n\nNotes kept outside the markers.\n", encoding="utf-8")
    command = [sys.executable, str(SCRIPT), "--quick", "--out", str(work / "out"),
               "--results", str(results)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=work)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, results


def _cases(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.startswith("| articles |")]
    assert len(lines) == 1, "one case table"
    start = text.splitlines().index(lines[0])
    rows = []
    for line in text.splitlines()[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == len(COLUMNS), line
        rows.append(dict(zip(COLUMNS, cells, strict=True)))
    return rows


def test_table_names_every_stored_query(run: tuple[str, Path]) -> None:
    stdout, _ = run
    header = next(line for line in stdout.splitlines() if line.startswith("| articles |"))
    assert [c.strip() for c in header.strip("|").split("|")] == COLUMNS
    rows = _cases(stdout)
    queries, _ = load_queries()
    assert {r["query"] for r in rows} == set(queries)
    for row in rows:
        assert row["articles"] == "12", row
        if row["notes"].startswith("not run"):
            continue
        for column in TIMED:
            assert REPORTED.fullmatch(row[column]), (column, row)
        assert row["TDB2 s"] == "n/a", "quick mode runs no Jena"


def test_cases_cover_actors_and_windows(run: tuple[str, Path]) -> None:
    rows = _cases(run[0])
    queries, _ = load_queries()
    for name, query in queries.items():
        shown = [r["params"] for r in rows if r["query"] == name]
        required = [p for p in query.params if p.required and p.default is None]
        if not required:
            assert "default" in shown, (name, shown)
        if any(p.type in ("actor", "entity") for p in required):
            assert any("(top 1:" in s for s in shown), (name, shown)
            assert any("(no events)" in s for s in shown), (name, shown)
        if any(p.type == "date" for p in query.params):
            assert any("month:" in s for s in shown), (name, shown)


def test_targets_are_checked(run: tuple[str, Path]) -> None:
    stdout, _ = run
    assert "Targets at the largest store (12 articles):" in stdout
    verdicts = re.findall(r"^\| (.+?) \| (PASS|FAIL|SKIP) \|", stdout, re.MULTILINE)
    assert len(verdicts) == 5, verdicts
    assert verdicts[-1][1] == "SKIP"  # no Jena in quick mode


def test_results_file_keeps_the_rest(run: tuple[str, Path]) -> None:
    stdout, results = run
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Results\n\nNotes kept outside the markers.\n")
    assert text.count("<!-- query-bench:begin -->") == 1
    assert "`python benchmarks/query_bench.py --quick" in text
    section = text.split("<!-- query-bench:begin -->")[1].split("<!-- query-bench:end -->")[0]
    assert [r["query"] for r in _cases(section)] == [r["query"] for r in _cases(stdout)]
    _script().write_results(results, "replaced")
    updated = results.read_text(encoding="utf-8")
    assert "replaced" in updated and "| articles |" not in updated
    assert updated.startswith("# Results\n\nNotes kept outside the markers.\n")


def test_windows_lie_in_the_corpus() -> None:
    windows = _script().windows
    assert windows("2022-04-15", "2013-01-01", "2025-12-30") == [
        ("month", "2022-04-01", "2022-04-30"), ("year", "2022-01-01", "2022-12-31")]
    assert windows("2024-02-10", "2024-01-20", "2024-02-12") == [
        ("month", "2024-02-01", "2024-02-12"), ("year", "2024-01-20", "2024-02-12")]
    assert windows(None, None, None) == []
