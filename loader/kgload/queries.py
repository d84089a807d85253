"""Stored SPARQL queries: files with a metadata header, parameters bound as RDF terms.

A query file ``queries/NAME.rq`` is plain SPARQL 1.1 that runs unchanged in any store;
its metadata lives in ``#+`` comment lines at the top (grlc's decorator convention),
which together form a YAML mapping::

    #+ summary: Who threatened whom
    #+ params:
    #+   actor: {type: actor, required: false, description: Only threats by this actor}

Parameter values are never pasted into the query text: each becomes an RDF term,
serialized by pyoxigraph as N-Triples, in a ``VALUES`` block opening the WHERE pattern
(which works on the embedded store and on any remote endpoint alike).

``examples`` are the query's contract, checked by ``kgload check`` (see
:mod:`kgload.contracts`): with ``params``, the query returns the ``rows`` listed (each
matching some row on the columns it gives), none of the ``absent`` ones, and ``count``
rows, on the bundled example data. On a store that holds more than the examples, what
more data cannot take away is checked: the listed rows are still there (a column joined
from several values may hold more of them), and ``count`` is a lower bound.

Date windows: a query with ``date`` parameters named ``from`` and ``to`` takes a window;
a ``from`` after the ``to`` is a usage error (:func:`check_values`), not an empty
result. The bundled queries keep the actions whose time span [start, end] overlaps the
window, a missing bound being open (no start: it may have begun any time before its
end); undated actions are left out of any window.

How the bundled queries are written, so that rows do not multiply and stay fast on
Oxigraph (checked with pyoxigraph 0.5.13 on stores of generated articles):

- No OPTIONAL shares a variable that an earlier OPTIONAL or UNION branch may leave
  unbound: it would bind it to anything (an order about nothing joined with every
  action). Everything about an optional fact sits in the OPTIONAL that finds it.
- Required patterns come before the first OPTIONAL (except after a page driver, below),
  and a choice between kinds of
  facts is a ``VALUES`` block (``VALUES ?class { kg:Order kg:MakeStatement }``) rather
  than a UNION that later patterns join with: Oxigraph plans those joins badly.
- A parameter only tested, not shown, is a ``FILTER(!BOUND(?p) || EXISTS {...})``, and
  an EXISTS names its classes (``{ ?f a kg:Fight } UNION { ?f a kg:Abduct }``).
- ``GROUP_CONCAT`` (and ``MAX``) give no value at all in Oxigraph when the variable is
  unbound in any row of the group: a joined variable is bound in every row of its group
  or in none (a border among the places comes from its own OPTIONAL).
- No constant ``BIND`` closes a UNION branch, and no branch holds a pattern whose only
  bound term is a constant (``kg:cooperatedWith rdfs:label ?kind``): either makes
  Oxigraph evaluate the branch for every binding before it joins the parameters
  (``relations-between``: 5 s instead of 0.1 s at 1,000 articles). Compute such values
  once, after the UNION (``BIND(IF(BOUND(?fact), "action", "derived relation") ...)``).
  Patterns after a nested UNION in the same branch do the same: Oxigraph starts the
  branch from them, not from the UNION that the parameters reach (``relations-between``:
  4 s instead of 0.08 s at 1,000 articles). Let every branch bind one key variable
  (``BIND(?fact AS ?f)``, ``BIND(?relation AS ?f)``) and read what the rows share after
  the outer UNION, in OPTIONALs keyed on it. The key must be a node that has none of
  the properties read there (an entity has ``kg:evidence`` and ``kg:reportedIn``: use its
  class).
- A test that depends on an entity, not on each of its actions, is a sub-SELECT of
  joins (projecting the parameter it may be given), not an EXISTS inside a per-action
  FILTER: Oxigraph plans the patterns of an EXISTS that holds a UNION without the outer
  bindings, a full scan per row (``armed-groups``: 14 s instead of 2.9 s at 1,000
  articles). The same holds for an EXISTS whose path passes through a node
  (``EXISTS { ?fact kg:about/kg:status kg:Requested }``): write it as an OPTIONAL join
  and test ``BOUND`` (``requests``: 21 s instead of more than 60 s at 10,000 articles).
- A FILTER that narrows the rows comes right after the patterns it tests, and the
  patterns every row has anyway follow as OPTIONALs: required patterns are joined for
  every row before the FILTER (``events-by-cameo``: 4 s instead of 30 s at 10,000).
- A listing has a page driver (see :func:`paged`): a sub-SELECT marked ``# kgload:page``
  that chooses its rows and orders them by ``kg:sortKey``, which compares without
  string look-ups. Each of its patterns is a sub-SELECT of its own, so that Oxigraph
  joins whole scans by hash instead of looking up every action (unless a required
  parameter is bound in it: ``actions-by`` looks up the actor's actions); every FILTER
  that can drop a row is in it, and the patterns after it are ones that the shapes
  guarantee for every action (status, evidence, agent, article), so that each row it
  chooses gives a row. A date window is tested on the key, whose integer part holds
  the window's days (:func:`kgload.mapping.sort_key`), not by joining the time's start
  and end. The outer ORDER BY starts with ``?key`` (``timeline``: first page 0.13 s instead
  of 4.4 s at 1,000 articles). After the driver, the OPTIONALs come first and what every
  action has last: each required join raises Oxigraph's estimate of the rows so far,
  and past a point it reads an OPTIONAL for the whole store and joins it by hash
  (``orders``: 0.13 s instead of 1.15 s for a page at 1,000 articles). Check the plan
  of the whole result too: in ``who-threatened-whom`` the required patterns had to come
  right after the driver (the other way, Oxigraph joined them by hash for every agent
  link of the store). Mark the driver
  ``# kgload:page open`` when its whole result is faster with the driver unbounded
  (measure both: see :func:`paged`).
- An OPTIONAL read for each row holds one pattern keyed on what is bound, and nests an
  OPTIONAL for the rest: past three or four patterns, Oxigraph evaluates the OPTIONAL
  for the whole store and joins it by hash (``use-of-force``: 0.5 s instead of 3 s for a
  page at 1,000 articles). The rest must be there whenever the key pattern matches
  (a statement's agent and type), or the rows would change. That holds for a property
  path too (``OPTIONAL { ?fact kg:target/kg:name ?name }`` is two patterns): write
  ``OPTIONAL { ?fact kg:target ?fact_target OPTIONAL { ?fact_target kg:name ?name } }``.
  From a slice's VALUES block, a path there was joined by hash with every target of the
  store (``hostile-actions`` at 1,000 articles: 1.24 s a slice of 250 rows, 0.29 s
  nested). Nesting adds a row where the key matches and the rest does not, so keep the
  path where a COALESCE or a grouped column would see that row (``kg:partOf`` and its
  CAMEO code in ``event-table``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import URIRef

from .errors import InputRejected, StoreError, UsageError
from .execution import Feed
from .facts import parse_text
from .iris import Iris
from .resources import data_dir
from .store import Store
from .terms import converter, from_ox
from .vocab import KG_IRI

PARAM_TYPES = ("actor", "entity", "iri", "string", "date", "integer", "cameo")
HEADER_KEYS = ("summary", "description", "tags", "params", "examples", "defaults",
               "pagination", "endpoint", "method")
_PARAM_KEYS = ("type", "required", "default", "description", "values", "class")
_XSD = "http://www.w3.org/2001/XMLSchema#"


class SparqlSource(Protocol):
    """What parameter binding and labels read from: the local :class:`Store`, or a remote
    endpoint (:class:`kgload.remote.SparqlEndpoint`), whose ``query`` answers an ASK with a
    bool and a SELECT with rows of pyoxigraph terms by variable name, as the store does."""

    def query(self, sparql: str) -> Any: ...


@dataclass(frozen=True)
class Param:
    """A declared query parameter."""

    name: str
    type: str = "string"
    required: bool = False
    default: str | None = None
    description: str = ""
    values: tuple[str, ...] = ()  # the allowed values, if the set is closed
    cls: str | None = None  # for entity/actor/iri: the ontology class the value must have

    def describe(self) -> str:
        need = ("required" if self.required
                else f"optional, default {self.default}" if self.default else "optional")
        kind = f"{self.type} of class {self.cls}" if self.cls else self.type
        allowed = f"; one of: {', '.join(self.values)}" if self.values else ""
        return f"{self.name} ({kind}, {need}{allowed}): {self.description}"


@dataclass(frozen=True)
class Example:
    """A contract: with these parameters, the query returns these rows (and maybe more).

    ``rows`` and ``absent`` match result rows on the columns they give; ``count`` is
    the number of rows on the bundled examples, and a lower bound on a store holding
    more (see :mod:`kgload.contracts`).
    """

    params: dict[str, str]
    rows: tuple[dict[str, str], ...] = ()
    count: int | None = None
    absent: tuple[dict[str, str], ...] = ()


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
    examples: tuple[Example, ...] = field(default=())
    pagination: int | None = None  # default page size (grlc's ``pagination``)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def usage(self) -> str:
        if not self.params:
            return f"{self.name} takes no parameters"
        return "\n".join([f"parameters of {self.name}:"]
                         + [f"  {p.describe()}" for p in self.params])


def _header(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    return "\n".join(lines)


def _text_map(value: Any, what: str, path: Path) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{path}: {what} must be a mapping of names to values")
    return {str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in value.items()}


def _examples(raw: Any, path: Path) -> tuple[Example, ...]:
    if not isinstance(raw, list):
        raise UsageError(f"{path}: examples must be a list")
    examples = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) - {"params", "rows", "count", "absent"}:
            raise UsageError(f"{path}: example {i} may only have params, rows, count, absent")
        count = item.get("count")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
            raise UsageError(f"{path}: example {i}: count must be a whole number")
        examples.append(Example(
            params=_text_map(item.get("params"), f"example {i} params", path),
            rows=tuple(_text_map(r, f"example {i} row", path) for r in item.get("rows") or []),
            count=count,
            absent=tuple(_text_map(r, f"example {i} absent row", path)
                         for r in item.get("absent") or []),
        ))
    return tuple(examples)


def _params(meta: dict[str, Any], text: str, path: Path) -> tuple[Param, ...]:
    # grlc's ``defaults: [{name: value}]`` gives defaults without declaring parameters
    defaults: dict[str, Any] = {}
    for item in meta.get("defaults") or []:
        if isinstance(item, dict):
            defaults.update(item)
    params = []
    for name, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        unknown = sorted(set(spec) - set(_PARAM_KEYS))
        if unknown:
            raise UsageError(f"{path}: parameter {name} has unknown key(s) {', '.join(unknown)} "
                             f"(allowed: {', '.join(_PARAM_KEYS)})")
        kind = spec.get("type", "string")
        if kind not in PARAM_TYPES:
            raise UsageError(f"{path}: parameter {name} has unknown type {kind!r} "
                             f"(one of {', '.join(PARAM_TYPES)})")
        if not re.search(rf"[?$]{re.escape(name)}\b", text):
            raise UsageError(f"{path}: parameter {name} is declared but ?{name} is not in the "
                             "query")
        default = spec.get("default", defaults.get(name))
        params.append(Param(
            name, kind, bool(spec.get("required", False)),
            None if default is None else str(default),
            str(spec.get("description", "")),
            tuple(str(v) for v in spec.get("values") or ()),
            str(spec["class"]) if spec.get("class") else None,
        ))
    return tuple(params)


def parse_query_file(path: Path) -> StoredQuery:
    """Read a ``.rq`` file and its ``#+`` header; a bad header is a :class:`UsageError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the query file {path}: {exc}") from None
    header = _header(text)
    meta: dict[str, Any] = {}
    if header.strip():
        parsed = parse_text(header, name=str(path))
        if not isinstance(parsed.data, dict):
            raise UsageError(f"{path}: the #+ header must be a YAML mapping")
        meta = parsed.data
    unknown = sorted(set(meta) - set(HEADER_KEYS))
    if unknown:
        raise UsageError(f"{path}: unknown #+ key(s) {', '.join(unknown)} "
                         f"(allowed: {', '.join(HEADER_KEYS)})")
    pagination = meta.get("pagination")
    if pagination is not None and (not isinstance(pagination, int) or pagination < 1):
        raise UsageError(f"{path}: pagination must be a whole number of rows per page")
    return StoredQuery(
        name=path.stem,
        path=path,
        sparql=text,
        summary=str(meta.get("summary", "")),
        description=str(meta.get("description", "")).strip(),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
        params=_params(meta, text, path),
        examples=_examples(meta.get("examples") or [], path),
        pagination=pagination,
    )


