"""``kgload serve``: the store over HTTP (Starlette, an ASGI app run by uvicorn).

- ``/sparql``: a SPARQL 1.1 Protocol query endpoint (GET, form POST, direct POST),
  read-only unless updates are allowed with a token;
- ``/queries`` and ``/queries/NAME``: each stored query as a GET endpoint, its
  parameters checked as the CLI checks them;
- ``/openapi.json`` and ``/docs``: the OpenAPI description and a page that renders it
  (served from the package: no network needed);
- ``/``: a page to use it: each stored query as a form, a SPARQL editor and a drawing
  of who did what to whom (our own JavaScript and SVG in ``web/index.html``: offline).

Queries run as the CLI runs them (:func:`kgload.queries.stream`: a time limit, SERVICE
refused, union default graph), in Starlette's thread pool, on a store shared with loads
through :class:`kgload.readers.ReadGate`. Errors are :class:`~kgload.errors.KgloadError`
turned into one status and one message here, as the CLI turns them into exit codes.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from . import __version__
from .errors import KgloadError, QueryTimeout, StoreBusy, StoreDamaged, UsageError
from .iris import Iris
from .media import RDF_TYPES, ROW_TYPES, SPARQL_RESULTS, choose, content_type, render_answer
from .openapi import PAGING, ROW_FORMATS, openapi, query_listing
from .queries import MAX_ROWS, StoredQuery, bind, check_values, load_queries, stream
from .readers import ReadGate
from .store import Store

_WEB = Path(__file__).resolve().parent / "web"  # the pages, shipped in the package
RETRY_AFTER = "2"  # seconds a client waits when the store is being written
MAX_BODY = 1_000_000  # bytes of a POSTed query or update at most
_DIRECT_QUERY = "application/sparql-query"
_DIRECT_UPDATE = "application/sparql-update"
_FORM = "application/x-www-form-urlencoded"


@dataclass
class ServeConfig:
    """What ``kgload serve`` was started with."""

    store: Path
    iris: Iris = field(default_factory=Iris)
    query_dirs: list[Path] = field(default_factory=list)
    timeout: float = 30.0  # seconds a query may run
    max_rows: int = 10_000  # rows (or triples) of one answer at most
    update_token: str | None = None  # updates allowed with this bearer token
    linger: float = 0.5  # seconds an idle store stays open (see ReadGate)


class HttpError(Exception):
    """An answer other than 200: status, message, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Collected:
    """An answer read whole (at most ``max_rows`` rows), ready to render."""

    kind: str  # rows, boolean or triples
    fmt: str
    variables: list[str] = field(default_factory=list)
    rows: list[Any] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False


class _Dataset:
    """The store as a protocol request sees it: its dataset (default-graph-uri and
    named-graph-uri, else the union of the named graphs as the default graph) and its
    base IRI (the endpoint's URL: relative IRIs in a query resolve against it)."""

    def __init__(self, store: Store, default: list[str], named: list[str], *,
                 base: str | None = None) -> None:
        try:
            self.default: list[Any] = [ox.NamedNode(g) for g in default]
            self.named: list[Any] = [ox.NamedNode(g) for g in named]
        except ValueError as exc:
            raise HttpError(400, f"a default-graph-uri or named-graph-uri is not a valid "
                                 f"IRI: {exc}") from None
        self.store = store
        self.base = base

    def query(self, sparql: str) -> Any:
        with self.store.reading():
            if not self.default and not self.named:
                return self.store.ox.query(sparql, base_iri=self.base,
                                           use_default_graph_as_union=True)
            return self.store.ox.query(sparql, base_iri=self.base,
                                       default_graph=self.default or None,
                                       named_graphs=self.named)


def _error_status(exc: KgloadError, *, usage: int) -> HttpError:
    if isinstance(exc, StoreBusy):
        return HttpError(503, exc.message, {"Retry-After": RETRY_AFTER})
    if isinstance(exc, QueryTimeout):
        return HttpError(503, f"{exc.message} (kgload serve --timeout)")
    if isinstance(exc, UsageError):
        return HttpError(usage, exc.message)
    if isinstance(exc, StoreDamaged):
        return HttpError(500, exc.message)
    return HttpError(500, exc.message)


