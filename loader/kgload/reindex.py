"""``kgload reindex``: stale articles rebuilt from the source documents the store keeps.

An article is stale when the model that built it (see :mod:`kgload.model`) is not the
running one: the ontology, a rule, a shape, the registry or the mapping code changed. Its
stored graphs are outputs of the old pipeline, so they cannot replay the change; the
store keeps each article's facts document as it was loaded, and reindex runs the whole
pipeline on it again. Each article is replaced in one transaction (the reload path of
:func:`kgload.pipeline.load`): whole or not at all. An interrupted reindex leaves the
articles it finished current and the others stale, so the next one resumes there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputRejected
from .facts import FactsFile, parse_bytes
from .mapping import Iris
from .model import stale_articles
from .outcomes import LoadReport, Outcome, _Timer
from .pipeline import Documents, load_documents
from .store import Store
from .vocab import KG


@dataclass
class ReindexReport:
    """What a reindex did: the load report of the rebuilt articles, and what it could not."""

    stale: int  # stale articles found
    load: LoadReport
    without_source: list[str] = field(default_factory=list)  # ids it cannot rebuild


def stored_document(store: Store, iris: Iris, article_id: str) -> FactsFile | None:
    """The article's facts document as it was loaded, parsed again (None: not stored)."""
    graph, article = iris.source_graph(article_id), iris.article(article_id)
    text = store.value(graph, article, KG.sourceText)
    if text is None:
        return None
    provenance = iris.provenance_graph(article_id)
    name = store.value(provenance, article, KG.sourceFile) or f"{article_id}.yaml"
    as_json = store.value(graph, article, KG.sourceFormat) == "json"
    line = store.value(graph, article, KG.sourceLine)
    facts = parse_bytes(text.encode("utf-8"), name=name, as_json=as_json)
    if line is not None:
        facts.line = int(line)
        facts.positions = {k: (at + facts.line - 1, column)
                           for k, (at, column) in facts.positions.items()}
    # the hash of the file as it was read (a UTF-8 BOM is not in the text), so that
    # loading the same file again finds it unchanged
    facts.sha256 = store.value(provenance, article, KG.sourceSha256) or facts.sha256
    return facts


def reindex(store: Store, iris: Iris | None = None, *, reasoner: str = "fast", jobs: int = 1,
            on_outcome: Callable[[Outcome], None] | None = None,
            everything: bool = False) -> ReindexReport:
    """Rebuild the store's stale articles (``everything``: every article) in load order."""
    iris = iris or Iris()
    found = stale_articles(store, iris, every=everything)
    without = [aid for aid, has_source in found if not has_source]
    todo = [aid for aid, has_source in found if has_source]

    def documents() -> Iterator[FactsFile | InputRejected]:
        for aid in todo:  # one at a time: memory holds the articles in flight only
            try:
                facts = stored_document(store, iris, aid)
            except InputRejected as exc:
                yield exc
                continue
            if facts is not None:
                yield facts

    def inputs(report: LoadReport, timer: _Timer) -> Iterator[tuple[Path, Documents]]:
        yield Path(str(store.path)), documents()

    report = load_documents(store, inputs, iris, force=True, reasoner=reasoner,
                            on_outcome=on_outcome, jobs=jobs)
    return ReindexReport(len(found), report, without)