def query_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """The bundled query folder, then the user's (later folders win on equal names)."""
    return [data_dir("queries"), *(Path(p) for p in extra)]


def _refused_query_file(path: Path) -> str | None:
    """Why a ``.rq`` entry of a query folder is not read, as ``load`` treats its folders.

    A symbolic link is not followed (``--queries DIR`` printed ``/etc/os-release``
    through one); a pipe or device would block or never end, so it is not opened.
    """
    if path.is_symlink():
        return ("is a symbolic link inside a query folder; kgload does not follow links out "
                "of the folders it is given (copy the query into the folder, or give its own "
                "folder with --queries)")
    if not path.is_file():
        return "is not a regular file (a folder, device, pipe or socket)"
    return None


def load_queries(extra: Iterable[str | Path] = ()) -> tuple[dict[str, StoredQuery], list[str]]:
    """All stored queries by name, and notes about user queries overriding bundled ones
    and about entries left out (symbolic links, pipes: see ``_refused_query_file``)."""
    found: dict[str, StoredQuery] = {}
    notes = []
    for folder in query_dirs(extra):
        if not folder.is_dir():
            raise UsageError(f"query folder {folder} does not exist")
        for path in sorted(folder.glob("*.rq")):
            refused = _refused_query_file(path)
            if refused:
                notes.append(f"{path} {refused}: skipped")
                continue
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

        for folder in query_dirs(extra):
            refused = _refused_query_file(folder / f"{name}.rq")
            if refused and (folder / f"{name}.rq").is_symlink():
                raise UsageError(f"{folder / f'{name}.rq'} {refused}")

        close = difflib.get_close_matches(name, list(queries), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UsageError(f"no stored query named {name!r}{hint}; `kgload queries` lists them")
    return queries[name], notes


# ------------------------------------------------------------------ binding


def _term_for(param: Param, value: str, store: SparqlSource | None, iris: Iris) -> Any:
    kind = param.type
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # bytes of the command line that were not UTF-8
        raise UsageError(f"parameter {param.name}: the value is not valid UTF-8 text") \
            from None
    if param.values and value not in param.values:
        raise UsageError(f"parameter {param.name}: {value!r} is not one of "
                         f"{', '.join(param.values)}")
    if kind == "string":
        return ox.Literal(value)
    if kind == "integer":
        digits = value.strip()
        if not re.fullmatch(r"[-+]?[0-9]{1,30}", digits):
            raise UsageError(f"parameter {param.name}: {value[:40]!r} is not a whole number "
                             "(at most 30 digits)")
        return ox.Literal(str(int(digits)), datatype=ox.NamedNode(_XSD + "integer"))
    if kind == "date":
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(f"parameter {param.name}: {value!r} is not a date (YYYY-MM-DD)") \
                from None
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(_XSD + "date"))
    if kind == "cameo":
        if not re.fullmatch(r"[0-9]{2,4}", value.strip()):
            raise UsageError(f"parameter {param.name}: {value!r} is not a CAMEO code "
                             "(2 to 4 digits, as text: 13, 138, 1121)")
        return ox.Literal(value.strip())
    if kind == "iri" and param.cls is None:
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


