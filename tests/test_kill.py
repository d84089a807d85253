"""SIGKILL during a big load: afterwards every article is whole or absent.

New articles are written in journaled bulk batches. The load is killed at random points
(seeded) while it writes; reopening the store rolls back what the journal names, and
each article's graphs are then compared with what a complete load gives.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from kgload.background import background
from kgload.dates import TimeSpan
from kgload.entities import EntityIndex, claim_links
from kgload.facts import read_file
from kgload.iris import Iris
from kgload.mapping import sort_key
from kgload.prepare import prepare
from kgload.store import Store
from kgload.terms import to_ox
from kgload.vocab import KG

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"
ORIGINAL_ID = "afp-2026-01-08-colombia-eln"
COPIES = 40
IRIS = Iris()
_SORT_KEY = re.compile(r'^<([^>]+)> <https://w3id.org/kgload/ontology#sortKey> "(\d+)\.\d+"')


def _for_copy(quad: str, article: str) -> str:
    """A quad of the example as the copy under another id holds it.

    A sort key's fraction is a hash of its node's IRI, which names the article.
    """
    quad = quad.replace(ORIGINAL_ID, article)
    match = _SORT_KEY.match(quad)
    if match is None:
        return quad
    first, last = (date(n // 10000, n // 100 % 100, n % 100) if n else None
                   for n in divmod(int(match.group(2)), 10**8))
    key = sort_key(TimeSpan(first, last, "day"), URIRef(match.group(1)))
    return f"<{match.group(1)}> {ox.NamedNode(str(KG.sortKey))} {to_ox(key)}"


def _kgload(*args: str) -> list[str]:
    return [sys.executable, "-c", "from kgload.cli import main; main()", *args]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    """COPIES copies of the example under other ids, and each one's expected graphs."""
    folder = tmp_path_factory.mktemp("kill") / "facts"
    folder.mkdir()
    text = EXAMPLE.read_text(encoding="utf-8")
    prepared = prepare(read_file(EXAMPLE), IRIS)
    def quads(graph: object) -> set[str]:
        return {str(ox.Quad(to_ox(s), to_ox(p), to_ox(o))) for s, p, o in graph}

    parts = prepared.ready(IRIS).parts
    links, inferred_links = claim_links(IRIS, IRIS.article(ORIGINAL_ID), parts)
    template = {"asserted": quads([*parts.asserted, *links]),
                "inferred": quads([*parts.inferred, *inferred_links])}
    expected = {}
    for n in range(COPIES):
        article = f"copy-{n:03d}"
        (folder / f"{article}.yaml").write_text(text.replace(ORIGINAL_ID, article),
                                                encoding="utf-8")
        for kind, quads in template.items():
            expected[f"{article}/{kind}"] = {_for_copy(q, article) for q in quads}
    return folder, expected


def _graph(store: Store, name: str) -> set[str]:
    graph = ox.NamedNode(name)
    return {str(ox.Quad(q.subject, q.predicate, q.object))
            for q in store.ox.quads_for_pattern(None, None, None, graph)}


