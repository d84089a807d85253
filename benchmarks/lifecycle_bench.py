"""The store's lifecycle at two sizes: load, backup, restore, reindex (rebuild and in place).

For each size, generates that many articles (``generate.py``), loads them, then times
and measures the peak RSS of ``kgload backup``, ``kgload restore`` into a new folder,
``kgload reindex --all --method rebuild`` and ``kgload reindex --method in-place`` of a
few articles made stale. Each command runs in its own process (``/usr/bin/time``-free:
``resource.getrusage(RUSAGE_CHILDREN)`` of a wrapper). The load of the same run is the
baseline: each figure is printed as a ratio to it, and the large/small ratios of each
command say how it grows with the store (this machine is shared: absolute times drift).

    python benchmarks/lifecycle_bench.py --sizes 300,1000 [--jobs 2] [--out DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KG = "https://w3id.org/kgload/ontology#"

_WRAPPER = """
import resource, subprocess, sys, time
started = time.monotonic()
code = subprocess.call(sys.argv[1:])
took = time.monotonic() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(f"{code} {took:.2f} {peak}")
"""


def measure(args: list[str], timeout: float) -> tuple[int, float, int]:
    """(exit code, seconds, peak RSS in MB) of one command, in its own process."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *args], capture_output=True,
                         text=True, timeout=timeout, check=True).stdout.split()
    return int(out[0]), float(out[1]), int(out[2])


def kgload(store: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kgload.cli", "-q", "--store", str(store), *args]


def make_stale(store: Path, count: int) -> None:
    """Give ``count`` articles another model's digest, as an older kgload would have."""
    import pyoxigraph as ox

    db = ox.Store(str(store))
    db.update(f"""PREFIX kg: <{KG}>
        DELETE {{ GRAPH ?g {{ ?a kg:modelDigest ?d }} }}
        INSERT {{ GRAPH ?g {{ ?a kg:modelDigest "another model" }} }}
        WHERE {{ {{ SELECT ?g ?a ?d WHERE {{ GRAPH ?g {{ ?a kg:modelDigest ?d }} }}
                   ORDER BY ?a LIMIT {count} }} }}""")
    db.flush()
    del db


def run_size(size: int, out: Path, jobs: int, stale: int, timeout: float) -> dict[str, tuple]:
    corpus, store = out / f"corpus-{size}", out / f"store-{size}"
    for path in (store, out / f"backup-{size}", out / f"restored-{size}"):
        shutil.rmtree(path, ignore_errors=True)
    if not corpus.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(corpus), "--articles",
                        str(size), "--seed", "0", "--force"], check=True,
                       capture_output=True, timeout=timeout)
    figures: dict[str, tuple] = {}
    articles = str(corpus / "articles")
    figures["load"] = measure(kgload(store, "load", articles, "--jobs", str(jobs),
                                     "--compact", "no"), timeout)
    figures["backup"] = measure(kgload(store, "backup", str(out / f"backup-{size}")), timeout)
    figures["restore"] = measure(kgload(out / f"restored-{size}", "restore",
                                        str(out / f"backup-{size}")), timeout)
    figures["reindex rebuild"] = measure(kgload(store, "reindex", "--all", "--method",
                                                "rebuild", "--jobs", str(jobs)), timeout)
    make_stale(store, stale)
    figures[f"reindex in place ({stale})"] = measure(
        kgload(store, "reindex", "--method", "in-place", "--jobs", str(jobs)), timeout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300,1000", help="two article counts")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--stale", type=int, default=20,
                        help="articles made stale for the in-place reindex")
    parser.add_argument("--out", type=Path, default=None, help="work folder (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--timeout", type=float, default=7200)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    out = options.out or Path(tempfile.mkdtemp(prefix="kgload-lifecycle-"))
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        results = {size: run_size(size, out, options.jobs, options.stale, options.timeout)
                   for size in sizes}
    finally:
        if not options.keep and options.out is None:
            shutil.rmtree(out, ignore_errors=True)
    print(f"{'command':<26}" + "".join(f"{f'{n:,} articles':>32}" for n in sizes)
          + f"{'large/small':>22}")
    for name in results[sizes[0]]:
        cells = ""
        for size in sizes:
            code, took, peak = results[size][name]
            base = results[size]["load"][1]
            cells += f"{took:>9.1f} s {took / base:>5.2f}x load {peak:>6} MB"
            cells += "" if code in (0, 1) else f" (exit {code})"
        small, large = results[sizes[0]][name], results[sizes[-1]][name]
        grew_t, grew_mb = large[1] / max(small[1], 1e-9), large[2] / max(small[2], 1)
        cells += f"{grew_t:>10.2f}x t {grew_mb:>6.2f}x MB"
        print(f"{name:<26}{cells}")
    print(f"({time.monotonic() - started:.0f} s in all; exit 1 of a load or rebuild: "
          "some generated articles rejected)")
    if options.json:
        options.json.write_text(json.dumps({str(k): v for k, v in results.items()}, indent=1))
    if options.keep or options.out is not None:
        print(f"work folder: {out}", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