def resolve_entity(param: Param, value: str, store: SparqlSource | None, iris: Iris, *,
                   actors_only: bool) -> ox.NamedNode:
    """An entity IRI from an IRI, an entity id, or a name/alias (case-insensitive).

    The entity must be of the parameter's class (``class:`` in the header), else an
    actor for ``actor`` parameters, else any entity. The most exact reading wins: an
    IRI or an entity id (``rwanda``) names that entity even when another has it as a
    name or alias ("Rwanda" for the government of Rwanda); else an entity whose name
    it is; only then one whose alias it is. Two candidates on the same footing are
    ambiguous (a usage error listing them).
    """
    raw = value.strip()
    cls = param.cls or ("Actor" if actors_only else "Entity")
    what = f"{cls[0].lower()}{cls[1:]}" if cls[0].isupper() else cls
    is_iri = "://" in raw or raw.startswith("<")
    if store is None:
        return _iri(param, raw) if is_iri else ox.NamedNode(str(iris.entity(raw)))
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", cls):
        raise UsageError(f"parameter {param.name}: class {cls!r} is not an ontology class name")
    if is_iri:
        needle, target = ox.Literal(""), _iri(param, raw)
    else:
        needle, target = ox.Literal(raw), ox.NamedNode(str(iris.entity(raw)))
    # an id or IRI of the class wins outright (IRIs are unique): one look-up, no scan
    if store.query(with_values(f"PREFIX kg: <{KG_IRI}>\nASK {{ ?id a kg:{cls} }}",
                               {"id": target})):
        return target
    sparql = f"""PREFIX kg: <{KG_IRI}>
        SELECT DISTINCT ?e ?name ?how WHERE {{
          ?e a kg:{cls} ; kg:name ?name .
          {{ ?e kg:name ?label BIND("name" AS ?how) }}
          UNION {{ ?e kg:alias ?label BIND("alias" AS ?how) }}
          FILTER(LCASE(STR(?label)) = LCASE(?needle) || ?e = ?id)
        }} ORDER BY ?e"""
    rows = list(store.query(with_values(sparql, {"needle": needle, "id": target})))
    # rank each candidate by its best reading: 0 the id or IRI, 1 a name, 2 an alias
    ranks: dict[str, int] = {}
    names: dict[str, str] = {}
    for row in rows:
        iri = row["e"].value
        rank = 0 if iri == target.value else 1 if row["how"].value == "name" else 2
        ranks[iri] = min(rank, ranks.get(iri, rank))
        names.setdefault(iri, row["name"].value)
    if not ranks:
        if is_iri:  # an explicit IRI is taken as given (it may name something not loaded yet)
            return target
        raise UsageError(f"parameter {param.name}: no {what} is named {value!r} in the store "
                         "(give a name, an alias, an entity id or an IRI)")
    top = min(ranks.values())
    best = sorted(iri for iri, rank in ranks.items() if rank == top)
    if len(best) == 1:
        return ox.NamedNode(best[0])
    listed = "; ".join(f"{names[iri]} <{iri}>" for iri in best)
    raise UsageError(f"parameter {param.name}: {value!r} is ambiguous: {listed}")


