"""Ctrl-C during a load stops between articles and reports exactly what was committed.

Articles are committed in batches; Ctrl-C lets the article in hand finish, commits the
batch, and stops: what is reported as loaded is exactly what the store holds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

FACTS = """format_version: 1
article: {{id: art-{n:03d}, title: "Article {n}", published: "2026-01-08"}}
actions:
  - id: threat
    type: Threaten
    agents: [colombia-government]
    targets: [venezuela-government]
    time: Wednesday
    evidence: "Bogota threatened Caracas ({n})."
"""


TOTAL = 300  # articles are committed in batches (at most ~2 s of work): several batches


def _kgload(*args: str) -> list[str]:
    return [sys.executable, "-c", "from kgload.cli import main; main()", *args]


def test_sigint_stops_between_articles_and_reports_the_committed_ones(tmp_path: Path) -> None:
    folder = tmp_path / "facts"
    folder.mkdir()
    for n in range(TOTAL):
        (folder / f"a{n:03d}.yaml").write_text(FACTS.format(n=n), encoding="utf-8")
    store = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "loader")}
    process = subprocess.Popen(_kgload("--store", str(store), "load", str(folder)),
                               stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:  # wait until articles are in, then press Ctrl-C
        lines.append(line)
        if any(seen.startswith("loaded ") for seen in lines):
            process.send_signal(signal.SIGINT)
            break
    lines += list(process.stderr)  # the same reader: its read-ahead buffer holds lines too
    process.stderr.close()
    process.wait(timeout=120)
    assert process.returncode == 130, "".join(lines)
    reported = {line.split()[1] for line in lines if line.startswith("loaded ")}
    assert 1 <= len(reported) < TOTAL
    assert any("interrupted" in line for line in lines)
    assert not any("Traceback" in line for line in lines)
    listed = subprocess.run(_kgload("--store", str(store), "articles", "--format", "json"),
                            capture_output=True, text=True, env=env, check=True)
    stored = {row["article"] for row in json.loads(listed.stdout)}
    assert stored == reported
