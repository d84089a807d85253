"""Talking to a remote triple store over HTTP: credentials, retries, SPARQL queries.

One :class:`Endpoint` per URL holds a ``requests`` session (connections are reused
across the thousands of requests of a push), the credentials and the time limits.
:meth:`Endpoint.request` retries a connection failure, a time-out or a 5xx answer
(``TRIES`` tries in all, with exponential back-off) and turns what is left into an
:class:`EndpointError` (exit 4) that names the endpoint, never its credentials.

Credentials come from the environment (``KGLOAD_ENDPOINT_USER``,
``KGLOAD_ENDPOINT_PASSWORD``, ``KGLOAD_ENDPOINT_TOKEN``) or from ``~/.netrc`` (the file
``NETRC`` names, if set): see :func:`credentials`.

:class:`SparqlEndpoint` runs queries as the SPARQL 1.1 Protocol says, as GET or, when the
URL would pass ``MAX_GET_URL`` bytes, as a form POST (``query=``): never as a direct POST
of ``application/sparql-query``, which Virtuoso 7 never answers. Results are asked for
as ``application/sparql-results+xml`` and read as they arrive, one result at a time
(:func:`_xml_results`: a result of a million rows is never held whole, and its first
rows are printed while the rest is on its way); an endpoint that answers
``application/sparql-results+json`` instead (Virtuoso's ``typed-literal`` included) is
read whole. Terms become pyoxigraph terms, so that parameter binding and labels read a
remote endpoint as they read the local store (:class:`kgload.queries.SparqlSource`), and
:func:`stream` gives the same :class:`~kgload.queries.Answer` as a local query.
"""

from __future__ import annotations

import json
import netrc
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from hashlib import sha256
from itertools import islice
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import pyoxigraph as ox
import requests
import requests.auth

from .errors import StoreError, UsageError
from .execution import Feed
from .queries import Answer, AnswerHead, paged, uses_service
from .terms import converter, from_ox

USER_ENV = "KGLOAD_ENDPOINT_USER"
PASSWORD_ENV = "KGLOAD_ENDPOINT_PASSWORD"
TOKEN_ENV = "KGLOAD_ENDPOINT_TOKEN"

TRIES = 3  # tries of one request: the first and two retries
BACKOFF = 0.5  # seconds before the first retry; doubled before each next one
CONNECT_TIMEOUT = 10.0  # seconds to open a connection (the read time-out is the caller's)
HTTP_TIMEOUT = 60.0  # seconds to wait for an answer, by default
MAX_GET_URL = 2000  # a query whose GET URL is longer goes as a form POST
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
_ACCEPT = (f"{RESULTS_XML}, {RESULTS_JSON};q=0.9, application/n-triples;q=0.8, "
           "text/turtle;q=0.7")
CHUNK = 1 << 16  # bytes read from a streamed answer at a time


class Auth(StrEnum):
    """How kgload proves who it is to an endpoint."""

    BASIC = "basic"
    DIGEST = "digest"
    BEARER = "bearer"


class EndpointError(StoreError):
    """A remote endpoint cannot be reached, refuses kgload, or fails (exit 4)."""

    def __init__(self, message: str, *, reachable: bool = True) -> None:
        super().__init__(message)
        self.reachable = reachable  # False: nothing more can be sent to it


def public_url(url: str) -> str:
    """The URL without the user name and password it may carry: what messages show."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_url(url: str, what: str = "--endpoint") -> str:
    """The URL, if it is an http(s) URL with a host; else a usage error."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what}: {public_url(url)!r} is not an http:// or https:// URL")
    return url


