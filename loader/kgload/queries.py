"""Stored SPARQL queries: files with a metadata header, parameters bound as RDF terms.

A query file ``queries/NAME.rq`` is plain SPARQL 1.1 that runs unchanged in any store;
its metadata lives in ``#+`` comment lines at the top (grlc's decorator convention),
which together form a YAML mapping::

    #+ summary: Who threatened whom
    #+ params:
    #+   actor: {type: actor, required: false, description: Only threats by this actor}

Parameter values are never pasted into the query text: each becomes an RDF term,
serialized by pyoxigraph as N-Triples, in a trailing ``VALUES`` block (which works on
the embedded store and on any remote endpoint alike).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import InputRejected, StoreError, UsageError
from .facts import parse_text
from .mapping import Iris
from .resources import data_dir
from .store import Store, from_ox
from .vocab import KG_IRI

PARAM_TYPES = ("actor", "entity", "iri", "string", "date", "integer", "cameo")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Param:
    """A declared query parameter."""

    name: str
    type: str = "string"
    required: bool = False
    default: str | None = None
    description: str = ""


@dataclass(frozen=True)
class StoredQuery:
    """A stored query file and its metadata."""

    name: str
    path: Path
    sparql: str
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    examples: tuple[dict[str, Any], ...] = field(default=())

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def usage(self) -> str:
        if not self.params:
            return f"{self.name} takes no parameters"
        lines = [f"parameters of {self.name}:"]
        for p in self.params:
            need = "required" if p.required else f"optional, default {p.default}" if p.default \
                else "optional"
            lines.append(f"  {p.name} ({p.type}, {need}): {p.description}")
        return "\n".join(lines)


def _header(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    return "\n".join(lines)


def parse_query_file(path: Path) -> StoredQuery:
    """Read a ``.rq`` file and its ``#+`` header; a bad header is reported with its line."""
    text = path.read_text(encoding="utf-8")
    header = _header(text)
    meta: dict[str, Any] = {}
    if header.strip():
        parsed = parse_text(header, name=str(path))
        if not isinstance(parsed.data, dict):
            raise UsageError(f"{path}: the #+ header must be a YAML mapping")
        meta = parsed.data
    params = []
    for name, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        kind = spec.get("type", "string")
        if kind not in PARAM_TYPES:
            raise UsageError(f"{path}: parameter {name} has unknown type {kind!r} "
                             f"(one of {', '.join(PARAM_TYPES)})")
        if not re.search(rf"[?$]{re.escape(name)}\b", text):
            raise UsageError(f"{path}: parameter {name} is declared but ?{name} is not in the "
                             "query")
        default = spec.get("default")
        params.append(Param(name, kind, bool(spec.get("required", False)),
                            None if default is None else str(default),
                            str(spec.get("description", ""))))
    examples = meta.get("examples") or []
    return StoredQuery(
        name=path.stem,
        path=path,
        sparql=text,
        summary=str(meta.get("summary", "")),
        description=str(meta.get("description", "")).strip(),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
        params=tuple(params),
        examples=tuple(examples),
    )


def query_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """The bundled query folder, then the user's (later folders win on equal names)."""
    return [data_dir("queries"), *(Path(p) for p in extra)]


def load_queries(extra: Iterable[str | Path] = ()) -> tuple[dict[str, StoredQuery], list[str]]:
    """All stored queries by name, and notes about user queries overriding bundled ones."""
    found: dict[str, StoredQuery] = {}
    notes = []
    for folder in query_dirs(extra):
        if not folder.is_dir():
            raise UsageError(f"query folder {folder} does not exist")
        for path in sorted(folder.glob("*.rq")):
            try:
                query = parse_query_file(path)
            except InputRejected as exc:
                raise UsageError(f"{path}: bad #+ header: {exc.findings[0].message}") from None
            if query.name in found:
                notes.append(f"query {query.name} from {path} replaces {found[query.name].path}")
            found[query.name] = query
    return found, notes