_TOKENS = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>\"\"\"(?:[^\\]|\\.)*?\"\"\"|'\'\'(?:[^\\]|\\.)*?'\'\'
                  |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
      | (?P<name>[?$]\w+|[A-Za-z_][\w.-]*:[\w.:%-]*|:[\w.:%-]*)
      | (?P<where>\bWHERE\b)
      | (?P<select>\bSELECT\b)
      | (?P<service>\bSERVICE\b)
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


@dataclass(frozen=True)
class SubSelect:
    """Offsets of a sub-SELECT in a query's text."""

    start: int  # its SELECT keyword
    pattern: int  # just after the ``{`` of its WHERE pattern
    pattern_end: int  # at the ``}`` closing that pattern
    end: int  # at the ``}`` closing the group that holds the sub-SELECT


def sub_selects(sparql: str) -> list[SubSelect]:
    """Every sub-SELECT of a query, nested ones too, each after the one that holds it.

    Tokens are read as :func:`where_brace` reads them (comments, strings and IRIs
    skipped).
    """
    found: list[list[int]] = []
    depth = 0
    waiting: list[int] = []  # depths of SELECTs whose WHERE pattern has not opened yet
    patterns: dict[int, int] = {}  # depth inside an open sub-SELECT pattern -> its index
    groups: dict[int, int] = {}  # depth of the group holding a sub-SELECT -> its index
    for match in _TOKENS.finditer(sparql):
        kind = match.lastgroup
        if kind == "select" and depth > 0:
            waiting.append(depth)
            groups[depth] = len(found)
            found.append([match.start(), -1, -1, -1])
        elif kind == "open":
            if match.group() == "{" and waiting and waiting[-1] == depth:
                waiting.pop()
                patterns[depth + 1] = groups[depth]
                found[groups[depth]][1] = match.end()
            depth += 1
        elif kind == "close":
            if depth in patterns:
                found[patterns.pop(depth)][2] = match.start()
            elif depth in groups:
                found[groups.pop(depth)][3] = match.start()
            depth = max(depth - 1, 0)
    return [SubSelect(*offsets) for offsets in found if min(offsets) >= 0]


