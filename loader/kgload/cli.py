"""The ``kgload`` command: parses options, calls the library, renders results.

Exit codes are those of :class:`kgload.errors.ExitCode`, explained in ``--help`` from
``EXIT_CODE_MEANINGS``. Errors are turned into one message and one exit code here, at the
edge; no traceback reaches the user (``-v`` shows it).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import textwrap
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import EXIT_CODE_MEANINGS, ExitCode, Finding, KgloadError, UsageError


def _exit_codes_help() -> str:
    lines = ["\b", "Exit codes:"]
    for code, meaning in EXIT_CODE_MEANINGS.items():
        wrapped = textwrap.wrap(meaning, width=70)
        lines.append(f"  {int(code):<4} {wrapped[0]}")
        lines += [f"       {more}" for more in wrapped[1:]]
    return "\n".join(lines) + "\n"


EXIT_CODES_HELP = _exit_codes_help()
# a load that wrote this many triples compacts the store (kgload load --compact auto)
COMPACT_AFTER = 200_000


class _Group(click.Group):
    """Turns every error into a message and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KgloadError as exc:
            damaged = _damage(ctx, exc)
            if damaged is not None:
                exc = damaged
            if exc.exit_code == ExitCode.INTERNAL:
                _internal(ctx, exc.message)
            click.echo(f"kgload: error: {exc.message}", err=True)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            click.echo("kgload: interrupted", err=True)
            ctx.exit(int(ExitCode.INTERRUPTED))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(0)
        except Exception as exc:  # a bug: say so plainly, show the traceback with -v
            damaged = _damage(ctx, exc)
            if damaged is not None:  # a database error that reached here unwrapped
                click.echo(f"kgload: error: {damaged.message}", err=True)
                ctx.exit(int(damaged.exit_code))
            _internal(ctx, f"{type(exc).__name__}: {exc}")


def _internal(ctx: click.Context, message: str) -> None:
    verbose = (ctx.obj or {}).get("verbosity", 0) > 0
    if verbose:
        traceback.print_exc()
    click.echo(f"kgload: internal error: {message}. This is a bug in kgload; please report "
               "it" + ("" if verbose else " (-v shows details)"), err=True)
    ctx.exit(int(ExitCode.INTERNAL))


def _damage(ctx: click.Context, exc: BaseException) -> Any:
    """The store's damage, if ``exc`` or what caused it is a database's report of it."""
    from .errors import StoreDamaged
    from .store import is_damage

    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, StoreDamaged):
        if is_damage(seen):
            return StoreDamaged((ctx.obj or {}).get("store", "?"), str(seen))
        seen = seen.__cause__ or seen.__context__
    return None


def _obj(ctx: click.Context) -> dict[str, Any]:
    return ctx.find_root().obj


def _say(ctx: click.Context, message: str, *, level: int = 0) -> None:
    """Progress and summaries go to stderr; -q silences them, -v adds detail."""
    if _obj(ctx)["verbosity"] >= level:
        click.echo(message, err=True)


