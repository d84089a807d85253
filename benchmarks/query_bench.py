#!/usr/bin/env python3
"""Benchmark every stored query on generated stores, bounded, and against Jena TDB2.

    python benchmarks/query_bench.py [--quick] [--sizes 1000,10000] [--store DIR]...
                                     [--out DIR] [--reuse] [--keep] [--jobs N] [--seed S]
                                     [--reps R] [--cli-reps R] [--timeout S]
                                     [--max-rss-gb G] [--top N] [--no-jena]
                                     [--queries DIR]... [--results FILE] [--check]

One run:

1. generates a seeded corpus per size (``benchmarks/generate.py``, through bench.py's
   ``make_corpora``) and loads its facts files (``CORPUS/articles``, never the manifest)
   with ``kgload --store OUT/store-N load CORPUS/articles --jobs N``; ``--reuse`` keeps a
   store of ``--out`` that already holds the corpus (an incomplete one is completed, since
   ``kgload load`` skips unchanged articles); ``--store DIR`` measures an existing store;
2. picks parameter values with its own SPARQL: the 3 (``--top``) actors that are the agent of the
   most actions, an actor that is the agent of none, each one's most frequent target (for
   a second required entity), and windows of one month and one year around the median
   start date of the actions;
3. runs every stored query (``kgload.queries.load_queries``): with its default parameters;
   with each picked actor when it has a required actor or entity parameter; with each
   window when it has date parameters. Each case runs in a forked child process, under
   ``RLIMIT_AS`` (``--max-rss-gb``) and a per-run timeout (``--timeout``): one untimed
   warm-up, then ``--reps`` timed runs of ``kgload.queries.bind`` (which resolves actors),
   of the first page (limit 100) and of the full result, through ``kgload.queries.run`` on
   an open store (medians reported). The
   child's peak RSS comes from ``os.wait4``. Then the CLI wall time of
   ``kgload --store DIR query NAME -p ... --limit 100 --format csv`` (start-up included);
4. where Jena is installed (Debian ``libapache-jena-java``), exports each store as N-Quads,
   loads it into TDB2 and runs the same bound queries with ``tdb2.tdbquery
   --set tdb:unionDefaultGraph=true --time --repeat=1,R``: TDB2's time is the median of its
   own ``--time`` lines after one warm-up run in the same JVM (JVM start-up excluded);
5. prints one Markdown table (one row per case) and the issue's targets, checked at the
   largest size, as PASS/FAIL/SKIP; ``--results FILE`` writes both, with the machine, the
   versions and the command, between ``<!-- query-bench:begin -->`` and
   ``<!-- query-bench:end -->`` in FILE (the rest of the file is kept).

A case that times out or runs out of memory is reported as such; it does not stop the run.
``--quick`` is a smoke run: one store of 12 articles, 1 timed run, a 5 s timeout, the
busiest actor and an idle one, the month window, no Jena.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import resource
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
FULL = {"sizes": (1000, 10000), "reps": 5, "cli_reps": 3, "timeout": 60.0, "top": 3,
        "windows": ("month", "year")}
# quick: the top actor (not 3) and the month window: ~26 cases, a CLI start-up each
QUICK = {"sizes": (12,), "reps": 1, "cli_reps": 1, "timeout": 5.0, "top": 1,
         "windows": ("month",)}
PAGE = 100  # rows of the first page
TARGETS = {"page": 2.0, "full": 30.0, "rss_mb": 1.5 * 1024, "lookup": 0.2, "tdb2": 1.0}
BEGIN, END = "<!-- query-bench:begin -->", "<!-- query-bench:end -->"
KG = "https://w3id.org/kgload/ontology#"
PREFIXES = f"PREFIX kg: <{KG}>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
ENTITY_TYPES = ("actor", "entity")
OOM_SIGNS = re.compile(r"memory allocation|MemoryError|bad_alloc|Cannot allocate memory|"
                       r"out of memory|OutOfMemoryError", re.IGNORECASE)
# Jena's jars and the dependencies they need (PEERS.md): '/usr/share/java/*' has two
# SLF4J bindings.
JENA_DIR = Path("/usr/share/java")
JENA_DEPS = ("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io",
             "commons-lang3", "dexx.collection", "gson", "guava", "httpclient", "httpcore",
             "jackson-core", "jackson-databind", "jackson-annotations", "jsonld-java",
             "jakarta.json-api", "protobuf", "slf4j-api", "slf4j-simple", "thrift",
             "titanium-json-ld", "commons-logging")


class BenchError(Exception):
    """A step of the benchmark (not a measured query) failed: the run stops with it."""


def _module(name: str, file: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _bench() -> ModuleType:
    """bench.py, for its helpers (machine facts, source digest, corpora, number format)."""
    return _module("kgload_benchmarks_bench", "bench.py")


def _say(message: str) -> None:
    print(f"query_bench: {message}", file=sys.stderr, flush=True)


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------- supervision


@dataclass
class Watched:
    """How a supervised child ended: killed for time or not, exit status, peak RSS, stderr."""

    timed_out: bool
    status: int = 0  # as os.wait4 gives it
    peak_rss_mb: float = 0.0
    stderr: str = ""

    @property
    def signal(self) -> int | None:
        return os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else None

    @property
    def code(self) -> int | None:
        return os.WEXITSTATUS(self.status) if os.WIFEXITED(self.status) else None

    def failure(self) -> str | None:
        """"timeout", "out of memory", "error: ..." or None if it exited 0."""
        if self.timed_out:
            return "timeout"
        if self.code == 0:
            return None
        if (OOM_SIGNS.search(self.stderr) or self.code == 3
                or self.signal in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS,
                                   signal.SIGKILL)):
            return "out of memory"
        last = self.stderr.strip().splitlines()[-1:] or [f"exit status {self.status}"]
        return f"error: {last[0][:200]}"


def _pump(pid: int, streams: dict[int, Callable[[str], bool]], timeout: float,
          first_timeout: float | None = None) -> bool:
    """Read ``streams`` (fd -> line handler) until they close; True if ``pid`` was killed.

    A handler returns True for a progress line, which gives the process another
    ``timeout`` seconds; ``first_timeout`` is the allowance before the first one.
    """
    buffers = dict.fromkeys(streams, b"")
    open_fds = set(streams)
    deadline = time.monotonic() + (timeout if first_timeout is None else first_timeout)
    while open_fds:
        wait = deadline - time.monotonic()
        if wait <= 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return True
        ready, _, _ = select.select(sorted(open_fds), [], [], wait)
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                open_fds.discard(fd)
                lines, buffers[fd] = [buffers[fd]] if buffers[fd] else [], b""
            else:
                *lines, buffers[fd] = (buffers[fd] + chunk).split(b"\n")
            for line in lines:
                if streams[fd](line.decode("utf-8", "replace")):
                    deadline = time.monotonic() + timeout
    return False


def _die_with_parent() -> None:
    """Linux: SIGKILL this child if the benchmark dies (a query may run for minutes)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _limit_memory(gigabytes: float) -> None:
    limit = int(gigabytes * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def in_child(work: Callable[[Callable[[dict[str, Any]], None]], None], *, timeout: float,
             max_rss_gb: float) -> tuple[list[dict[str, Any]], Watched]:
    """Run ``work(send)`` in a forked child under RLIMIT_AS and a per-message timeout.

    The child sends JSON messages with ``send``; each one counts as progress. Forking
    (this process has imported kgload but never opens a store) saves the interpreter's
    start-up per case; the child's peak RSS includes that imported baseline.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    msg_r, msg_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(msg_r)
            os.close(err_r)
            os.dup2(err_w, 2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            _die_with_parent()
            _limit_memory(max_rss_gb)

            def send(message: dict[str, Any]) -> None:
                os.write(msg_w, (json.dumps(message) + "\n").encode())

            try:
                work(send)
            except MemoryError:
                code = 3
                with contextlib.suppress(BaseException):
                    send({"event": "error", "message": "MemoryError"})
            except BaseException as exc:  # noqa: B036 - reported to the parent, then exit
                code = 2
                with contextlib.suppress(BaseException):
                    send({"event": "error", "message": f"{type(exc).__name__}: {exc}",
                          "trace": traceback.format_exc()[-2000:]})
        finally:
            os._exit(code)
    os.close(msg_w)
    os.close(err_w)
    messages: list[dict[str, Any]] = []
    errors: list[str] = []

    def on_message(line: str) -> bool:
        with contextlib.suppress(ValueError):
            messages.append(json.loads(line))
        return True

    def on_error(line: str) -> bool:
        errors.append(line)
        del errors[:-50]
        return False

    try:
        timed_out = _pump(pid, {msg_r: on_message, err_r: on_error}, timeout)
    finally:
        os.close(msg_r)
        os.close(err_r)
        _, status, usage = os.wait4(pid, 0)
    return messages, Watched(timed_out, status, usage.ru_maxrss / 1024, "\n".join(errors))


def _child_store_info(store_dir: str) -> Callable[[Callable[[dict[str, Any]], None]], None]:
    def work(send: Callable[[dict[str, Any]], None]) -> None:
        from kgload.store import Store

        with Store(store_dir, write=False) as store:
            articles = sorted((a.article_id, a.sha256) for a in store.articles())
            send({"articles": articles, "quads": len(store.ox)})

    return work


def store_info(store_dir: Path, timeout: float, max_rss_gb: float) -> dict[str, Any]:
    """The articles (id, sha256) and quad count of a store, read in a child process."""
    messages, watched = in_child(_child_store_info(str(store_dir)), timeout=max(timeout, 600),
                                 max_rss_gb=max_rss_gb)
    error = next((m["message"] for m in messages if m.get("event") == "error"), None)
    if error or watched.failure() or not messages:
        raise BenchError(f"cannot read the store {store_dir}: {error or watched.failure()}")
    return messages[-1]


# ---------------------------------------------------------------------- stores


def _cli() -> str:
    return _bench()._kgload_cli()


def _cli_env() -> dict[str, str]:
    """The environment for kgload commands: no KGLOAD_QUERIES (queries are passed as given)."""
    return {k: v for k, v in os.environ.items() if k != "KGLOAD_QUERIES"}


def load_store(corpus: Path, store: Path, jobs: int, label: str) -> None:
    """``kgload --store STORE load CORPUS/articles --jobs N``, with progress on stderr."""
    total = len(json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))["files"])
    command = [_cli(), "--store", str(store), "load", str(corpus / "articles"), "--jobs",
               str(jobs)]
    _say(f"{label}: loading {total} articles: {shlex.join(command)}")
    started = last = time.monotonic()
    done = 0
    tail: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=_cli_env()) as process:
        assert process.stdout is not None
        for line in process.stdout:
            tail = [*tail[-20:], line.rstrip()]
            if line.split(" ", 1)[0] in ("loaded", "reloaded", "unchanged", "rejected"):
                done += 1
            now = time.monotonic()
            if now - last >= 10 and done:
                elapsed = now - started
                left = elapsed / done * (total - done)
                _say(f"{label}: {done}/{total} articles in {elapsed:.0f} s, "
                     f"about {left:.0f} s left")
                last = now
    if process.returncode not in (0, 1):
        raise BenchError(f"loading {corpus} failed (exit {process.returncode}):\n"
                         + "\n".join(tail))
    summary = next((t for t in reversed(tail) if " loaded, " in t), "")
    _say(f"{label}: {summary or 'loaded'} in {time.monotonic() - started:.0f} s")


@dataclass
class StoreSpec:
    label: str
    path: Path
    articles: int
    info: dict[str, Any] = field(default_factory=dict)


def prepare_stores(args: argparse.Namespace, out: Path) -> list[StoreSpec]:
    """The stores to measure: given with --store, or built (or reused) from corpora."""
    if args.store:
        if args.sizes_given:
            _say("--store given: --sizes is ignored")
        specs = []
        for path in args.store:
            info = store_info(path, args.timeout, args.max_rss_gb)
            n = len(info["articles"])
            specs.append(StoreSpec(f"{n} ({path.name})", path, n, info))
        return specs
    corpora = _bench().make_corpora(out, args.sizes, args.seed)
    specs = []
    for n in args.sizes:
        corpus, store = Path(corpora[n]["path"]), out / f"store-{n}"
        wanted = _generate().Manifest.read(corpus / "manifest.json").article_ids
        if store.exists():
            if not args.reuse:
                raise BenchError(f"{store} exists: pass --reuse to reuse (or complete) it, or "
                                 "give another --out")
            have = {a for a, _ in store_info(store, args.timeout, args.max_rss_gb)["articles"]}
            if set(wanted) <= have:
                _say(f"{n} articles: reusing {store}")
            else:
                _say(f"{n} articles: {store} holds {len(have & set(wanted))} of them; "
                     "loading the rest")
                load_store(corpus, store, args.jobs, f"{n} articles")
        else:
            load_store(corpus, store, args.jobs, f"{n} articles")
        info = store_info(store, args.timeout, args.max_rss_gb)
        specs.append(StoreSpec(str(n), store, len(info["articles"]), info))
    return specs


def _generate() -> ModuleType:
    return _bench()._generator()


# ---------------------------------------------------------------------- parameters


def _child_picks(store_dir: str, top: int) -> Callable[[Callable[[dict[str, Any]], None]], None]:
    def work(send: Callable[[dict[str, Any]], None]) -> None:
        from kgload.store import Store

        def rows(sparql: str) -> list[Any]:
            return list(store.query(PREFIXES + sparql))

        def name(iri: str) -> str:
            found = rows(f"SELECT ?n WHERE {{ <{iri}> kg:name ?n }} ORDER BY ?n LIMIT 1")
            return found[0]["n"].value if found else iri.rsplit("/", 1)[-1]

        def target_of(iri: str) -> str | None:
            found = rows(f"""SELECT ?o (COUNT(DISTINCT ?e) AS ?n) WHERE {{
                  ?e kg:agent <{iri}> ; kg:target ?o . FILTER(?o != <{iri}>)
                }} GROUP BY ?o ORDER BY DESC(?n) ?o LIMIT 1""")
            return found[0]["o"].value if found else None

        with Store(store_dir, write=False) as store:
            actors = []
            busiest = rows(f"""SELECT ?a (COUNT(DISTINCT ?e) AS ?n) WHERE {{ ?e kg:agent ?a }}
                               GROUP BY ?a ORDER BY DESC(?n) ?a LIMIT {int(top)}""")
            for rank, row in enumerate(busiest, start=1):
                iri = row["a"].value
                actors.append({"iri": iri, "name": name(iri), "events": int(row["n"].value),
                               "role": f"top {rank}", "target": target_of(iri)})
            idle = rows("""SELECT DISTINCT ?a WHERE {
                  ?a a kg:Actor . FILTER NOT EXISTS { ?e kg:agent ?a } } ORDER BY ?a LIMIT 1""")
            if idle:
                iri = idle[0]["a"].value
                actors.append({"iri": iri, "name": name(iri), "events": 0, "role": "no events",
                               "target": None})
            count = rows("""SELECT (COUNT(?d) AS ?n) WHERE {
                  ?t kg:start ?d FILTER(DATATYPE(?d) = xsd:date) }""")
            n = int(count[0]["n"].value) if count else 0
            median = None
            if n:
                found = rows(f"""SELECT ?d WHERE {{ ?t kg:start ?d
                      FILTER(DATATYPE(?d) = xsd:date) }} ORDER BY ?d OFFSET {n // 2} LIMIT 1""")
                median = found[0]["d"].value if found else None
            span = rows("""SELECT (MIN(?d) AS ?lo) (MAX(?d) AS ?hi) WHERE {
                  { ?t kg:start ?d } UNION { ?t kg:end ?d } FILTER(DATATYPE(?d) = xsd:date) }""")
            lo = span[0]["lo"].value if span and span[0]["lo"] is not None else None
            hi = span[0]["hi"].value if span and span[0]["hi"] is not None else None
            send({"actors": actors, "median": median, "lo": lo, "hi": hi})

    return work


def windows(median: str | None, lo: str | None, hi: str | None) -> list[tuple[str, str, str]]:
    """(label, from, to): the calendar month and year of the median day, within [lo, hi]."""
    if not median:
        return []
    day = date.fromisoformat(median[:10])
    first, last = date.fromisoformat((lo or median)[:10]), date.fromisoformat((hi or median)[:10])
    month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    spans = [("month", day.replace(day=1), month_end),
             ("year", day.replace(month=1, day=1), day.replace(month=12, day=31))]
    return [(label, max(start, first).isoformat(), min(end, last).isoformat())
            for label, start, end in spans]


@dataclass
class Case:
    """One query with one set of parameter values."""

    query: str
    values: dict[str, str]  # what bind() and the CLI get (entities as IRIs)
    shown: str  # the params column
    tag: str = "default"  # a short name: default, top 1, no events, month, top 1 + year...
    lookup: bool = False  # binds a required actor/entity: counts for the look-up target
    skip: str | None = None

    @property
    def key(self) -> str:
        return f"{self.query} [{self.tag}]"


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _fallback(query: Any, param: Any) -> tuple[str, str] | None:
    """A value for a required non-entity parameter: from the query's examples, or None."""
    for example in query.examples:
        if param.name in example.params:
            return example.params[param.name], "from the query's examples"
    if param.values:
        return param.values[0], "its first allowed value"
    return None


def _actor_bindings(entities: list[Any], actors: list[dict[str, Any]]
                    ) -> list[tuple[dict[str, str], list[str], str]]:
    """(values, shown, tag) per picked actor for the required entity parameters.

    The first parameter gets the actor; a second one its most frequent target, else a
    busy actor (``relations-between``'s ``other``).
    """
    bindings = []
    for actor in actors:
        values = {entities[0].name: actor["iri"]}
        why = f"{actor['role']}: {actor['events']} events" if actor["events"] else "no events"
        shown = [f"{entities[0].name}={_short(actor['iri'])} ({why})"]
        others = [actor["target"]] + [a["iri"] for a in actors if a["events"]]
        others = [o for o in dict.fromkeys(others) if o and o != actor["iri"]]
        for param, other in zip(entities[1:], others, strict=False):
            values[param.name] = other
            why = "its top target" if other == actor["target"] else "a top actor"
            shown.append(f"{param.name}={_short(other)} ({why})")
        if len(values) == len(entities):
            bindings.append((values, shown, actor["role"]))
    return bindings


def plan_cases(queries: dict[str, Any], picks: dict[str, Any],
               kinds: Sequence[str] = ("month", "year")) -> list[Case]:
    """Every stored query: defaults, each picked actor, each date window."""
    spans = [w for w in windows(picks.get("median"), picks.get("lo"), picks.get("hi"))
             if w[0] in kinds]
    cases: list[Case] = []
    for name in sorted(queries):
        query = queries[name]
        required = [p for p in query.params if p.required and p.default is None]
        entities = [p for p in required if p.type in ENTITY_TYPES]
        fixed: dict[str, str] = {}
        fixed_shown: list[str] = []
        missing = []
        for param in required:
            found = None if param in entities else _fallback(query, param)
            if found is not None:
                fixed[param.name] = found[0]
                fixed_shown.append(f"{param.name}={found[0]} ({found[1]})")
            elif param not in entities:
                missing.append(param.name)
        if missing:
            cases.append(Case(name, {}, "default", skip="no value for the required "
                              f"parameter(s) {', '.join(missing)}"))
            continue
        bases = (_actor_bindings(entities, picks["actors"]) if entities
                 else [({}, [], "default")])
        if not bases:
            cases.append(Case(name, {}, "default", skip="no actor found in the store"))
            continue
        for values, shown, tag in bases:
            cases.append(Case(name, {**fixed, **values}, ", ".join(shown + fixed_shown)
                              or "default", tag, lookup=bool(entities)))
        dates = [p for p in query.params if p.type == "date"]
        for label, start, end in spans if dates else []:
            values, shown, tag = bases[0]
            values = {**fixed, **values}
            for param in dates:
                ends = param.name.lower() in ("to", "until", "end", "before")
                values[param.name] = end if ends else start
            window = f"{label}: {start}..{end}"
            cases.append(Case(name, values, ", ".join([*shown, *fixed_shown, window]),
                              label if tag == "default" else f"{tag} + {label}",
                              lookup=bool(entities)))
    return cases


# ---------------------------------------------------------------------- measuring


@dataclass
class Measure:
    """What one case gave; None where a phase did not finish (see ``failure``)."""

    bind: float | None = None
    page: float | None = None
    full: float | None = None
    page_rows: int | None = None
    rows: int | None = None
    peak_rss_mb: float | None = None
    failure: str | None = None  # timeout / out of memory / error: the first phase that failed
    failed_phase: str | None = None
    cli: float | None = None
    cli_failure: str | None = None
    tdb2: float | None = None
    tdb2_rows: int | None = None
    tdb2_failure: str | None = None
    notes: list[str] = field(default_factory=list)


def _count(result: Any) -> int:
    if result.boolean is not None:
        return 1
    return len(result.triples) if result.triples is not None else len(result.rows)


def _child_case(store_dir: str, query: Any, values: dict[str, str],
                reps: int) -> Callable[[Callable[[dict[str, Any]], None]], None]:
    def work(send: Callable[[dict[str, Any]], None]) -> None:
        from kgload.queries import bind, run
        from kgload.store import Store

        with Store(store_dir, write=False) as store:
            for i in range(reps + 1):  # run 0 is the untimed warm-up
                send({"event": "start", "phase": "bind", "run": i})
                started = time.perf_counter()
                sparql = bind(query, values, store)  # resolves actor/entity values
                send({"event": "done", "phase": "bind", "run": i,
                      "seconds": time.perf_counter() - started, "rows": None})
            for phase, limit in (("page", PAGE), ("full", None)):
                for i in range(reps + 1):
                    send({"event": "start", "phase": phase, "run": i})
                    started = time.perf_counter()
                    result = run(store, sparql, limit=limit)
                    seconds = time.perf_counter() - started
                    send({"event": "done", "phase": phase, "run": i, "seconds": seconds,
                          "rows": _count(result)})
                    # dropped before the next run: a user's query holds one answer, not
                    # two (the answer of 147,537 rows kept while the next was read took
                    # the peak RSS from 0.8 to 1.5 GB, and slowed the run)
                    del result

    return work


def measure_in_process(store: Path, query: Any, case: Case, args: argparse.Namespace) -> Measure:
    messages, watched = in_child(_child_case(str(store), query, case.values, args.reps),
                                 timeout=args.timeout, max_rss_gb=args.max_rss_gb)
    m = Measure(peak_rss_mb=watched.peak_rss_mb)
    times: dict[str, list[float]] = {"bind": [], "page": [], "full": []}
    for msg in messages:
        if msg.get("event") == "done":
            if msg["run"]:
                times[msg["phase"]].append(msg["seconds"])
            m.page_rows = msg["rows"] if msg["phase"] == "page" else m.page_rows
            m.rows = msg["rows"] if msg["phase"] == "full" else m.rows
    m.bind, m.page, m.full = (_median(times[p]) for p in ("bind", "page", "full"))
    error = next((msg for msg in messages if msg.get("event") == "error"), None)
    if error is not None:
        oom = "MemoryError" in error["message"] or watched.code == 3
        m.failure = "out of memory" if oom else f"error: {error['message'][:300]}"
    else:
        m.failure = watched.failure()
    if m.failure:
        started = [msg for msg in messages if msg.get("event") == "start"]
        m.failed_phase = started[-1]["phase"] if started else "open"
        if m.failed_phase in ("open", "bind"):
            m.bind = None
        if m.failed_phase in ("open", "bind", "page"):
            m.page = None
        m.full = None
    return m


def measure_cli(store: Path, case: Case, args: argparse.Namespace, m: Measure) -> None:
    """Median wall time of the CLI's first page (start-up included), stdout discarded."""
    command = [_cli(), "--store", str(store)]
    for folder in args.queries:
        command += ["--queries", str(folder)]
    command += ["query", case.query]
    for key, value in case.values.items():
        command += ["-p", key, value]
    command += ["--limit", str(PAGE), "--format", "csv"]
    times = []
    for _ in range(args.cli_reps):
        started = time.perf_counter()
        try:
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  timeout=args.timeout, env=_cli_env(),
                                  preexec_fn=lambda: _limit_memory(args.max_rss_gb))
        except subprocess.TimeoutExpired:
            m.cli_failure = "timeout"
            return
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace")
            m.cli_failure = ("out of memory" if OOM_SIGNS.search(err) or done.returncode < 0
                             else f"error: exit {done.returncode}: "
                             + (err.strip().splitlines() or [""])[-1][:200])
            return
        times.append(time.perf_counter() - started)
    m.cli = _median(times)


# ---------------------------------------------------------------------- Jena TDB2


class Jena:
    """Jena's command-line classes from Debian's jars, with the Xerces packaging fix."""

    def __init__(self, work: Path, max_rss_gb: float) -> None:
        self.work = work
        self.heap = f"-Xmx{max(1, int(max_rss_gb))}g"
        self.classpath = ""
        self.version = ""

    def find(self) -> str | None:
        """Set up the class path; the reason Jena cannot run, or None."""
        java = shutil.which("java")
        if java is None:
            return "java is not installed"
        jars = sorted(JENA_DIR.glob("jena-*.jar"))
        jars = [j for j in jars if not re.search(r"-\d", j.name)]  # the unversioned links
        if not any(j.name == "jena-tdb2.jar" for j in jars):
            return (f"Jena is not installed (no {JENA_DIR}/jena-tdb2.jar; apt-get install "
                    "libapache-jena-java)")
        deps = [JENA_DIR / f"{name}.jar" for name in JENA_DEPS]
        missing = [d.name for d in deps if not d.exists()]
        if missing:
            return f"Jena's dependencies are missing: {', '.join(missing)}"
        self.work.mkdir(parents=True, exist_ok=True)
        fix = self.work / "xerces-messages.jar"
        # Debian left the shaded Xerces' message bundles under org/apache/jena/ext/xerces/
        # while its classes moved to xerces.*: copy them where the classes look.
        prefix = "org/apache/jena/ext/xerces/impl/"
        with zipfile.ZipFile(JENA_DIR / "jena-core.jar") as core, \
                zipfile.ZipFile(fix, "w") as out:
            for item in core.namelist():
                if item.startswith(prefix) and not item.endswith((".class", "/")):
                    out.writestr("xerces/impl/" + item[len(prefix):], core.read(item))
        self.classpath = ":".join(str(p) for p in [*jars, *deps, fix])
        versioned = sorted(JENA_DIR.glob("jena-arq-[0-9]*.jar"))
        self.version = "Jena " + (versioned[-1].stem.split("-")[-1] if versioned else "?")
        with contextlib.suppress(OSError, subprocess.SubprocessError, IndexError):
            done = subprocess.run([java, "-version"], capture_output=True, text=True,
                                  timeout=60)
            self.version += ", " + done.stderr.splitlines()[0].strip()
        return None

    def command(self, main: str, *args: str) -> list[str]:
        return ["java", self.heap, "-cp", self.classpath, main, *args]

    def load(self, spec: StoreSpec, reuse: bool) -> Path:
        """The store's N-Quads export loaded into a TDB2 database (reused if it matches)."""
        loc = self.work / f"tdb2-{spec.path.name}"
        marker = loc / "kgload-query-bench.json"
        stamp = {"store": str(spec.path.resolve()), "articles": spec.info.get("articles"),
                 "quads": spec.info.get("quads")}
        if reuse and marker.exists() and json.loads(marker.read_text()) == stamp:
            _say(f"{spec.label}: reusing TDB2 database {loc}")
            return loc
        shutil.rmtree(loc, ignore_errors=True)
        nquads = self.work / f"export-{spec.path.name}.nq"
        started = time.monotonic()
        _say(f"{spec.label}: exporting N-Quads for TDB2")
        done = subprocess.run([_cli(), "--store", str(spec.path), "export", "--format",
                               "nquads", "-o", str(nquads)], capture_output=True, text=True,
                              env=_cli_env())
        if done.returncode != 0:
            raise BenchError(f"kgload export failed: {done.stderr.strip()[-500:]}")
        _say(f"{spec.label}: loading {nquads.stat().st_size / 2**20:.0f} MiB into TDB2")
        done = subprocess.run(self.command("tdb2.tdbloader", "--loc", str(loc), str(nquads)),
                              capture_output=True, text=True)
        nquads.unlink()
        if done.returncode != 0:
            raise BenchError(f"tdb2.tdbloader failed: {done.stderr.strip()[-500:]}")
        marker.write_text(json.dumps(stamp))
        _say(f"{spec.label}: TDB2 ready in {time.monotonic() - started:.0f} s")
        return loc

    def query(self, loc: Path, sparql: str, name: str, args: argparse.Namespace,
              m: Measure) -> None:
        """TDB2's own --time for the full result: median of R runs after one warm-up."""
        path = self.work / "queries" / f"{name}.rq"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sparql, encoding="utf-8")
        command = self.command("tdb2.tdbquery", "--loc", str(loc), "--set",
                               "tdb:unionDefaultGraph=true", "--query", str(path), "--time",
                               f"--repeat=1,{args.reps}", "--results=tsv")
        times: list[float] = []
        lines = {"data": 0, "headers": 0}
        errors: list[str] = []

        def on_out(line: str) -> bool:
            lines["headers" if line.startswith("?") else "data"] += 1
            return False

        def on_err(line: str) -> bool:
            found = re.match(r"Time: ([0-9.]+) sec", line)
            if found:
                times.append(float(found.group(1)))
                return True
            errors.append(line)
            del errors[:-30]
            return False

        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
            assert p.stdout is not None and p.stderr is not None
            timed_out = _pump(p.pid, {p.stdout.fileno(): on_out, p.stderr.fileno(): on_err},
                              args.timeout, first_timeout=2 * args.timeout + 30)
            p.wait()
        watched = Watched(timed_out, 0, 0.0, "\n".join(errors))
        if timed_out:
            m.tdb2_failure = "timeout"
        elif p.returncode != 0:
            m.tdb2_failure = ("out of memory" if OOM_SIGNS.search(watched.stderr)
                              else "error: " + (errors or [f"exit {p.returncode}"])[-1][:200])
        # --repeat=1,R prints R timed lines, sometimes after the warm-up's own line
        if m.tdb2_failure is None and len(times) >= args.reps:
            m.tdb2 = _median(times[-args.reps:])
            if lines["headers"]:
                m.tdb2_rows = lines["data"] // lines["headers"]
        elif m.tdb2_failure is None:
            m.tdb2_failure = "error: no --time output"


