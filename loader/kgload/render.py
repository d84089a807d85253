"""One renderer for every command that prints rows: table, csv, tsv, json, jsonl, markdown.

Line formats stream: csv, tsv and jsonl rows (and sparql-csv, sparql-tsv, N-Triples and
N-Quads) are written batch by batch as a query gives them (:func:`render_lines`,
:func:`render_sparql_lines`, :func:`render_rdf_lines`). Formats that are one document
(json, sparql-json, sparql-xml, Turtle, TriG, JSON-LD, RDF/XML) or that need every row
first (table: column widths; markdown: readable labels) are rendered whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any

from rdflib import BNode, Literal, URIRef


class RowFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    JSONL = "jsonl"
    MARKDOWN = "markdown"


# the row formats written as the rows come (see render_lines)
STREAMED = frozenset({RowFormat.CSV, RowFormat.TSV, RowFormat.JSONL})


def cell(value: Any, prefixes: dict[str, str] | None = None) -> str:
    """Readable text of a value: literals as their text, IRIs shortened by ``prefixes``."""
    if value is None:
        return ""
    if isinstance(value, URIRef):
        text = str(value)
        for prefix, namespace in (prefixes or {}).items():
            if text.startswith(namespace) and len(text) > len(namespace):
                return f"{prefix}:{text[len(namespace):]}"
        return text
    return str(value)


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Literal):
        python = value.toPython()
        if isinstance(python, bool | int | float | str):
            return python
        return str(value)
    if isinstance(value, bool | int | float):  # counts (articles, stats) stay numbers
        return value
    return str(value)


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: RowFormat | str = RowFormat.TABLE,
    *,
    prefixes: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    max_width: int = 60,
) -> str:
    """Rows as text in the given format (the text ends with a newline unless empty).

    ``labels`` replaces IRIs by readable labels in the text formats (table, markdown,
    csv, tsv); JSON keeps the values themselves. A table clips its cells at
    ``max_width`` characters.
    """
    fmt = RowFormat(fmt)
    if fmt in STREAMED:
        return "".join(render_lines(headers, [rows], fmt, labels=labels))
    if fmt is RowFormat.JSON:
        objects = [
            {h: _json_value(v) for h, v in zip(headers, row, strict=True)} for row in rows
        ]
        return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"
    texts = _texts(rows, prefixes, labels)
    if fmt is RowFormat.MARKDOWN:
        def md(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(md(h) for h in headers) + " |",
                 "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(md(t) for t in row) + " |" for row in texts]
        return "\n".join(lines) + "\n"
    return _table(headers, texts, max_width)


def _texts(rows: Iterable[Sequence[Any]], prefixes: dict[str, str] | None,
           labels: dict[str, str] | None) -> list[list[str]]:
    return [[labels[str(v)] if labels and isinstance(v, URIRef) and str(v) in labels
             else cell(v, prefixes) for v in row] for row in rows]


def render_lines(headers: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]],
                 fmt: RowFormat | str, *, labels: dict[str, str] | None = None,
                 ) -> Iterator[str]:
    """Rows in a line format (csv, tsv, jsonl), one text per batch, the header first.

    The same text as :func:`render`, given as the rows come: ``render_lines(headers,
    answer, "csv")`` writes a query's rows while it runs. IRIs stay whole (no prefixes).
    """
    fmt = RowFormat(fmt)
    if fmt not in STREAMED:
        raise ValueError(f"{fmt} is not a line format ({', '.join(sorted(STREAMED))})")
    if fmt is RowFormat.JSONL:
        for batch in batches:
            yield "".join(json.dumps({h: _json_value(v) for h, v in
                                      zip(headers, row, strict=True)}, ensure_ascii=False)
                          + "\n" for row in batch)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="," if fmt is RowFormat.CSV else "\t",
                        lineterminator="\n")
    writer.writerow(headers)
    yield buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_texts(batch, None, labels))
        yield buffer.getvalue()


def _table(headers: Sequence[str], texts: list[list[str]], max_width: int = 60) -> str:
    def clip(text: str) -> str:
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    clipped = [[clip(t) for t in row] for row in texts]
    widths = [len(h) for h in headers]
    for row in clipped:
        widths = [max(w, len(t)) for w, t in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(t.ljust(w) for t, w in zip(row, widths, strict=True)).rstrip()
              for row in clipped]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ SPARQL results formats


class SparqlFormat(StrEnum):
    """The W3C SPARQL 1.1 query results formats, for tools that expect them."""

    JSON = "sparql-json"
    XML = "sparql-xml"
    CSV = "sparql-csv"
    TSV = "sparql-tsv"


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "bnode", "value": str(term)}


def _xml_term(parent: Any, term: Any) -> None:
    from xml.etree import ElementTree as ET

    if isinstance(term, URIRef):
        ET.SubElement(parent, "uri").text = str(term)
    elif isinstance(term, Literal):
        node = ET.SubElement(parent, "literal")
        if term.language:
            node.set("xml:lang", term.language)
        elif term.datatype:
            node.set("datatype", str(term.datatype))
        node.text = str(term)
    else:
        ET.SubElement(parent, "bnode").text = str(term)


def render_sparql(variables: Sequence[str], rows: Sequence[Sequence[Any]] | None,
                  fmt: SparqlFormat | str, *, boolean: bool | None = None) -> str:
    """Rows (or an ASK answer) in a standard SPARQL results format."""
    fmt = SparqlFormat(fmt)
    if fmt is SparqlFormat.JSON:
        if boolean is not None:
            return json.dumps({"head": {}, "boolean": boolean}) + "\n"
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True)
                     if t is not None} for row in rows or []]
        return json.dumps({"head": {"vars": list(variables)},
                           "results": {"bindings": bindings}}, ensure_ascii=False, indent=1) + "\n"
    if fmt is SparqlFormat.XML:
        from xml.etree import ElementTree as ET

        root = ET.Element("sparql", xmlns="http://www.w3.org/2005/sparql-results#")
        head = ET.SubElement(root, "head")
        if boolean is not None:
            ET.SubElement(root, "boolean").text = "true" if boolean else "false"
        else:
            for v in variables:
                ET.SubElement(head, "variable", name=v)
            results = ET.SubElement(root, "results")
            for row in rows or []:
                result = ET.SubElement(results, "result")
                for v, term in zip(variables, row, strict=True):
                    if term is not None:
                        _xml_term(ET.SubElement(result, "binding", name=v), term)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                + ET.tostring(root, encoding="unicode") + "\n")
    if boolean is not None:
        return ("true" if boolean else "false") + "\n"
    return "".join(render_sparql_lines(variables, [rows or []], fmt))


def render_sparql_lines(variables: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]],
                        fmt: SparqlFormat | str) -> Iterator[str]:
    """Rows in SPARQL CSV or TSV, one text per batch, the header first (see render_lines)."""
    fmt = SparqlFormat(fmt)
    if fmt is SparqlFormat.CSV:  # plain values, CRLF line ends (SPARQL 1.1 CSV)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        yield buffer.getvalue()
        for batch in batches:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(["" if t is None else str(t) if not isinstance(t, BNode)
                              else f"_:{t}" for t in row] for row in batch)
            yield buffer.getvalue()
        return
    if fmt is not SparqlFormat.TSV:
        raise ValueError(f"{fmt} is one document, not lines (use render_sparql)")
    from .store import to_ox  # TSV: terms in N-Triples syntax

    yield "\t".join(f"?{v}" for v in variables) + "\n"
    for batch in batches:
        yield "".join("\t".join("" if t is None else str(to_ox(t)) for t in row) + "\n"
                      for row in batch)


def render_rdf(triples: Sequence[tuple[Any, Any, Any]], fmt: str,
               prefixes: dict[str, str]) -> str:
    """Triples (rdflib terms) in an RDF format (turtle, ntriples, jsonld, rdfxml...)."""
    import pyoxigraph as ox

    from .export import RdfFormat
    from .terms import to_ox

    rdf = RdfFormat(fmt)
    quads = [ox.Triple(*(to_ox(t) for t in triple)) for triple in triples]
    data = ox.serialize(quads, None, rdf.ox,
                        prefixes=prefixes if rdf is not RdfFormat.NTRIPLES else None)
    assert data is not None  # no output given: the bytes are returned
    return data.decode("utf-8")


# the RDF formats written as the triples come (see render_rdf_lines)
RDF_LINES = frozenset({"ntriples", "nquads"})


def render_rdf_lines(batches: Iterable[Sequence[tuple[Any, Any, Any]]],
                     fmt: str) -> Iterator[str]:
    """Triples in N-Triples or N-Quads (the default graph), one text per batch."""
    import pyoxigraph as ox

    from .export import RdfFormat
    from .terms import to_ox

    if fmt not in RDF_LINES:
        raise ValueError(f"{fmt} is one document, not lines (use render_rdf)")
    rdf = RdfFormat(fmt)
    for batch in batches:
        data = ox.serialize([ox.Triple(*(to_ox(t) for t in triple)) for triple in batch],
                            None, rdf.ox)
        assert data is not None  # no output given: the bytes are returned
        yield data.decode("utf-8")
