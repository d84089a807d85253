"""benchmarks/bench.py --quick on a tiny corpus: the table's shape, never its timings.

The machine running the tests is shared and noisy, so nothing here asserts a duration or
a ratio's value: only that every row is there, that measurements and ratios are numbers,
and that ``--results`` writes (and then updates in place) its section of a Markdown file.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench.py"
N = 12  # articles: the smallest corpus that still has a baseline, a sample and a floor

GLOBAL_ROWS = ("machine", "date", "versions", "kgload source", "command", "corpora", "jobs")
LOAD_ROWS = ("articles loaded / rejected", "quads written", "parse s", "schema s", "map s",
             "reason s", "validate s", "write s", "other s", "total wall s", "articles/s",
             "quads/s", "peak RSS MB")
TENTHS = ("articles/s, first tenth", "articles/s, last tenth")  # "n/a" below 200 articles
NUMERIC_ROWS = (
    *(f"load {N}: {row}" for row in LOAD_ROWS[1:]),
    "straightforward: parse+check+map s", "straightforward: owlrl expand s",
    "straightforward: pyshacl validate s", "straightforward: total s",
    f"straightforward: articles/s for {N}", "straightforward: peak RSS MB",
    "reasoning: owlrl s/article (median)", "reasoning: fast s/article (median)",
    f"floor {N}: export N-Quads s", f"floor {N}: Oxigraph bulk_load s",
    "incremental library: empty store s", f"incremental library: {N} store s",
    "incremental CLI: empty store s", f"incremental CLI: {N} store s",
    "incremental: peak RSS MB",
)
RATIO_ROWS = {  # row -> its target, if the brief sets one
    f"ratio kgload / straightforward (articles/s, {N})": None,
    "ratio owlrl / fast per article": "≥ 50",
    f"ratio write / bulk_load ({N})": "≤ 2",
    f"ratio load wall / bulk_load ({N})": None,
    f"ratio incremental library ({N} / empty)": "≤ 1.5",
    f"ratio incremental CLI ({N} / empty)": "≤ 1.5",
}


def _number(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    work = tmp_path_factory.mktemp("bench")
    results = work / "RESULTS.md"
    results.write_text("# Results\n\nNotes kept outside the markers.\n", encoding="utf-8")
    command = [sys.executable, str(BENCH), "--quick", "--articles", str(N), "--out",
               str(work / "out"), "--baseline-budget", "1", "--sample", "1", "--reps", "1",
               "--results", str(results)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, results, work


def _rows(table: str) -> dict[str, list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")]
    assert lines[0] == "| measure | value | target | how |"
    assert lines[1] == "|---|---:|---|---|"
    rows: dict[str, list[str]] = {}
    for line in lines[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 4, line
        assert cells[0] not in rows, f"duplicate row {cells[0]}"
        rows[cells[0]] = cells[1:]
    return rows


def test_table_has_every_row(run: tuple[str, Path, Path]) -> None:
    rows = _rows(run[0])
    expected = [*GLOBAL_ROWS, *(f"load {N}: {r}" for r in (*LOAD_ROWS, *TENTHS)),
                *NUMERIC_ROWS,
                *RATIO_ROWS, "straightforward: articles measured", "reasoning: sample"]
    missing = [name for name in expected if name not in rows]
    assert not missing, missing


def test_measurements_and_ratios_are_numbers(run: tuple[str, Path, Path]) -> None:
    rows = _rows(run[0])
    for name in (*NUMERIC_ROWS, *RATIO_ROWS):
        value = _number(rows[name][0])
        assert math.isfinite(value) and value >= 0, (name, rows[name])
    for name, target in RATIO_ROWS.items():
        if target:
            assert rows[name][1].startswith(target), (name, rows[name])
            assert rows[name][1].endswith(("(met)", "(missed)")), (name, rows[name])
    for name in TENTHS:
        assert rows[f"load {N}: {name}"][0] == "n/a"
    loaded, rejected = (int(x) for x in rows[f"load {N}: articles loaded / rejected"][0]
                        .split(" / "))
    assert (loaded, rejected) == (N, 0)
    assert rows["reasoning: sample"][0] == f"1 of {N}"
    assert "equal output (triples and inconsistencies): 1/1" in rows["reasoning: sample"][2]


def test_results_file_is_written_then_updated(run: tuple[str, Path, Path]) -> None:
    stdout, results, work = run
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Results\n\nNotes kept outside the markers.\n")
    assert text.count("<!-- bench:begin -->") == 1 and text.count("<!-- bench:end -->") == 1
    assert "Command: `python benchmarks/bench.py --quick" in text
    table = text.split("<!-- bench:begin -->")[1].split("<!-- bench:end -->")[0]
    assert _rows(table).keys() == _rows(stdout).keys()
    assert (work / "out" / "results.json").exists()
    # a second write replaces the section and keeps what is around it
    sys.path.insert(0, str(BENCH.parent))
    try:
        import bench  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    results.write_text(text + "\nAfter the markers.\n", encoding="utf-8")
    bench.write_results(results, "| measure | value | target | how |\n|---|---:|---|---|",
                        "python benchmarks/bench.py --quick")
    updated = results.read_text(encoding="utf-8")
    assert updated.count("<!-- bench:begin -->") == 1
    assert updated.startswith("# Results\n\nNotes kept outside the markers.\n")
    assert updated.endswith("After the markers.\n")
    assert f"load {N}: parse s" not in updated