# ---------------------------------------------------------------------- report

COLUMNS = ("articles", "query", "params", "rows", "bind s", "first page s", "full s",
           "CLI wall s", "peak RSS MB", "TDB2 s", "kgload/TDB2", "notes")


def _num(value: float | None, failure: str | None = None, digits: int = 3) -> str:
    if value is None:
        return failure.split(":")[0] if failure else "—"
    return _bench()._f(value, digits)


def _secs(value: float | None, failure: str | None) -> str:
    return f"{value:.3f} s" if value is not None else (failure or "not run")


def progress(m: Measure, jena: bool) -> str:
    """One case's numbers for the progress line on stderr."""
    text = (f"bind {_secs(m.bind, m.failure)}, page {_secs(m.page, m.failure)}, full "
            f"{_secs(m.full, m.failure)}, {m.rows if m.rows is not None else '?'} rows, "
            f"CLI {_secs(m.cli, m.cli_failure)}, {m.peak_rss_mb or 0:.0f} MB")
    return text + (f", TDB2 {_secs(m.tdb2, m.tdb2_failure)}" if jena else "")


def ratio(m: Measure) -> float | None:
    if m.full is None or m.tdb2 is None:
        return None
    return m.full / max(m.tdb2, 1e-6)


def table(rows: list[tuple[StoreSpec, Case, Measure]], jena: bool) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for spec, case, m in rows:
        notes = list(m.notes)
        if case.skip:
            notes.append(f"not run: {case.skip}")
        if m.failure:
            notes.append(f"{m.failed_phase}: {m.failure}")
        if m.cli_failure:
            notes.append(f"CLI: {m.cli_failure}")
        if m.tdb2_failure:
            notes.append(f"TDB2: {m.tdb2_failure}")
        if m.tdb2_rows is not None and m.rows is not None and m.tdb2_rows != m.rows:
            notes.append(f"TDB2 gives {m.tdb2_rows} rows")
        rows_cell = ("—" if m.rows is None and m.page_rows is None
                     else str(m.rows) if m.rows is not None
                     else str(m.page_rows) if m.page_rows < PAGE else f"≥ {PAGE}")
        r = ratio(m)
        early = m.failure if m.failed_phase in ("open", "bind") else None
        cells = [spec.label, case.query, case.shown, rows_cell, _num(m.bind, early),
                 _num(m.page, early or (m.failure if m.failed_phase == "page" else None)),
                 _num(m.full, m.failure), _num(m.cli, m.cli_failure),
                 f"{m.peak_rss_mb:.0f}" if m.peak_rss_mb else "—",
                 _num(m.tdb2, m.tdb2_failure) if jena else "n/a",
                 _bench()._f(r) if r is not None else ("n/a" if not jena else "—"),
                 "; ".join(notes)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def targets(rows: list[tuple[StoreSpec, Case, Measure]], jena: str | None) -> str:
    """PASS/FAIL per target of the issue, at the largest store measured."""
    if not rows:
        return "No case was measured."
    spec = max((s for s, _, _ in rows), key=lambda s: s.articles)
    here = [(c, m) for s, c, m in rows if s is spec and not c.skip]

    def who(case: Case, why: str) -> str:
        return f"{case.key}: {why}"

    def check(bad: list[str], considered: int) -> tuple[str, str]:
        if not considered:
            return "SKIP", "no case"
        return ("FAIL", "; ".join(bad)) if bad else ("PASS", f"{considered} cases")

    out = []
    limit = TARGETS["page"]
    bad = [who(c, m.failure or "?") if m.page is None else who(c, f"{m.page:.2f} s")
           for c, m in here if m.page is None or m.page > limit]
    out.append((f"every query's first page (limit {PAGE}) ≤ {limit:g} s in process",
                *check(bad, len(here))))
    limit = TARGETS["full"]
    bad = [who(c, m.failure or "?") if m.full is None else who(c, f"{m.full:.1f} s")
           for c, m in here if m.full is None or m.full > limit]
    out.append((f"every query's full result ≤ {limit:g} s in process", *check(bad, len(here))))
    limit = TARGETS["rss_mb"]
    bad = [who(c, m.failure if m.failure == "out of memory" else f"{m.peak_rss_mb:.0f} MB")
           for c, m in here
           if m.failure == "out of memory" or (m.peak_rss_mb or 0) > limit]
    out.append((f"every query under {limit / 1024:g} GiB peak RSS (child process)",
                *check(bad, len(here))))
    lookups = [(c, m) for c, m in here if c.lookup]
    limit = TARGETS["lookup"]
    bad = [who(c, m.failure or "?") if m.page is None or m.bind is None else
           who(c, f"bind {m.bind * 1000:.0f} ms + first page {m.page * 1000:.0f} ms")
           for c, m in lookups if m.page is None or m.bind is None or m.bind + m.page > limit]
    names = ", ".join(sorted({c.query for c, _ in lookups})) or "none"
    out.append((f"look-ups binding a required actor/entity ({names}): bind (resolving the "
                f"value) + first page ≤ {limit * 1000:g} ms in process",
                *check(bad, len(lookups))))
    name = f"kgload no slower than TDB2 (full result, ratio ≤ {TARGETS['tdb2']:g})"
    if jena:
        out.append((name, "SKIP", jena))
    else:
        compared, bad = 0, []
        for c, m in here:
            r = ratio(m)
            if r is not None:
                compared += 1
                if r > TARGETS["tdb2"]:
                    bad.append(who(c, f"{r:.2f}×"))
            elif m.full is None and m.tdb2 is not None:
                compared += 1
                bad.append(who(c, f"kgload {m.failure}, TDB2 {m.tdb2:.2f} s"))
            elif m.full is not None and m.tdb2_failure:
                compared += 1
        out.append((name, *check(bad, compared)))
    lines = [f"Targets at the largest store ({spec.label} articles):", "",
             "| target | result | cases |", "|---|---|---|"]
    lines += [f"| {t} | {r} | {d.replace('|', '/')} |" for t, r, d in out]
    return "\n".join(lines)


def queries_digest(queries: dict[str, Any]) -> str:
    """A digest of the stored queries' texts: they may change while a run goes on."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(queries):
        digest.update(name.encode() + b"\0" + queries[name].sparql.encode() + b"\0")
    return f"sha256 {digest.hexdigest()[:12]} ({len(queries)} queries)"


def header(results: dict[str, Any]) -> str:
    """Machine, versions, command and settings, as bench.py's table starts."""
    m, v = results["machine"], results["machine"]["versions"]
    src, after = results["source"], results["source_after"]
    changed = ("unchanged during the run" if after["digest"] == src["digest"]
               else f"CHANGED DURING THE RUN (now {after['digest']}): cases may have measured "
               "different code")
    rows = [
        ("machine", f"{m['nproc']} CPUs, {m['cpu']}, {m['ram_gib']:.1f} GiB RAM, "
                    f"{m['system']}; load average {m['loadavg'][0]:.2f} / "
                    f"{m['loadavg'][1]:.2f} / {m['loadavg'][2]:.2f} at start"),
        ("date", f"{m['date']}; whole run {results['seconds']:.0f} s"),
        ("versions", f"Python {v['python']}, " + ", ".join(
            f"{name} {v[name]}" for name in _bench().LIBRARIES) + f"; {results['jena']}"),
        ("kgload source", f"sha256 {src['digest']} ({src.get('files', 0)} files), newest "
                          f"file changed {src['newest']}; {changed}"),
        ("stored queries", results["queries"]),
        ("command", f"`{results['command']}`"),
        ("settings", results["settings"]),
        ("stores", "; ".join(results["stores"])),
        ("baseline RSS", results["baseline"]),
    ]
    return "\n".join(["| | |", "|---|---|"]
                     + [f"| {k} | {val.replace('|', '/')} |" for k, val in rows])


def write_results(path: Path, text: str) -> None:
    """Write ``text`` between this script's markers in ``path``, keeping the rest."""
    section = f"{BEGIN}\n{text}\n{END}"
    if path.exists():
        current = path.read_text(encoding="utf-8")
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            path.write_text(head + section + rest.split(END, 1)[1], encoding="utf-8")
        else:
            path.write_text(current.rstrip("\n") + "\n\n" + section + "\n", encoding="utf-8")
        return
    path.write_text("# kgload query benchmark results\n\nWritten by "
                    "`benchmarks/query_bench.py --results`.\n\n" + section + "\n",
                    encoding="utf-8")


# ---------------------------------------------------------------------- main


def run_benchmark(args: argparse.Namespace, argv: Sequence[str], out: Path) -> str:
    from kgload.queries import bind, load_queries

    bench = _bench()
    started = time.monotonic()
    results: dict[str, Any] = {
        "command": "python benchmarks/query_bench.py " + shlex.join(argv),
        "machine": bench.machine(), "source": bench.source_digest(),
    }
    queries, notes = load_queries(args.queries)
    for note in notes:
        _say(note)
    results["queries"] = queries_digest(queries)
    jena: Jena | None = None
    jena_skip: str | None = "--no-jena" if args.no_jena else None
    if jena_skip is None:
        jena = Jena(out / "jena", args.max_rss_gb)
        jena_skip = jena.find()
        if jena_skip:
            _say(f"Jena: {jena_skip}; the TDB2 columns are skipped")
            jena = None
    results["jena"] = jena.version if jena else f"Jena not run ({jena_skip})"
    stores = prepare_stores(args, out)
    rows: list[tuple[StoreSpec, Case, Measure]] = []
    results["stores"], baselines = [], []
    for spec in stores:
        results["stores"].append(f"{spec.label}: {spec.path}, {spec.articles} articles, "
                                 f"{spec.info.get('quads', 0):,} quads")
        messages, watched = in_child(_child_picks(str(spec.path), args.top),
                                     timeout=max(args.timeout, 60), max_rss_gb=args.max_rss_gb)
        if watched.failure() or not messages or "actors" not in messages[-1]:
            raise BenchError(f"picking parameters on {spec.path} failed: "
                             f"{messages[-1] if messages else watched.failure()}")
        picks = messages[-1]
        _say(f"{spec.label}: actors " + ", ".join(
            f"{_short(a['iri'])} ({a['events']} events)" for a in picks["actors"])
            + f"; median action start {picks['median']} (actions from {picks['lo']} to "
            f"{picks['hi']})")
        _, idle = in_child(_child_store_info(str(spec.path)), timeout=args.timeout,
                           max_rss_gb=args.max_rss_gb)
        baselines.append(f"{spec.label}: {idle.peak_rss_mb:.0f} MB")
        tdb = jena.load(spec, args.reuse) if jena else None
        cases = [c for c in plan_cases(queries, picks, args.windows)
                 if not args.only or c.query in args.only]
        for number, case in enumerate(cases, start=1):
            m = Measure()
            if not case.skip:
                query = queries[case.query]
                m = measure_in_process(spec.path, query, case, args)
                if m.failed_phase in ("open", "bind", "page"):
                    m.cli_failure = "skipped: the first page did not finish in process"
                else:
                    measure_cli(spec.path, case, args, m)
                if jena and tdb:
                    jena.query(tdb, bind(query, case.values), f"{spec.path.name}-{number:03d}",
                               args, m)
            rows.append((spec, case, m))
            shown = f" ({case.shown})" if case.shown != case.tag else ""
            _say(f"{spec.label} {number}/{len(cases)} {case.key}{shown}: "
                 + (f"not run ({case.skip})" if case.skip else progress(m, jena is not None)))
    results["baseline"] = ("peak RSS of a forked child that only opens the store (included "
                           "in every peak RSS): " + "; ".join(baselines))
    results["settings"] = (f"{args.reps} timed run(s) after 1 warm-up, in process "
                           "(kgload.queries.bind, then kgload.queries.run on an open store; "
                           "medians; entities given as IRIs); CLI: median of "
                           f"{args.cli_reps} run(s), start-up included; timeout {args.timeout:g}"
                           f" s per run; RLIMIT_AS {args.max_rss_gb:g} GiB per child; TDB2: "
                           "median of its own --time over the same runs after 1 warm-up in "
                           "one JVM (JVM start excluded), union default graph"
                           + (" (quick mode)" if args.quick else ""))
    results["seconds"] = time.monotonic() - started
    results["source_after"] = bench.source_digest()
    after = queries_digest(load_queries(args.queries)[0])
    if after != results["queries"]:
        results["queries"] += f"; CHANGED DURING THE RUN (now {after})"
    else:
        results["queries"] += "; unchanged during the run"
    text = "\n\n".join([header(results), table(rows, jena is not None),
                        targets(rows, jena_skip)])
    failed = "| FAIL |" in text.split("Targets at", 1)[-1]
    return text + ("\n" if not failed else "\n\nSome targets failed.\n")


def load_names(folders: Sequence[Path]) -> list[str]:
    """The names of the stored queries (bundled, and those of the extra folders)."""
    from kgload.queries import load_queries

    return list(load_queries(folders)[0])


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of article counts") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("article counts must be at least 1")
    return tuple(sorted(set(sizes)))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="query_bench.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 12 articles, 1 timed run, 5 s timeout, the top "
                             "actor only, the month window only, no Jena")
    parser.add_argument("--sizes", type=_sizes, default=None,
                        help="comma-separated store sizes in articles (default 1000,10000)")
    parser.add_argument("--store", type=Path, action="append", default=[],
                        help="measure this existing kgload store instead (repeatable)")
    parser.add_argument("--out", type=Path, default=None,
                        help="working folder: corpora, stores, TDB2 (default: a temporary "
                             "folder, removed at the end unless --keep)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse (or complete) stores and TDB2 databases already in --out")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--jobs", type=int, default=2, help="kgload load --jobs (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--reps", type=int, default=None,
                        help="timed runs per case after one warm-up (default 5; quick 1)")
    parser.add_argument("--cli-reps", type=int, default=None,
                        help="CLI runs per case (default 3; quick 1)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds allowed per query run (default 60; quick 5)")
    parser.add_argument("--top", type=int, default=None,
                        help="busiest actors to bind (default 3; quick 1), besides an idle one")
    parser.add_argument("--max-rss-gb", type=float, default=4.0,
                        help="address-space limit of each child, GiB (default 4; Jena: -Xmx)")
    parser.add_argument("--no-jena", action="store_true", help="skip the TDB2 comparison")
    parser.add_argument("--queries", type=Path, action="append", default=[],
                        help="extra stored-query folder (as kgload --queries), repeatable")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="measure only this stored query (repeatable; default: all)")
    parser.add_argument("--results", type=Path, default=None,
                        help="write/update this Markdown file with the tables")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a target fails (default: report only)")
    args = parser.parse_args(argv)
    known = set(load_names(args.queries))
    unknown = sorted(set(args.only) - known)
    if unknown:
        parser.error(f"--only: no stored query named {', '.join(unknown)} "
                     f"(known: {', '.join(sorted(known))})")
    defaults = QUICK if args.quick else FULL
    args.sizes_given = args.sizes is not None
    args.sizes = args.sizes or defaults["sizes"]
    args.reps = max(1, args.reps or defaults["reps"])
    args.cli_reps = max(1, args.cli_reps or defaults["cli_reps"])
    args.timeout = args.timeout or defaults["timeout"]
    args.no_jena = args.no_jena or args.quick
    args.top = args.top or defaults["top"]
    args.windows = defaults["windows"]
    temporary = args.out is None
    out = (args.out or Path(tempfile.mkdtemp(prefix="kgload-query-bench-"))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    _say(f"working folder {out}")
    try:
        text = run_benchmark(args, argv, out)
    except BenchError as exc:
        _say(f"error: {exc}")
        return 2
    finally:
        if temporary and not args.keep:
            shutil.rmtree(out, ignore_errors=True)
        elif temporary:
            _say(f"kept {out} (rerun with --out {out} --reuse)")
    print(text, end="")
    if args.results:
        write_results(args.results, text.rstrip("\n"))
        _say(f"wrote {args.results}")
    return 1 if args.check and "Some targets failed." in text else 0


if __name__ == "__main__":
    sys.exit(main())
