"""Where the product's data files are: inside the installed wheel, or in a source checkout.

The wheel carries ``ontology/``, ``shapes/``, ``queries/`` and ``registry/`` under
``kgload/_data/``; a checkout (or an editable install) reads them in place.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder holding the bundled ``name`` files (ontology, shapes, queries, registry)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"kgload's {name}/ folder is missing from this installation (looked in "
        f"{_PACKAGE / '_data' / name} and {_PACKAGE.parents[1] / name}); reinstall kgload"
    )


def schema_path() -> Path:
    """The JSON Schema of the facts format."""
    return _PACKAGE / "schema" / "facts-1.schema.json"
