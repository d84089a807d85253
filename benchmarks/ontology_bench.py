#!/usr/bin/env python3
"""Reason + validate per article with today's ontology against an earlier one, in one run.

    python benchmarks/ontology_bench.py [--baseline REV] [--articles N] [--rounds R]
                                        [--out DIR] [--seed S]

A bigger ontology (the 295 CAMEO classes of ``ontology/cameo.ttl``) must not make each
article dearer to reason over and validate: issue 11 allows at most 1.2x. This measures
exactly that, and nothing else:

1. builds two trees in ``--out``, each a copy of today's ``loader/``, ``registry/`` and
   ``queries/``: one with today's ``ontology/`` and ``shapes/``, one with those of
   ``--baseline`` (default: the commit before ``ontology/cameo.ttl`` was added), taken with
   ``git archive``. Only the ontology and shapes differ;
2. generates a seeded corpus (``benchmarks/generate.py``, one YAML file per article)
   against the baseline tree, so that it uses only types both ontologies have;
3. in a child process per tree and round (alternating which goes first, as the machine
   is shared and noisy), prepares every article (check, map, reason, validate: what
   ``kgload validate`` and each ``load`` worker do) once to warm up, then again timed,
   and reports the seconds of the reason and validate stages (``kgload.outcomes.Timer``)
   and the per-process start-up (the background reasoned once per process);
4. prints the medians over the rounds and the ratio today / baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.2


def _baseline_rev() -> str:
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "ontology/cameo.ttl"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    if not added:
        raise SystemExit("ontology/cameo.ttl has no adding commit in this checkout: "
                         "give --baseline REV")
    return added[-1] + "~1"


def _tree(out: Path, name: str, rev: str | None) -> Path:
    """A copy of today's code with the ontology and shapes of ``rev`` (None: today's)."""
    tree = out / name
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("loader", "registry", "queries"):
        shutil.copytree(ROOT / part, tree / part, ignore=ignore)
    if rev is None:
        for part in ("ontology", "shapes"):
            shutil.copytree(ROOT / part, tree / part, ignore=ignore)
    else:
        archive = subprocess.run(["git", "archive", "--format=tar", rev, "ontology", "shapes"],
                                 cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def _worker(corpus: Path) -> None:
    """In a tree's interpreter: time reason and validate over the corpus."""
    started = time.perf_counter()
    from kgload.background import background
    from kgload.errors import InputRejected
    from kgload.facts import read_file
    from kgload.iris import Iris
    from kgload.ontology import action_types
    from kgload.outcomes import STAGES, Timer
    from kgload.prepare import prepare

    iris = Iris()
    background(iris)
    startup = time.perf_counter() - started
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    files = [read_file(corpus / name) for name in manifest["files"]]
    rejected = 0
    for facts in files:  # warm-up: compiled tables, caches
        try:
            prepare(facts, iris)
        except InputRejected:
            rejected += 1
    timer = Timer(dict.fromkeys(STAGES, 0.0))
    for facts in files:
        with contextlib.suppress(InputRejected):  # counted in the warm-up
            prepare(facts, iris, timer)
    print(json.dumps({"startup": startup, "seconds": timer.seconds, "articles": len(files),
                      "rejected": rejected, "action_types": len(action_types())}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--baseline", metavar="REV", help="git revision of the earlier "
                        "ontology (default: the commit before ontology/cameo.ttl)")
    parser.add_argument("--articles", type=int, default=200, metavar="N")
    parser.add_argument("--rounds", type=int, default=3, metavar="R")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="work folder (default: a temporary one, removed at the end)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker)
        return 0
    rev = args.baseline or _baseline_rev()
    out = args.out or Path(tempfile.mkdtemp(prefix="kgload-ontology-bench-"))
    try:
        trees = {"today": _tree(out, "today", None), "baseline": _tree(out, "baseline", rev)}
        # generated against the baseline's ontology: the generator draws from the types it
        # finds, and today's ontology has every type the baseline has
        corpus = out / "corpus"
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(corpus),
                        "--articles", str(args.articles), "--seed", str(args.seed), "--force"],
                       check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONPATH": str(trees["baseline"] / "loader")})
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
            for name in order:
                # the tree's loader/ first on the path: its kgload reads the tree's ontology
                done = subprocess.run(
                    [sys.executable, "-c",
                     "import runpy, sys; sys.path.insert(0, sys.argv[1]); "
                     "sys.argv = [sys.argv[2], '--worker', sys.argv[3]]; "
                     "runpy.run_path(sys.argv[0], run_name='__main__')",
                     str(trees[name] / "loader"), str(Path(__file__).resolve()), str(corpus)],
                    capture_output=True, text=True, cwd=trees[name])
                if done.returncode:
                    raise SystemExit(f"{name} worker failed:\n{done.stderr[-3000:]}")
                runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
                r = runs[name][-1]
                print(f"round {round_ + 1} {name:8}: reason {r['seconds']['reason']:.2f} s, "
                      f"validate {r['seconds']['validate']:.2f} s, start-up {r['startup']:.2f} s "
                      f"({r['action_types']} action types, {r['rejected']} rejected)",
                      file=sys.stderr)

        def median(name: str, key: str) -> float:
            if key == "startup":
                return statistics.median(r["startup"] for r in runs[name])
            if key == "both":
                return statistics.median(r["seconds"]["reason"] + r["seconds"]["validate"]
                                         for r in runs[name])
            return statistics.median(r["seconds"][key] for r in runs[name])

        n = runs["today"][0]["articles"]
        print(f"{n} generated articles (seed {args.seed}), {args.rounds} rounds, baseline {rev}")
        print("| stage | baseline s | today s | per article today ms | today / baseline |")
        print("|---|---|---|---|---|")
        for key, label in (("reason", "reason"), ("validate", "validate"),
                           ("both", "reason + validate"), ("startup", "start-up (once)")):
            base, now = median("baseline", key), median("today", key)
            per = f"{now / n * 1000:.1f}" if key != "startup" else "—"
            print(f"| {label} | {base:.2f} | {now:.2f} | {per} | {now / base:.2f}x |")
        ratio = median("today", "both") / median("baseline", "both")
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"reason + validate: {ratio:.2f}x the baseline (target ≤ {TARGET}x: {verdict})")
        return 0 if ratio <= TARGET else 1
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
