"""Shared fixtures: the gold example loaded once per session, copies of it for tests that
write, small facts files, and a runner for the ``kgload`` command.

Loading the example costs about a second; it is loaded once (``example_store``) and
tests that change a store work on a copy of that directory (``store_copy``), which is a
valid store because the loading store was closed cleanly.
"""

from __future__ import annotations

import gc
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


# Closing a store runs a full garbage collection (``Store.close_database``: the database
# closes when its last reference goes), and a full collection walks every object the
# process tracks: the test modules, hypothesis, rdflib, and kgload's cached graphs of the
# ontology, shapes and registry. That was half of the quick loop's CPU time (129 s of CPU
# before, 61 s after, run back to back). What lives once the tests are collected, and
# once the example is loaded (which fills those caches), is frozen (``gc.freeze``: moved
# to the permanent generation, which collections skip); objects made after that are
# collected as before. A collection is then too quick to hide a test that keeps a
# writer's database alive (an exception's traceback holding its handle) and opens the
# same store again while that database still compacts: let go of the handle first (see
# test_import.py).
def _freeze_what_lives() -> None:
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    _freeze_what_lives()


@pytest.fixture(scope="session")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the gold example, loaded once through the library. Read-only use."""
    path = tmp_path_factory.mktemp("example") / "store"
    with Store(path, write=True) as store:
        report = load(store, [EXAMPLE])
    assert [o.status for o in report.outcomes] == ["loaded"], [
        f.format() for o in report.outcomes for f in o.findings
    ]
    _freeze_what_lives()  # the load filled kgload's caches (ontology, shapes, registry)
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



# ------------------------------------------------------------------ slow tests

# Tests that take more than about 5 s here (measured with --durations=0): benchmarks, a
# wheel build, kills, fuzzing at volume, owlrl as the reference, HermiT, generated
# corpora; and the few whole-store workflows of 2.5 s or more on the shared machine
# (1 to 2 s of CPU) that kept the rest over a minute. They get the ``slow`` marker
# (pyproject.toml). The quick inner loop is
#
#     python -m pytest -m "not slow" -n auto
#
# (pytest-xdist, in the test extra: the rest on every core; about 60 s of CPU in all, some
# 36 s on each of two workers; it also runs without ``-n``). Plain ``python -m pytest``
# (and CI) runs everything; ``-n auto`` works for everything too. Listed here, by file,
# so that one place says what is slow and why; "*" is the whole file
# (tests/test_suite.py checks the names).
SLOW: dict[str, tuple[str, ...]] = {
    "test_bench_quick.py": ("*",),  # runs benchmarks/bench.py --quick
    "test_query_bench_quick.py": ("*",),  # stored queries on generated stores
    "test_benchmarks_generate.py": ("*",),  # generates and loads corpora
    "test_packaging.py": ("*",),  # builds and installs the wheel
    "test_page.py": ("*",),  # a headless Chromium driving the page at /
    "test_paging.py": ("*",),  # a 30-article generated store
    "test_union_shacl.py": ("*",),  # pySHACL over a generated corpus
    "test_interrupt.py": ("*",),  # SIGINT to loads and queries in subprocesses
    "test_workers.py": ("*",),  # spawned worker processes, a SIGKILL of the parent
    "test_prepare.py": ("*",),  # generated corpora, --jobs 2, a Dask LocalCluster, Jena
    "test_kill.py": (
        "test_sigkill_while_writing_leaves_every_article_whole_or_absent",
        "test_every_command_that_rolls_back_a_torn_batch_says_so",  # 5 commands, 2 runs each
    ),
    "test_no_corruption.py": ("test_a_bad_fixture_leaves_the_store_byte_identical",),  # x60
    "test_lifecycle.py": (  # reindex and rebuild of whole stores
        "test_an_interrupted_reindex_resumes_where_it_stopped",
        "test_a_rebuild_replaces_the_store_with_the_same_articles_and_foreign_graphs",
        "test_an_interrupted_rebuild_goes_on_from_what_it_built",
        "test_reindex_keeps_the_line_of_a_json_lines_article",
        # three loads and a rebuild (1.8 s of CPU); rebuilds stay in the quick loop through
        # test_the_library_installs_no_signal_handler and tests/test_rebuild_readers.py
        "test_a_rebuild_starts_again_when_an_earlier_one_was_built_by_another_model",
    ),
    "test_import.py": (  # kgload import killed in subprocesses, or replacing a store
        "test_import_replaces_the_graphs_the_store_has",
        "test_an_import_killed_before_its_commit_is_rolled_back_on_the_next_open",
        "test_an_import_killed_during_its_commit_is_finished_on_the_next_open",
    ),
    "test_damaged_store.py": ("test_check_store_finds_every_damaged_block_that_export_finds",),
    "test_input_limits.py": (
        "test_the_limits_reach_the_worker_processes",
        "test_about_nesting_far_beyond_the_limit_is_refused_without_recursion",
    ),
    "test_entities.py": (
        "test_articles_in_flight_see_what_earlier_files_declare",  # --jobs
        "test_an_imported_dump_leaves_the_shared_graphs_describing_every_article",
    ),
    "test_fuzz.py": (  # hypothesis at volume and the atheris harnesses
        "test_arbitrary_bytes_are_parsed_or_rejected",
        "test_yaml_token_soup_is_parsed_or_rejected",
        "test_structured_yaml_is_parsed_or_rejected",
        "test_valid_files_with_tokens_spliced_in_are_loaded_or_rejected",
        "test_query_parameters_bind_as_one_term_or_are_refused",
        "test_query_parameters_resolved_in_a_store_bind_as_one_term",
        "test_atheris_harness_runs_clean",
    ),
    "test_properties.py": (  # hypothesis: documents loaded into stores and round-tripped
        "test_valid_documents_load_and_round_trip_through_nquads",
        "test_invalid_documents_are_rejected_with_findings",
        "test_valid_documents_parse_to_the_same_data_and_pass_the_checks",
    ),
    "test_fastreason.py": (  # owlrl, the reference, on every case
        "test_same_result_as_owlrl",
        "test_transitive_symmetric_and_inverse_chains_match_owlrl",
        "test_the_pipeline_falls_back_and_still_answers",
        "test_an_ontology_the_tables_cannot_express_goes_to_owlrl",
        "test_same_result_as_owlrl_on_a_generated_corpus",
    ),
    "test_ontology_profile.py": (  # HermiT on Java
        "test_hermit_finds_the_ontology_consistent",
        "test_hermit_finds_the_example_and_registry_consistent",
        "test_hermit_finds_a_platform_that_is_a_place_inconsistent",
    ),
    "test_disk.py": (  # real file-size limits on whole loads
        "test_a_file_size_limit_during_a_reload_keeps_the_old_article",
        "test_a_file_size_limit_on_a_new_store_leaves_no_article",
    ),
    "test_store.py": (  # compaction of a store written in many batches
        "test_load_compacts_after_large_writes_only",
        "test_compact_merges_files_and_changes_no_data",
    ),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give the tests SLOW lists the ``slow`` marker."""
    for item in items:
        listed = SLOW.get(item.path.name, ())
        if "*" in listed or getattr(item, "originalname", item.name) in listed:
            item.add_marker(pytest.mark.slow)


