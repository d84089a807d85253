"""The shared entity registry (states, capitals, governments), read once per process.

It lives in ``registry/*.yaml`` in the facts format's entity shape, is checked like a
facts file, and is stored in its own graph; any facts file may use its ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .check import check_schema
from .errors import InternalError
from .facts import read_file
from .resources import data_dir


@dataclass(frozen=True)
class Registry:
    entities: tuple[dict[str, Any], ...]
    digest: str

    @property
    def types(self) -> dict[str, str]:
        return {e["id"]: e["type"] for e in self.entities}


@cache
def load_registry() -> Registry:
    """The bundled registry; a broken registry is a packaging bug, reported as such."""
    entities: list[dict[str, Any]] = []
    digests = []
    for path in sorted(data_dir("registry").glob("*.yaml")):
        facts = read_file(path)
        findings = check_schema(facts, kind="registry")
        if findings:  # not the user's input: the installation is broken
            raise InternalError(f"kgload's bundled registry is broken: {findings[0].format()}"
                                + (f" (and {len(findings) - 1} more)" if len(findings) > 1
                                   else ""), findings)
        entities.extend(facts.data["entities"])
        digests.append(facts.sha256)
    ids = [e["id"] for e in entities]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InternalError(f"kgload's bundled registry declares {', '.join(duplicates)} twice")
    return Registry(tuple(entities), ":".join(digests))
