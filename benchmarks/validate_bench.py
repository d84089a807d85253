#!/usr/bin/env python3
"""The two SHACL validators on the same articles, in one process, alternating.

    python benchmarks/validate_bench.py [--articles N] [--violations K] [--seed S]
                                        [--corpus DIR] [--rounds R] [--no-memory]

1. generates a seeded corpus (``benchmarks/generate.py``) unless ``--corpus`` names one
   (a folder of facts files);
2. runs ``kgload validate``'s pipeline on it once, keeping for each article what
   validation is given (facts, mapped graph, inferred graph, background);
3. validates every article with each validator, ``--rounds`` times, alternating which
   goes first from one article to the next (the machine is shared and noisy: both see
   the same noise), each timed with ``perf_counter``, and checks that both give the
   same findings;
4. prints the mean and median milliseconds per article for each, the ratio, and, in a
   child process per validator (each validating alone, Linux), the peak resident memory
   while validating and how far above the prepared articles it went.

The first call of each validator (pySHACL's import, the compiled query) is made before
timing starts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _generator as bench_generator  # the same module as bench.py's runs

ROOT = Path(__file__).resolve().parents[1]
VALIDATORS = ("sparql", "pyshacl")


def captured(corpus: Path) -> list[tuple[Any, ...]]:
    """What ``validate`` is given for each article of the corpus that reaches it."""
    import kgload.prepare as prepare
    from kgload.pipeline import validate_paths

    calls: list[tuple[Any, ...]] = []
    original = prepare.validate

    def capture(*args: Any) -> list[Any]:
        calls.append(args[:4])
        return []  # not validated here: each validator's first call is timed apart

    prepare.validate = capture  # type: ignore[assignment]
    try:
        validate_paths([corpus])
    finally:
        prepare.validate = original
    return calls


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory(corpus: Path, validator: str) -> dict[str, float]:
    """Peak RSS while a process validates the corpus with one validator only, and its
    resident size before (Linux: the peak is reset after the articles are prepared)."""
    import gc

    from kgload.validation import validate

    calls = captured(Path(corpus))
    gc.collect()
    before = _status_mb("VmRSS")
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak
    for args in calls:
        validate(*args, validator)
    return {"peak_mb": _status_mb("VmHWM"), "before_mb": before}


def timed(calls: list[tuple[Any, ...]], rounds: int) -> dict[str, list[float]]:
    from kgload.validation import validate

    for validator in VALIDATORS:  # warm: imports, the compiled query
        validate(*calls[0], validator)
    seconds: dict[str, list[float]] = {v: [] for v in VALIDATORS}
    differ = 0
    for _ in range(rounds):
        for index, args in enumerate(calls):
            order = VALIDATORS if index % 2 == 0 else VALIDATORS[::-1]
            found = {}
            for validator in order:
                start = time.perf_counter()
                found[validator] = validate(*args, validator)
                seconds[validator].append(time.perf_counter() - start)
            if sorted(map(repr, found["sparql"])) != sorted(map(repr, found["pyshacl"])):
                differ += 1
    if differ:
        print(f"WARNING: the validators differ on {differ} article validations")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--violations", type=int, default=None,
                        help="articles with one seeded violation (default: 20, at most --articles)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, help="a folder of facts files (no generation)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory children")
    parser.add_argument("--memory-child", choices=VALIDATORS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kgload-validate-bench-") as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            violations = (min(20, args.articles) if args.violations is None
                          else args.violations)
            bench_generator().generate(corpus, args.articles, seed=args.seed,
                                       violations=violations)
            corpus = corpus / "articles"
        if args.memory_child:
            print(json.dumps(memory(corpus, args.memory_child)))
            return 0
        start = time.perf_counter()
        calls = captured(corpus)
        print(f"{len(calls)} articles reach validation "
              f"(prepared in {time.perf_counter() - start:.1f} s)")
        triples = [len(a[1].graph) + len(a[2]) for a in calls]
        print(f"asserted + inferred triples per article: mean {statistics.mean(triples):.0f}")
        seconds = timed(calls, args.rounds)
        ms = {v: [s * 1000 for s in seconds[v]] for v in VALIDATORS}
        print(f"{'validator':<10} {'mean ms':>8} {'median ms':>10} {'total s':>8}")
        for v in VALIDATORS:
            print(f"{v:<10} {statistics.mean(ms[v]):>8.1f} {statistics.median(ms[v]):>10.1f} "
                  f"{sum(seconds[v]):>8.1f}")
        mean, median = statistics.mean, statistics.median
        print(f"pyshacl / sparql: {mean(ms['pyshacl']) / mean(ms['sparql']):.1f}x (mean), "
              f"{median(ms['pyshacl']) / median(ms['sparql']):.1f}x (median)")
        print(f"this process: peak RSS {_rss_mb():.0f} MB")
        if not args.no_memory:
            for v in VALIDATORS:
                out = subprocess.run(
                    [sys.executable, __file__, "--memory-child", v, "--corpus", str(corpus)],
                    check=True, capture_output=True, text=True).stdout
                found = json.loads(out.strip().splitlines()[-1])
                print(f"{v:<10} alone: peak RSS while validating {found['peak_mb']:.0f} MB, "
                      f"{found['peak_mb'] - found['before_mb']:.0f} MB above the prepared "
                      "articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
