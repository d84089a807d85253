"""One renderer for every command that prints rows: table, csv, tsv, json, jsonl, markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
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
) -> str:
    """Rows as text in the given format (the text ends with a newline unless empty).

    ``labels`` replaces IRIs by readable labels in the text formats (table, markdown,
    csv, tsv); JSON keeps the values themselves.
    """
    fmt = RowFormat(fmt)
    if fmt in (RowFormat.JSON, RowFormat.JSONL):
        objects = [
            {h: _json_value(v) for h, v in zip(headers, row, strict=True)} for row in rows
        ]
        if fmt is RowFormat.JSON:
            return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"
        return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)
    short = prefixes if fmt in (RowFormat.TABLE, RowFormat.MARKDOWN) else None  # csv: full
    texts = [[labels[str(v)] if labels and isinstance(v, URIRef) and str(v) in labels
              else cell(v, short) for v in row] for row in rows]
    if fmt in (RowFormat.CSV, RowFormat.TSV):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt is RowFormat.CSV else "\t",
                            lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(texts)
        return buffer.getvalue()
    if fmt is RowFormat.MARKDOWN:
        def md(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(md(h) for h in headers) + " |",
                 "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(md(t) for t in row) + " |" for row in texts]
        return "\n".join(lines) + "\n"
    return _table(headers, texts)


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
    if fmt is SparqlFormat.CSV:  # plain values, CRLF line ends (SPARQL 1.1 CSV)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows(["" if t is None else str(t) if not isinstance(t, BNode)
                          else f"_:{t}" for t in row] for row in rows or [])
        return buffer.getvalue()
    from .store import to_ox  # TSV: terms in N-Triples syntax

    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(to_ox(t)) for t in row) for row in rows or []]
    return "\n".join(lines) + "\n"


def render_rdf(triples: Sequence[tuple[Any, Any, Any]], fmt: str,
               prefixes: dict[str, str]) -> str:
    """Triples (rdflib terms) in an RDF format (turtle, ntriples, jsonld, rdfxml...)."""
    import pyoxigraph as ox

    from .export import RdfFormat
    from .store import to_ox

    rdf = RdfFormat(fmt)
    quads = [ox.Triple(*(to_ox(t) for t in triple)) for triple in triples]
    data = ox.serialize(quads, None, rdf.ox,
                        prefixes=prefixes if rdf is not RdfFormat.NTRIPLES else None)
    assert data is not None  # no output given: the bytes are returned
    return data.decode("utf-8")
