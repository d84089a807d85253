"""One renderer for every command that prints rows: table, csv, tsv, json, jsonl, markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from rdflib import Literal, URIRef


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
) -> str:
    """Rows as text in the given format (the text ends with a newline unless empty)."""
    fmt = RowFormat(fmt)
    if fmt in (RowFormat.JSON, RowFormat.JSONL):
        objects = [
            {h: _json_value(v) for h, v in zip(headers, row, strict=True)} for row in rows
        ]
        if fmt is RowFormat.JSON:
            return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"
        return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)
    texts = [[cell(v, prefixes) for v in row] for row in rows]
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
