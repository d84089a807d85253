"""Generated and hand-written docs stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

from kgload.ontodoc import render_markdown
from kgload.ontology import action_types, ontology_graph
from kgload.vocab import KG_IRI

ROOT = Path(__file__).resolve().parents[1]


def test_ontology_docs_are_current() -> None:
    committed = (ROOT / "docs" / "ontology.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), (
        "docs/ontology.md is out of date: run `python -m kgload.ontodoc docs/ontology.md`"
    )


def test_ontology_docs_cover_every_term() -> None:
    text = render_markdown()
    for kind in action_types().values():
        assert f'<a id="kg-{kind.name}"></a>' in text
        if kind.cameo:
            assert f"| CAMEO code | {kind.cameo} |" in text
    for term in set(ontology_graph().subjects()):
        name = str(term)
        if name.startswith(KG_IRI) and not name[len(KG_IRI):].startswith("Cameo") \
                and f'id="kg-{name[len(KG_IRI):]}"' not in text:
            # individuals (statuses, precisions) are listed under their class
            assert f"kg:{name[len(KG_IRI):]}" in text, name


def test_readme_mentions_every_command() -> None:
    from kgload.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = [line for line in readme.splitlines() if line.startswith("kgload ")]
    for name in main.commands:
        assert any(re.search(rf"\b{name}\b", line) for line in usage), (
            f"the README's command list lacks `kgload {name}`")
