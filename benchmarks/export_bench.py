#!/usr/bin/env python3
"""Peak memory of ``kgload export`` and ``kgload import`` at two store sizes, in one run.

    python benchmarks/export_bench.py [--seed-articles 100] [--sizes 1000,10000]
                                      [--out DIR] [--timeout S] [--max-memory-gb G]
                                      [--formats nquads,turtle] [--keep] [--reuse]

Both commands must run in bounded memory: what they hold must not grow with the store.
The script builds the stores cheaply instead of loading every article: it generates and
loads ``--seed-articles`` articles (``benchmarks/generate.py``, ``kgload load``), exports
them as N-Quads, and synthesises the dump of each size by replicating the seed articles'
graphs under renamed article ids (the shared and background graphs once, as in a real
store). Then, per size, it imports the dump into a fresh store and exports that store as
N-Quads and as Turtle, each command in its own process, and reports the peak RSS
(``getrusage(RUSAGE_CHILDREN)`` of a wrapper process that runs only that command), the
time and the sizes. The ratios divide each figure at the largest size by the one at the
smallest (the baseline, measured in the same run). A second baseline is pyoxigraph alone
reading every quad of the same store: its own memory (RocksDB's index and filter blocks)
grows with the store whatever reads it, so the script also prints each export's peak
above that scan, kgload's own share.

Everything is written under ``--out`` (default: a new temporary folder, removed at the
end unless ``--keep``); at the default sizes it needs about 15 GB of disk and 30 min.
``--reuse`` measures the stores an earlier ``--keep`` run left in ``--out`` instead of
building them again (a before/after comparison of one change on the same stores; an
export's cost depends on the store, e.g. on how many triples several graphs hold).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = "https://example.org/kgload/"
# the baseline: pyoxigraph alone reading every quad of the store (its own memory for the
# store's index and filter blocks grows with the store, whatever reads it)
SCAN = ("import sys, pyoxigraph as ox\n"
        "store = ox.Store.read_only(sys.argv[1])\n"
        "print(sum(1 for _ in store.quads_for_pattern(None, None, None, None)))\n")
_ARTICLE_GRAPH = re.compile(r"<" + re.escape(BASE) + r"graph/article/([^>/]+)(?:/[a-z]+)?> \.$")


def _kgload() -> str:
    beside = Path(sys.executable).with_name("kgload")
    return str(beside) if beside.exists() else (shutil.which("kgload") or "kgload")


@dataclass
class Run:
    """One measured command."""

    peak_mb: float
    seconds: float


def measure(command: list[str], *, timeout: float, max_memory_gb: float) -> Run:
    """Run ``command`` in a wrapper process; its peak RSS is the wrapper's children's."""
    wrapper = [sys.executable, __file__, "--measure", str(max_memory_gb), "--", *command]
    done = subprocess.run(wrapper, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(figures["maxrss_kb"] / 1024, figures["seconds"])


def _measure_child(max_memory_gb: float, command: list[str]) -> int:
    """The wrapper: runs ``command`` alone, under a memory limit, and prints its figures."""
    limit = int(max_memory_gb * 2**30)

    def bound() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.perf_counter()
    done = subprocess.run(command, preexec_fn=bound, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return done.returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"maxrss_kb": usage.ru_maxrss, "seconds": seconds}))
    return 0


def seed_dump(out: Path, articles: int, timeout: float) -> Path:
    """Generate, load and export ``articles`` articles; the N-Quads dump's path."""
    dump = out / f"seed-{articles}.nq"
    if dump.exists():
        return dump
    sys.path.insert(0, str(HERE))
    from generate import generate

    corpus, store = out / "seed-corpus", out / "seed-store"
    generate(corpus, articles, overwrite=True)
    print(f"loading {articles} seed articles ...", file=sys.stderr)
    loaded = subprocess.run([_kgload(), "-q", "--store", str(store), "load",
                             str(corpus / "articles"), "--jobs", "2"], timeout=timeout)
    if loaded.returncode not in (0, 1):  # 1: a few generated articles rejected, no matter
        raise SystemExit(f"kgload load failed ({loaded.returncode})")
    subprocess.run([_kgload(), "-q", "--store", str(store), "export", "--format", "nquads",
                    "-o", str(dump)], check=True, timeout=timeout)
    return dump