@dataclass(frozen=True)
class Credentials:
    """Who kgload says it is (never printed: see ``__repr__``)."""

    auth: Auth
    user: str = ""
    secret: str = ""  # the password, or the bearer token
    source: str = ""  # where they came from, for messages: "environment", "netrc"

    def __repr__(self) -> str:
        return f"Credentials({self.auth}, from {self.source})"

    def requests_auth(self) -> Any:
        if self.auth is Auth.BASIC:
            return requests.auth.HTTPBasicAuth(self.user, self.secret)
        if self.auth is Auth.DIGEST:
            return requests.auth.HTTPDigestAuth(self.user, self.secret)
        return _Bearer(self.secret)


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def credentials(url: str, auth: Auth | None = None,
                environ: Mapping[str, str] | None = None) -> Credentials | None:
    """The credentials for ``url``: from the environment, else from netrc.

    Without ``auth``, a token (``KGLOAD_ENDPOINT_TOKEN``) means bearer, and a user
    (``KGLOAD_ENDPOINT_USER`` with ``KGLOAD_ENDPOINT_PASSWORD``, or a netrc entry for the
    URL's host) means basic; none of them: no credentials. With ``auth``, missing
    credentials are a usage error.
    """
    env = os.environ if environ is None else environ
    token, user = env.get(TOKEN_ENV), env.get(USER_ENV)
    if auth is None and token:
        return Credentials(Auth.BEARER, secret=token, source="environment")
    if auth is Auth.BEARER:
        if not token:
            raise UsageError(f"--auth bearer needs the token in the environment variable "
                             f"{TOKEN_ENV}")
        return Credentials(Auth.BEARER, secret=token, source="environment")
    if user:
        return Credentials(auth or Auth.BASIC, user, env.get(PASSWORD_ENV, ""), "environment")
    found = _netrc(url, env)
    if found is not None:
        return Credentials(auth or Auth.BASIC, found[0], found[1], "netrc")
    if auth is not None:
        raise UsageError(f"--auth {auth} needs a user and password: set {USER_ENV} and "
                         f"{PASSWORD_ENV}, or add the host of {public_url(url)} to ~/.netrc "
                         "(or to the file NETRC names)")
    return None


