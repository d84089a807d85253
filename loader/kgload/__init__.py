"""kgload: turn the facts news articles report into a reasoned, validated RDF knowledge graph.

The Python API (``docs/api.md``) is :mod:`kgload.api`; its names are imported on first
use, so that ``import kgload`` (and ``kgload --help``) loads no RDF library::

    import kgload

    with kgload.open_store("kg-store", write=True) as kg:
        kg.load(["examples/colombia-eln.yaml"])
        rows = kg.query("who-threatened-whom")
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing itself costs 30 ms to import: `import kgload` stays quick

__version__ = "0.1.0"

# each name of the API, and the module that defines it
_API = {
    "open_store": "api",
    "validate": "api",
    "stored_queries": "api",
    "python_value": "api",
    "KnowledgeGraph": "api",
    "Rows": "api",
    "LoadReport": "outcomes",
    "Outcome": "outcomes",
    "Status": "outcomes",
    "Limits": "facts",
    "StoredQuery": "queries",
    "ArticleInfo": "store",
    "RdfFormat": "export",
    "ExitCode": "errors",
    "Finding": "errors",
    "KgloadError": "errors",
    "InputRejected": "errors",
    "Refused": "errors",
    "UsageError": "errors",
    "StoreBusy": "errors",
    "StoreError": "errors",
    "StoreDamaged": "errors",
    "QueryTimeout": "errors",
    "InternalError": "errors",
}

__all__ = [  # the same names as _API (a test checks it), spelled out for linters
    "__version__", "open_store", "validate", "stored_queries", "python_value",
    "KnowledgeGraph", "Rows", "LoadReport", "Outcome", "Status", "Limits", "StoredQuery",
    "ArticleInfo", "RdfFormat", "ExitCode", "Finding", "KgloadError", "InputRejected",
    "Refused", "UsageError", "StoreBusy", "StoreError", "StoreDamaged", "QueryTimeout",
    "InternalError",
]

if TYPE_CHECKING:
    from typing import Any

    from .api import KnowledgeGraph, Rows, open_store, python_value, stored_queries, validate
    from .errors import (
        ExitCode,
        Finding,
        InputRejected,
        InternalError,
        KgloadError,
        QueryTimeout,
        Refused,
        StoreBusy,
        StoreDamaged,
        StoreError,
        UsageError,
    )
    from .export import RdfFormat
    from .facts import Limits
    from .outcomes import LoadReport, Outcome, Status
    from .queries import StoredQuery
    from .store import ArticleInfo


if not TYPE_CHECKING:  # type checkers see the imports above, and flag unknown names

    def __getattr__(name: str) -> Any:
        """The API's names, imported when first asked for (PEP 562)."""
        module = _API.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
