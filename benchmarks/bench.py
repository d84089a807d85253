#!/usr/bin/env python3
"""Benchmark ``kgload load`` against its baselines, in one run, as ratios.

    python benchmarks/bench.py [--quick] [--articles 1000,10000] [--out DIR] [--jobs N]
                               [--results benchmarks/RESULTS.md] [--seed S]
                               [--baseline-budget SECONDS] [--sample K] [--reps R]

The machine this runs on is shared and noisy, so every claim is a ratio against a
baseline measured in the same run. One run:

1. generates seeded corpora of the requested sizes (``benchmarks/generate.py``);
2. loads each into a fresh store through the library (``Store`` + ``pipeline.load``) and
   reports the stage seconds of ``LoadReport.seconds``, the wall time, articles/s,
   quads/s and the peak RSS;
3. runs the straightforward pipeline (one rdflib graph: ontology + registry + every
   article's mapped graph; owlrl's ``DeductiveClosure.expand``; ``pyshacl.validate``) on
   the largest subset of the smallest corpus that fits ``--baseline-budget``, and
   extrapolates it linearly to the whole corpus when the subset is smaller;
4. compares the reasoners per article on a sample (``reasoning.infer``, owlrl, against
   ``fastreason.infer_fast``): same triples and inconsistencies, and the speed ratio;
5. measures the floor: Oxigraph's own ``bulk_load`` of the N-Quads export of each loaded
   store, against kgload's write stage on the same data;
6. measures the incremental cost of one fresh article in the largest store against an
   empty store (holding only the background graphs), in-process and through the CLI.

Every measured phase runs in its own process (``bench.py --phase NAME --spec FILE``), so
its peak RSS (``ru_maxrss``) is its own. The result is one table on stdout (and, with
``--results``, in a Markdown file, between markers, with the command that produced it);
the raw numbers go to ``OUT/results.json``.

``--quick`` is a smoke run that finishes in under a minute on a 2-core machine: one
small corpus, a short baseline budget, a small reasoning sample, 3 repetitions.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
FULL = {"articles": (1000, 10000), "budget": 240.0, "sample": 30, "reps": 5}
# 300 articles alone take ~25-60 s to load at jobs 1 on the 2-core reference machine, so
# a sub-minute quick run uses fewer (see README.md, "bench.py").
QUICK = {"articles": (150,), "budget": 8.0, "sample": 5, "reps": 3}
OWLRL_PRIOR = 900.0  # input triples/s owlrl manages here: only sizes the first pilot run
TARGETS = {"write_floor": 2.0, "fast_owlrl": 50.0, "incremental": 1.5}
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
LIBRARIES = ("kgload", "rdflib", "owlrl", "pyshacl", "pyoxigraph", "jsonschema", "PyYAML")

Spec = dict[str, Any]


# ---------------------------------------------------------------------------- helpers


def _peak_rss_mb() -> float:
    """This process's peak resident set size (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generator() -> ModuleType:
    name = "kgload_benchmarks_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def _article_files(corpus: Path) -> list[Path]:
    """The corpus's facts files, in generation order (from its manifest)."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    return [corpus / name for name in manifest["files"]]


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _kgload_cli() -> str:
    beside = Path(sys.executable).with_name("kgload")
    return str(beside) if beside.exists() else (shutil.which("kgload") or "kgload")


# ---------------------------------------------------------------------------- phases
# Each phase runs in a fresh interpreter, reads its spec and returns a JSON-able dict.


def phase_load(spec: Spec) -> dict[str, Any]:
    """Load a corpus into a fresh store through the library."""
    from kgload.iris import Iris
    from kgload.pipeline import STAGES, load
    from kgload.store import Store

    store_dir = Path(spec["store"])
    shutil.rmtree(store_dir, ignore_errors=True)
    iris = Iris()
    committed: list[float] = []  # when each article was reported committed (batch times)
    started = time.perf_counter()
    with Store(store_dir, write=True) as store:
        opened = time.perf_counter()
        report = load(store, [Path(spec["corpus"]) / "articles"], iris, jobs=spec["jobs"],
                      on_outcome=lambda _: committed.append(time.perf_counter() - opened))
        wall = time.perf_counter() - opened
        background = sum(store.count(g) for g in (
            iris.ontology_graph, iris.registry_graph, iris.registry_inferred_graph))
        quads = len(store.ox)
        closing = time.perf_counter()
    closed = time.perf_counter()
    return {
        "articles": len(report.outcomes),
        "loaded": report.count("loaded", "reloaded"),
        "rejected": report.count("rejected"),
        "seconds": {stage: report.seconds.get(stage, 0.0) for stage in STAGES},
        "wall": wall,
        "open": opened - started,
        "close": closed - closing,
        "quads_total": quads,
        "quads_background": background,
        "quads": quads - background,
        "asserted": sum(o.asserted for o in report.outcomes),
        "inferred": sum(o.inferred for o in report.outcomes),
        "tenths": _tenths(committed),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _tenths(times: Sequence[float]) -> list[float]:
    """Articles/s in each tenth of the run (by articles committed): does the rate hold?

    Commit times come in batches (~2 s apart), so tenths are only given from 200 articles.
    """
    n = len(times)
    if n < 200:
        return []
    cuts = [round(n * i / 10) for i in range(11)]
    rates = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        start = times[a - 1] if a else 0.0
        rates.append((b - a) / max(times[b - 1] - start, 1e-9))
    return rates


def _straightforward(files: Sequence[Path], registry: Any, ontology: Any, shapes: Any,
                     types: dict[str, str], iris: Any) -> dict[str, Any]:
    """One rdflib graph, owlrl over all of it, pySHACL over all of it; seconds per step."""
    import owlrl
    import pyshacl
    from rdflib import RDF, Graph
    from rdflib.namespace import SH

    from kgload.check import check_facts
    from kgload.facts import read_file
    from kgload.mapping import map_article

    t0 = time.perf_counter()
    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    for triple in registry:
        graph.add(triple)
    for path in files:
        mapped = map_article(check_facts(read_file(path), types), iris)
        for triple in mapped.graph:
            graph.add(triple)
    t1 = time.perf_counter()
    input_triples = len(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    t2 = time.perf_counter()
    closed_triples = len(graph)
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none",
                                           abort_on_first=False, allow_warnings=True,
                                           advanced=False)
    t3 = time.perf_counter()
    return {
        "articles": len(files),
        "input_triples": input_triples,
        "closed_triples": closed_triples,
        "prepare": t1 - t0,
        "owlrl": t2 - t1,
        "shacl": t3 - t2,
        "total": t3 - t0,
        "conforms": bool(conforms),
        "shacl_results": sum(1 for _ in report.subjects(RDF.type, SH.ValidationResult)),
    }


def _fit(runs: list[dict[str, Any]]) -> tuple[float, float]:
    """(fixed seconds, seconds per article) through the last two runs (or the only one).

    A negative fixed cost (the cost grows faster than linearly) is clamped at 0.
    """
    if len(runs) >= 2:
        (n0, t0), (n1, t1) = ((r["articles"], r["total"]) for r in runs[-2:])
        slope = (t1 - t0) / (n1 - n0) if n1 != n0 else 0.0
        if slope > 0:
            return max(0.0, t1 - slope * n1), slope
    last = runs[-1]
    return 0.0, last["total"] / last["articles"]  # fixed cost counted per article: errs high


def phase_baseline(spec: Spec) -> dict[str, Any]:
    """The straightforward pipeline on the largest prefix of the corpus that fits the budget.

    A pilot run, sized with owlrl's usual rate to a few percent of the budget, gives a first
    cost per article (its fixed cost included, so it errs high); a second run is sized to a
    quarter of the budget, a third from the line through the first two (fixed cost + cost
    per article) to fill what is left, until the corpus is covered or a larger run no
    longer fits. The
    largest run is the measurement; the line through the last two runs extrapolates it to
    the whole corpus when it is smaller.
    """
    import pyshacl  # noqa: F401 - imported before timing (kgload's load imports it too)

    from kgload.background import background
    from kgload.check import check_facts
    from kgload.facts import read_file
    from kgload.iris import Iris
    from kgload.mapping import map_article
    from kgload.ontology import ontology_graph, shapes_graph
    from kgload.registry import load_registry

    files = _article_files(Path(spec["corpus"]))
    n = len(files)
    budget = float(spec["budget"])
    iris = Iris()
    registry = background(iris).registry
    ontology, shapes, types = ontology_graph(), shapes_graph(), load_registry().types
    fixed = len(ontology) + len(registry)
    per_article = len(map_article(check_facts(read_file(files[0]), types), iris).graph)
    # owlrl's usual rate, validation costing as much again: ~5% of the budget
    size = int((0.05 * budget * OWLRL_PRIOR / 2 - fixed) / max(per_article, 1))
    size = max(1, min(n, size))
    started = time.perf_counter()
    runs: list[dict[str, Any]] = []
    while True:
        runs.append(_straightforward(files[:size], registry, ontology, shapes, types, iris))
        if size == n:
            break
        remaining = budget - (time.perf_counter() - started)
        fixed_s, per_s = _fit(runs)
        # the second run takes a quarter of the budget, the last one what is left: the
        # line through them then spans a wide range of sizes
        share = min(0.25 * budget, 0.9 * remaining) if len(runs) == 1 else 0.9 * remaining
        size_next = min(n, int((share - fixed_s) / per_s))
        if size_next < max(size + 1, int(size * 1.25)):
            break
        size = size_next
    final = max(runs, key=lambda r: r["articles"])
    if final["articles"] == n:
        extrapolated = final["total"]
        method = "measured on the whole corpus"
    else:
        fixed_s, per_s = _fit(runs)
        extrapolated = fixed_s + per_s * n
        method = (f"extrapolated from {final['articles']} articles"
                  + (f" (line through the runs of {runs[-2]['articles']} and "
                     f"{runs[-1]['articles']} articles: {fixed_s:.2f} s + "
                     f"{per_s:.3f} s/article)" if len(runs) >= 2 else " (proportionally)"))
        per_article = [r["total"] / r["articles"] for r in runs]
        if len(runs) >= 2 and per_article[-1] > per_article[-2]:
            method += ("; its cost per article grows with the graph, so this flatters it")
    return {
        "corpus_articles": n,
        "runs": runs,
        "final": final,
        "budget": budget,
        "extrapolated_total": extrapolated,
        "extrapolated_articles_per_s": n / extrapolated,
        "method": method,
        "peak_rss_mb": _peak_rss_mb(),
    }


def phase_reasoning(spec: Spec) -> dict[str, Any]:
    """owlrl (the reference) and the fast reasoner on the same mapped articles."""
    from kgload.background import background
    from kgload.check import check_facts
    from kgload.facts import read_file
    from kgload.fastreason import FallBack, infer_fast
    from kgload.iris import Iris
    from kgload.mapping import map_article
    from kgload.reasoning import infer
    from kgload.registry import load_registry

    files = _article_files(Path(spec["corpus"]))
    k = min(spec["sample"], len(files))
    step = len(files) / k
    sample = [files[int(i * step)] for i in range(k)]
    iris = Iris()
    bg = background(iris)
    types = load_registry().types
    graphs = [map_article(check_facts(read_file(p), types), iris).graph for p in sample]
    # warm both (compiled tables, rule store, owlrl's imports) on an article outside the sample
    warm = files[-1] if files[-1] not in sample else files[0]
    warm_graph = map_article(check_facts(read_file(warm), types), iris).graph
    infer(warm_graph, bg)
    with contextlib.suppress(FallBack):
        infer_fast(warm_graph, bg)
    rows = []
    for i, graph in enumerate(graphs):
        def run_owlrl(graph: Any = graph) -> Any:
            return infer(graph, bg)

        def run_fast(graph: Any = graph) -> Any:
            try:
                return infer_fast(graph, bg)
            except FallBack as exc:
                return exc

        order: list[tuple[str, Callable[[], Any]]] = [("owlrl", run_owlrl), ("fast", run_fast)]
        if i % 2:  # alternate which goes first, so drift on a noisy machine evens out
            order.reverse()
        timed: dict[str, tuple[float, Any]] = {}
        for name, run in order:
            t = time.perf_counter()
            result = run()
            timed[name] = (time.perf_counter() - t, result)
        (owlrl_s, reference), (fast_s, fast) = timed["owlrl"], timed["fast"]
        fallback = isinstance(fast, FallBack)
        equal = (not fallback and set(reference.graph) == set(fast.graph)
                 and sorted(reference.inconsistencies) == sorted(fast.inconsistencies))
        rows.append({"article": sample[i].stem, "asserted": len(graph), "owlrl": owlrl_s,
                     "fast": fast_s, "equal": equal, "fallback": str(fast) if fallback else None,
                     "inferred": len(reference.graph)})
    owlrl_total = sum(r["owlrl"] for r in rows)
    fast_total = sum(r["fast"] for r in rows if not r["fallback"])
    return {
        "sample": k,
        "corpus_articles": len(files),
        "rows": rows,
        "equal": sum(r["equal"] for r in rows),
        "fallbacks": sum(1 for r in rows if r["fallback"]),
        "owlrl_median": _median([r["owlrl"] for r in rows]),
        "fast_median": _median([r["fast"] for r in rows]),
        "ratio": owlrl_total / fast_total if fast_total else float("nan"),
        "ratio_median": _median([r["owlrl"] / r["fast"] for r in rows if r["fast"] > 0]),
        "peak_rss_mb": _peak_rss_mb(),
    }


def phase_export(spec: Spec) -> dict[str, Any]:
    """The loaded store as N-Quads, with kgload's own exporter."""
    from kgload.export import RdfFormat, export
    from kgload.iris import Iris
    from kgload.store import Store

    started = time.perf_counter()
    with Store(spec["store"], write=False) as store, open(spec["nquads"], "wb") as out:
        quads = export(store, out, RdfFormat.NQUADS, Iris())
    return {"quads": quads, "seconds": time.perf_counter() - started,
            "bytes": os.path.getsize(spec["nquads"]), "peak_rss_mb": _peak_rss_mb()}