def _netrc(url: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    """The login and password netrc holds for the URL's host (NETRC: another file)."""
    path = env.get("NETRC") or os.path.expanduser("~/.netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(urlsplit(url).hostname or "")
    except (OSError, netrc.NetrcParseError) as exc:
        raise UsageError(f"cannot read the netrc file {path}: {exc.args[0] if exc.args else exc}"
                         ) from None
    if entry is None:
        return None
    login, _, password = entry
    return login or "", password or ""


class Endpoint:
    """An HTTP endpoint: one session (connections reused), credentials, time limits."""

    def __init__(self, url: str, *, auth: Auth | None = None,
                 timeout: float | None = HTTP_TIMEOUT,
                 tries: int = TRIES, backoff: float | None = None,
                 what: str = "--endpoint") -> None:
        self.url = check_url(url, what)
        self.shown = public_url(url)
        self.timeout = timeout
        self.tries = max(1, tries)
        self.backoff = BACKOFF if backoff is None else backoff
        self.credentials = credentials(url, auth)
        self.session = requests.Session()
        # user:password in the URL is taken as netrc is: explicit credentials win
        self.session.auth = (self.credentials.requests_auth() if self.credentials
                             else _url_auth(url))
        self.url = public_url(url)
        self.retries = 0  # retries made, over all requests

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, *, what: str, params: dict[str, str] | None = None,
                data: Any = None, headers: dict[str, str] | None = None,
                timeout: float | None = None, ok: tuple[int, ...] = (),
                stream: bool = False) -> Any:
        """Send one request, retried on connection failures, time-outs and 5xx answers.

        ``what`` says in messages what was being done ("PUT graph <...>"). A 2xx answer,
        or one whose code is in ``ok``, is returned; a 401 or 403 is an
        :class:`EndpointError` at once (the credentials, not the moment, are wrong);
        another 4xx is an ``EndpointError`` too, with the server's words; what still
        fails after the last try is one as well, ``reachable`` False for a connection
        that could not be made. With ``stream``, the body of a 2xx answer is left to be
        read (``iter_content``); its connection is released when it is read or closed.
        """
        read = self.timeout if timeout is None else timeout
        for attempt in range(1, self.tries + 1):
            if hasattr(data, "seek"):
                data.seek(0)  # a body read by the try before
            try:
                answer = self.session.request(method, self.url, params=params, data=data,
                                              headers=headers, stream=stream,
                                              timeout=(CONNECT_TIMEOUT, read))
            except requests.exceptions.RequestException as exc:
                failure = _describe(exc, read)
                reachable = not isinstance(exc, requests.exceptions.ConnectionError) or \
                    isinstance(exc, requests.exceptions.ReadTimeout)
                if attempt == self.tries:
                    raise EndpointError(f"{self.shown}: {what} failed after {self.tries} "
                                        f"tries: {failure}", reachable=reachable) from None
            else:
                code = answer.status_code
                if 200 <= code < 300 or code in ok:
                    return answer
                detail = _server_words(answer)
                if code in (401, 403):
                    how = (f"the {self.credentials.auth} credentials from "
                           f"{self.credentials.source}" if self.credentials
                           else "no credentials")
                    raise EndpointError(f"{self.shown}: {what} was refused ({code} "
                                        f"{answer.reason}) with {how}{detail}",
                                        reachable=False)
                if code < 500:
                    raise EndpointError(f"{self.shown}: {what} was refused ({code} "
                                        f"{answer.reason}){detail}")
                if attempt == self.tries:
                    raise EndpointError(f"{self.shown}: {what} failed after {self.tries} "
                                        f"tries ({code} {answer.reason}){detail}")
            self.retries += 1
            time.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover


def _url_auth(url: str) -> Any:
    parts = urlsplit(url)
    if parts.username is None:
        return None
    return requests.auth.HTTPBasicAuth(unquote(parts.username), unquote(parts.password or ""))


def _describe(exc: Exception, read: float | None) -> str:
    """A connection failure in a few words (requests' own messages repeat the URL)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within {CONNECT_TIMEOUT:g} s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer within {read or 0:g} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        for words in ("Connection refused", "Name or service not known",
                      "No route to host", "Connection reset", "Remote end closed",
                      "timed out"):
            if words in text:
                return words.lower()
        return "the connection failed"
    return type(exc).__name__


def _server_words(answer: Any) -> str:
    """The first line of the server's explanation, if it gave one."""
    text = (answer.text or "").strip()
    if not text or text.startswith("<"):  # an HTML error page says nothing useful
        return ""
    return ": " + text.splitlines()[0][:300]


# ------------------------------------------------------------------ SPARQL queries


class SparqlEndpoint(Endpoint):
    """A SPARQL 1.1 query endpoint (``/query`` of Oxigraph, ``/sparql`` of Virtuoso).

    :meth:`query` answers as :meth:`kgload.store.Store.query` does (a bool for ASK, rows
    of pyoxigraph terms by variable name for SELECT, triples for CONSTRUCT), so that
    parameters and labels resolve remotely as locally. The endpoint must see the union
    of its named graphs as its default graph (``oxigraph serve --union-default-graph``;
    see docs/remote.md).
    """

    def query(self, sparql: str) -> Any:
        kind, variables, items = self.answer(sparql)
        if kind == "boolean":
            return bool(items)
        if kind == "triples":
            return list(items)
        return [dict(zip(variables, row, strict=True)) for row in items]

    def answer(self, sparql: str, *, timeout: float | None = None) -> tuple[str, list[str], Any]:
        """Run ``sparql``: ("boolean", [], bool), ("rows", variables, rows of pyoxigraph
        terms or None) or ("triples", [], pyoxigraph triples). Rows of SPARQL XML results
        are an iterator that reads the answer as it arrives: read it to its end, or close
        it, to release the connection."""
        headers = {"Accept": _ACCEPT}
        url = requests.Request("GET", self.url, params={"query": sparql}).prepare().url or ""
        if len(url.encode("utf-8")) > MAX_GET_URL:
            answer = self.request("POST", what="the query", data={"query": sparql},
                                  headers=headers, timeout=timeout, stream=True)
        else:
            answer = self.request("GET", what="the query", params={"query": sparql},
                                  headers=headers, timeout=timeout, stream=True)
        media = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media in (RESULTS_XML, "application/xml", "text/xml"):
            return _xml_results(answer, self.shown)
        if media in (RESULTS_JSON, "application/json"):
            return _read_results(answer.content, self.shown)
        rdf = ox.RdfFormat.from_media_type(media) if media else None
        if rdf is None:
            raise EndpointError(f"{self.shown}: the query's answer is {media or 'untyped'}, "
                                f"not SPARQL JSON results or RDF")
        try:
            triples = [quad.triple for quad in ox.parse(answer.content, rdf)]
        except SyntaxError as exc:
            raise EndpointError(f"{self.shown}: the query's answer is not valid "
                                f"{media}: {exc}") from None
        return "triples", [], triples


def _read_results(body: bytes, shown: str) -> tuple[str, list[str], Any]:
    """SPARQL 1.1 JSON results (with Virtuoso's ``typed-literal``) as pyoxigraph terms."""
    try:
        data = json.loads(body)
        if "boolean" in data:
            return "boolean", [], bool(data["boolean"])
        variables = [str(v) for v in data["head"]["vars"]]
        rows = [[_term(binding.get(v)) for v in variables]
                for binding in data["results"]["bindings"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise EndpointError(f"{shown}: the query's answer is not valid SPARQL JSON "
                            f"results ({type(exc).__name__}: {exc})") from None
    return "rows", variables, rows


_SR = "{http://www.w3.org/2005/sparql-results#}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _xml_results(answer: Any, shown: str) -> tuple[str, list[str], Any]:
    """SPARQL 1.1 XML results, read as they arrive: the head (or the boolean) first, then
    an iterator of rows that parses each ``<result>`` when its bytes are in and forgets
    it once given (memory stays that of one chunk and one row, however long the answer).
    A broken connection or malformed XML part-way is an :class:`EndpointError`."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))

    def events() -> Iterator[tuple[str, ET.Element]]:
        try:
            for chunk in answer.iter_content(CHUNK):
                parser.feed(chunk)
                yield from parser.read_events()  # type: ignore[misc]
            parser.close()
            yield from parser.read_events()  # type: ignore[misc]
        except ET.ParseError as exc:
            raise EndpointError(f"{shown}: the query's answer is not valid SPARQL XML "
                                f"results ({exc})") from None
        except requests.exceptions.RequestException as exc:
            raise EndpointError(f"{shown}: the query's answer broke off: "
                                f"{_describe(exc, None)}") from None

    stream = events()
    variables: list[str] = []
    try:
        for event, element in stream:
            if event == "end" and element.tag == _SR + "variable":
                variables.append(element.get("name", ""))
            elif event == "end" and element.tag == _SR + "boolean":
                answer.close()
                return "boolean", [], (element.text or "").strip() == "true"
            elif event == "start" and element.tag == _SR + "results":
                results = element
                break
        else:
            raise EndpointError(f"{shown}: the query's answer holds no SPARQL results")
    except BaseException:
        answer.close()
        raise

    def rows() -> Iterator[list[Any]]:
        try:
            for event, element in stream:
                if event == "end" and element.tag == _SR + "result":
                    cells = {binding.get("name", ""): _xml_term(value, shown)
                             for binding in element for value in binding[:1]}
                    yield [cells.get(name) for name in variables]
                    results.remove(element)  # read: let it go
        finally:
            answer.close()

    return "rows", variables, rows()


def _xml_term(element: ET.Element, shown: str) -> Any:
    """A term of SPARQL XML results, read as :func:`_term` reads one of JSON results."""
    cell = {"type": element.tag[len(_SR):], "value": element.text or ""}
    if cell["type"] in ("uri", "bnode"):
        cell["value"] = cell["value"].strip()
    for key, attribute in (("xml:lang", _XML_LANG), ("datatype", "datatype")):
        if element.get(attribute):
            cell[key] = element.get(attribute, "")
    try:
        return _term(cell)
    except ValueError as exc:
        raise EndpointError(f"{shown}: the query's answer has a term kgload cannot read "
                            f"({exc})") from None


def _term(cell: dict[str, Any] | None) -> Any:
    if cell is None:
        return None
    kind, value = cell["type"], str(cell["value"])
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        try:
            return ox.BlankNode(value)
        except ValueError:  # Virtuoso's nodeID://b1234 is not a valid blank node id
            return ox.BlankNode("b" + sha256(value.encode()).hexdigest()[:16])
    if kind in ("literal", "typed-literal"):
        if cell.get("xml:lang"):
            return ox.Literal(value, language=cell["xml:lang"])
        if cell.get("datatype"):
            return ox.Literal(value, datatype=ox.NamedNode(cell["datatype"]))
        return ox.Literal(value)
    raise ValueError(f"unknown term type {kind!r}")


def stream(endpoint: SparqlEndpoint, sparql: str, *, limit: int | None = None,
           offset: int = 0, timeout: float | None = None,
           allow_service: bool = False) -> Answer:
    """Run ``sparql`` on the endpoint; the same :class:`Answer` as a local query.

    Paging is that of :func:`kgload.queries.stream`: a page's limit is pushed into the
    query's page driver (``# kgload:page``), and the rows are then counted off here. The
    request runs in a worker thread, so that Ctrl-C and ``timeout`` stop the wait.
    """
    if not allow_service and uses_service(sparql):
        raise UsageError("the query uses SERVICE, which sends requests to another SPARQL "
                         "endpoint over the network; kgload refuses it unless it is "
                         "allowed (--allow-service)")
    text = paged(sparql, limit, offset)
    stop = None if limit is None else offset + limit

    def produce(emit: Any) -> None:
        kind, variables, items = endpoint.answer(text, timeout=timeout)
        if kind == "boolean":
            emit(AnswerHead([], boolean=bool(items)))
        elif kind == "triples":
            emit(AnswerHead([], triples=True))
            for t in islice(items, offset, stop):
                emit((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
        else:
            emit(AnswerHead(variables))
            convert = converter()
            try:
                for row in islice(items, offset, stop):
                    emit([None if term is None else convert(term) for term in row])
            finally:  # a page read, or a stop: the rest of a streamed answer is not read
                close = getattr(items, "close", None)
                if close is not None:
                    close()

    return Answer(Feed(produce, timeout=timeout))
