#!/usr/bin/env python3
"""Requests per second and latency of `kgload serve` answering a stored query.

    python benchmarks/serve_bench.py STORE [--query NAME] [--params K=V ...]
                                     [--requests 300] [--threads 16] [--sparql TEXT]

Starts `kgload --store STORE serve` on a free 127.0.0.1 port (a subprocess, stopped by
its PID), sends one warm-up request, then REQUESTS requests from THREADS client threads
(each a new connection, as most clients do), and prints requests/s, the median, p95 and
worst latency, and how many answers were not 200. Make a store with

    python benchmarks/generate.py OUT --articles N
    kgload --store S load OUT/articles --jobs 2

The client runs on the same machine as the server and takes some of its CPU: the figures
are a lower bound for a client elsewhere.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def start(store: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "kgload.cli", "--store", store, "serve",
                             "--port", "0"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        match = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
        if match:
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # drain
            return proc, match.group(1)
        sys.stderr.write(line)
    raise SystemExit("kgload serve did not start")


def fetch(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("--query", default="who-threatened-whom")
    parser.add_argument("--params", nargs="*", default=["limit=20"], metavar="K=V")
    parser.add_argument("--sparql", default=None, help="time /sparql with this query instead")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    proc, base = start(args.store)
    try:
        if args.sparql:
            url = base + "/sparql?" + urllib.parse.urlencode({"query": args.sparql})
            what = "/sparql"
        else:
            query = urllib.parse.urlencode([tuple(p.split("=", 1)) for p in args.params])
            url = f"{base}/queries/{args.query}?{query}"
            what = f"/queries/{args.query}?{query}"
        status, first = fetch(url)
        if status != 200:
            raise SystemExit(f"the warm-up request answered {status}")
        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            results = list(pool.map(lambda _: fetch(url), range(args.requests)))
        elapsed = time.perf_counter() - started
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(30)
    times = sorted(t for _, t in results)
    failed = sum(status != 200 for status, _ in results)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"{what}: {args.requests} requests, {args.threads} threads: "
          f"{args.requests / elapsed:.1f} requests/s; latency median "
          f"{statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"worst {times[-1] * 1000:.0f} ms (first request {first * 1000:.0f} ms); "
          f"{failed} not 200")


if __name__ == "__main__":
    main()