class Service:
    """The work behind the routes, run in worker threads (no HTTP in it but statuses)."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.gate = ReadGate(config.store, linger=config.linger)
        self.queries, _ = load_queries(config.query_dirs)
        clash = [f"{q.name}: {p.name}" for q in self.queries.values() for p in q.params
                 if p.name in PAGING]
        if clash:
            raise UsageError("stored query parameters named like kgload serve's own "
                             f"(limit, offset, page, format): {', '.join(clash)}")
        self.openapi = openapi(self.queries.values())
        self._write_lock = threading.Lock()

    def run(self, sparql_for: Callable[[Any], str], negotiate: Callable[[str], str | None],
            *, dataset: tuple[list[str], list[str]] = ([], []), base: str | None = None,
            limit: int | None = None,
            offset: int = 0, usage: int = 400) -> Collected:
        """Run a query (``sparql_for`` makes its text from the store) and read it whole."""
        cap = self.config.max_rows
        feeds: list[Any] = []
        try:
            store = self.gate.enter()
        except KgloadError as exc:
            raise _error_status(exc, usage=usage) from None
        try:
            source = _Dataset(store, *dataset, base=base)
            try:
                sparql = sparql_for(source)
            except UsageError as exc:
                raise HttpError(usage, exc.message) from None
            take = cap + 1 if limit is None else min(limit, cap + 1)
            with stream(cast(Store, source), sparql, limit=take, offset=offset,
                        timeout=self.config.timeout, on_start=feeds.append) as answer:
                kind = ("triples" if answer.triples else
                        "boolean" if answer.boolean is not None else "rows")
                fmt = negotiate(kind)
                if fmt is None:
                    raise HttpError(406, "none of the media types in the Accept header is "
                                         "one this endpoint gives for this answer")
                got = Collected(kind, fmt, list(answer.variables), boolean=answer.boolean)
                if kind != "boolean":
                    for batch in answer:
                        got.rows.extend(batch)
                        if len(got.rows) > cap:
                            break
                if len(got.rows) > cap:
                    got.rows, got.truncated = got.rows[:cap], True
                return got
        except KgloadError as exc:
            raise _error_status(exc, usage=400) from None
        finally:
            self._release(feeds)

    def _release(self, feeds: list[Any]) -> None:
        """End the read once the query's worker has stopped reading the store."""
        for feed in feeds:
            feed.close()
        if all(feed.join(0.2) for feed in feeds):
            self.gate.leave()
            return

        def later() -> None:  # a stopped query still in a Rust call: keep the lock till then
            for feed in feeds:
                feed.join()
            self.gate.leave()

        threading.Thread(target=later, name="kgload-release", daemon=True).start()

    def update(self, sparql: str) -> None:
        """Apply a SPARQL update (only with --allow-update): one atomic store update."""
        if not self._write_lock.acquire(blocking=False):
            raise HttpError(503, "another update is under way; try again",
                            {"Retry-After": RETRY_AFTER})
        try:
            with self.gate.writing(timeout=self.config.timeout) as store:
                try:
                    store.ox.update(sparql)
                except SyntaxError as exc:
                    raise HttpError(400, f"the update is not valid SPARQL: {exc}") from None
                except (OSError, RuntimeError, ValueError) as exc:
                    raise HttpError(500, f"the update failed: {exc}") from None
        except KgloadError as exc:
            raise _error_status(exc, usage=400) from None
        finally:
            self._write_lock.release()


# ------------------------------------------------------------------ routes


def _error_response(exc: HttpError, *, json: bool) -> Response:
    if json:
        return JSONResponse({"error": exc.message}, status_code=exc.status,
                            headers=exc.headers)
    return Response(exc.message + "\n", status_code=exc.status, headers=exc.headers,
                    media_type="text/plain; charset=utf-8")