def get_query(name: str, extra: Iterable[str | Path] = ()) -> tuple[StoredQuery, list[str]]:
    queries, notes = load_queries(extra)
    if name not in queries:
        import difflib

        close = difflib.get_close_matches(name, list(queries), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UsageError(f"no stored query named {name!r}{hint}; `kgload queries` lists them")
    return queries[name], notes


# ------------------------------------------------------------------ binding


def _term_for(param: Param, value: str, store: Store | None, iris: Iris) -> Any:
    kind = param.type
    if kind == "string":
        return ox.Literal(value)
    if kind == "integer":
        if not re.fullmatch(r"[-+]?\d+", value.strip()):
            raise UsageError(f"parameter {param.name}: {value!r} is not a whole number")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(_XSD + "integer"))
    if kind == "date":
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(f"parameter {param.name}: {value!r} is not a date (YYYY-MM-DD)") \
                from None
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(_XSD + "date"))
    if kind == "cameo":
        if not re.fullmatch(r"\d{2,4}", value.strip()):
            raise UsageError(f"parameter {param.name}: {value!r} is not a CAMEO code "
                             "(2 to 4 digits, as text: 13, 138, 1121)")
        return ox.Literal(value.strip())
    if kind == "iri":
        return _iri(param, value)
    return resolve_entity(param, value, store, iris, actors_only=kind == "actor")


def _iri(param: Param, value: str) -> ox.NamedNode:
    raw = value.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    try:
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw):
            raise ValueError("no scheme")
        return ox.NamedNode(raw)
    except ValueError:
        raise UsageError(f"parameter {param.name}: {value!r} is not a valid IRI") from None


def resolve_entity(param: Param, value: str, store: Store | None, iris: Iris, *,
                   actors_only: bool) -> ox.NamedNode:
    """An entity IRI from an IRI, an entity id, or a name/alias (case-insensitive)."""
    raw = value.strip()
    if "://" in raw or raw.startswith("<"):
        return _iri(param, raw)
    if store is None:
        return ox.NamedNode(str(iris.entity(raw)))
    kind = "kg:Actor" if actors_only else "kg:Entity"
    sparql = f"""PREFIX kg: <{KG_IRI}>
        SELECT DISTINCT ?e ?name WHERE {{
          ?e a {kind} ; kg:name ?name .
          {{ ?e kg:name ?label }} UNION {{ ?e kg:alias ?label }}
          FILTER(LCASE(STR(?label)) = LCASE(?needle) || ?e = ?id)
        }} ORDER BY ?e"""
    rows = list(store.query(with_values(sparql, {
        "needle": ox.Literal(raw),
        "id": ox.NamedNode(str(iris.entity(raw))),  # Iris percent-encodes it (once)
    })))
    by_iri = {}
    for row in rows:
        by_iri.setdefault(row["e"].value, row["name"].value)
    if len(by_iri) == 1:
        return ox.NamedNode(next(iter(by_iri)))
    what = "actor" if actors_only else "entity"
    if not by_iri:
        raise UsageError(f"parameter {param.name}: no {what} is named {value!r} in the store "
                         "(give a name, an alias, an entity id or an IRI)")
    listed = "; ".join(f"{name} <{iri}>" for iri, name in sorted(by_iri.items()))
    raise UsageError(f"parameter {param.name}: {value!r} is ambiguous: {listed}")