def phase_floor(spec: Spec) -> dict[str, Any]:
    """Oxigraph's bulk loader, from the N-Quads file into a fresh store."""
    import pyoxigraph as ox

    target = Path(spec["floor_store"])
    shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    store = ox.Store(str(target))
    opened = time.perf_counter()
    store.bulk_load(path=spec["nquads"], format=ox.RdfFormat.N_QUADS)
    store.flush()
    loaded = time.perf_counter()
    quads = len(store)
    del store
    shutil.rmtree(target, ignore_errors=True)
    return {"seconds": loaded - opened, "open": opened - started, "quads": quads,
            "peak_rss_mb": _peak_rss_mb()}


def phase_incremental(spec: Spec) -> dict[str, Any]:
    """One fresh article into the big store and into an empty one: library, then CLI.

    Each repetition uses its own fresh article, the same one for both stores, and removes
    it afterwards (untimed), so both stores stay as they were. The order of the two stores
    alternates between repetitions.
    """
    from kgload.background import background
    from kgload.iris import Iris
    from kgload.pipeline import ensure_background, load, remove
    from kgload.store import Store

    iris = Iris()
    big, empty = Path(spec["big_store"]), Path(spec["empty_store"])
    shutil.rmtree(empty, ignore_errors=True)
    with Store(empty, write=True) as store:
        ensure_background(store, background(iris))
    fresh = [(Path(p), aid) for p, aid in spec["fresh"]]
    warm, reps = fresh[0], fresh[1:]
    stores = {"big": big, "empty": empty}

    def ordered(i: int) -> list[str]:
        return ["big", "empty"] if i % 2 == 0 else ["empty", "big"]

    library: dict[str, list[float]] = {"big": [], "empty": []}
    opened: dict[str, Store] = {}
    try:
        for name, path in stores.items():
            opened[name] = Store(path, write=True)
            opened[name].open()
        for name in stores:  # warm-up: background, compiled rules, shapes, pySHACL import
            load(opened[name], [warm[0]], iris)
            remove(opened[name], warm[1], iris)
        for i, (path, aid) in enumerate(reps):
            for name in ordered(i):
                t = time.perf_counter()
                report = load(opened[name], [path], iris)
                library[name].append(time.perf_counter() - t)
                if report.count("loaded") != 1:
                    raise RuntimeError(f"{path} did not load: {report.outcomes}")
                remove(opened[name], aid, iris)
    finally:
        for store in opened.values():
            store.close()

    cli: dict[str, list[float]] = {"big": [], "empty": []}
    command = _kgload_cli()
    for i, (path, aid) in enumerate(reps):
        for name in ordered(i):
            t = time.perf_counter()
            done = subprocess.run([command, "--store", str(stores[name]), "-q", "load",
                                   str(path)], capture_output=True, text=True)
            cli[name].append(time.perf_counter() - t)
            if done.returncode != 0:
                raise RuntimeError(f"kgload load {path} failed ({done.returncode}): "
                                   f"{done.stderr}")
            with Store(stores[name], write=True) as store:
                remove(store, aid, iris)
    result: dict[str, Any] = {"reps": len(reps), "cli_command": command}
    for mode, times in (("library", library), ("cli", cli)):
        result[mode] = {name: {"median": _median(ts), "all": ts} for name, ts in times.items()}
        result[mode]["ratio"] = result[mode]["big"]["median"] / result[mode]["empty"]["median"]
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


