"""Shared fixtures: the gold example loaded once per session, copies of it for tests that
write, small facts files, and a runner for the ``kgload`` command.

Loading the example costs about a second; it is loaded once (``example_store``) and
tests that change a store work on a copy of that directory (``store_copy``), which is a
valid store because the loading store was closed cleanly.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kgload.cli import main
from kgload.pipeline import load
from kgload.store import Store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"
ARTICLE_ID = "afp-2026-01-08-colombia-eln"
BASE = "https://example.org/kgload/"
KG = "https://w3id.org/kgload/ontology#"

# Environment variables that would change what the CLI does; the runner clears them.
_KGLOAD_ENV = ("KGLOAD_STORE", "KGLOAD_QUERIES", "KGLOAD_BASE_IRI")

CliRun = Callable[..., Result]


@pytest.fixture(scope="session")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the gold example, loaded once through the library. Read-only use."""
    path = tmp_path_factory.mktemp("example") / "store"
    with Store(path, write=True) as store:
        report = load(store, [EXAMPLE])
    assert [o.status for o in report.outcomes] == ["loaded"], [
        f.format() for o in report.outcomes for f in o.findings
    ]
    return path


@pytest.fixture
def store_copy(example_store: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the example store (no second load)."""
    copy = tmp_path / "store-copy"
    shutil.copytree(example_store, copy)
    return copy


_RUNNER = CliRunner()


def invoke(*args: object, store: Path | None = None, env: Mapping[str, str] | None = None,
           input: str | bytes | None = None) -> Result:
    """Run ``kgload ARGS`` in-process (``--store`` first if given), KGLOAD_* unset.

    Checks that no traceback reached the user and that no exception escaped the command
    (exit codes come from ``SystemExit``, as in a real run).
    """
    argv = [str(a) for a in args]
    if store is not None:
        argv = ["--store", str(store), *argv]
    full_env: dict[str, str | None] = dict.fromkeys(_KGLOAD_ENV)
    full_env.update(env or {})
    result = _RUNNER.invoke(main, argv, env=full_env, input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture
def cli() -> CliRun:
    """``cli(*args, store=PATH, env={...}, input=...)`` runs ``kgload`` (see ``invoke``)."""
    return invoke


def facts_yaml(article_id: str, entities: Sequence[str] = (), actions: Sequence[str] = ()) -> str:
    """A facts file from YAML snippets (each an entity or action, without the leading dash)."""

    def items(snippets: Sequence[str]) -> str:
        out = []
        for snippet in snippets:
            body = textwrap.dedent(snippet).strip().splitlines()
            out.append("  - " + body[0])
            out.extend("    " + line for line in body[1:])
        return "\n".join(out) if out else "  []"

    return (
        "format_version: 1\n"
        "article:\n"
        f"  id: {article_id}\n"
        '  title: "A test article"\n'
        '  publisher: "Test"\n'
        '  published: "2026-01-08"\n'
        "  language: en\n"
        f"entities:\n{items(entities)}\n"
        f"actions:\n{items(actions)}\n"
    )


TWINS_ENTITIES = (
    """
    id: alice-smith
    type: Person
    name: "Alice Smith"
    aliases: ["Smith"]
    evidence: "Alice Smith"
    """,
    """
    id: bob-smith
    type: Person
    name: "Bob Smith"
    aliases: ["Smith"]
    evidence: "Bob Smith"
    """,
)
TWINS_ACTIONS = (
    """
    id: alice-threatens-bob
    type: Threaten
    agents: [alice-smith]
    targets: [bob-smith]
    status: occurred
    evidence: "Alice Smith threatened Bob Smith"
    """,
)


@pytest.fixture
def twins_file(tmp_path: Path) -> Path:
    """A small valid facts file: two people who share the alias "Smith"."""
    path = tmp_path / "twins.yaml"
    path.write_text(facts_yaml("twins-article", TWINS_ENTITIES, TWINS_ACTIONS),
                    encoding="utf-8")
    return path


def nquads(store_path: Path) -> bytes:
    """The whole store as N-Quads, for before/after comparisons (opened read-only)."""
    import io

    import pyoxigraph as ox

    with Store(store_path, write=False) as store:
        buffer = io.BytesIO()
        ox.serialize(list(store.quads()), buffer, ox.RdfFormat.N_QUADS)
    return buffer.getvalue()