def replicate(seed: Path, articles: int, dump: Path) -> tuple[int, int]:
    """Write a dump of about ``articles`` articles: the seed's article graphs repeated
    under renamed ids (``ID-r1``, ``ID-r2``...), everything else once. Returns the number
    of articles and of quads it holds."""
    shared: list[str] = []
    by_article: list[tuple[str, str]] = []
    with open(seed, encoding="utf-8") as handle:
        for line in handle:
            match = _ARTICLE_GRAPH.search(line)
            (by_article.append((match.group(1), line)) if match else shared.append(line))
    seed_articles = len({aid for aid, _ in by_article})
    copies = max(1, round(articles / seed_articles))
    written = 0
    with open(dump, "w", encoding="utf-8") as out:
        out.writelines(shared)
        written += len(shared)
        for k in range(copies):
            suffix = f"-r{k}" if k else ""
            out.writelines(line.replace(aid, aid + suffix) if suffix else line
                           for aid, line in by_article)
            written += len(by_article)
    return seed_articles * copies, written


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        return _measure_child(float(sys.argv[2]), sys.argv[4:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed-articles", type=int, default=100)
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated store sizes in articles (default 1000,10000)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the stores and dumps")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the stores a --keep run left in --out (no import)")
    parser.add_argument("--timeout", type=float, default=3600, help="per command, seconds")
    parser.add_argument("--max-memory-gb", type=float, default=8.0,
                        help="address-space limit of each measured command")
    parser.add_argument("--formats", default="nquads,turtle",
                        help="export formats to measure (default nquads,turtle)")
    args = parser.parse_args()
    if args.reuse and args.out is None:
        parser.error("--reuse needs the --out folder of an earlier --keep run")
    args.keep = args.keep or args.reuse
    sizes = sorted(int(s) for s in args.sizes.split(","))
    out = args.out or Path(tempfile.mkdtemp(prefix="kgload-export-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    limits = {"timeout": args.timeout, "max_memory_gb": args.max_memory_gb}
    rows: list[dict[str, float]] = []
    formats = [f for f in args.formats.split(",") if f]
    try:
        stores = []
        for size in sizes:  # first import and open every store, then export each format
            dump, store = out / f"dump-{size}.nq", out / f"store-{size}"
            if args.reuse:
                if not store.is_dir():
                    raise SystemExit(f"--reuse: no {store} (run with --keep --out {out})")
                counted = subprocess.run([sys.executable, "-c", SCAN, str(store)], check=True,
                                         capture_output=True, text=True, timeout=args.timeout)
                row: dict[str, float] = {"articles": size, "quads": int(counted.stdout)}
                _say(f"{size} articles: reusing {store} ({row['quads']:.0f} quads)")
            else:
                size, quads = replicate(seed_dump(out, args.seed_articles, args.timeout),
                                        size, dump)
                shutil.rmtree(store, ignore_errors=True)
                _say(f"{size} articles: importing {quads} quads")
                imported = measure([_kgload(), "-q", "--store", str(store), "import",
                                    str(dump)], **limits)
                row = {"articles": size, "quads": quads, "dump_mb": dump.stat().st_size / 2**20,
                       "import_mb": imported.peak_mb, "import_s": imported.seconds}
                dump.unlink()
            opened = measure([_kgload(), "-q", "--store", str(store), "sparql", "ASK {}"],
                             **limits)
            _say(f"{size} articles: reading every quad with pyoxigraph alone")
            scanned = measure([sys.executable, "-c", SCAN, str(store)], **limits)
            rows.append(row | {"open_mb": opened.peak_mb, "scan_mb": scanned.peak_mb,
                               "scan_s": scanned.seconds})
            stores.append(store)
            _say(json.dumps(rows[-1]))
        for fmt in formats:
            for row, store in zip(rows, stores, strict=True):
                target = out / f"export-{row['articles']:.0f}.{fmt}"
                _say(f"{row['articles']:.0f} articles: exporting {fmt}")
                run = measure([_kgload(), "-q", "--store", str(store), "export", "--format",
                               fmt, "-o", str(target)], **limits)
                row |= {f"{fmt}_mb": run.peak_mb, f"{fmt}_s": run.seconds,
                        f"{fmt}_out_mb": target.stat().st_size / 2**20}
                target.unlink()
                _say(json.dumps(row))
    finally:
        if not args.keep:
            for size in sizes:
                shutil.rmtree(out / f"store-{size}", ignore_errors=True)
        if args.out is None and not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    report(rows, formats)
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)



def report(rows: list[dict[str, float]], formats: list[str]) -> None:
    columns = ["articles", "quads", "dump_mb", "open_mb", "scan_mb", "scan_s", "import_mb",
               "import_s"]
    for fmt in formats:
        columns += [f"{fmt}_mb", f"{fmt}_s", f"{fmt}_out_mb"]
    heads = {"dump_mb": "dump MB", "open_mb": "open store peak MB",
             "scan_mb": "pyoxigraph scan peak MB", "scan_s": "scan s",
             "import_mb": "import peak MB", "import_s": "import s"}
    for fmt in formats:
        heads |= {f"{fmt}_mb": f"export {fmt} peak MB", f"{fmt}_s": f"export {fmt} s",
                  f"{fmt}_out_mb": f"{fmt} MB"}
    print("| " + " | ".join(heads.get(c, c) for c in columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join("-" if c not in row else f"{row[c]:.1f}" if c.endswith("_s")
                                else f"{row[c]:.0f}" for c in columns) + " |")
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        print(f"\nratios, {large['articles']:.0f} / {small['articles']:.0f} articles "
              f"(data: {large['quads'] / small['quads']:.1f}x):")
        for key in ["open_mb", "scan_mb", "import_mb", *(f"{fmt}_mb" for fmt in formats)]:
            if key in small and key in large:
                print(f"  {heads[key]}: {large[key] / small[key]:.2f}x")
        print("\nexport peak above the pyoxigraph scan of the same store (kgload's own share):")
        for fmt in formats:
            key = f"{fmt}_mb"
            if key in small and key in large:
                low, high = small[key] - small["scan_mb"], large[key] - large["scan_mb"]
                print(f"  {fmt}: {low:.0f} MB -> {high:.0f} MB")

if __name__ == "__main__":
    sys.exit(main())
