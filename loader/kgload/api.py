"""kgload's Python API, for notebooks and scripts: open a store, load, query, export.

This module is the stable surface (see ``docs/api.md``); ``import kgload`` gives its
names lazily. It calls the same library functions as the ``kgload`` command, so that a
load, a query or an export gives the same result from Python as from the shell::

    import kgload

    with kgload.open_store("kg-store", write=True) as kg:
        report = kg.load(["examples/colombia-eln.yaml"])
        for row in kg.query("who-threatened-whom"):
            print(row["source"], "threatened", row["threatened"], "on", row["start"])

Errors are :class:`~kgload.errors.KgloadError` subclasses, never ``SystemExit``; each
has the ``exit_code`` the command would exit with. The library installs no signal
handler: a load stops cleanly when its ``stop`` callable says so, and a query runs in a
worker thread, so that Ctrl-C (KeyboardInterrupt) reaches the caller within a tenth of
a second.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any, TypeVar, cast
from weakref import WeakSet

from rdflib import Graph, Literal

from .catalog import Entry
from .catalog import entities as list_entities
from .errors import Finding, InputRejected, KgloadError, StoreDamaged, StoreError, UsageError
from .export import RdfFormat, default_graph_size, output_file, prefixes
from .export import export as write_export
from .facts import Limits, parse_bytes, shown_size
from .iris import DEFAULT_BASE_IRI, Iris
from .model import model_status, stale_note
from .outcomes import LoadReport, Outcome, Status, Timer
from .pipeline import Documents, load_documents, validate_paths
from .pipeline import load as load_paths
from .pipeline import remove as remove_article
from .queries import Answer, StoredQuery, bind, check_values, get_query, load_queries, run, stream
from .reasoning import Reasoner
from .stats import store_stats
from .store import ArticleInfo, Store, is_damage
from .validation import Validator

__all__ = ["COMPACT_AFTER", "KnowledgeGraph", "Rows", "open_store", "python_value",
           "stored_queries", "validate"]

log = logging.getLogger(__name__)

# a load that wrote this many triples compacts the store, as `kgload load --compact auto`
COMPACT_AFTER = 200_000

Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
Document = Mapping[str, Any] | str | bytes
ParamValue = str | int | bool | date | None


def open_store(path: str | os.PathLike[str], *, write: bool = False,
               base_iri: str | None = None, wait: bool = False,
               query_dirs: Iterable[str | os.PathLike[str]] = ()) -> KnowledgeGraph:
    """Open the store at ``path``: for reading, or with ``write=True`` to change it.

    A reader shares the store with other readers; a writer holds it alone (a new store
    is created by the first writer). A busy store raises :class:`StoreBusy`, or with
    ``wait=True`` is waited for. ``base_iri`` must be the one the store was loaded with
    (the default is ``https://example.org/kgload/``; environment variables are not
    read). ``query_dirs`` adds folders of stored queries, as ``kgload --queries``.
    Use the result as a context manager, or call its ``close()``::

        with kgload.open_store("kg-store") as kg:
            print(kg.stats()["articles"])
    """
    return KnowledgeGraph(path, write=write, base_iri=base_iri, wait=wait,
                          query_dirs=query_dirs)


def validate(paths: Paths, *, base_iri: str | None = None, reasoner: Reasoner | str = "fast",
             validator: Validator | str = "sparql", limits: Limits | None = None,
             on_outcome: Callable[[Outcome], None] | None = None) -> LoadReport:
    """Run every check of a load on facts files (or folders of them), with no store.

    The report has one outcome per article: ``valid``, or ``rejected`` with its
    findings. Rejection is not an exception: look at ``report.rejected``::

        report = kgload.validate(["facts/"])
        for outcome in report.rejected:
            print(*(finding.format() for finding in outcome.findings), sep="\\n")
    """
    return validate_paths(_path_list(paths), _iris(base_iri), on_outcome,
                          reasoner=_reasoner(reasoner), validator=_validator(validator),
                          limits=limits)


def stored_queries(query_dirs: Iterable[str | os.PathLike[str]] = ()) -> dict[str, StoredQuery]:
    """The stored queries by name: the bundled ones, then those of ``query_dirs``.

    Each :class:`~kgload.queries.StoredQuery` has its ``summary``, ``description``,
    ``params`` and ``usage()``. A query of ``query_dirs`` replaces a bundled one of the
    same name.
    """
    found, notes = load_queries([Path(folder) for folder in query_dirs])
    for note in notes:
        log.info("%s", note)
    return found


# ------------------------------------------------------------------ values

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                  "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedLong",
                  "unsignedInt", "unsignedShort", "unsignedByte")
# the datatypes given as Python values (anything else is its lexical form, a str)
_PYTHON_TYPES: dict[str, type] = {
    _XSD + "boolean": bool,
    _XSD + "decimal": Decimal,
    _XSD + "double": float,
    _XSD + "float": float,
    _XSD + "date": date,
    _XSD + "dateTime": datetime,
    **{_XSD + name: int for name in _INTEGER_TYPES},
}


def python_value(term: Any) -> Any:
    """A query result's cell as a Python value.

    None (unbound) stays None; an IRI or a blank node becomes its ``str``; a literal
    of type xsd:boolean, an integer type, xsd:decimal, xsd:double or xsd:float,
    xsd:date or xsd:dateTime becomes a ``bool``, ``int``, ``Decimal``, ``float``,
    ``datetime.date`` or ``datetime.datetime``; any other literal (a string, a
    language-tagged text, xsd:gYear, a value its datatype does not allow) is its
    lexical form, a ``str``.
    """
    if term is None:
        return None
    if isinstance(term, Literal) and term.datatype is not None and not term.language:
        wanted = _PYTHON_TYPES.get(str(term.datatype))
        if wanted is not None:
            value = term.toPython()
            if type(value) is wanted:  # else ill-typed: rdflib gave the literal back
                return value
    return str(term)


# ------------------------------------------------------------------ the store


class KnowledgeGraph:
    """An open kgload store; made by :func:`open_store`.

    Attributes: ``path`` (the store's folder), ``base_iri``, ``writable``, ``stale``
    (how many articles another version of kgload's model built: see ``kgload
    reindex``), ``recovered`` (the ids of the articles of an interrupted load that
    opening the store rolled back) and ``relocked`` (the store's lock file was missing
    and was made again). Opening logs what it repaired and any stale articles as
    warnings on the ``kgload.api`` logger.
    """

    def __init__(self, path: str | os.PathLike[str], *, write: bool = False,
                 base_iri: str | None = None, wait: bool = False,
                 query_dirs: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.path = Path(path)
        self.writable = write
        self._iris = _iris(base_iri)
        self.base_iri = self._iris.base
        self._query_dirs = [Path(folder) for folder in query_dirs]
        self._rows: WeakSet[Rows] = WeakSet()
        self._store = Store(self.path, write=write, wait=wait)
        with _damage_reported(self.path):
            self._store.open()
            try:
                status = model_status(self._store, self._iris)  # refuses a newer format
            except BaseException:
                self._store.close()
                raise
        self.stale = status.stale
        self.recovered = list(self._store.recovered)
        self.relocked = self._store.relocked
        if self.relocked:
            log.warning("the store's lock file in %s was missing: created it again", self.path)
        if self.recovered:
            log.warning("the last load into %s was interrupted: rolled back %d article(s) it "
                        "had not finished writing (%s)", self.path, len(self.recovered),
                        ", ".join(self.recovered))
        note = stale_note(status, self.path)
        if note:
            log.warning("%s", note)

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "write" if self.writable else "read"
        return f"<kgload.KnowledgeGraph {str(self.path)!r} ({mode})>"

    def close(self) -> None:
        """Stop the queries still streaming (see :meth:`rows`), then close the store."""
        for rows in list(self._rows):
            rows.close()
        self._store.close()

    # ------------------------------------------------------------ loading

    def load(self, paths: Paths, *, force: bool = False, reasoner: Reasoner | str = "fast",
             validator: Validator | str = "sparql", jobs: int = 1, limits: Limits | None = None,
             on_outcome: Callable[[Outcome], None] | None = None,
             stop: Callable[[], bool] | None = None,
             compact: bool | None = None) -> LoadReport:
        """Load facts files (YAML, JSON, JSON Lines) or folders of them, as ``kgload load``.

        A rejected article leaves the store as it was and the others still load: the
        report's ``rejected`` outcomes carry the findings (no exception). ``force``
        reloads unchanged files; ``jobs``: processes that prepare articles; ``limits``
        bounds one article; ``on_outcome`` hears of each article once committed;
        ``stop`` is asked between articles (true: end after those in hand);
        ``compact``: compact afterwards (None: after :data:`COMPACT_AFTER` triples);
        ``validator``: ``sparql`` (the default) or ``pyshacl`` (the reference).
        """
        return self._load(load_paths, _path_list(paths), reasoner, jobs, compact,
                          validator=_validator(validator), force=force, on_outcome=on_outcome,
                          limits=limits, stop=stop)

    def load_documents(self, documents: Document | Iterable[Document], *,
                       force: bool = False, reasoner: Reasoner | str = "fast",
                       validator: Validator | str = "sparql", jobs: int = 1,
                       limits: Limits | None = None,
                       on_outcome: Callable[[Outcome], None] | None = None,
                       stop: Callable[[], bool] | None = None,
                       compact: bool | None = None) -> LoadReport:
        """Load facts documents held in memory, with the options of :meth:`load`.

        A document is a mapping (the structure of a facts file, e.g. ``json.loads`` of
        one, or an extractor's output; ``datetime.date`` values are written as ISO
        dates) or the text of a facts file (``str`` or ``bytes``, read as YAML 1.2,
        of which JSON is a subset). The store keeps each document as a file would be
        kept (for ``kgload reindex``); its source name is the article id with
        ``.json`` (a mapping) or ``.yaml`` (text), so that loading an edited
        document of the same article replaces it. A mapping's findings give no line
        numbers; a text's give its lines.
        """
        given = [documents] if isinstance(documents, Mapping | str | bytes) else documents

        def inputs(report: LoadReport, timer: Timer) -> Iterator[tuple[Path, Documents]]:
            for number, document in enumerate(given, start=1):
                with timer("parse"):
                    parsed = _parse_document(document, number, limits or Limits())
                name = parsed.path if not isinstance(parsed, InputRejected) else (
                    parsed.findings[0].file if parsed.findings else f"document-{number}")
                yield Path(name), [parsed]

        return self._load(load_documents, inputs, reasoner, jobs, compact, force=force,
                          validator=_validator(validator), on_outcome=on_outcome, stop=stop)

    def remove(self, article_id: str) -> None:
        """Remove an article in one transaction, as ``kgload remove``.

        Raises :class:`UsageError` if the store does not hold it, and
        :class:`~kgload.errors.Refused` (nothing removed) if it is the only article
        that declares an entity other articles name.
        """
        self._writer("remove an article")
        with _damage_reported(self.path):
            if not remove_article(self._store, article_id, self._iris):
                raise UsageError(f"no article {article_id!r} in the store (articles() "
                                 "lists them)")

    def compact(self) -> float:
        """Compact the store's files for faster queries (no data changes); the seconds."""
        self._writer("compact")
        with _damage_reported(self.path):
            return self._store.compact()

    # ------------------------------------------------------------ queries

    def query(self, name: str, params: Mapping[str, ParamValue] | None = None, /, *,
              limit: int | None = None, offset: int = 0, timeout: float | None = None,
              allow_service: bool = False, **values: ParamValue) -> list[dict[str, Any]]:
        """Run the stored query ``name``; its rows, each a dict of column to value.

        Parameters come as a dict (``from`` and ``to`` are Python keywords), as
        keywords, or both; a value is a ``str`` (as after ``-p KEY``), ``int``,
        ``datetime.date``, ``bool`` (yes/no) or None (not given). Every row has every
        column; values as :func:`python_value` gives them. ``timeout`` (seconds)
        raises :class:`QueryTimeout`; ``SERVICE`` needs ``allow_service``. A wrong
        query name, parameter or value is a :class:`UsageError`::

            kg.query("timeline", {"from": "2026-01-01"}, actor="Petro", limit=20)
        """
        with self.rows(name, params, limit=limit, offset=offset, timeout=timeout,
                       allow_service=allow_service, **values) as rows:
            return list(rows)

    def rows(self, name: str, params: Mapping[str, ParamValue] | None = None, /, *,
             limit: int | None = None, offset: int = 0, timeout: float | None = None,
             allow_service: bool = False, **values: ParamValue) -> Rows:
        """The rows of :meth:`query`, as the store produces them (for large results).

        Iterate the result for dicts; ``columns`` names them before the first row.
        Close it (or use it as a context manager) to stop the query before its end::

            with kg.rows("event-table", {"from": "2026-01-01"}) as rows:
                for row in rows:
                    ...
        """
        text = self.query_text(name, params, **values)
        _check_timeout(timeout)
        with _damage_reported(self.path):
            answer = stream(self._store, text, limit=limit, offset=offset, timeout=timeout,
                            allow_service=allow_service)
        if answer.boolean is not None or answer.triples:
            answer.close()
            raise UsageError(f"the stored query {name} does not give rows (it is an ASK, "
                             "CONSTRUCT or DESCRIBE query): run query_text() with sparql()")
        rows = Rows(answer, self.path)
        self._rows.add(rows)
        return rows

    def query_text(self, name: str, params: Mapping[str, ParamValue] | None = None, /,
                   **values: ParamValue) -> str:
        """The SPARQL of the stored query ``name`` with its parameters bound (as query())."""
        stored, notes = get_query(name, self._query_dirs)
        for note in notes:
            log.info("%s", note)
        given = _param_texts({**(params or {}), **values})
        checked = check_values(stored, given)  # usage errors before any look-up
        with _damage_reported(self.path):
            return bind(stored, checked, self._store, self._iris)

    def sparql(self, text: str, *, limit: int | None = None, offset: int = 0,
               timeout: float | None = None, allow_service: bool = False
               ) -> list[dict[str, Any]] | bool | Graph:
        """Run a read-only SPARQL query over the union of the store's graphs.

        A SELECT gives its rows as :meth:`query` does (dicts of Python values); an ASK
        gives a ``bool``; a CONSTRUCT or DESCRIBE gives an ``rdflib.Graph`` (its
        triples as rdflib terms, kgload's prefixes bound). An update (INSERT...) or
        text that is not SPARQL is a :class:`UsageError`; ``limit``, ``offset``,
        ``timeout`` and ``allow_service`` are those of :meth:`query`.
        """
        _check_timeout(timeout)
        with _damage_reported(self.path):
            result = run(self._store, text, limit=limit, offset=offset, timeout=timeout,
                         allow_service=allow_service)
        if result.boolean is not None:
            return result.boolean
        if result.triples is not None:
            graph = Graph()
            for prefix, namespace in prefixes(self._iris).items():
                graph.bind(prefix, namespace)
            for triple in result.triples:
                graph.add(triple)
            return graph
        return [_row(result.variables, row) for row in result.rows]

    def stored_queries(self) -> dict[str, StoredQuery]:
        """The stored queries this store's handle runs (see :func:`stored_queries`)."""
        return stored_queries(self._query_dirs)

    # ------------------------------------------------------------ content

    def export(self, target: str | os.PathLike[str] | IO[bytes], *,
               format: RdfFormat | str = "turtle", article: str | None = None,
               inferred: bool = True) -> int:
        """Write the graph as RDF, as ``kgload export``; the number of statements written.

        ``target``: a path (a regular file is written whole or not at all) or a binary
        file object. ``format``: turtle, trig, nquads, ntriples, jsonld or rdfxml (trig
        and nquads hold the whole store, named graphs included). ``article``: only its
        graphs; ``inferred=False`` leaves out inferred triples.
        """
        try:
            rdf = RdfFormat(format)
        except ValueError:
            raise UsageError(f"unknown RDF format {format!r} (one of "
                             f"{', '.join(f.value for f in RdfFormat)})") from None
        if isinstance(target, io.TextIOBase):
            raise UsageError("export writes bytes: give a path or a file opened in binary "
                             "mode ('wb')")
        with _damage_reported(self.path):
            merged = 0 if rdf.keeps_graphs or article is not None else default_graph_size(
                self._store)
            try:
                if isinstance(target, str | os.PathLike):
                    with output_file(target) as handle:
                        count = write_export(self._store, handle, rdf, self._iris,
                                             article=article, inferred=inferred)
                else:
                    count = write_export(self._store, target, rdf, self._iris,
                                         article=article, inferred=inferred)
            except OSError as exc:
                raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
        if merged:
            log.warning("%d triple(s) of the store's default graph are merged into the %s "
                        "union with the named graphs' (trig or nquads keeps them apart)",
                        merged, rdf.value)
        return count

    def articles(self) -> list[ArticleInfo]:
        """The loaded articles (id, IRI, source file, SHA-256, load time, triples)."""
        with _damage_reported(self.path):
            return self._store.articles()

    def entities(self, search: str | None = None, *, registry: bool = True) -> list[Entry]:
        """The store's entities, most mentioned first, as ``kgload entities``.

        ``search`` keeps those whose id, name or an alias contains it (any case);
        ``registry=False`` leaves out the shared registry's entities.
        """
        with _damage_reported(self.path):
            return list_entities(self._store, self._iris, search, include_registry=registry)

    def stats(self) -> dict[str, int]:
        """The counts of ``kgload stats``, by the same labels ("articles", "actions"...)."""
        with _damage_reported(self.path):
            rows = store_stats(self._store, self._iris)
        return {str(what): cast(int, count) for what, count in rows}

    # ------------------------------------------------------------ helpers

    def _writer(self, what: str) -> None:
        if not self.writable:
            raise UsageError(f"cannot {what}: the store at {self.path} is open for reading; "
                             "open it with kgload.open_store(path, write=True)")

    def _load(self, run: Callable[..., LoadReport], inputs: Any, reasoner: Reasoner | str,
              jobs: int, compact: bool | None, **options: Any) -> LoadReport:
        """``run`` (a load of the pipeline) on ``inputs``, then the compaction."""
        self._writer("load")
        chosen, processes = _reasoner(reasoner), _jobs(jobs)
        with _damage_reported(self.path):
            report = run(self._store, inputs, self._iris, reasoner=chosen, jobs=processes,
                         **options)
            written = sum(o.asserted + o.inferred for o in report.outcomes
                          if o.status in (Status.LOADED, Status.RELOADED))
            if compact or (compact is None and written >= COMPACT_AFTER
                           and not report.interrupted):
                log.info("compacting the store (%d triples written)", written)
                self._store.compact()
        return report


class Rows:
    """A query's rows as the store produces them: iterate for dicts (see
    :meth:`KnowledgeGraph.rows`). ``columns`` are the column names, in order."""

    def __init__(self, answer: Answer, path: Path) -> None:
        self._answer = answer
        self._path = path
        self.columns: list[str] = list(answer.variables)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with _damage_reported(self._path):
            for batch in self._answer:
                for row in batch:
                    yield _row(self.columns, row)

    def close(self) -> None:
        """Stop the query (its worker stops at its next row)."""
        self._answer.close()

    def __enter__(self) -> Rows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


# ------------------------------------------------------------------ helpers


def _row(columns: list[str], cells: list[Any]) -> dict[str, Any]:
    return {column: python_value(cell) for column, cell in zip(columns, cells, strict=True)}


def _iris(base_iri: str | None) -> Iris:
    base = base_iri or DEFAULT_BASE_IRI
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", base):
        raise UsageError(f"the base IRI {base!r} is not an absolute IRI "
                         "(such as https://example.org/kgload/)")
    return Iris(base)


_Choice = TypeVar("_Choice", bound=Enum)


def _choice(kind: type[_Choice], value: _Choice | str, what: str) -> _Choice:
    """``value`` as a member of the enum ``kind`` (a reasoner, a validator)."""
    try:
        return kind(value)
    except ValueError:
        raise UsageError(f"unknown {what} {value!r} (one of "
                         f"{', '.join(str(c.value) for c in kind)})") from None


def _reasoner(value: Reasoner | str) -> Reasoner:
    return _choice(Reasoner, value, "reasoner")


def _validator(value: Validator | str) -> Validator:
    return _choice(Validator, value, "validator")


def _jobs(jobs: int) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"jobs must be a whole number of processes, 1 or more (not {jobs!r})")
    return jobs


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and not (isinstance(timeout, int | float) and timeout > 0):
        raise UsageError(f"the timeout must be a number of seconds above 0 (not {timeout!r})")


