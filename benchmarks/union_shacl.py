#!/usr/bin/env python3
"""Validate the union of a whole store against the shapes, as another triple store would.

    python benchmarks/union_shacl.py --store DIR [--max-results 20]
    python benchmarks/union_shacl.py --articles 1000 [--seed 0] [--out DIR]

kgload validates each article (with what the store knows of the entities it names) when
it is loaded. A team that exports the store and runs SHACL over everything at once sees
another graph: every article's facts together, with the shared entity descriptions. This
script builds that graph (every named graph's triples in one rdflib graph, the ontology
included so that ``sh:class`` follows the class hierarchy as kgload materializes it),
runs pySHACL on it with no inference, and prints whether it conforms and, if not, the
results by shape. With ``--articles N`` it first generates and loads a corpus of N
articles (``benchmarks/generate.py``) into a fresh store under ``--out``.

Exit status: 0 when the union conforms, 1 when it does not, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import collections
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_store(articles: int, seed: int, out: Path) -> Path:
    corpus, store = out / "corpus", out / "store"
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(corpus), "--articles",
                    str(articles), "--seed", str(seed), "--force"], check=True)
    subprocess.run([sys.executable, "-m", "kgload.cli", "--store", str(store), "-q", "load",
                    str(corpus / "articles"), "--jobs", "2"], check=True)
    return store


def union_conforms(store_path: Path, max_results: int) -> bool:
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import SH

    from kgload.ontology import shapes_graph
    from kgload.store import Store
    from kgload.terms import from_ox

    started = time.perf_counter()
    union = Graph()
    with Store(store_path, write=False) as store:
        for quad in store.quads():
            union.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    read = time.perf_counter() - started
    print(f"union of the store: {len(union):,} distinct triples, read in {read:.1f} s")
    started = time.perf_counter()
    conforms, report, _ = pyshacl.validate(union, shacl_graph=shapes_graph(),
                                           inference="none", abort_on_first=False)
    print(f"pySHACL over the union: conforms={conforms} in {time.perf_counter() - started:.1f}"
          f" s; peak RSS {_peak_mb():.0f} MB")
    if not conforms:
        by_shape = collections.Counter(
            str(report.value(r, SH.sourceShape)).rsplit("#", 1)[-1]
            for r in report.subjects(SH.resultSeverity, None))
        for shape, count in by_shape.most_common(max_results):
            print(f"  {count:6d}  {shape}")
    return bool(conforms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="an existing kgload store")
    parser.add_argument("--articles", type=int, help="generate and load this many articles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="where to build the store (a temp folder)")
    parser.add_argument("--max-results", type=int, default=20)
    args = parser.parse_args(argv)
    if (args.store is None) == (args.articles is None):
        parser.error("give either --store DIR or --articles N")
    store = args.store
    if store is None:
        out = args.out or Path(tempfile.mkdtemp(prefix="kgload-union-"))
        store = build_store(args.articles, args.seed, out)
    return 0 if union_conforms(store, args.max_results) else 1


if __name__ == "__main__":
    sys.exit(main())