def with_values(sparql: str, bindings: dict[str, Any]) -> str:
    """The query with its parameters bound by ``VALUES`` blocks.

    One opens the WHERE pattern (in scope for its FILTERs), and one opens the pattern of
    every sub-SELECT that names some of the parameters, with those: a sub-SELECT is
    evaluated on its own, so a FILTER in it would otherwise see its parameters unbound.
    """
    if not bindings:
        return sparql
    inserts = [(where_brace(sparql), bindings)]
    for sub in sub_selects(sparql):
        used = {name: term for name, term in bindings.items()
                if re.search(rf"[?$]{re.escape(name)}\b", sparql[sub.pattern:sub.pattern_end])}
        if used:
            inserts.append((sub.pattern, used))
    for at, chosen in sorted(inserts, key=lambda item: item[0], reverse=True):
        sparql = f"{sparql[:at]} {values_block(chosen)}\n{sparql[at:]}"
    return sparql


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
    _check_window(query, chosen)
    return chosen


def _check_window(query: StoredQuery, chosen: dict[str, str]) -> None:
    """A window whose ``from`` is after its ``to`` is a usage error, not an empty result.

    Applies to any query with date parameters named ``from`` and ``to``; a value that is
    not a date is left to the type check of :func:`bind`.
    """
    ends = [query.param(name) for name in ("from", "to")]
    if not all(p is not None and p.type == "date" for p in ends):
        return
    if "from" not in chosen or "to" not in chosen:
        return
    try:
        start = date.fromisoformat(chosen["from"].strip())
        end = date.fromisoformat(chosen["to"].strip())
    except ValueError:
        return
    if start > end:
        raise UsageError(f"query {query.name}: the window is reversed: from {start.isoformat()} "
                         f"is after to {end.isoformat()} (the from day must be on or before "
                         "the to day)")