_TOKENS = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>\"\"\"(?:[^\\]|\\.)*?\"\"\"|'\'\'(?:[^\\]|\\.)*?'\'\'
                  |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<name>[?$]\w+|[A-Za-z_][\w.-]*:[\w.:%-]*|:[\w.:%-]*)
      | (?P<where>\bWHERE\b)
      | (?P<open>[{(])
      | (?P<close>[})])""",
    re.VERBOSE | re.IGNORECASE,
)


def where_brace(sparql: str) -> int:
    """Offset just after the ``{`` that opens the query's (outermost) WHERE pattern.

    Comments, strings, IRIs, variables and prefixed names are skipped; only braces at
    the top level count, so a sub-select's WHERE, an ``EXISTS { }`` in the projection and
    a CONSTRUCT template (with or without the WHERE keyword after it) are not mistaken
    for the pattern. Raises :class:`UsageError` if the query has no group pattern.
    """
    construct = re.match(r"\s*CONSTRUCT\b", _strip_prologue(sparql), re.IGNORECASE)
    depth = 0
    seen_where = False
    template_seen = False
    for match in _TOKENS.finditer(sparql):
        kind = match.lastgroup
        if kind == "where" and depth == 0:
            seen_where = True
        elif kind == "open":
            if depth == 0 and match.group() == "{":
                if seen_where or not construct or template_seen:
                    return match.end()
                template_seen = True
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
    raise UsageError("cannot find the query's WHERE { ... } pattern to bind parameters in")


_UPDATE = re.compile(r"\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
                     re.IGNORECASE)


def _strip_prologue(sparql: str) -> str:
    return re.sub(r"(?is)^(\s|#[^\n]*\n|(PREFIX|BASE)\s+[^<]*<[^>]*>)*", "", sparql)


def values_block(bindings: dict[str, Any]) -> str:
    """``VALUES (?a ?b) { (term term) }`` from pyoxigraph terms (serialized, not pasted)."""
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


def with_values(sparql: str, bindings: dict[str, Any]) -> str:
    """The query with a VALUES block opening its WHERE pattern (in scope for FILTERs)."""
    if not bindings:
        return sparql
    at = where_brace(sparql)
    return f"{sparql[:at]} {values_block(bindings)}\n{sparql[at:]}"


def check_values(query: StoredQuery, values: dict[str, str]) -> dict[str, str]:
    """The values to bind (defaults applied); unknown or missing parameters are usage errors.

    Needs no store, so a wrong command line is reported before any store is opened.
    """
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        raise UsageError(f"unknown parameter {', '.join(unknown)} for query {query.name}\n"
                         + query.usage())
    chosen: dict[str, str] = {}
    for param in query.params:
        value = values.get(param.name, param.default)
        if value is None:
            if param.required:
                raise UsageError(f"query {query.name} needs the parameter {param.name} "
                                 f"(-p {param.name} VALUE)\n" + query.usage())
            continue
        chosen[param.name] = value
    return chosen


def bind(query: StoredQuery, values: dict[str, str], store: Store | None = None,
         iris: Iris | None = None) -> str:
    """The query text with its parameters bound as RDF terms in a ``VALUES`` block."""
    iris = iris or Iris()
    bindings: dict[str, Any] = {}
    for name, value in check_values(query, values).items():
        param = query.param(name)
        assert param is not None
        try:
            bindings[name] = _term_for(param, value, store, iris)
        except UsageError as exc:  # say what the query takes, as for the errors above
            raise UsageError(f"{exc.message}\n{query.usage()}") from None
    return with_values(query.sparql, bindings)


@dataclass
class Result:
    """Rows of a SELECT (variables + rdflib terms), a boolean, or triples."""

    variables: list[str]
    rows: list[list[Any]]
    boolean: bool | None = None
    triples: list[tuple[Any, Any, Any]] | None = None


def run(store: Store, sparql: str, *, limit: int | None = None) -> Result:
    """Run SPARQL on the store (named graphs seen as the union default graph)."""
    try:
        answer = store.query(sparql)
    except SyntaxError as exc:
        if _UPDATE.match(_strip_prologue(sparql)):
            raise UsageError("kgload runs queries only (SELECT, ASK, CONSTRUCT, DESCRIBE); the "
                             "store changes only through `kgload load` and `kgload remove`") \
                from None
        raise UsageError(f"the query is not valid SPARQL: {exc}") from None
    try:  # solutions are computed lazily: evaluation errors (a SERVICE call...) come here
        return _collect(answer, limit)
    except (OSError, RuntimeError) as exc:
        raise StoreError(f"the query failed: {exc}") from exc


def _collect(answer: Any, limit: int | None) -> Result:
    if isinstance(answer, ox.QueryBoolean):
        return Result([], [], boolean=bool(answer))
    if isinstance(answer, ox.QueryTriples):
        triples = [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
                   for t in answer]
        return Result([], [], triples=triples[:limit] if limit else triples)
    variables = [v.value for v in answer.variables]
    rows = []
    for solution in answer:
        rows.append([None if solution[v] is None else from_ox(solution[v]) for v in variables])
        if limit and len(rows) >= limit:
            break
    return Result(variables, rows)