# ------------------------------------------------------------------ the checkout stays clean

# Tests write into pytest's tmp_path, never into the checkout. A session that ends with
# files the checkout did not have at its start (untracked or ignored, anywhere in it)
# fails, naming them. The virtual environment, caches and build metadata are left out.
_LEFT_OUT_DIRS = frozenset({".venv", "venv", "__pycache__", ".pytest_cache", ".mypy_cache",
                            ".ruff_cache", ".hypothesis", ".git"})
_CHECKOUT_BEFORE = pytest.StashKey["frozenset[str] | None"]()


def _untracked_files() -> frozenset[str] | None:
    """The checkout's untracked and ignored paths (git status), or None outside git."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "-z", "--ignored",
             "--untracked-files=all"], capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:  # not a git checkout (an unpacked sdist): nothing to compare
        return None
    paths = set()
    for entry in done.stdout.decode("utf-8", "replace").split("\0"):
        code, path = entry[:2], entry[3:]
        if code not in ("??", "!!"):
            continue  # changes to tracked files are edits (or goldens regenerated on purpose)
        parts = path.rstrip("/").split("/")
        if any(p in _LEFT_OUT_DIRS or p.endswith(".egg-info") for p in parts) \
                or path.endswith(".pyc"):
            continue
        paths.add(path)
    return frozenset(paths)


def _xdist_worker(session: pytest.Session) -> bool:
    """A pytest-xdist worker (``-n``): the controller compares the checkout, once, before
    the first worker starts and after the last one ends, so that no worker sees another's
    files while that one still runs."""
    return hasattr(session.config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _xdist_worker(session):
        session.config.stash[_CHECKOUT_BEFORE] = _untracked_files()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = session.config.stash.get(_CHECKOUT_BEFORE, None)
    after = _untracked_files() if before is not None else None
    if before is None or after is None:
        return
    left = sorted(after - before)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = ("the tests left new files in the checkout (tests write to tmp_path):\n"
                   + "\n".join(f"  {ROOT / path}" for path in left))
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