PHASES: dict[str, Callable[[Spec], dict[str, Any]]] = {
    "load": phase_load,
    "baseline": phase_baseline,
    "reasoning": phase_reasoning,
    "export": phase_export,
    "floor": phase_floor,
    "incremental": phase_incremental,
}


def run_phase_here(name: str, spec_path: Path) -> int:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    result = PHASES[name](spec)
    Path(spec["result"]).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------- driver


class Runner:
    """Runs phases in subprocesses and keeps their results."""

    def __init__(self, out: Path) -> None:
        self.folder = out / "phases"
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, label: str, name: str, **spec: Any) -> dict[str, Any]:
        spec_path = self.folder / f"{label}.spec.json"
        result_path = self.folder / f"{label}.result.json"
        result_path.unlink(missing_ok=True)
        spec_path.write_text(json.dumps({**spec, "result": str(result_path)}), encoding="utf-8")
        _say(f"{label} ...")
        started = time.perf_counter()
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--phase", name,
                        "--spec", str(spec_path)], check=True)
        result = json.loads(result_path.read_text(encoding="utf-8"))
        _say(f"{label}: {time.perf_counter() - started:.1f} s")
        return result


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def make_corpora(out: Path, sizes: Sequence[int], seed: int) -> dict[int, dict[str, Any]]:
    """Generate (or reuse, if the manifest matches) one corpus per size."""
    gen = _generator()
    corpora = {}
    for n in sizes:
        folder = out / f"corpus-{n}"
        manifest_path = folder / "manifest.json"
        manifest = None
        if manifest_path.exists():
            old = gen.Manifest.read(manifest_path)
            if old.seed == seed and old.articles == n and not old.violations:
                manifest = old
        if manifest is None:
            _say(f"generating {n} articles (seed {seed}) in {folder}")
            manifest = gen.generate(folder, n, seed=seed, fmt="yaml", overwrite=True)
        corpora[n] = {"path": str(folder), "actions": manifest.totals["actions"]}
    return corpora