def _path_list(paths: Paths) -> list[Path]:
    """One path or many (a lone ``str`` is one path, not its characters)."""
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)]
    return [Path(path) for path in paths]


def _param_texts(values: Mapping[str, ParamValue]) -> dict[str, str]:
    """Parameter values as the command line gives them (None: not given)."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "yes" if value else "no"
        elif isinstance(value, datetime):
            raise UsageError(f"parameter {key}: give a date, not a date and time ({value})")
        elif isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, str | int):
            out[key] = str(value)
        else:
            raise UsageError(f"parameter {key}: {type(value).__name__} is not a parameter "
                             "value (give a str, int, bool or datetime.date)")
    return out


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def _article_id(data: Any) -> str | None:
    """The document's article id if it can name a source file, else None."""
    article = data.get("article") if isinstance(data, Mapping) else None
    value = article.get("id") if isinstance(article, Mapping) else None
    return value if isinstance(value, str) and _SAFE_NAME.fullmatch(value) else None


def _json_default(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"a value of type {type(value).__name__}")


def _parse_document(document: Any, number: int, limits: Limits) -> Any:
    """One in-memory document as the pipeline reads a file: a FactsFile or a rejection."""
    if isinstance(document, Mapping):
        article_id = _article_id(document)
        name = f"{article_id}.json" if article_id else f"document-{number}.json"
        try:
            text = json.dumps(document, ensure_ascii=False, indent=2, default=_json_default)
        except (TypeError, ValueError) as exc:  # ValueError: it holds itself
            what = exc if isinstance(exc, TypeError) else "itself (a circular reference)"
            return InputRejected([Finding(
                name, f"the document holds {what}, which a facts file cannot hold: give "
                "text, numbers, booleans, lists and mappings (dates as datetime.date or "
                "YYYY-MM-DD text)", "not-json-data")])
        raw, as_json = text.encode("utf-8"), True
    elif isinstance(document, str | bytes):
        name = f"document-{number}.yaml"
        # a lone surrogate becomes bytes that are not UTF-8, which the reader rejects
        raw = document.encode("utf-8", "surrogatepass") if isinstance(document, str) \
            else document
        as_json = False
    else:
        return InputRejected([Finding(
            f"document-{number}", f"a document is a mapping, a str or bytes, not "
            f"{type(document).__name__}", "not-a-document")])
    if len(raw) > limits.file_bytes:
        return InputRejected([Finding(
            name, f"the document is {len(raw):,} bytes, over the limit of "
            f"{shown_size(limits.file_bytes)} for one article: raise it with "
            "Limits(file_bytes=...)", "file-too-large")])
    try:
        facts = parse_bytes(raw, name=name, as_json=as_json)
    except InputRejected as exc:
        return exc
    if not as_json:
        article_id = _article_id(facts.data)
        if article_id:
            facts.path = f"{article_id}.yaml"
    else:
        facts.positions = {}  # lines of kgload's own serialization would mislead
    facts.limits = limits
    return facts


@contextmanager
def _damage_reported(path: Path) -> Iterator[None]:
    """An error that is, or was caused by, the database's report of damaged files
    becomes :class:`StoreDamaged` (as the command's edge turns it into exit 4)."""
    try:
        yield
    except (KgloadError, RuntimeError, OSError) as exc:
        seen: BaseException | None = exc
        while seen is not None and not isinstance(seen, StoreDamaged):
            if is_damage(seen):
                raise StoreDamaged(path, str(seen)) from exc
            seen = seen.__cause__ or seen.__context__
        raise
