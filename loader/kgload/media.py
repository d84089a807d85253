"""HTTP media types of kgload's answers, and content negotiation (``Accept``).

Each answer format of :mod:`kgload.render` has one media type here; ``kgload serve``
chooses among those that fit the kind of answer (rows, a boolean, triples) the one the
client's ``Accept`` header prefers (RFC 9110: quality values, then the most specific
range; on a tie, the order of the offers), and renders the answer with the renderers
the CLI uses, so that HTTP and the command line give the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# SELECT and ASK on the SPARQL endpoint: the W3C results formats, JSON first
SPARQL_RESULTS: dict[str, str] = {
    "application/sparql-results+json": "sparql-json",
    "application/sparql-results+xml": "sparql-xml",
    "text/csv": "sparql-csv",
    "text/tab-separated-values": "sparql-tsv",
    "application/json": "sparql-json",
    "application/xml": "sparql-xml",
    "text/xml": "sparql-xml",
}
# CONSTRUCT and DESCRIBE: RDF, Turtle first
RDF_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
    "application/n-quads": "nquads",
    "application/x-turtle": "turtle",
    "text/plain": "ntriples",
}
# rows of a stored query (GET /queries/NAME): the CLI's row formats, JSON first
ROW_TYPES: dict[str, str] = {
    "application/json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/sparql-results+json": "sparql-json",
    "application/sparql-results+xml": "sparql-xml",
}
# the media type each format is sent as (the first type that names it above)
CONTENT_TYPES: dict[str, str] = {}
for _table in (SPARQL_RESULTS, RDF_TYPES, ROW_TYPES):
    for _media, _fmt in _table.items():
        CONTENT_TYPES.setdefault(_fmt, _media)
CONTENT_TYPES.update({"json": "application/json", "csv": "text/csv",
                      "tsv": "text/tab-separated-values", "sparql-csv": "text/csv",
                      "sparql-tsv": "text/tab-separated-values"})
_TEXT = frozenset({"sparql-csv", "sparql-tsv", "csv", "tsv", "turtle", "ntriples", "nquads"})


@dataclass(frozen=True)
class _Range:
    kind: str  # "text", or "*"
    sub: str  # "csv", or "*"
    q: float

    def matches(self, media: str) -> bool:
        kind, sub = media.split("/", 1)
        return self.kind in ("*", kind) and self.sub in ("*", sub)

    @property
    def specificity(self) -> int:
        return (self.kind != "*") + (self.sub != "*")


def _ranges(accept: str) -> list[_Range]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        kind, sub = media.split("/", 1)
        ranges.append(_Range(kind, sub, q))
    return ranges


def choose(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offered media type the ``Accept`` header prefers (None: none is acceptable).

    No header, or an empty one, accepts anything: the first offer.

        >>> choose("text/csv;q=0.5, application/json", ["text/csv", "application/json"])
        'application/json'
    """
    if not accept or not accept.strip():
        return offers[0] if offers else None
    ranges = _ranges(accept)
    best: tuple[float, int] | None = None
    chosen = None
    for index, media in enumerate(offers):
        fitting = [r for r in ranges if r.matches(media)]
        if not fitting:
            continue
        most = max(fitting, key=lambda r: r.specificity)  # the most specific range rules
        if most.q <= 0:
            continue
        score = (most.q, -index)
        if best is None or score > best:
            best, chosen = score, media
    return chosen


def render_answer(kind: str, fmt: str, *, variables: Sequence[str] = (),
                  rows: Sequence[Sequence[Any]] = (), boolean: bool | None = None,
                  triples: Sequence[tuple[Any, Any, Any]] = (),
                  prefixes: dict[str, str] | None = None) -> bytes:
    """An answer (``kind``: rows, boolean or triples) as bytes in ``fmt``."""
    from .render import render, render_rdf, render_sparql

    if kind == "triples":
        if fmt == "nquads":
            fmt = "ntriples"  # triples in N-Quads are N-Triples lines
        text = render_rdf(list(triples), fmt, prefixes or {})
    elif fmt.startswith("sparql-"):
        text = render_sparql(variables, rows, fmt, boolean=boolean)
    elif kind == "boolean":
        text = ("true" if boolean else "false") + "\n"
        if fmt in ("json", "jsonl"):
            text = f'{{"boolean": {text.strip()}}}\n'
    else:
        text = render(variables, rows, fmt, prefixes=prefixes)
    return text.encode("utf-8")


def content_type(fmt: str) -> str:
    """The ``Content-Type`` header for a format (text types say their charset)."""
    media = CONTENT_TYPES[fmt]
    return f"{media}; charset=utf-8" if fmt in _TEXT else media
