"""Do the facts quote the article? Every ``evidence`` and ``quote`` against its text.

The first thing a journalist checks: an evidence excerpt that is not in the article is a
misquote, however plausible. ``kgload validate FILE --text ARTICLE.txt`` runs this.
The comparison is verbatim after normalizing what copying text changes without changing
the words: Unicode compatibility forms (NFKC: a non-breaking space is a space),
typographic quotes and apostrophes (“ ” ‘ ’ are " and '), and runs of whitespace
(line breaks included) as one space.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from .errors import Finding
from .facts import FactsFile, Path_

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                         "″": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
                         "`": "'"})
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The text as compared: NFKC, straight quotes, single spaces, no outer space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_QUOTES)).strip()


def _texts(value: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for k, item in enumerate(value):
            if isinstance(item, str):
                yield (*path, k), item


def quotations(data: Any) -> Iterator[tuple[Path_, str, str]]:
    """Every excerpt a facts document says the article contains: (path, field, text)."""
    if not isinstance(data, dict):
        return
    for i, entity in enumerate(data.get("entities") or []):
        if not isinstance(entity, dict):
            continue
        for path, text in _texts(entity.get("evidence"), ("entities", i, "evidence")):
            yield path, "evidence", text
        for j, role in enumerate(entity.get("roles") or []):
            if isinstance(role, dict):
                for path, text in _texts(role.get("evidence"),
                                         ("entities", i, "roles", j, "evidence")):
                    yield path, "evidence", text
    for i, action in enumerate(data.get("actions") or []):
        if not isinstance(action, dict):
            continue
        for key in ("evidence", "quote"):
            for path, text in _texts(action.get(key), ("actions", i, key)):
                yield path, key, text


def check_quotations(facts: FactsFile, article_text: str, source: str) -> list[Finding]:
    """A finding for each excerpt of ``facts`` that ``article_text`` does not contain.

    ``source`` names the article text in the messages (its file name).
    """
    haystack = normalize(article_text)
    folded = haystack.casefold()
    findings = []
    for path, field, text in quotations(facts.data):
        wanted = normalize(text)
        if not wanted or wanted in haystack:
            continue
        hint = " (it is there, in other capitals)" if wanted.casefold() in folded else ""
        written = text.strip()
        shown = written if len(written) <= 80 else written[:77] + "..."
        position = facts.position(path)
        line, column = position if position else (None, None)
        findings.append(Finding(
            facts.path, f'{field} "{shown}" is not in the article text ({source}){hint}',
            "not-in-text", line, column, facts.fact_id(path)))
    return sorted(findings, key=lambda f: (f.line or 0, f.column or 0))
