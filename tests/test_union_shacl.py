"""The union of a whole store conforms to the shapes, not only each article alone.

A generated corpus shares entities across articles (the same people, states, borders
with disagreeing lengths); run through pySHACL all at once, as an export loaded into
another store would be, it must conform (``benchmarks/union_shacl.py`` does the same at
1,000 articles).
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402
import union_shacl  # noqa: E402

from kgload.pipeline import load  # noqa: E402
from kgload.store import Store  # noqa: E402


def test_the_union_of_a_generated_corpus_conforms(tmp_path: Path) -> None:
    generate.generate(tmp_path / "corpus", 25, seed=3)
    with Store(tmp_path / "store", write=True) as store:
        report = load(store, [tmp_path / "corpus" / "articles"])
        assert report.count("loaded") == 25, [o.findings for o in report.rejected][:1]
    assert union_shacl.union_conforms(tmp_path / "store", 20)