def make_fresh(out: Path, first_index: int, count: int, seed: int) -> list[tuple[str, str]]:
    """Articles ``first_index``... of the same seeded corpus: new to every store here."""
    gen = _generator()
    folder = out / "fresh"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    pool = gen.build_pool(seed)
    files = []
    for index in range(first_index, first_index + count):
        doc = gen.make_article(pool, index, seed)
        aid = doc["article"]["id"]
        path = folder / f"{aid}.yaml"
        header = f"Synthetic facts file: benchmarks/generate.py, seed {seed}, article {index}."
        path.write_text(gen.to_yaml(doc, header), encoding="utf-8")
        files.append((str(path), aid))
    return files


def source_digest() -> dict[str, Any]:
    """What kgload code is measured: a digest of its modules and data, the newest change.

    The package is installed in editable mode and may be edited while a run goes on; the
    digest is taken at the start and at the end of a run, and the table says if it moved.
    """
    import hashlib

    spec = importlib.util.find_spec("kgload")
    if spec is None or not spec.origin:
        return {"digest": "?", "newest": "?"}
    package = Path(spec.origin).parent
    roots = [package] + [package.parents[1] / name for name in
                         ("ontology", "shapes", "registry")]
    files = sorted(p for root in roots if root.is_dir() for p in root.rglob("*")
                   if p.is_file() and p.suffix in (".py", ".ttl", ".rq", ".yaml", ".json"))
    digest = hashlib.sha256()
    newest = 0.0
    for path in files:
        digest.update(str(path.relative_to(package.parents[1])).encode() + b"\0")
        digest.update(path.read_bytes())
        newest = max(newest, path.stat().st_mtime)
    return {"digest": digest.hexdigest()[:12], "files": len(files),
            "newest": datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "?"
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gib": ram,
            "loadavg": os.getloadavg(), "system": f"{platform.system()} {platform.release()}",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "versions": versions}