@click.group(cls=_Group, epilog=EXIT_CODES_HELP,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="kgload")
@click.option("--store", "store_path", envvar="KGLOAD_STORE", default="./kgstore",
              show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Store directory (env KGLOAD_STORE).")
@click.option("--base-iri", envvar="KGLOAD_BASE_IRI", default=None,
              help="Base IRI for entities, articles and graphs (env KGLOAD_BASE_IRI; "
                   "default https://example.org/kgload/).")
@click.option("--wait", is_flag=True, help="Wait for a busy store instead of failing (exit 3).")
@click.option("--queries", "query_dirs", multiple=True, envvar="KGLOAD_QUERIES",
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Extra folder of stored queries (repeatable; env KGLOAD_QUERIES, "
                   "':'-separated). A query with a bundled query's name replaces it.")
@click.option("-v", "--verbose", count=True,
              help="More detail (repeat for debug logs); also after the command.")
@click.option("-q", "--quiet", is_flag=True,
              help="Only errors and results; also after the command.")
@click.pass_context
def main(ctx: click.Context, store_path: Path, base_iri: str | None, wait: bool,
         query_dirs: tuple[Path, ...], verbose: int, quiet: bool) -> None:
    """Load facts reported in news articles into a reasoned, validated RDF knowledge graph,
    and query or export it.

    \b
    Typical use:
      kgload load examples/colombia-eln.yaml
      kgload query who-threatened-whom
      kgload export --format turtle -o graph.ttl
    """
    from .iris import DEFAULT_BASE_IRI, Iris

    verbosity = -1 if quiet else verbose
    _log_levels(verbosity)
    ctx.obj = {
        "store": store_path,
        "iris": Iris(base_iri or DEFAULT_BASE_IRI),
        "wait": wait,
        "queries": list(query_dirs),
        "verbosity": verbosity,
        "verbose": verbose,
        "quiet": quiet,
    }


def _log_levels(verbosity: int) -> None:
    logging.basicConfig(level=logging.WARNING, format="kgload: %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    # rdflib logs full tracebacks for ill-typed literals
    logging.getLogger("rdflib").setLevel(logging.CRITICAL if verbosity < 2 else logging.NOTSET)
    logging.getLogger("kgload").setLevel(logging.INFO if verbosity == 1 else logging.NOTSET)


def _late_verbosity(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """-v or -q given after the command name: they add to the group's (-q wins)."""
    if not value:
        return
    obj = _obj(ctx)
    if param.name == "quiet":
        obj["quiet"] = True
    else:
        obj["verbose"] += value
    obj["verbosity"] = -1 if obj["quiet"] else obj["verbose"]
    _log_levels(obj["verbosity"])


def _verbosity_options() -> list[click.Option]:
    """The group's -v and -q, for every command, so that they work after its name."""
    return [click.Option(["-v", "--verbose"], count=True, expose_value=False,
                         callback=_late_verbosity, help="As the group's -v: more detail."),
            click.Option(["-q", "--quiet"], is_flag=True, expose_value=False,
                         callback=_late_verbosity, help="As the group's -q: only errors "
                                                        "and results.")]


@contextmanager
def _open(ctx: click.Context, *, write: bool) -> Iterator[Any]:
    """The store, open; what its opening repaired is said on stderr (one line each)."""
    from .store import Store

    obj = _obj(ctx)
    with Store(obj["store"], write=write, wait=obj["wait"]) as store:
        _note_recovery(ctx, store)
        _note_model(ctx, store)
        yield store


def _note_model(ctx: click.Context, store: Any) -> None:
    """Say when the store's articles were built by another model (see kgload.model).

    A store of a newer format than this kgload's is refused (exit 4).
    """
    from .model import model_status, stale_note

    status = model_status(store, _obj(ctx)["iris"])
    note = stale_note(status, store.path)
    if note and ctx.info_name != "reindex":  # reindex says what it rebuilds
        _say(ctx, note, level=-1)


def _note_recovery(ctx: click.Context, store: Any) -> None:
    """Say (once, even if -q) what opening the store repaired: a torn load, a lost lock file."""
    said = _obj(ctx).setdefault("recovery said", [])
    if any(seen is store for seen in said):
        return
    said.append(store)
    if store.relocked:
        _say(ctx, f"the store's lock file {store.path / 'kgload.lock'} was missing: "
             "created it again", level=-1)
    if store.recovered:
        _say(ctx, f"the last load into {store.path} was interrupted: rolled back "
             f"{len(store.recovered)} article(s) it had not finished writing "
             f"({', '.join(store.recovered[:5])}{', ...' if len(store.recovered) > 5 else ''})",
             level=-1)


@contextmanager
def _deferred_interrupt() -> Iterator[Callable[[], bool]]:
    """Ctrl-C during a load finishes the article in hand, then stops between articles.

    A KeyboardInterrupt raised in the middle of an article could land just after its
    commit and before it is reported; deferring it keeps the report exact. A second
    Ctrl-C stops at once (nothing half-written: a batch is journaled, a reload is one
    atomic update). The handler is the CLI's: the library only reads the flag.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    hits: list[int] = []

    def handler(signum: int, frame: object) -> None:
        hits.append(signum)
        if len(hits) > 1:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: bool(hits)
    finally:
        signal.signal(signal.SIGINT, previous)


def _finding_lines(findings: list[Finding]) -> str:
    return "\n".join("  " + f.format() for f in findings)


# ------------------------------------------------------------------ load / validate


def _limit_options(func: Any) -> Any:
    """Options shared by `load` and `validate`: how much one article may hold."""
    from .facts import MAX_ABOUT_DEPTH, MAX_ACTIONS, parse_size

    def size(ctx: click.Context, param: click.Parameter, value: str) -> int:
        try:
            return parse_size(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    options = [
        click.option("--max-file-size", callback=size, default="10MB", show_default=True,
                     metavar="SIZE",
                     help="Refuse a facts file (a line of a JSON Lines file) larger than "
                          "SIZE: 10MB, 500KB, 1GiB or a number of bytes (MB: 10**6 bytes, "
                          "MiB: 2**20)."),
        click.option("--max-actions", type=click.IntRange(min=1), default=MAX_ACTIONS,
                     show_default=True, metavar="N",
                     help="Refuse an article with more than N actions."),
        click.option("--max-about-depth", type=click.IntRange(min=0),
                     default=MAX_ABOUT_DEPTH, show_default=True, metavar="N",
                     help="Refuse actions nested more than N deep through `about` (an "
                          "action about an action about ...)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _limits(max_file_size: int, max_actions: int, max_about_depth: int) -> Any:
    from .facts import Limits

    return Limits(max_file_size, max_actions, max_about_depth)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--prepared", "prepared_dir", metavar="DIR", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Instead of facts files, commit a folder that `kgload prepare` and "
                   "`kgload combine` made (into a store with no articles).")
@click.option("--force", is_flag=True, help="Reload articles whose file has not changed.")
@click.option("--reasoner", type=click.Choice(["fast", "owlrl"]), default="fast",
              show_default=True,
              help="fast: owlrl's rules compiled once and applied per article (the same "
                   "result); owlrl: owlrl itself, the reference (slower).")
@click.option("--validator", type=click.Choice(["sparql", "pyshacl"]), default="sparql",
              show_default=True,
              help="sparql: the SHACL shapes compiled to SPARQL, run by Oxigraph (the same "
                   "findings); pyshacl: pySHACL, the reference (slower).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Prepare articles (check, map, reason, validate) in N processes.")
@click.option("--batch-quads", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Write new articles in batches of about this many quads.")
@click.option("--batch-seconds", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="...or of this much work, whichever comes first.")
@click.option("--compact", type=click.Choice(["auto", "yes", "no"]), default="auto",
              show_default=True,
              help="Compact the store's files after the load (faster queries; 3-4 s per "
                   "million quads): auto does it when the load wrote at least "
                   f"{COMPACT_AFTER:,} triples.")
@click.option("--push", "push_to", metavar="URL", default=None,
              help="Then push the loaded articles' graphs and the shared graphs that "
                   "changed to this Graph Store Protocol URL (as `kgload push --changed`; "
                   "credentials from the environment or ~/.netrc).")
@_limit_options
@click.pass_context
def load(ctx: click.Context, paths: tuple[Path, ...], prepared_dir: Path | None, force: bool,
         reasoner: str, validator: str, jobs: int, batch_quads: int, batch_seconds: float,
         compact: str, push_to: str | None, max_file_size: int, max_actions: int,
         max_about_depth: int) -> None:
    """Load facts files into the store: YAML (.yaml, .yml), JSON (.json) and JSON Lines
    (.jsonl, one article per line). Folders are searched for these.

    Each article is parsed, checked, mapped, reasoned over and validated, then committed:
    new articles in journaled bulk batches, reloaded ones in one transaction each. An
    article is in the store whole or not at all, even if the process is killed. Rejected
    files are reported with file, line, column and fact; the other files still load.

    With `--prepared DIR`: the shards of a prepared and combined folder (see
    `kgload prepare`), committed in journaled batches, every article whole or absent.
    """
    from .outcomes import Status
    from .pipeline import load as run_load

    if bool(paths) == (prepared_dir is not None):
        raise UsageError("give load facts files or folders, or --prepared DIR (not both)")
    if push_to is not None:  # a bad URL is a usage error before anything is loaded
        from .remote import check_url

        check_url(push_to, "--push")
    pushed = None
    with _open(ctx, write=True) as store:
        with _Progress(ctx, paths, "loading") as progress:
            _note_recovery(ctx, store)
            if prepared_dir is not None:
                from .prepared import load_prepared

                report = load_prepared(store, prepared_dir, _obj(ctx)["iris"],
                                       on_outcome=progress.outcome, batch_quads=batch_quads)
            else:
                with _deferred_interrupt() as stop:
                    report = run_load(
                        store, paths, _obj(ctx)["iris"], force=force, reasoner=reasoner,
                        validator=validator, on_outcome=progress.outcome,
                        batch_quads=batch_quads, batch_seconds=batch_seconds, jobs=jobs,
                        stop=stop, limits=_limits(max_file_size, max_actions, max_about_depth))
        written = sum(o.asserted + o.inferred for o in report.outcomes
                      if o.status in (Status.LOADED, Status.RELOADED))
        if compact == "yes" or (compact == "auto" and written >= COMPACT_AFTER
                                and not report.interrupted):
            _compact(ctx, store, f"{written:,} triples written")
        if push_to is not None and not report.interrupted:
            loaded = [o.article_id for o in report.outcomes
                      if o.status in (Status.LOADED, Status.RELOADED) and o.article_id]
            pushed = _push(ctx, store, push_to, articles=loaded, shared=True, changed=True)
    _summary(ctx, report, Status.LOADED)
    if pushed is not None:
        _push_summary(ctx, pushed)
    if report.interrupted:
        _say(ctx, "interrupted: the articles listed above as loaded are committed; "
             "nothing of the article in progress was written", level=-1)
        ctx.exit(int(ExitCode.INTERRUPTED))
    if report.rejected:
        ctx.exit(int(ExitCode.REJECTED))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: the findings as data, for editors and tools.")
@click.option("--reasoner", type=click.Choice(["fast", "owlrl"]), default="fast",
              show_default=True,
              help="fast: owlrl's rules compiled once and applied per article (the same "
                   "result); owlrl: owlrl itself, the reference (slower).")
@click.option("--validator", type=click.Choice(["sparql", "pyshacl"]), default="sparql",
              show_default=True,
              help="sparql: the SHACL shapes compiled to SPARQL, run by Oxigraph (the same "
                   "findings); pyshacl: pySHACL, the reference (slower).")
@click.option("--text", "text_path", type=click.Path(exists=True, dir_okay=False,
                                                    path_type=Path),
              help="The article's text (UTF-8): every evidence and quote must appear in it "
                   "verbatim (whitespace and typographic quotes aside).")
@_limit_options
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], fmt: str, reasoner: str,
             validator: str, text_path: Path | None, max_file_size: int, max_actions: int,
             max_about_depth: int) -> None:
    """Check facts files without loading them (needs no store): YAML (.yaml, .yml), JSON
    (.json) and JSON Lines (.jsonl, one article per line); folders are searched for these.

    Runs every stage of `load` except the commit: format, references, dates, reasoning
    (inconsistencies) and SHACL shapes. With `--text ARTICLE.txt`, also that every
    `evidence` and `quote` is the article's own words (rule not-in-text).
    """
    from .outcomes import Status
    from .pipeline import validate_paths

    limits = _limits(max_file_size, max_actions, max_about_depth)
    text = None
    if text_path is not None:
        try:
            text = text_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {text_path} as UTF-8 text: {exc}",
                                     param_hint="--text") from None
    options = {"reasoner": reasoner, "validator": validator, "limits": limits, "article_text": text,
               "text_source": text_path.name if text_path else "the article text"}
    if fmt == "json":
        report = validate_paths(paths, _obj(ctx)["iris"], **options)
        data = [
            {"file": o.source, "status": o.status, "article": o.article_id,
             "findings": [f.to_dict() for f in o.findings]}
            for o in report.outcomes
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        with _Progress(ctx, paths, "validating") as progress:
            report = validate_paths(paths, _obj(ctx)["iris"], on_outcome=progress.outcome,
                                    **options)
        _summary(ctx, report, Status.VALID, result=True)
    if report.rejected:
        ctx.exit(int(ExitCode.REJECTED))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="A new or empty folder for the shards, summaries and manifest.json.")
@click.option("--shard-size", type=click.IntRange(min=1), default=500, show_default=True,
              help="Prepared articles per N-Quads shard (with --dask: per partition).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Prepare articles in N processes (as `load --jobs`).")
@click.option("--dask", "scheduler", metavar="ADDRESS", default=None,
              help="Prepare on the Dask cluster whose scheduler is at ADDRESS "
                   "(tcp://host:8786); needs the dask extra and a folder every worker "
                   "can write to.")
@click.option("--reasoner", type=click.Choice(["fast", "owlrl"]), default="fast",
              show_default=True, help="The reasoner, as for `kgload load`.")
@click.option("--validator", type=click.Choice(["sparql", "pyshacl"]), default="sparql",
              show_default=True, help="The SHACL validator, as for `kgload load`.")
@click.option("--finish", "finish", is_flag=True,
              help="Then run the cross-article step (`kgload combine DIR`).")
@_limit_options
@click.pass_context
def prepare(ctx: click.Context, paths: tuple[Path, ...], out: Path, shard_size: int,
            jobs: int, scheduler: str | None, reasoner: str, validator: str, finish: bool,
            max_file_size: int, max_actions: int, max_about_depth: int) -> None:
    """Check, map, reason and validate facts files with no store, into validated N-Quads
    shards (DIR/shards/part-*.nq), each article's compact summary (DIR/summaries/) and
    DIR/manifest.json (every article: id, file, hash, status, shard, findings).

    Rejected articles write nothing into the shards. Then `kgload combine DIR` decides
    what crosses articles; see docs/scale-out.md.
    """
    from .outcomes import Status

    if not paths:
        raise UsageError("give prepare facts files or folders")
    limits = _limits(max_file_size, max_actions, max_about_depth)
    iris = _obj(ctx)["iris"]
    if scheduler is not None:
        from .scaleout import prepare_bag

        if jobs > 1:
            raise UsageError("--jobs and --dask do not go together: Dask's workers "
                             "are the jobs")
        with _Progress(ctx, paths, "preparing") as progress:
            report, _ = prepare_bag(paths, out, iris, scheduler=scheduler,
                                    partition_size=shard_size, reasoner=reasoner,
                                    validator=validator, limits=limits,
                                    on_outcome=progress.outcome)
    else:
        from .offline import prepare_paths

        with _Progress(ctx, paths, "preparing") as progress, _deferred_interrupt() as stop:
            report, _ = prepare_paths(paths, out, iris, shard_size=shard_size, jobs=jobs,
                                      reasoner=reasoner, validator=validator, limits=limits,
                                      on_outcome=progress.outcome, stop=stop)
    _summary(ctx, report, Status.PREPARED)
    if report.interrupted:
        _say(ctx, f"interrupted: {out} is incomplete (combine refuses it); run prepare "
             "again into a new folder", level=-1)
        ctx.exit(int(ExitCode.INTERRUPTED))
    rejected_later = _combine(ctx, out) if finish else False
    if report.rejected or rejected_later:
        ctx.exit(int(ExitCode.REJECTED))


@main.command()
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def combine(ctx: click.Context, folder: Path) -> None:
    """The cross-article step over a prepared folder: entity identity, names and
    conflicts, decided from the summaries as `load` decides them; writes the shared
    graphs, the provenance and the background as DIR/shards/combined-*.nq.

    The union of DIR/shards/*.nq is then what `kgload load` of the same files puts in a
    new store. Exit 1 if an article is rejected here (it is then out of its shard).
    """
    if _combine(ctx, folder):
        ctx.exit(int(ExitCode.REJECTED))


def _combine(ctx: click.Context, folder: Path) -> bool:
    """Run combine and report it; whether it rejected articles."""
    from .combine import combine as run_combine

    report = run_combine(folder, _obj(ctx)["iris"])
    for entry in report.rejected:
        click.echo(f"rejected {entry.source}:\n{_finding_lines(entry.finding_objects)}",
                   err=True)
    for where, note in report.notes:
        _say(ctx, f"note: {where}: {note}", level=1)
    _say(ctx, f"{report.accepted} accepted, {len(report.rejected)} rejected by the "
         f"cross-article step; {report.quads:,} quads in {len(report.shards)} combined "
         f"shard(s); {report.events:,} events, {report.events_reported_by_several:,} "
         "reported by several articles.")
    return bool(report.rejected)


class _Progress:
    """Per-file lines (or a bar on a terminal when there are many files)."""

    def __init__(self, ctx: click.Context, paths: tuple[Path, ...], label: str,
                 total: int | None = None) -> None:
        self.ctx = ctx
        self.bar: Any = None
        many = len(paths) > 1 or any(p.is_dir() for p in paths) or (total or 0) > 1
        if many and sys.stderr.isatty() and _obj(ctx)["verbosity"] >= 0:
            from .pipeline import expand_paths

            if total is None:
                total = sum(1 for _ in expand_paths(paths))
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr,
                                         show_pos=True, show_percent=True, show_eta=True,
                                         item_show_func=lambda rate: rate)
        self.started = time.monotonic()
        self.done = 0

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            click.echo("", err=True)

    def outcome(self, outcome: Any) -> None:
        from .outcomes import Status

        if outcome.status is Status.REJECTED:
            click.echo(f"rejected {outcome.source}:\n{_finding_lines(outcome.findings)}",
                       err=True)
        elif self.bar is None:
            detail = (" (nothing to do; --force reloads)" if outcome.status is Status.UNCHANGED
                      else f" ({outcome.asserted} asserted, {outcome.inferred} inferred triples)")
            _say(self.ctx, f"{outcome.status} {outcome.article_id} from {outcome.source}{detail}")
        for note in getattr(outcome, "notes", ()):
            _say(self.ctx, f"note: {outcome.source}: {note}")
        self.done += 1
        if self.bar is not None:
            elapsed = max(time.monotonic() - self.started, 1e-9)
            self.bar.update(1, f"{self.done / elapsed:.1f} articles/s")


def _summary(ctx: click.Context, report: Any, ok: Any, *, result: bool = False) -> None:
    """The run's counts; ``result``: they are the command's result (stdout, even with -q)."""
    from .outcomes import Status

    done = report.count(ok, Status.RELOADED) if ok is Status.LOADED else report.count(ok)
    parts = [f"{done} {ok}"]
    if ok is Status.LOADED:
        parts.append(f"{report.count(Status.UNCHANGED)} unchanged")
    parts.append(f"{len(report.rejected)} rejected")
    if report.skipped:
        names = ", ".join(Path(p).name for p in report.skipped[:3])
        more = ", ..." if len(report.skipped) > 3 else ""
        parts.append(f"{len(report.skipped)} skipped (not facts files: {names}{more})")
    if result:
        click.echo(", ".join(parts) + ".")
    else:
        _say(ctx, ", ".join(parts) + ".")
    if report.rejected and ok is Status.LOADED:
        _say(ctx, "not loaded: " + ", ".join(o.source for o in report.rejected), level=-1)
    timing = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in report.seconds.items()
                       if seconds)
    _say(ctx, f"time per stage: {timing}", level=0 if len(report.outcomes) > 1 else 1)


# ------------------------------------------------------------------ store lifecycle

REBUILD_RATIO = 10  # reindex --method auto rebuilds the store when 1 in 10 articles is stale


@main.command()
@click.option("--all", "everything", is_flag=True,
              help="Rebuild every article, not only the stale ones.")
@click.option("--method", type=click.Choice(["auto", "in-place", "rebuild"]), default="auto",
              show_default=True,
              help="in-place: replace each stale article in its own transaction (about a "
                   "second each); rebuild: load every article into a new store that then "
                   "replaces this one (the time of a load); auto: rebuild when more than "
                   f"1 in {REBUILD_RATIO} articles is stale.")
@click.option("--reasoner", type=click.Choice(["fast", "owlrl"]), default="fast",
              show_default=True, help="The reasoner, as for `kgload load`.")
@click.option("--validator", type=click.Choice(["sparql", "pyshacl"]), default="sparql",
              show_default=True, help="The SHACL validator, as for `kgload load`.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Prepare articles in N processes, as for `kgload load`.")
@click.pass_context
def reindex(ctx: click.Context, everything: bool, method: str, reasoner: str,
            validator: str, jobs: int) -> None:
    """Rebuild the articles that another version of kgload's model built.

    An article is stale when the ontology, its rules, the shapes, the registry or the
    mapping code changed since it was loaded (kgload says so when it opens the store).
    Reindex runs the whole pipeline again on the facts document the store kept for each
    article, in load order. In place, each stale article is replaced whole in one
    transaction, under the writer lock. A rebuild writes a new store beside this one
    (STORE.reindex) while queries go on reading this one, and swaps it in when every
    article is built (it waits for running queries to finish; a load that got in
    meanwhile is built too). Interrupted, either resumes at the next run.
    """
    from .model import model_status
    from .outcomes import Status
    from .reindex import finish, rebuild
    from .reindex import reindex as run_reindex

    iris = _obj(ctx)["iris"]
    # a rebuild reads the store as queries do, and takes the writer lock only to swap
    with _open(ctx, write=False) as store:
        status = model_status(store, iris)
        count = status.articles if everything else status.stale
        if not count:
            _say(ctx, f"nothing to do: the {status.articles:,} articles of {store.path} were "
                 "built by this kgload's model.")
            return
        whole = method == "rebuild" or (method == "auto"
                                        and count * REBUILD_RATIO > status.articles)
        if not whole:
            store.upgrade(wait=_obj(ctx)["wait"])
            _note_recovery(ctx, store)
        how = (f"into a new store beside it ({store.path.name}.reindex)" if whole
               else "in place")
        _say(ctx, f"rebuilding {count:,} of {status.articles:,} articles {how}")
        total = status.articles if whole else count
        with _Progress(ctx, (), "reindexing", total=total) as progress, \
                _deferred_interrupt() as stop:
            if whole:
                def waiting() -> None:
                    _say(ctx, f"rebuilt; waiting for the commands reading {store.path} to "
                         "finish, to swap the new store in (Ctrl-C stops: what was built is "
                         "kept for the next run)")

                report = rebuild(store, iris, reasoner=reasoner, validator=validator, jobs=jobs,
                                 on_outcome=progress.outcome, stop=stop, waiting=waiting)
            else:
                report = run_reindex(store, iris, reasoner=reasoner, validator=validator,
                                     jobs=jobs,
                                     on_outcome=progress.outcome, everything=everything,
                                     stop=stop)
    finish(report)
    load = report.load
    parts = [f"{report.rebuilt:,} rebuilt", f"{len(load.rejected)} rejected"]
    if whole and load.count(Status.UNCHANGED):
        parts.append(f"{load.count(Status.UNCHANGED):,} built by an earlier, interrupted run")
    if report.without_source:
        parts.append(f"{len(report.without_source):,} without a stored source")
    _say(ctx, ", ".join(parts) + ".")
    if report.without_source:
        shown = ", ".join(report.without_source[:5])
        _say(ctx, f"not rebuilt: {shown}{', ...' if len(report.without_source) > 5 else ''}: "
             "loaded by a kgload that did not keep source documents; load their files "
             "again with `kgload load --force FILE`" + (
                 "; the store was not replaced" if whole else ""), level=-1)
    if load.rejected:
        kept = ("the store was not replaced: fix or remove these articles, then run "
                "reindex again (it goes on from what it built)" if whole
                else "the stored articles stay as they were, stale")
        _say(ctx, f"not rebuilt ({kept}): " + ", ".join(o.source for o in load.rejected),
             level=-1)
    if load.interrupted:
        _say(ctx, "interrupted: " + ("the store was not replaced; what was built is kept "
                                     f"in {store.path.name}.reindex" if whole else
                                     "the articles rebuilt so far are committed")
             + "; run `kgload reindex` again to go on", level=-1)
        ctx.exit(int(ExitCode.INTERRUPTED))
    if report.replaced is not None:
        _say(ctx, f"{store.path} now holds the rebuilt store.")
    if load.rejected or report.without_source:
        ctx.exit(int(ExitCode.REJECTED))


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx: click.Context, target: Path) -> None:
    """Copy the whole store into the new folder TARGET (restore it with `kgload restore`).

    Every graph is kept (the default graph, the articles' provenance and source
    documents, the store's format), with a manifest of checksums. Queries go on while
    it runs; a load waits for it with --wait, or says the store is busy.
    """
    from .backup import backup as run_backup

    with _open(ctx, write=False) as store:  # which says what its opening repaired
        info = run_backup(store, target, _obj(ctx)["iris"])
    _say(ctx, f"backed up {info.articles:,} articles ({info.size / 2**20:,.1f} MiB in "
         f"{info.files} files) into {info.path}")


@main.command()
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--replace", is_flag=True,
              help="Replace the store's current content (without it, the store must be new).")
@click.pass_context
def restore(ctx: click.Context, source: Path, replace: bool) -> None:
    """Put the backup SOURCE (made by `kgload backup`) in place of the store.

    Every file of the backup is checked against its manifest first; the store is then
    swapped whole under the writer lock: it is the old store or the backup, never a mix.
    """
    from .backup import restore as run_restore

    obj = _obj(ctx)
    info = run_restore(source, obj["store"], replace=replace, wait=obj["wait"])
    _say(ctx, f"restored {info.articles:,} articles from {info.path} (backed up "
         f"{info.created}) into {obj['store']}")


# ------------------------------------------------------------------ queries


def _values(params: tuple[tuple[str, str], ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in params:
        if key in values:
            raise UsageError(f"parameter {key} is given twice")
        values[key] = value
    return values


_ROW_FORMATS = ["table", "csv", "tsv", "json", "jsonl", "markdown"]
_SPARQL_FORMATS = ["sparql-json", "sparql-xml", "sparql-csv", "sparql-tsv"]
_RDF_FORMATS = ["turtle", "trig", "nquads", "ntriples", "jsonld", "rdfxml"]
_ALL_FORMATS = _ROW_FORMATS + _SPARQL_FORMATS + _RDF_FORMATS
_ROWS_HELP = "How rows are printed: table, csv, tsv, json, jsonl or markdown."


def _auth_option() -> Any:
    return click.option(
        "--auth", type=click.Choice(["basic", "digest", "bearer"]), default=None,
        help="How to authenticate to the endpoint (Virtuoso's -auth endpoints: digest). "
             "User and password from KGLOAD_ENDPOINT_USER and KGLOAD_ENDPOINT_PASSWORD or "
             "~/.netrc (NETRC names another file), the token from KGLOAD_ENDPOINT_TOKEN. "
             "Default: bearer if a token is set, basic if a user or netrc entry is.")


def _output_options(func: Any) -> Any:
    """Options shared by `query` and `sparql`: format, paging, labels, time, SERVICE."""
    from .queries import MAX_ROWS

    options = [
        click.option("--format", "fmt", type=click.Choice(_ALL_FORMATS), default=None,
                     help="Rows: table (default), csv, tsv, json, jsonl, markdown; the W3C "
                          "SPARQL results formats sparql-json|xml|csv|tsv; RDF formats for "
                          "CONSTRUCT/DESCRIBE (default turtle). csv, tsv, jsonl, "
                          "sparql-csv, sparql-tsv, ntriples and nquads are written as the "
                          "rows come; the others once the query is done."),
        click.option("--limit", type=click.IntRange(min=1, max=MAX_ROWS), default=None,
                     help="At most N rows (the page size with --page)."),
        click.option("--offset", type=click.IntRange(min=0, max=MAX_ROWS), default=0,
                     help="Skip the first N rows."),
        click.option("--page", type=click.IntRange(min=1, max=MAX_ROWS), default=None,
                     help="Page P of the rows (pages of --limit rows, or the query's "
                          "pagination)."),
        click.option("--iris", is_flag=True,
                     help="Show IRIs in tables instead of readable labels."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     metavar="SECONDS",
                     help="Stop the query after SECONDS (exit 6; rows already written "
                          "stay). Default: no limit."),
        click.option("--allow-service", is_flag=True,
                     help="Let the query call other SPARQL endpoints over the network "
                          "(SERVICE); without it such a query is refused (exit 2)."),
        click.option("--endpoint", metavar="URL", default=None,
                     help="Run the query on this remote SPARQL endpoint instead of the "
                          "store (e.g. http://host:7878/query); it must see the union of "
                          "its named graphs as its default graph (docs/remote.md). Actor "
                          "names are looked up there."),
        _auth_option(),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@click.argument("name")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="KEY VALUE",
              help="A parameter value (repeatable).")
@_output_options
@click.option("--describe", is_flag=True,
              help="Show the query's description, parameters, examples and SPARQL.")
@click.pass_context
def query(ctx: click.Context, name: str, params: tuple[tuple[str, str], ...],
          describe: bool, **output: Any) -> None:
    """Run the stored query NAME (see `kgload queries`).

    \b
    Examples:
      kgload query who-threatened-whom
      kgload query actions-by -p actor Petro --format csv
      kgload query timeline -p from 2026-01-01 -p to 2026-01-08
    """
    from .queries import bind, check_values, get_query

    stored, notes = get_query(name, _obj(ctx)["queries"])
    for note in notes:
        _say(ctx, note)
    if describe:
        click.echo(_describe(stored))
        return
    values = check_values(stored, _values(params))  # usage errors before the store opens
    with _source(ctx, output) as source:  # the store, or --endpoint
        sparql = bind(stored, values, source, _obj(ctx)["iris"])
        _print_result(ctx, source, sparql, page_size=stored.pagination, **output)


@main.command()
@click.argument("text", required=False)
@click.option("-f", "--file", "file", type=click.File("r", encoding="utf-8"),
              help="Read the query from a file ('-' for stdin).")
@_output_options
@click.pass_context
def sparql(ctx: click.Context, text: str | None, file: Any, **output: Any) -> None:
    """Run an ad-hoc SPARQL query (read-only; named graphs are seen as one default graph).

    A query that calls other endpoints (SERVICE) is refused unless --allow-service is
    given: it would send requests over the network. Ctrl-C stops any query (exit 130).
    """
    if (text is None) == (file is None):
        raise UsageError("give the query as an argument or with -f FILE (one of them)")
    with _source(ctx, output) as source:  # the store, or --endpoint
        _print_result(ctx, source, text if text is not None else file.read(), **output)


@contextmanager
def _source(ctx: click.Context, output: dict[str, Any]) -> Iterator[Any]:
    """What `query` and `sparql` read: the store, or the remote endpoint (--endpoint),
    whose options are taken out of ``output``."""
    endpoint, auth = output.pop("endpoint"), output.pop("auth")
    if endpoint is None:
        if auth is not None:
            raise UsageError("--auth is for a remote endpoint: give --endpoint URL")
        with _open(ctx, write=False) as store:
            yield store
        return
    from .remote import Auth, SparqlEndpoint

    with SparqlEndpoint(endpoint, auth=Auth(auth) if auth else None,
                        timeout=output["timeout"]) as remote:
        yield remote


def _print_result(ctx: click.Context, store: Any, sparql_text: str, *, fmt: str | None,
                  limit: int | None, offset: int, page: int | None, iris: bool,
                  timeout: float | None, allow_service: bool,
                  page_size: int | None = None) -> None:
    """Run the query and write its answer: line formats as the rows come, others whole."""
    from .errors import QueryTimeout
    from .queries import MAX_ROWS, stream
    from .store import Store

    if page is not None:
        size = limit or page_size
        if size is None:
            raise UsageError("--page needs a page size: give --limit N")
        if offset + page * size > MAX_ROWS:
            raise UsageError(f"--page {page} of {size} rows ends past row {MAX_ROWS:,}: "
                             f"offset + page * size must be at most 2^63 - 1 ({MAX_ROWS})")
        offset, limit = offset + (page - 1) * size, size
    if isinstance(store, Store):
        run: Callable[..., Any] = stream
    else:  # a remote endpoint (--endpoint)
        from .remote import stream as run
    try:
        with run(store, sparql_text, limit=limit, offset=offset, timeout=timeout,
                 allow_service=allow_service) as answer:
            rows = _write_answer(ctx, store, answer, fmt, iris)
    except QueryTimeout as exc:
        raise QueryTimeout(f"{exc.message} (--timeout {timeout:g})",
                           seconds=exc.seconds) from None
    if rows is not None:
        _say(ctx, f"{rows} row(s)", level=1)


def _write_answer(ctx: click.Context, store: Any, answer: Any, fmt: str | None,
                  iris: bool) -> int | None:
    """Write a query's answer in ``fmt``; the number of rows (None for ASK and RDF)."""
    from .export import prefixes
    from .queries import labels
    from .render import (
        RDF_LINES,
        STREAMED,
        render,
        render_lines,
        render_rdf,
        render_rdf_lines,
        render_sparql,
        render_sparql_lines,
    )

    names = prefixes(_obj(ctx)["iris"])
    if answer.triples:
        if fmt is not None and fmt not in _RDF_FORMATS:
            raise UsageError(f"a CONSTRUCT or DESCRIBE query gives RDF: use one of "
                             f"{', '.join(_RDF_FORMATS)}")
        if fmt in RDF_LINES:
            for text in render_rdf_lines(answer, fmt):
                click.echo(text, nl=False)
            return None
        triples = [triple for batch in answer for triple in batch]
        click.echo(render_rdf(triples, fmt or "turtle", names), nl=False)
        return None
    if fmt in _RDF_FORMATS:
        raise UsageError(f"{fmt} is for CONSTRUCT/DESCRIBE queries; a SELECT gives rows "
                         f"({', '.join(_ROW_FORMATS + _SPARQL_FORMATS)})")
    if answer.boolean is not None:
        if fmt in _SPARQL_FORMATS:
            click.echo(render_sparql([], None, fmt, boolean=answer.boolean), nl=False)
        else:
            click.echo("true" if answer.boolean else "false")
        return None
    fmt = fmt or "table"
    if fmt in STREAMED or fmt in ("sparql-csv", "sparql-tsv"):
        count = 0

        def counted() -> Any:
            nonlocal count
            for batch in answer:
                count += len(batch)
                yield batch

        texts = (render_lines(answer.variables, counted(), fmt) if fmt in STREAMED
                 else render_sparql_lines(answer.variables, counted(), fmt))
        for text in texts:  # echo flushes: each batch is out as soon as the query gives it
            click.echo(text, nl=False)
        return count
    rows = [row for batch in answer for row in batch]
    if fmt in _SPARQL_FORMATS:
        click.echo(render_sparql(answer.variables, rows, fmt), nl=False)
        return len(rows)
    readable = None
    if fmt in ("table", "markdown") and not iris:
        readable = labels(store, (cell for row in rows for cell in row))
    click.echo(render(answer.variables, rows, fmt, prefixes=names, labels=readable), nl=False)
    return len(rows)


# ------------------------------------------------------------------ remote stores


@main.command()
@click.option("--endpoint", metavar="URL", default=None,
              help="The remote store's Graph Store Protocol URL (e.g. "
                   "http://host:7878/store): one PUT URL?graph=IRI per graph.")
@click.option("--update-endpoint", metavar="URL", default=None,
              help="Instead of --endpoint: the remote store's SPARQL Update URL (e.g. "
                   "http://host:7878/update), for stores without the Graph Store Protocol: "
                   "DROP SILENT GRAPH, then INSERT DATA in batches.")
@click.option("--article", "articles", multiple=True, metavar="ID",
              help="Only this article's graphs (repeatable).")
@click.option("--changed", is_flag=True,
              help="Only the graphs whose content changed since the last push to this "
                   "endpoint (and those that failed then).")
@click.option("--dry-run", is_flag=True,
              help="List what would be sent (on standard output) and send nothing.")
@_auth_option()
@click.option("--http-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, metavar="SECONDS",
              help="Wait at most SECONDS for each answer of the endpoint (a request that "
                   "fails on time, connection or a 5xx answer is tried 3 times).")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help="Record what was pushed in this file (default: kgload-push.json in the "
                   "store directory; --changed reads it).")
@click.pass_context
def push(ctx: click.Context, endpoint: str | None, update_endpoint: str | None,
         articles: tuple[str, ...], changed: bool, dry_run: bool, auth: str | None,
         http_timeout: float, state_path: Path | None) -> None:
    """Send the store's named graphs to a remote triple store.

    Every named graph (the articles', the entities and claims, the ontology and registry,
    the store's description) is sent whole with one Graph Store Protocol PUT, which
    replaces it: pushing again is idempotent. A whole push also deletes from the endpoint
    the graphs it pushed before that the store no longer holds (removed articles). A push
    that fails (exit 4) can be run again with --changed to send what did not make it.
    The remote store must see the union of its named graphs as its default graph for
    `kgload query --endpoint` to answer as the store does: see docs/remote.md.

    \b
    Examples:
      kgload push --endpoint http://localhost:7878/store
      kgload push --endpoint http://localhost:7878/store --changed
      KGLOAD_ENDPOINT_USER=dba KGLOAD_ENDPOINT_PASSWORD=dba kgload push --auth digest \\
        --endpoint http://localhost:8890/sparql-graph-crud-auth
    """
    if (endpoint is None) == (update_endpoint is None):
        raise UsageError("give the remote store as --endpoint URL (Graph Store Protocol) or "
                         "--update-endpoint URL (SPARQL Update), one of them")
    with _open(ctx, write=False) as store:
        report = _push(ctx, store, endpoint or update_endpoint or "",
                       update=update_endpoint is not None, auth=auth, timeout=http_timeout,
                       articles=list(articles) or None, shared=False, changed=changed,
                       dry_run=dry_run, state_path=state_path)
    _push_summary(ctx, report)


def _push(ctx: click.Context, store: Any, url: str, *, update: bool = False,
          auth: str | None = None, timeout: float = 60.0, articles: list[str] | None,
          shared: bool, changed: bool, dry_run: bool = False,
          state_path: Path | None = None) -> Any:
    """Push (see kgload.push), with progress on stderr."""
    from .push import Mode
    from .push import push as run_push
    from .remote import Auth, Endpoint

    mode = Mode.UPDATE if update else Mode.GRAPH_STORE
    said = [time.monotonic()]

    def progress(report: Any, graph: str) -> None:
        done = len(report.sent) + report.unchanged + len(report.failed)
        _say(ctx, f"{'would send' if dry_run else 'sent'} <{graph}>", level=1)
        if time.monotonic() - said[0] >= 5 and done < report.total:
            said[0] = time.monotonic()
            _say(ctx, f"pushed {done:,} of {report.total:,} graphs "
                 f"({report.triples:,} triples)")

    with Endpoint(url, auth=Auth(auth) if auth else None, timeout=timeout,
                  what="--update-endpoint" if update else "--endpoint") as remote, \
            _deferred_interrupt() as stop:
        report = run_push(store, remote, _obj(ctx)["iris"], mode=mode, articles=articles,
                          shared=shared, changed=changed, dry_run=dry_run,
                          state_path=state_path, on_graph=progress, stop=stop)
    if dry_run:
        for sent in report.sent:
            click.echo(f"{'POST' if update else 'PUT'} <{sent.graph}> {sent.triples} triples")
        for graph in report.removed:
            click.echo(f"{'DROP' if update else 'DELETE'} <{graph}>")
    return report


def _push_summary(ctx: click.Context, report: Any) -> None:
    """Say what a push did; exit 4 if some of it failed (130 if interrupted)."""
    from .remote import EndpointError

    if report.stopped and not report.sent and not report.unchanged and report.failed:
        raise EndpointError(report.stopped)  # nothing got through: one line says why
    verb = "would push" if report.dry_run else "pushed"
    parts = [f"{verb} {len(report.sent):,} graph(s) ({report.triples:,} triples) to "
             f"{report.endpoint} in {report.seconds:.1f} s"]
    if report.unchanged:
        parts.append(f"{report.unchanged:,} unchanged")
    if report.removed:
        parts.append(f"{len(report.removed):,} removed there (no longer in the store)")
    if report.retries:
        parts.append(f"{report.retries} retried request(s)")
    if report.failed:
        parts.append(f"{len(report.failed):,} failed")
    _say(ctx, "; ".join(parts) + ".", level=-1 if not report.ok else 0)
    for failed in report.failed[:10]:
        _say(ctx, f"failed: <{failed.graph}>: {failed.reason}", level=-1)
    if len(report.failed) > 10:
        _say(ctx, f"... and {len(report.failed) - 10} more failed graph(s)", level=-1)
    for note in report.notes:
        _say(ctx, f"warning: {note}", level=-1)
    if report.stopped == "interrupted":
        _say(ctx, f"interrupted: {report.not_sent:,} graph(s) not sent; `kgload push "
             "--changed` sends the rest", level=-1)
        ctx.exit(int(ExitCode.INTERRUPTED))
    if not report.ok:
        left = f"; {report.not_sent:,} graph(s) not sent" if report.not_sent else ""
        why = f" (stopped: {report.stopped})" if report.stopped and report.failed[-1:] and \
            report.stopped != report.failed[-1].reason else ""
        raise EndpointError(f"the push to {report.endpoint} is incomplete: "
                            f"{len(report.failed):,} graph(s) failed{left}{why}; run it again "
                            "with --changed to send what did not make it")


def _describe(stored: Any) -> str:
    import yaml

    lines = [f"{stored.name}: {stored.summary}", ""]
    if stored.description:
        lines += [stored.description, ""]
    if stored.tags:
        lines += [f"tags: {', '.join(stored.tags)}", ""]
    lines += [stored.usage(), ""]
    for number, example in enumerate(stored.examples, start=1):
        args = " ".join(f"-p {k} {_quote(v)}" for k, v in example.params.items())
        lines.append(f"example {number}: kgload query {stored.name} {args}".rstrip())
        shown = {"rows": [dict(r) for r in example.rows]}
        if example.count is not None:
            shown["count"] = example.count  # type: ignore[assignment]
        lines += ["  " + line for line in yaml.safe_dump(
            shown, allow_unicode=True, sort_keys=False, width=96).splitlines()]
    lines += ["", f"file: {stored.path}", "", stored.sparql]
    return "\n".join(lines)


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


@main.command()
@click.option("--format", "fmt", type=click.Choice(_ROW_FORMATS), default="table",
              show_default=True, help=_ROWS_HELP)
@click.pass_context
def check(ctx: click.Context, fmt: str) -> None:
    """Check every stored query's examples (its contract) against the example data.

    With --store PATH (or KGLOAD_STORE) given explicitly, the contracts are checked
    against that store instead of the bundled examples. Exit 1 if any contract fails.
    """
    from click.core import ParameterSource

    from .contracts import check_queries, example_store
    from .queries import load_queries
    from .render import render

    queries, notes = load_queries(_obj(ctx)["queries"])
    for note in notes:
        _say(ctx, note)
    root = ctx.find_root()
    given = root.get_parameter_source("store_path") not in (ParameterSource.DEFAULT, None)
    if given:
        with _open(ctx, write=False) as store:
            results = check_queries(store, queries, _obj(ctx)["iris"])
    else:
        _say(ctx, "checking against the bundled example data")
        with example_store(_obj(ctx)["iris"]) as store:
            results = check_queries(store, queries, _obj(ctx)["iris"])
    rows = [[r.query, r.number, " ".join(f"{k}={v}" for k, v in r.params.items()),
             "holds" if r.holds else "FAILS", r.rows, "; ".join(r.problems)]
            for r in results]
    click.echo(render(["query", "example", "params", "contract", "rows", "problems"], rows,
                      fmt), nl=False)
    failed = sum(1 for r in results if not r.holds)
    _say(ctx, f"{len(results) - failed} of {len(results)} contracts hold.", level=-1
         if failed else 0)
    if failed:
        ctx.exit(int(ExitCode.REJECTED))


@main.command(name="queries")
@click.argument("name", required=False)
@click.pass_context
def list_queries(ctx: click.Context, name: str | None) -> None:
    """List the stored queries, or describe the query NAME."""
    from .queries import get_query, load_queries
    from .render import render

    if name:
        stored, _ = get_query(name, _obj(ctx)["queries"])
        click.echo(_describe(stored))
        return
    found, notes = load_queries(_obj(ctx)["queries"])
    for note in notes:
        _say(ctx, note)
    rows = [[q.name, q.summary,
             ", ".join(f"{p.name}{'' if p.required else '?'}:{p.type}" for p in q.params)]
            for q in found.values()]
    click.echo(render(["query", "summary", "parameters"], rows), nl=False)


# ------------------------------------------------------------------ store management


@main.command()
@click.option("--format", "fmt", type=click.Choice(_RDF_FORMATS), default="turtle",
              show_default=True,
              help="The RDF format (trig and nquads keep the named graphs).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to a file instead of standard output.")
@click.option("--article", default=None, help="Only this article's graphs.")
@click.option("--no-inferred", is_flag=True, help="Leave out inferred triples.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None, article: str | None,
           no_inferred: bool) -> None:
    """Export the graph as RDF (TriG and N-Quads keep the named graphs and the default
    graph; the other formats hold their union, the default graph's triples included).

    -o writes a regular file whole or not at all (through a symbolic link to its target);
    a pipe or a device is written through, never replaced.
    """
    from .errors import StoreError
    from .export import RdfFormat, default_graph_size, output_file
    from .export import export as run_export

    rdf_format = RdfFormat(fmt)
    with _open(ctx, write=False) as store:
        iris = _obj(ctx)["iris"]
        merged = 0 if rdf_format.keeps_graphs or article is not None else default_graph_size(
            store)
        try:
            if output is None:
                count = run_export(store, sys.stdout.buffer, rdf_format, iris,
                                   article=article, inferred=not no_inferred)
                sys.stdout.buffer.flush()
            else:
                with output_file(output) as handle:
                    count = run_export(store, handle, rdf_format, iris,
                                       article=article, inferred=not no_inferred)
        except OSError as exc:
            raise StoreError(f"cannot write {output or 'standard output'}: "
                             f"{exc.strerror or exc}") from exc
    if merged:  # said even with -q: the graph boundary is lost
        _say(ctx, f"warning: {merged} triple(s) of the store's default graph are merged into "
             f"the {fmt} union with the named graphs' (trig or nquads keeps them apart)",
             level=-1)
    _say(ctx, f"exported {count} statements" + (f" to {output}" if output else ""))


@main.command(name="import")
@click.argument("dump", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["nquads", "trig"]), default=None,
              help="The dump's format (default: from the file name, .nq or .trig).")
@click.pass_context
def import_(ctx: click.Context, dump: Path, fmt: str | None) -> None:
    """Load an N-Quads or TriG dump (from `kgload export`) into the store.

    The dump is checked completely first (a bad dump changes nothing); each named graph
    it holds then replaces the store's graph of the same name, and its default-graph
    triples are added to the default graph. The shared entity graphs are then rebuilt
    from the articles the store holds. The dump is read in batches, journaled: the store
    gets all of it or, after any failure or crash, none of it.
    """
    from .errors import StoreError
    from .export import RdfFormat, import_dump

    if fmt is None:
        suffix = dump.suffix.lower()
        fmt = {".nq": "nquads", ".nquads": "nquads", ".trig": "trig"}.get(suffix)
        if fmt is None:
            raise UsageError(f"cannot tell the format of {dump} from its name: "
                             "give --format nquads or --format trig")
    if not dump.is_file():
        raise StoreError(f"cannot read {dump}: no such file")
    with _open(ctx, write=True) as store:
        iris = _obj(ctx)["iris"]
        # the dump's claims are added to the store's; the entities are then resolved again
        # from every article the store now holds
        counts = import_dump(store, str(dump), RdfFormat(fmt), merge=iris.shared_graphs,
                             base=iris.base)
    _say(ctx, f"imported {sum(counts.values())} quads in {len(counts)} graph(s) from {dump}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(_ROW_FORMATS), default="table",
              show_default=True, help=_ROWS_HELP)
@click.pass_context
def articles(ctx: click.Context, fmt: str) -> None:
    """List the loaded articles."""
    from .render import render

    with _open(ctx, write=False) as store:
        rows = [[a.article_id, a.source_file, a.loaded_at, a.triples, a.sha256[:12]]
                for a in store.articles()]
    click.echo(render(["article", "file", "loaded at", "triples", "sha256"], rows, fmt), nl=False)


@main.command()
@click.argument("search", required=False)
@click.option("--duplicates", is_flag=True,
              help="List entities that share a Wikidata id, ISO 3166 code or CAMEO actor "
                   "code instead (likely the same thing under two ids).")
@click.option("--no-registry", is_flag=True, help="Only entities that articles declare.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N rows.")
@click.option("--format", "fmt", type=click.Choice(_ROW_FORMATS), default="table",
              show_default=True, help=_ROWS_HELP)
@click.pass_context
def entities(ctx: click.Context, search: str | None, duplicates: bool, no_registry: bool,
             limit: int | None, fmt: str) -> None:
    """List or search the store's entities (SEARCH: part of an id, name or alias).

    One row per entity, with its types, its one name, its aliases, its codes and the
    number of articles that declare it or name it in a fact, most mentioned first.
    """
    from .catalog import COLUMNS, DUPLICATE_COLUMNS, likely_duplicates
    from .catalog import entities as list_entities
    from .render import render

    iris = _obj(ctx)["iris"]
    with _open(ctx, write=False) as store:
        if duplicates:
            header, rows = DUPLICATE_COLUMNS, likely_duplicates(store, iris)
        else:
            found = list_entities(store, iris, search, include_registry=not no_registry)
            header, rows = COLUMNS, [e.row() for e in found]
    click.echo(render(header, rows[:limit] if limit else rows, fmt), nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(_ROW_FORMATS), default="table",
              show_default=True, help=_ROWS_HELP)
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """Counts of articles, graphs, triples, entities and actions."""
    from .render import render
    from .stats import store_stats

    with _open(ctx, write=False) as store:
        rows = store_stats(store, _obj(ctx)["iris"])
    click.echo(render(["what", "count"], rows, fmt), nl=False)


@main.command()
@click.argument("article_id")
@click.pass_context
def remove(ctx: click.Context, article_id: str) -> None:
    """Remove an article from the store, in one transaction.

    Its graphs go, and with them what only it said about entities; the entities it
    spoke of are resolved again from the articles that remain. Refused (exit 1) when
    other articles still name an entity that only this article declares.
    """
    from .pipeline import remove as run_remove

    with _open(ctx, write=True) as store:
        if not run_remove(store, article_id, _obj(ctx)["iris"]):
            raise UsageError(f"no article {article_id!r} in the store (`kgload articles` "
                             "lists them)")
    _say(ctx, f"removed {article_id}")


@main.command()
@click.pass_context
def compact(ctx: click.Context) -> None:
    """Compact the store's files, for faster queries.

    `load` does it by itself after writing many triples (see its --compact); run it
    after many small loads or removals. It changes no data.
    """
    with _open(ctx, write=True) as store:
        _compact(ctx, store, "on request")


def _compact(ctx: click.Context, store: Any, why: str) -> None:
    _say(ctx, f"compacting the store ({why})...")
    seconds = store.compact()
    _say(ctx, f"compacted in {seconds:.1f} s")


@main.command()
def schema() -> None:
    """Print the JSON Schema of facts files (for extractors and editors)."""
    from .check import facts_schema

    click.echo(json.dumps(facts_schema(), indent=2, ensure_ascii=False))


@main.command()
@click.argument("search", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(_ROW_FORMATS), default="table",
              show_default=True, help=_ROWS_HELP)
def types(search: tuple[str, ...], fmt: str) -> None:
    """List the action and entity types facts files may use, as a tree, or search them.

    Action types are the CAMEO event codes (with their families) and kgload's own;
    entity types follow. SEARCH words must all occur in a type's name, label, family,
    other labels or the CAMEO verb dictionary's verbs for its code (`kgload types air
    strike`, `kgload types condemned`); a number matches the CAMEO codes that start
    with it (`kgload types 19`). Matches are shown under their super-types, marked
    with `*` in the table. Exit 1 when nothing matches.
    """
    from .render import render
    from .typetree import COLUMNS, type_tree
    from .typetree import search as search_types

    tree = type_tree()
    text = " ".join(search)
    shown = search_types(tree, text) if text.strip() else [(e, False) for e in tree]
    if not shown:
        click.echo(f"no type matches {text!r} (try fewer words, or a CAMEO code such as 19)",
                   err=True)
        raise SystemExit(1)
    if fmt != "table":
        click.echo(render(COLUMNS, [entry.row() for entry, _ in shown], fmt), nl=False)
        return
    # the table is the tree: names indented under their super-type (never clipped: they
    # are what a facts file writes), search matches marked with *
    marks = bool(text.strip())
    rows = [[("* " if matched else "  ") * marks + "  " * entry.depth + entry.name,
             entry.code or "", entry.label] for entry, matched in shown]
    click.echo(render(["type", "code", "label"], rows, fmt, max_width=100), nl=False)


@main.command(name="check-store")
@click.pass_context
def check_store(ctx: click.Context) -> None:
    """Read every quad of the store and check it: exit 4 if it is damaged.

    Damaged database files are found only when the damaged part is read: a store can
    answer `stats` and still fail `export`. This reads all of it (streaming), checks that
    the store's indexes agree, that every article has its graphs and no article graph is
    left over, and that no interrupted load is pending. Restore a damaged store from a
    backup (`kgload restore`).
    """
    from .errors import StoreDamaged
    from .integrity import check_store as run_check

    with _open(ctx, write=False) as store:
        result = run_check(store, _obj(ctx)["iris"])
    for problem in result.problems:
        click.echo(f"damage: {problem}", err=True)
    if result.problems:
        raise StoreDamaged(store.path, f"{len(result.problems)} problem(s) found by "
                                       "check-store, listed above")
    click.echo(f"{store.path}: {result.quads:,} quads in {result.graphs:,} graphs, "
               f"{result.articles:,} articles: no damage found")


# ------------------------------------------------------------------ serve


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, metavar="SECONDS",
              help="Stop each query after SECONDS (the answer is 503).")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows (or triples) of one answer at most; a longer one is cut and says "
                   "so in the X-Kgload-Truncated header.")
@click.option("--allow-update", is_flag=True,
              help="Accept SPARQL updates on /sparql from clients that send the token "
                   "(--update-token-env) as an Authorization: Bearer header.")
@click.option("--update-token-env", metavar="VAR", default="KGLOAD_SERVE_TOKEN",
              show_default=True,
              help="The environment variable that holds the update token.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, timeout: float, max_rows: int,
          allow_update: bool, update_token_env: str) -> None:
    """Serve the store over HTTP: SPARQL endpoint, stored queries as REST, OpenAPI.

    \b
    /sparql          SPARQL 1.1 Protocol (GET, form or direct POST), read-only
    /queries/NAME    a stored query: ?param=value, limit, offset, page, format
    /queries         the stored queries and their parameters (JSON)
    /openapi.json    the OpenAPI 3 description; /docs renders it (offline)

    The store is opened for reading only while requests are under way, so `kgload
    --wait load` can run meanwhile: requests made while it writes get 503 with
    Retry-After (docs/serve.md). Needs the serve extra: pip install '.[serve]' in a checkout.
    Ctrl-C stops the server.
    """
    import os

    try:
        import uvicorn

        from .server import ServeConfig, make_app
    except ImportError as exc:
        raise UsageError(f"kgload serve needs the serve extra ({exc.name} is not "
                         "installed): pip install '.[serve]' in a checkout of kgload") from None
    token = None
    if allow_update:
        token = os.environ.get(update_token_env, "")
        if len(token) < 16:
            raise UsageError(f"--allow-update needs a token of 16 characters or more in "
                             f"the environment variable {update_token_env} "
                             "(--update-token-env)")
    obj = _obj(ctx)
    with _open(ctx, write=False):  # no store, a damaged or newer one: said now (exit 4)
        pass
    config = ServeConfig(store=obj["store"], iris=obj["iris"],
                         query_dirs=list(obj["queries"]), timeout=timeout,
                         max_rows=max_rows, update_token=token)
    app = make_app(config)
    server = uvicorn.Server(uvicorn.Config(
        app, host=host, port=port, log_level="info" if obj["verbosity"] > 0 else "warning",
        access_log=obj["verbosity"] > 0, timeout_graceful_shutdown=5))

    def started() -> None:
        for sock in (s for srv in server.servers for s in srv.sockets):
            address = sock.getsockname()
            _say(ctx, f"kgload: serving {obj['store']} at http://{address[0]}:{address[1]}/ "
                      f"({'updates allowed with the token' if token else 'read-only'}; "
                      "Ctrl-C stops)")

    _serve(server, started)


def _serve(server: Any, started: Callable[[], None]) -> None:
    """Run uvicorn, saying where it listens once it does."""
    import asyncio

    async def run() -> None:
        task = asyncio.ensure_future(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        if server.started:
            started()
        await task

    asyncio.run(run())


# -v and -q work after the command name too (kgload query NAME -v)
for _command in main.commands.values():
    _command.params.extend(_verbosity_options())


if __name__ == "__main__":  # pragma: no cover
    main()