def _check_whole_or_absent(path: Path, expected: dict[str, set[str]]) -> tuple[int, int]:
    whole = absent = 0
    with Store(path, write=True) as store:  # opening for writing rolls back a torn batch
        assert not (path / "kgload-journal.json").exists()
        for n in range(COPIES):
            article = f"copy-{n:03d}"
            names = [str(g) for g in IRIS.article_graphs(article)]
            present = [store.ox.contains_named_graph(ox.NamedNode(g)) for g in names]
            if not any(present):
                absent += 1
                continue
            assert all(present), f"{article}: only some of its graphs are in the store"
            assert _graph(store, names[0]) == expected[f"{article}/asserted"], article
            assert _graph(store, names[1]) == expected[f"{article}/inferred"], article
            assert len(_graph(store, names[2])) == 12, f"{article}: provenance incomplete"
            assert len(_graph(store, names[3])) == 2, f"{article}: source incomplete"
            whole += 1
        # the shared entity graphs are what the articles that are there make of them
        shared = [str(g) for g in IRIS.shared_graphs]
        before = {g: _graph(store, g) for g in shared}
        store.update(EntityIndex(store, IRIS, background(IRIS)).rebuild())
        assert {g: _graph(store, g) for g in shared} == before
    return whole, absent


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_sigkill_while_writing_leaves_every_article_whole_or_absent(
        corpus: tuple[Path, dict[str, set[str]]], tmp_path: Path, seed: int) -> None:
    """Seed 0 kills while a batch's journal is on disk (a torn write, always); the others
    at a random point after the first bulk write begins, torn or not."""
    import json

    folder, expected = corpus
    store = tmp_path / "store"
    journal = store / "kgload-journal.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "loader")}
    # two batches of about 30k quads; kill somewhere between the start of the first
    # bulk write and shortly after the last
    process = subprocess.Popen(
        _kgload("-v", "--store", str(store), "load", str(folder), "--batch-quads", "30000",
                "--batch-seconds", "1000"),
        stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    rng = random.Random(seed)
    for line in process.stderr:
        if "writing" in line:  # the first bulk write has begun
            if seed:
                time.sleep(rng.uniform(0.0, 0.6 * seed))
                process.send_signal(signal.SIGSTOP)  # whether it is torn is decided here
            else:  # stop it inside a bulk write: its journal there, some quads written
                for delay in (0.3, 0.15, 0.05, 0.0, 0.0):
                    while not journal.exists() and process.poll() is None:
                        time.sleep(0.001)
                    time.sleep(delay)
                    process.send_signal(signal.SIGSTOP)
                    if journal.exists() or process.poll() is not None:
                        break
                    process.send_signal(signal.SIGCONT)  # that batch was done: the next one
            process.send_signal(signal.SIGKILL)
            break
    process.stderr.close()
    process.wait(timeout=120)
    torn = journal.exists()  # killed in the middle of a write
    assert torn or seed, "the load was not stopped while its journal was on disk"
    named = json.loads(journal.read_text(encoding="utf-8"))["articles"] if torn else []
    with Store(store, write=True) as opened:  # the open rolls the torn batch back
        assert sorted(opened.recovered) == sorted(named)
    whole, absent = _check_whole_or_absent(store, expected)
    assert whole + absent == COPIES
    with Store(store, write=False) as opened:  # what the journal named is gone
        assert not [str(g) for article in named for g in IRIS.article_graphs(article)
                    if opened.ox.contains_named_graph(ox.NamedNode(str(g)))]
    print(f"seed {seed}: torn={torn}, {whole} articles whole, {absent} absent")
    # and a second load completes what was missing
    result = subprocess.run(_kgload("--store", str(store), "load", str(folder)),
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    whole, absent = _check_whole_or_absent(store, expected)
    assert (whole, absent) == (COPIES, 0)


def test_a_torn_bulk_write_is_rolled_back_on_open(tmp_path: Path) -> None:
    """The journal alone decides: graphs it names are dropped, others are kept."""
    path = tmp_path / "store"
    keep, torn = ox.NamedNode("https://a.example/keep"), ox.NamedNode("https://a.example/torn")
    with Store(path, write=True) as store:
        store.ox.extend([ox.Quad(keep, keep, keep, keep)])
        store._write_journal({"articles": ["torn"], "graphs": [torn.value]})
        store.ox.bulk_extend([ox.Quad(torn, torn, torn, torn)])  # and then the process "dies"
    with Store(path, write=False) as store:  # even a reader's open repairs it first
        assert store.ox.contains_named_graph(keep)
        assert not store.ox.contains_named_graph(torn)
    with Store(path, write=True) as store:
        assert store.recovered == []  # nothing left to roll back


@pytest.mark.parametrize("command", [["articles"], ["stats"], ["export", "--format", "nquads"],
                                     ["check-store"], ["compact"]])
def test_every_command_that_rolls_back_a_torn_batch_says_so(store_copy: Path,
                                                           command: list[str]) -> None:
    """Only `load` used to report the rollback; readers rolled back silently."""
    from conftest import invoke

    torn = ox.NamedNode(str(IRIS.asserted_graph("torn-article")))
    with Store(store_copy, write=True) as store:
        store._write_journal({"articles": ["torn-article"], "graphs": [torn.value]})
        store.ox.bulk_extend([ox.Quad(torn, torn, torn, torn)])
    result = invoke("-q", *command, store=store_copy)
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if "interrupted" in line]
    assert said == [f"the last load into {store_copy} was interrupted: rolled back 1 "
                    "article(s) it had not finished writing (torn-article)"]
    again = invoke(*command, store=store_copy)  # said once: nothing is left to roll back
    assert "interrupted" not in again.stderr