def run(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    sizes = sorted(set(args.articles))
    temporary = args.out is None
    out = Path(args.out or tempfile.mkdtemp(prefix="kgload-bench-")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "command": "python benchmarks/bench.py " + shlex.join(argv),
        "machine": machine(), "jobs": args.jobs, "seed": args.seed, "quick": args.quick,
        "sizes": sizes, "started": time.time(), "source": source_digest(),
    }
    try:
        phase = Runner(out)
        results["corpora"] = make_corpora(out, sizes, args.seed)
        results["load"], results["export"], results["floor"] = {}, {}, {}
        for n in sizes:
            results["load"][n] = phase(f"load-{n}", "load", corpus=results["corpora"][n]["path"],
                                       store=str(out / f"store-{n}"), jobs=args.jobs)
        small, big = sizes[0], sizes[-1]
        results["baseline"] = phase("baseline", "baseline",
                                    corpus=results["corpora"][small]["path"],
                                    budget=args.baseline_budget)
        results["reasoning"] = phase("reasoning", "reasoning",
                                     corpus=results["corpora"][small]["path"],
                                     sample=args.sample)
        for n in sizes:
            nquads = out / f"export-{n}.nq"
            results["export"][n] = phase(f"export-{n}", "export", store=str(out / f"store-{n}"),
                                         nquads=str(nquads))
            results["floor"][n] = phase(f"floor-{n}", "floor", nquads=str(nquads),
                                        floor_store=str(out / f"floor-{n}"))
            nquads.unlink(missing_ok=True)
        fresh = make_fresh(out, big, args.reps + 1, args.seed)
        results["incremental"] = phase("incremental", "incremental",
                                       big_store=str(out / f"store-{big}"),
                                       empty_store=str(out / "store-empty"), fresh=fresh)
        results["source_after"] = source_digest()
        results["seconds"] = time.time() - results["started"]
        (out / "results.json").write_text(json.dumps(results, indent=1, default=str),
                                          encoding="utf-8")
    finally:
        if temporary and not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    return results


# ---------------------------------------------------------------------------- the table


def _f(value: float, digits: int = 2) -> str:
    if value != value:  # NaN
        return "nan"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def _target(value: float, limit: float, at_least: bool) -> str:
    met = value >= limit if at_least else value <= limit
    return f"{'≥' if at_least else '≤'} {limit:g} ({'met' if met else 'missed'})"


def table(results: dict[str, Any]) -> str:
    """One Markdown table: measure | value | target | how it was measured."""
    rows: list[tuple[str, str, str, str]] = []

    def row(measure: str, value: str, target: str = "", note: str = "") -> None:
        rows.append((measure, value, target, note))

    m = results["machine"]
    v = m["versions"]
    row("machine", f"{m['nproc']} CPUs, {m['cpu']}, {m['ram_gib']:.1f} GiB RAM, {m['system']}",
        "", "load average {:.2f} / {:.2f} / {:.2f} at start (shared machine)".format(
            *m["loadavg"]))
    row("date", m["date"], "", f"whole run {results.get('seconds', 0):.0f} s")
    row("versions", f"Python {v['python']}, " + ", ".join(
        f"{name} {v[name]}" for name in LIBRARIES))
    src, after = results["source"], results["source_after"]
    row("kgload source", f"sha256 {src['digest']} ({src.get('files', 0)} files)", "",
        f"newest file changed {src['newest']}; " + (
            "unchanged during the run" if after["digest"] == src["digest"] else
            f"CHANGED DURING THE RUN (now {after['digest']}, {after['newest']}): "
            "phases may have measured different code"))
    row("command", f"`{results['command']}`", "",
        "quick mode" if results["quick"] else "full run")
    sizes = results["sizes"]
    row("corpora", ", ".join(f"{n} articles" for n in sizes), "",
        f"seed {results['seed']}, YAML; actions: " + ", ".join(
            f"{results['corpora'][n]['actions']:,}" for n in sizes))
    row("jobs", str(results["jobs"]), "",
        "stage seconds are summed over worker processes" if results["jobs"] > 1 else "")

    stages = (("parse", "parse"), ("schema", "check"), ("map", "map"), ("reason", "reason"),
              ("validate", "validate"), ("write", "write"))
    for n in sizes:
        ld = results["load"][n]
        row(f"load {n}: articles loaded / rejected", f"{ld['loaded']} / {ld['rejected']}")
        row(f"load {n}: quads written", f"{ld['quads']:,}", "",
            f"store holds {ld['quads_total']:,} with the background graphs")
        for label, key in stages:
            note = {"schema": "the check stage (JSON Schema, references, dates)",
                    "write": "rdflib→Oxigraph terms, journal, bulk_extend, flush"}.get(label, "")
            row(f"load {n}: {label} s", _f(ld["seconds"][key]), "", note)
        other = ld["wall"] - sum(ld["seconds"].values())
        row(f"load {n}: other s", _f(other), "",
            "wall minus stages (background closure, admission, batching)")
        row(f"load {n}: total wall s", _f(ld["wall"]), "",
            f"pipeline.load() on an open store; open {ld['open']:.2f} s, "
            f"close {ld['close']:.2f} s not included")
        row(f"load {n}: articles/s", _f(ld["loaded"] / ld["wall"]))
        tenths = ld.get("tenths")
        row(f"load {n}: articles/s, first tenth", _f(tenths[0]) if tenths else "n/a", "",
            "by commit times (batches of ~2 s)" if tenths else "from 200 articles")
        row(f"load {n}: articles/s, last tenth", _f(tenths[-1]) if tenths else "n/a", "",
            "all tenths: " + " ".join(_f(t, 1) for t in tenths) if tenths else "")
        row(f"load {n}: quads/s", _f(ld["quads"] / ld["wall"]))
        row(f"load {n}: peak RSS MB", _f(ld["peak_rss_mb"], 0))

    b = results["baseline"]
    fin = b["final"]
    small = sizes[0]
    row("straightforward: articles measured", f"{fin['articles']} of {b['corpus_articles']}",
        "", f"one rdflib graph, owlrl expand, pyshacl; budget {b['budget']:g} s; "
        f"{fin['input_triples']:,} input → {fin['closed_triples']:,} triples after owlrl; "
        f"SHACL conforms: {fin['conforms']} ({fin['shacl_results']} results)")
    row("straightforward: parse+check+map s", _f(fin["prepare"]))
    row("straightforward: owlrl expand s", _f(fin["owlrl"]), "",
        f"{fin['input_triples'] / fin['owlrl']:.0f} input triples/s")
    row("straightforward: pyshacl validate s", _f(fin["shacl"]), "",
        f"{fin['closed_triples'] / fin['shacl']:.0f} triples/s")
    row("straightforward: total s", _f(fin["total"]), "",
        f"{fin['total'] / fin['articles']:.3f} s/article, "
        f"{fin['total'] / fin['input_triples'] * 1000:.2f} ms/input triple; pilot runs: "
        + ", ".join(f"{r['articles']} articles {r['total']:.1f} s" for r in b["runs"]))
    row(f"straightforward: articles/s for {b['corpus_articles']}",
        _f(b["extrapolated_articles_per_s"], 3), "", b["method"])
    row("straightforward: peak RSS MB", _f(b["peak_rss_mb"], 0))
    kg_rate = results["load"][small]["loaded"] / results["load"][small]["wall"]
    row(f"ratio kgload / straightforward (articles/s, {small})",
        _f(kg_rate / b["extrapolated_articles_per_s"]), "",
        f"kgload measured on {small} articles; straightforward {b['method']}")

    r = results["reasoning"]
    row("reasoning: sample", f"{r['sample']} of {r['corpus_articles']}", "",
        f"equal output (triples and inconsistencies): {r['equal']}/{r['sample']}; "
        f"fast fell back to owlrl: {r['fallbacks']}")
    row("reasoning: owlrl s/article (median)", _f(r["owlrl_median"], 3), "",
        "kgload.reasoning.infer")
    row("reasoning: fast s/article (median)", _f(r["fast_median"], 4), "",
        "kgload.fastreason.infer_fast")
    row("ratio owlrl / fast per article", _f(r["ratio"]),
        _target(r["ratio"], TARGETS["fast_owlrl"], at_least=True),
        f"sum over the sample; median of per-article ratios {_f(r['ratio_median'])}")

    for n in sizes:
        ex, fl, ld = results["export"][n], results["floor"][n], results["load"][n]
        row(f"floor {n}: export N-Quads s", _f(ex["seconds"]), "",
            f"kgload.export.export, {ex['quads']:,} quads, {ex['bytes'] / 2**20:.0f} MiB, "
            f"peak RSS {ex['peak_rss_mb']:.0f} MB")
        row(f"floor {n}: Oxigraph bulk_load s", _f(fl["seconds"]), "",
            f"fresh pyoxigraph.Store, {fl['quads']:,} quads, peak RSS {fl['peak_rss_mb']:.0f} MB")
        row(f"ratio write / bulk_load ({n})", _f(ld["seconds"]["write"] / fl["seconds"]),
            _target(ld["seconds"]["write"] / fl["seconds"], TARGETS["write_floor"], False),
            "kgload's write stage vs Oxigraph's bulk loader on the same quads")
        row(f"ratio load wall / bulk_load ({n})", _f(ld["wall"] / fl["seconds"]), "",
            "the whole kgload load vs the floor")

    inc = results["incremental"]
    big = sizes[-1]
    for mode, label in (("library", "library"), ("cli", "CLI")):
        x = inc[mode]
        row(f"incremental {label}: empty store s", _f(x["empty"]["median"], 3), "",
            f"median of {inc['reps']} (" + " ".join(f"{t:.3f}" for t in x["empty"]["all"])
            + "); the store holds only the background graphs")
        row(f"incremental {label}: {big} store s", _f(x["big"]["median"], 3), "",
            f"median of {inc['reps']} (" + " ".join(f"{t:.3f}" for t in x["big"]["all"])
            + ")")
        note = ("pipeline.load() of one fresh article on an open store" if mode == "library"
                else "`kgload --store S load FILE`, start-up included")
        row(f"ratio incremental {label} ({big} / empty)", _f(x["ratio"]),
            _target(x["ratio"], TARGETS["incremental"], False), note)
    row("incremental: peak RSS MB", _f(inc["peak_rss_mb"], 0), "", "library part")

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| measure | value | target | how |", "|---|---:|---|---|"]
    lines += [f"| {' | '.join(cell(c) for c in r)} |" for r in rows]
    return "\n".join(lines)


def write_results(path: Path, text: str, command: str) -> None:
    section = f"{BEGIN}\nCommand: `{command}`\n\n{text}\n{END}"
    if path.exists():
        current = path.read_text(encoding="utf-8")
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            path.write_text(head + section + tail, encoding="utf-8")
            return
        path.write_text(current.rstrip("\n") + "\n\n" + section + "\n", encoding="utf-8")
        return
    path.write_text("# kgload benchmark results\n\nWritten by `benchmarks/bench.py --results`."
                    "\n\n" + section + "\n", encoding="utf-8")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of article counts") from None
    if not sizes or min(sizes) < 2:
        raise argparse.ArgumentTypeError("article counts must be at least 2")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a sub-minute smoke run (one small corpus, short budgets)")
    parser.add_argument("--articles", type=_sizes, default=None,
                        help="comma-separated corpus sizes (default 1000,10000; quick: "
                             f"{','.join(map(str, QUICK['articles']))})")
    parser.add_argument("--out", default=None,
                        help="working folder for corpora and stores (default: a temporary "
                             "folder, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--jobs", type=int, default=1, help="kgload load --jobs (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--baseline-budget", type=float, default=None,
                        help="seconds for the straightforward pipeline (default 240; quick "
                             f"{QUICK['budget']:g})")
    parser.add_argument("--sample", type=int, default=None,
                        help="articles in the reasoner comparison (default 30; quick "
                             f"{QUICK['sample']})")
    parser.add_argument("--reps", type=int, default=None,
                        help="repetitions of the incremental measurements (default 5; "
                             f"quick {QUICK['reps']})")
    parser.add_argument("--results", type=Path, default=None,
                        help="write/update this Markdown file with the table")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        return run_phase_here(args.phase, args.spec)
    defaults = QUICK if args.quick else FULL
    args.articles = args.articles or defaults["articles"]
    args.baseline_budget = (defaults["budget"] if args.baseline_budget is None
                            else args.baseline_budget)
    args.sample = max(1, args.sample or defaults["sample"])
    args.reps = max(1, args.reps or defaults["reps"])
    results = run(args, argv)
    text = table(results)
    print(text)
    if args.results:
        write_results(args.results, text, results["command"])
        _say(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