def _render(got: Collected, iris: Iris) -> Response:
    from .export import prefixes

    body = render_answer(got.kind, got.fmt, variables=got.variables, rows=got.rows,
                         boolean=got.boolean, triples=got.rows, prefixes=prefixes(iris))
    headers = {}
    if got.truncated:
        headers["X-Kgload-Truncated"] = (f"true; the answer was cut at {len(got.rows)} rows "
                                         "(kgload serve --max-rows): page with LIMIT/OFFSET")
    return Response(body, headers=headers, media_type=content_type(got.fmt))


def _sparql_negotiator(accept: str | None) -> Callable[[str], str | None]:
    def negotiate(kind: str) -> str | None:
        table = RDF_TYPES if kind == "triples" else SPARQL_RESULTS
        media = choose(accept, list(table))
        return None if media is None else table[media]

    return negotiate


async def _sparql_request(request: Request) -> tuple[str, str, list[tuple[str, str]]]:
    """What a protocol request asks: ("query" or "update", its text, dataset params)."""
    url_params = list(request.query_params.multi_items())
    if request.method == "GET":
        params = url_params
    else:
        raw_type = request.headers.get("content-type", "")
        media, _, rest = raw_type.partition(";")
        media = media.strip().lower()
        charset = next((p.split("=", 1)[1].strip().strip('"').lower() for p in rest.split(";")
                        if p.strip().lower().startswith("charset=")), "utf-8")
        if charset not in ("utf-8", "utf8"):
            raise HttpError(415, f"the body must be UTF-8 (charset={charset} given)")
        body = await _body(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the body is not valid UTF-8") from None
        if media == _FORM:
            params = url_params + parse_qsl(text, keep_blank_values=True)
        elif media in (_DIRECT_QUERY, _DIRECT_UPDATE):
            if any(k in ("query", "update") for k, _ in url_params):
                raise HttpError(400, f"a {media} POST carries the operation in its body, "
                                     "not also in the URL")
            kind = "query" if media == _DIRECT_QUERY else "update"
            return kind, text, url_params
        else:
            raise HttpError(415, "a SPARQL POST is application/x-www-form-urlencoded, "
                                 f"{_DIRECT_QUERY} or {_DIRECT_UPDATE} "
                                 f"(Content-Type {raw_type or 'missing'})")
    queries = [v for k, v in params if k == "query"]
    updates = [v for k, v in params if k == "update"]
    if len(queries) + len(updates) != 1:
        raise HttpError(400, "give exactly one query (or update) parameter")
    if updates:
        if request.method == "GET":
            raise HttpError(400, "an update cannot be sent with GET: POST it")
        return "update", updates[0], params
    return "query", queries[0], params


async def _body(request: Request) -> bytes:
    """The request's body, refused past MAX_BODY bytes (413)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HttpError(413, f"the body is larger than {MAX_BODY:,} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HttpError(413, f"the body is larger than {MAX_BODY:,} bytes")
    return bytes(body)


def _check_token(request: Request, token: str | None) -> None:
    if token is None:
        raise HttpError(403, "this endpoint is read-only: updates are refused (start "
                             "kgload serve with --allow-update and a token to allow them)")
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(),
                                                             token.encode()):
        raise HttpError(401, "updates need the server's token as an Authorization: Bearer "
                             "header", {"WWW-Authenticate": 'Bearer realm="kgload"'})


def make_app(config: ServeConfig) -> Starlette:
    """The ASGI application of ``kgload serve`` (run it with any ASGI server)."""
    service = Service(config)

    async def sparql(request: Request) -> Response:
        try:
            kind, text, params = await _sparql_request(request)
            if kind == "update":
                _check_token(request, config.update_token)
                if any(k in ("using-graph-uri", "using-named-graph-uri") for k, _ in params):
                    raise HttpError(400, "using-graph-uri and using-named-graph-uri are not "
                                         "supported: write USING in the update")
                await run_in_threadpool(service.update, text)
                return Response(status_code=204)
            dataset = ([v for k, v in params if k == "default-graph-uri"],
                       [v for k, v in params if k == "named-graph-uri"])
            got = await run_in_threadpool(
                service.run, lambda _: text, _sparql_negotiator(request.headers.get("accept")),
                dataset=dataset, base=str(request.url.replace(query="")))
            return _render(got, config.iris)
        except HttpError as exc:
            return _error_response(exc, json=False)

    async def list_queries(request: Request) -> Response:
        return JSONResponse(query_listing(service.queries.values()))

    async def stored(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            query = service.queries.get(name)
            if query is None:
                raise HttpError(404, f"no stored query named {name!r}; GET /queries lists "
                                     "them")
            values, paging = _rest_values(request, query)
            limit, offset = _page(query, paging, service.config.max_rows)
            negotiate = _row_negotiator(paging.get("format"), request.headers.get("accept"))
            checked = _check(query, values)
            got = await run_in_threadpool(
                service.run, lambda source: bind(query, checked, source, config.iris),
                negotiate, limit=limit, offset=offset, usage=422)
            response = _render(got, config.iris)
            if limit is not None and len(got.rows) == limit and not got.truncated:
                following = dict(request.query_params)
                following.pop("page", None)
                following.update(offset=str(offset + limit), limit=str(limit))
                response.headers["Link"] = (f'<{request.url.path}?{urlencode(following)}>; '
                                            'rel="next"')
            return response
        except HttpError as exc:
            return _error_response(exc, json=True)

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(service.openapi)

    async def docs(request: Request) -> Response:
        return HTMLResponse(_WEB.joinpath("docs.html").read_text(encoding="utf-8"))

    async def index(request: Request) -> Response:
        return HTMLResponse(_WEB.joinpath("index.html").read_text(encoding="utf-8")
                            .replace("{version}", __version__))

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/sparql/", sparql, methods=["GET", "POST"]),
        Route("/queries", list_queries, methods=["GET"]),
        Route("/queries/{name}", stored, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
    ]
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        service.gate.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    return app


def _rest_values(request: Request, query: StoredQuery) -> tuple[dict[str, str], dict[str, str]]:
    """The query's parameter values and the paging/format values of a request."""
    values: dict[str, str] = {}
    paging: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        target = paging if key in PAGING else values
        if key in target:
            raise HttpError(422, f"parameter {key} is given twice")
        target[key] = value
    return values, paging


def _check(query: StoredQuery, values: dict[str, str]) -> dict[str, str]:
    try:
        return check_values(query, values)
    except UsageError as exc:
        raise HttpError(422, exc.message) from None


def _number(paging: dict[str, str], name: str, least: int) -> int | None:
    if name not in paging:
        return None
    text = paging[name].strip()
    if not text.lstrip("+").isdigit() or int(text) < least or int(text) > MAX_ROWS:
        raise HttpError(422, f"{name} must be a whole number from {least} to {MAX_ROWS}")
    return int(text)


def _page(query: StoredQuery, paging: dict[str, str], cap: int) -> tuple[int | None, int]:
    """(limit, offset) from limit, offset and page, as the CLI's --limit/--offset/--page."""
    limit = _number(paging, "limit", 1)
    offset = _number(paging, "offset", 0) or 0
    page = _number(paging, "page", 1)
    if page is not None:
        size = limit or query.pagination
        if size is None:
            raise HttpError(422, "page needs a page size: give limit=N")
        offset, limit = offset + (page - 1) * size, size
    if limit is not None and limit > cap:
        raise HttpError(422, f"limit must be at most {cap} (kgload serve --max-rows)")
    if offset + (limit or 0) > MAX_ROWS:
        raise HttpError(422, f"the rows asked for end past row {MAX_ROWS}")
    return limit, offset


def _row_negotiator(fmt: str | None, accept: str | None) -> Callable[[str], str | None]:
    if fmt is not None and fmt not in ROW_FORMATS:
        raise HttpError(422, f"format must be one of {', '.join(ROW_FORMATS)}")

    def negotiate(kind: str) -> str | None:
        if kind == "triples":
            media = choose(accept, list(RDF_TYPES))
            return None if media is None else RDF_TYPES[media]
        if fmt is not None:
            return fmt
        media = choose(accept, list(ROW_TYPES))
        return None if media is None else ROW_TYPES[media]

    return negotiate
