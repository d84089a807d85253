"""Exit codes: one table (kgload.errors), shown by --help; each kind of failure its code.

A bare KgloadError (a packaging bug: the bundled examples do not load) used to exit 4,
"I/O error"; a broken bundled registry was reported as rejected input (exit 1).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import kgload.registry
import kgload.stats
from conftest import EXAMPLE, CliRun
from kgload.errors import EXIT_CODE_MEANINGS, ExitCode, KgloadError


def test_help_shows_every_exit_code_with_its_meaning(cli: CliRun) -> None:
    shown = " ".join(cli("--help").output.split())
    assert set(EXIT_CODE_MEANINGS) == set(ExitCode)
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert f" {int(code)} {meaning}" in shown, code
    assert "remote endpoint that a query calls with SERVICE" in EXIT_CODE_MEANINGS[ExitCode.IO]
    assert ExitCode.INTERNAL == 5


def test_an_unclassified_kgload_error_is_an_internal_error(example_store: Path, cli: CliRun,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    def broken(*args: object) -> object:
        raise KgloadError("the bundled examples do not load")

    monkeypatch.setattr(kgload.stats, "store_stats", broken)
    result = cli("stats", store=example_store)
    assert result.exit_code == 5, result.output
    assert result.stderr == ("kgload: internal error: the bundled examples do not load. This "
                             "is a bug in kgload; please report it (-v shows details)\n")


def test_a_broken_bundled_registry_is_an_internal_error_not_rejected_input(
        tmp_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "world.yaml").write_text(textwrap.dedent("""\
        format_version: 1
        entities:
          - id: colombia
            name: "Colombia"
        """), encoding="utf-8")  # no type
    monkeypatch.setattr(kgload.registry, "data_dir", lambda name: folder)
    kgload.registry.load_registry.cache_clear()
    try:
        result = cli("validate", EXAMPLE)
    finally:
        monkeypatch.undo()
        kgload.registry.load_registry.cache_clear()
    assert result.exit_code == 5, result.output
    assert result.stderr.startswith("kgload: internal error: kgload's bundled registry is "
                                    f"broken: {folder / 'world.yaml'}")
    assert "This is a bug in kgload" in result.stderr


def test_a_failed_service_call_exits_4(example_store: Path, cli: CliRun) -> None:
    # port 9 (discard) is refused by the HTTP client itself: no network is used
    allow = ["--allow-service"] if "--allow-service" in cli("sparql", "--help").output else []
    result = cli("sparql", *allow, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> "
                 "{ ?s ?p ?o } }", store=example_store)
    assert result.exit_code == int(ExitCode.IO), result.output
    assert result.stderr.startswith("kgload: error: the query failed: ")