def bind(query: StoredQuery, values: dict[str, str], store: SparqlSource | None = None,
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


# ``# kgload:page`` after a driver's ORDER BY; ``# kgload:page open`` leaves the driver
# unbounded for the whole result (see :func:`paged`), ``# kgload:page slices`` reads the
# whole result in slices of driver rows (see :func:`driver_slices`)
_PAGE_MARK = re.compile(r"^[ \t]*#[ \t]*kgload:page(?:[ \t]+(open|slices))?[ \t]*$",
                        re.MULTILINE)


def page_drivers(sparql: str) -> list[SubSelect]:
    """The sub-SELECTs marked ``# kgload:page`` (the innermost one holding each mark)."""
    subs = sub_selects(sparql)
    drivers = []
    for mark in _PAGE_MARK.finditer(sparql):
        holding = [sub for sub in subs if sub.start < mark.start() < sub.end]
        if holding:
            drivers.append(max(holding, key=lambda sub: sub.start))
    return drivers


def paged(sparql: str, limit: int | None, offset: int = 0,
          driver_rows: int | None = None) -> str:
    """The query with its page pushed down: ``# kgload:page`` lines become a LIMIT.

    A stored query marks the sub-SELECT that chooses its rows (its *page driver*) with
    the comment after its ORDER BY. With a page (``limit``), the driver gets ``LIMIT
    offset+limit``. The query's author guarantees what makes the page exact: the driver
    holds every pattern and FILTER that can drop a row, so each row it selects gives at
    least one row of the result, and the outer ORDER BY begins with the driver's sort
    keys, unique per driver row. The first offset+limit rows of the result then come
    from the first offset+limit rows of the driver.

    Without a page, ``driver_rows`` (how many rows the driver gives, counted first by
    :func:`run`) becomes the LIMIT: it drops nothing, and it tells Oxigraph how few rows
    the driver gives, so that it joins the rest by index look-ups (an unbounded driver
    makes it hash whole predicates: ``timeline`` took 84 s instead of 54 s at 10,000
    articles). A driver marked ``# kgload:page open`` is left unbounded instead: for some
    listings Oxigraph's hash joins of whole scans are faster than a look-up per row
    (``claims-by-source``: 21 s instead of 33 s in full at 10,000 articles). Without
    either, and in any other store, the mark is a comment.
    """
    if limit is not None:
        return _PAGE_MARK.sub(f"LIMIT {offset + limit}", sparql)
    if driver_rows is not None:
        return _PAGE_MARK.sub(lambda mark: mark.group(0) if mark.group(1) == "open"
                              else f"LIMIT {driver_rows}", sparql)
    return sparql


def _driver_rows(store: Store, sparql: str) -> int | None:
    """How many rows the query's page drivers give at most (None: no driver)."""
    if all(mark.group(1) == "open" for mark in _PAGE_MARK.finditer(sparql)):
        return None  # no driver, or only open ones: nothing to count
    drivers = page_drivers(sparql)
    if not drivers:
        return None
    prologue = sparql[:len(sparql) - len(_strip_prologue(sparql))]
    most = 0
    for sub in drivers:
        text = _PAGE_MARK.sub("", sparql[sub.start:sub.end])
        count = f"{prologue}SELECT (COUNT(*) AS ?rows) WHERE {{ {{ {text} }} }}"
        try:
            [solution] = list(store.query(count))
        except (SyntaxError, ValueError, RuntimeError):
            return None  # the query itself will say what is wrong
        most = max(most, int(solution["rows"].value))
    return most


# driver rows per slice of a whole result (see driver_slices): at 10,000 articles
# Oxigraph reads a slice of 250 or 500 rows by index look-ups, and one of 1,000 or more
# by hash joins of whole predicates, 15 to 25 times slower (event-table over a month)
SLICE_ROWS = 250


# the largest row number a page may reach (offset + limit): Oxigraph's LIMIT and
# Python's islice take at most a signed 64-bit integer
MAX_ROWS = 2**63 - 1


def run(store: Store, sparql: str, *, limit: int | None = None, offset: int = 0,
        slice_rows: int = SLICE_ROWS, timeout: float | None = None,
        allow_service: bool = False) -> Result:
    """Run SPARQL on the store (named graphs seen as the union default graph).

    ``offset``/``limit`` page through the rows as they stream out of the store; a
    query's page driver (see :func:`paged`) reads only the rows the page needs. The
    whole result of a query whose one driver is marked ``# kgload:page slices`` is read
    in slices of ``slice_rows`` driver rows (see :func:`driver_slices`). ``timeout``
    and ``allow_service`` are those of :func:`stream`, which this collects.
    """
    with stream(store, sparql, limit=limit, offset=offset, slice_rows=slice_rows,
                timeout=timeout, allow_service=allow_service) as answer:
        items = [item for batch in answer for item in batch]
    if answer.boolean is not None:
        return Result([], [], boolean=answer.boolean)
    if answer.triples:
        return Result([], [], triples=items)
    return Result(answer.variables, items)


@dataclass(frozen=True)
class AnswerHead:
    """What the producer of an :class:`Answer` sends first: the kind of answer and its
    variables (a local query's worker, or a remote endpoint's reader: ``kgload.remote``)."""

    variables: list[str]
    boolean: bool | None = None
    triples: bool = False


class Answer:
    """A query's answer as it is produced: its kind and variables, then batches of rows.

    Iterate to get batches (lists) of rows, each a list of rdflib terms (None where
    unbound) in the order of ``variables``, or of triples for CONSTRUCT and DESCRIBE
    (``triples`` is true); an ASK gives ``boolean`` and no rows. Close it (or use it as
    a context manager) to stop a query before its end. See :func:`stream`.
    """

    def __init__(self, feed: Feed[Any]) -> None:
        self._feed = feed
        self._batches = iter(feed)
        self._first: list[Any] = []
        head: AnswerHead | None = None
        for batch in self._batches:  # errors of the query's text come here, before any row
            head, self._first = batch[0], batch[1:]
            break
        assert isinstance(head, AnswerHead), "the worker sends the answer's head first"
        self.variables = head.variables
        self.boolean = head.boolean
        self.triples = head.triples

    def __iter__(self) -> Iterator[list[Any]]:
        if self._first:
            first, self._first = self._first, []
            yield first
        yield from self._batches

    def close(self) -> None:
        self._feed.close()

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` s for the query to stop reading the store; whether it has."""
        return self._feed.join(timeout)

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stream(store: Store, sparql: str, *, limit: int | None = None, offset: int = 0,
           slice_rows: int = SLICE_ROWS, timeout: float | None = None,
           allow_service: bool = False,
           on_start: Callable[[Feed[Any]], None] | None = None) -> Answer:
    """Start a query; its rows stream out as the store produces them (see :class:`Answer`).

    The query is evaluated in a worker thread (see :mod:`kgload.execution`), so that
    the caller's thread stays responsive: a KeyboardInterrupt stops reading within a
    tenth of a second, and ``timeout`` seconds after the start reading raises
    :class:`~kgload.errors.QueryTimeout` (None: no limit). A query that sends requests to
    other endpoints (``SERVICE``) is a :class:`UsageError` unless ``allow_service``.
    ``on_start`` is given the worker's :class:`~kgload.execution.Feed` as soon as it
    starts, before the answer's head (which may time out): a caller that must know when
    the worker has stopped reading the store (``kgload serve``) joins it. Paging and
    slices are those of :func:`run`::

        with stream(store, "SELECT ?s WHERE { ?s ?p ?o }", timeout=30) as answer:
            for batch in answer:
                print(len(batch), "rows")
    """
    if offset < 0 or (limit is not None and limit < 1):
        raise UsageError("the offset must be 0 or more and the limit 1 or more")
    if offset + (limit or 0) > MAX_ROWS:
        raise UsageError(f"the rows asked for end past row {MAX_ROWS:,}: offset + limit "
                         f"must be at most 2^63 - 1 ({MAX_ROWS})")
    if not allow_service and uses_service(sparql):
        raise UsageError("the query uses SERVICE, which sends requests to another SPARQL "
                         "endpoint over the network; kgload refuses it unless it is "
                         "allowed (--allow-service)")

    def produce(emit: Any) -> None:
        if limit is None:
            driver = _sliced_driver(sparql)
            if driver is not None and _emit_sliced(store, sparql, driver, slice_rows, emit):
                return
        rows = None if limit is not None else _driver_rows(store, sparql)
        _emit_answer(store, paged(sparql, limit, offset, rows), limit, offset, emit)

    feed: Feed[Any] = Feed(produce, timeout=timeout)
    if on_start is not None:
        on_start(feed)
    return Answer(feed)


def _query(store: Store, sparql: str) -> Any:
    """The store's answer to the query; a query that is not valid is a usage error."""
    try:
        return store.query(sparql)
    except SyntaxError as exc:
        if _UPDATE.match(_strip_prologue(sparql)):
            raise UsageError("kgload runs queries only (SELECT, ASK, CONSTRUCT, DESCRIBE); the "
                             "store changes only through `kgload load` and `kgload remove`") \
                from None
        raise UsageError(f"the query is not valid SPARQL: {exc}") from None
    except (ValueError, RuntimeError) as exc:  # evaluated at once (aggregates): SERVICE...
        raise StoreError(f"the query failed: {exc}") from exc


def _emit_answer(store: Store, sparql: str, limit: int | None, offset: int,
                 emit: Any, *, skip: int = 0, head: bool = True) -> None:
    """Send the head of the query's answer (unless ``head`` is false), then its rows."""
    answer = _query(store, sparql)
    stop = None if limit is None else offset + limit
    try:  # solutions are computed lazily: evaluation errors (a SERVICE call...) come here
        if isinstance(answer, ox.QueryBoolean):
            emit(AnswerHead([], boolean=bool(answer)))
        elif isinstance(answer, ox.QueryTriples):
            if head:
                emit(AnswerHead([], triples=True))
            for t in islice(answer, offset + skip, stop):
                emit((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
        else:
            variables = [v.value for v in answer.variables]
            if head:
                emit(AnswerHead(variables))
            convert = converter()  # a listing repeats terms down its columns
            for solution in islice(answer, offset + skip, stop):
                emit([None if term is None else convert(term) for term in solution])
    except (OSError, RuntimeError) as exc:
        raise StoreError(f"the query failed: {exc}") from exc


def _emit_sliced(store: Store, sparql: str, driver: SubSelect, size: int, emit: Any) -> bool:
    """Send the whole answer slice by slice (False, with nothing sent: run it at once).

    A driver row that a VALUES block cannot carry, met after some slices were sent,
    makes the rest come from the whole query, past the rows already sent (the slices
    are its first rows: see :func:`driver_slices`).
    """
    head = False  # sent yet?
    sent = 0  # rows sent
    convert = converter()
    try:
        for part in driver_slices(store, sparql, driver, size):
            answer = _query(store, part)
            variables = [v.value for v in answer.variables]
            if not head:
                emit(AnswerHead(variables))
                head = True
            for solution in answer:  # its terms in the order of its variables
                emit([None if term is None else convert(term) for term in solution])
                sent += 1
    except _NotInline:
        if not head:
            return False
        rows = _driver_rows(store, sparql)
        _emit_answer(store, paged(sparql, None, 0, rows), None, 0, emit, skip=sent,
                     head=False)
        return True
    except (SyntaxError, ValueError) as exc:
        raise UsageError(f"the query is not valid SPARQL: {exc}") from None
    except (OSError, RuntimeError) as exc:
        raise StoreError(f"the query failed: {exc}") from exc
    return head  # no driver rows: the query gives its (empty) result itself


def uses_service(sparql: str) -> bool:
    """Whether the query has a ``SERVICE`` clause (a call to another endpoint).

    Read as :func:`where_brace` reads tokens: the word in a comment, a string, an IRI,
    a prefixed name, a variable or a language tag is not the keyword.
    """
    return any(match.lastgroup == "service" for match in _TOKENS.finditer(sparql))


def _sliced_driver(sparql: str) -> SubSelect | None:
    """The query's page driver, if it is its only one and marked ``slices``."""
    marks = list(_PAGE_MARK.finditer(sparql))
    if len(marks) != 1 or marks[0].group(1) != "slices":
        return None
    drivers = page_drivers(sparql)
    return drivers[0] if len(drivers) == 1 else None


class _NotInline(Exception):
    """A driver row holds a term that a VALUES block cannot carry (a blank node)."""


def driver_slices(store: Store, sparql: str, driver: SubSelect, size: int) -> Iterable[str]:
    """The query once per slice of ``size`` driver rows, the driver replaced by those rows.

    The driver runs once, on its own; each slice of its rows, in order, becomes a
    ``VALUES`` block in its place. Oxigraph then reads the rest of each row by index
    look-ups from the few hundred rows it knows of, instead of joining whole predicates
    by hash or looking up every row of the store at once (``event-table`` over a month
    at 10,000 articles: 4.2 s instead of 29 s, see docs/query-performance.md). The
    paging contract of :func:`paged` makes the slices' results, one after the other,
    the whole result: each result row comes from one driver row, and the outer ORDER BY
    begins with the driver's keys. Queries whose outer patterns Oxigraph plans badly
    from a VALUES block (``cooperation``: slower than the whole at once) are not marked.
    """
    prologue = sparql[:len(sparql) - len(_strip_prologue(sparql))]
    text = _PAGE_MARK.sub("", sparql[driver.start:driver.end])
    answer = store.query(prologue + text)
    names = [v.value for v in answer.variables]
    head = f"{sparql[:driver.start]}VALUES ({' '.join('?' + n for n in names)}) {{\n"
    tail = f"}}\n{sparql[driver.end:]}"
    rows: list[str] = []
    for solution in answer:
        cells = []
        for name in names:
            term = solution[name]
            if isinstance(term, ox.BlankNode):
                raise _NotInline(name)
            cells.append("UNDEF" if term is None else str(term))
        rows.append(f"({' '.join(cells)})\n")
        if len(rows) == size:
            yield head + "".join(rows) + tail
            rows = []
    if rows:
        yield head + "".join(rows) + tail


_LABELS = f"""PREFIX kg: <{KG_IRI}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?iri (SAMPLE(?name) AS ?n) (SAMPLE(?label) AS ?l) (SAMPLE(?pref) AS ?p)
       (SAMPLE(?fact) AS ?f) (SAMPLE(?title) AS ?t)
WHERE {{
  OPTIONAL {{ ?iri kg:name ?name }}
  OPTIONAL {{ ?iri rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }}
  OPTIONAL {{ ?iri skos:prefLabel ?pref }}
  OPTIONAL {{ ?iri kg:factId ?fact }}
  OPTIONAL {{ ?iri dcterms:title ?title }}
}} GROUP BY ?iri"""


def labels(store: SparqlSource, terms: Iterable[Any], *, chunk: int = 400) -> dict[str, str]:
    """Readable labels of IRIs: name, label, preferred label, fact id or title."""
    iris = sorted({str(t) for t in terms if isinstance(t, URIRef)})
    found: dict[str, str] = {}
    for start in range(0, len(iris), chunk):
        part = iris[start:start + chunk]
        values = "VALUES ?iri { " + " ".join(str(ox.NamedNode(i)) for i in part) + " }"
        sparql = _LABELS.replace("WHERE {", "WHERE { " + values, 1)
        for row in store.query(sparql):
            for key in ("n", "l", "p", "f", "t"):
                if row[key] is not None:
                    found[row["iri"].value] = row[key].value
                    break
    return found
