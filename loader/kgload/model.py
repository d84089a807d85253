"""The model an article's graphs were built by, and whether a store's articles are current.

An article's stored graphs are the output of the pipeline (parse, check, map, reason,
validate) under one *model*: the ontology and its rules, the shapes, the registry, the
facts schema, the base IRI and the code of the modules that turn facts into triples. The
*model digest* is a SHA-256 of all of them. Each article's provenance records the digest
it was built by (``kg:modelDigest``); an article whose digest differs from the running
kgload's is *stale*: its inferences may be missing or wrong, and ``kgload reindex``
rebuilds it from its source document, which the store keeps (``kg:sourceText`` in the
article's source graph).

The store itself records its format (:data:`STORE_FORMAT`): how kgload lays out graphs
in it. A store of a newer format is refused; one without a recorded format was written
before formats were recorded (its articles have neither digest nor source: they are
stale and can only be loaded again from their files).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Literal

from .errors import StoreError
from .iris import Iris
from .resources import data_dir, schema_path
from .store import Store
from .vocab import KG, KG_IRI

# how kgload lays out a store: raise it when the graphs kgload writes change shape in a
# way that older kgload versions must not read
STORE_FORMAT = 1

# the modules whose code decides what triples an article gives (a change to the CLI or
# the store does not make articles stale). Both SHACL validators are listed (they decide
# which articles are accepted), but which one ran is not part of the digest: they give
# the same findings (tests/test_validator_differential.py), and a validator only accepts
# or rejects an article, it never changes its triples (docs/validation.md).
SHAPING_MODULES = ("facts", "check", "dates", "iris", "mapping", "terms", "ontology",
                   "background", "reasoning", "fastreason", "prepare", "validation",
                   "shaclsparql", "vocab", "registry", "entities")

_PACKAGE = Path(__file__).resolve().parent


def _files() -> list[tuple[str, Path]]:
    """Every file the digest covers, under a stable name, in a stable order."""
    found: list[tuple[str, Path]] = []
    for folder in ("ontology", "shapes", "registry"):
        root = data_dir(folder)
        found.extend((f"{folder}/{path.relative_to(root).as_posix()}", path)
                     for path in sorted(root.rglob("*")) if path.is_file()
                     and not path.name.startswith(".") and "__pycache__" not in path.parts)
    found.append(("schema/" + schema_path().name, schema_path()))
    found.extend((f"kgload/{name}.py", _PACKAGE / f"{name}.py") for name in SHAPING_MODULES)
    return found


@cache
def _files_digest() -> str:
    digest = hashlib.sha256()
    for name, path in _files():
        content = path.read_bytes()
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def model_digest(iris: Iris) -> str:
    """The digest of everything that shapes an article's graphs under this base IRI."""
    text = f"kgload-model|{STORE_FORMAT}|{iris.base}|{_files_digest()}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ModelStatus:
    """How many of a store's articles were built by the running model."""

    articles: int
    stale: int
    store_format: int | None

    @property
    def current(self) -> bool:
        return self.stale == 0


def store_format(store: Store, iris: Iris) -> int | None:
    """The format the store records, or None (written before formats were recorded)."""
    value = store.value(iris.store_graph, iris.store_graph, KG.storeFormat)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise StoreError(f"{store.path}: the store records an unreadable format {value!r}; "
                         "restore it from a backup (`kgload restore`)") from None


def check_format(store: Store, iris: Iris) -> int | None:
    """The store's format; a store of a newer format than this kgload's is refused."""
    found = store_format(store, iris)
    if found is not None and found > STORE_FORMAT:
        raise StoreError(f"{store.path} is a store of format {found}, written by a newer "
                         f"kgload; this kgload reads formats up to {STORE_FORMAT}: upgrade "
                         "kgload to use this store")
    return found


def model_status(store: Store, iris: Iris) -> ModelStatus:
    """How many articles the store holds, and how many a different model built.

    Two patterns, each read as a stream of rows and counted here. Not ``COUNT(*)``, though
    it is faster (4 ms instead of 11 ms each at 10,000 articles, best of 5): pyoxigraph 0.5.13's
    aggregates drop the errors of a damaged block, so on a damaged store the count came
    out wrong, or the evaluation looped and took memory until the system killed it, while
    streamed rows raise the error (``tests/test_damaged_store.py``). This runs each time
    a command opens the store, so a damaged store must fail here, not hang.
    """
    current = Literal(model_digest(iris))

    def count(pattern: str) -> int:
        rows = store.query(f"PREFIX kg: <{KG_IRI}> SELECT ?article "
                           f"WHERE {{ GRAPH ?p {{ {pattern} }} }}", union=False)
        with store.reading():
            return sum(1 for _ in rows)

    total = count("?article kg:assertedGraph ?g")
    fresh = count(f"?article kg:modelDigest {current.n3()}")
    return ModelStatus(total, max(total - fresh, 0), check_format(store, iris))


def stale_articles(store: Store, iris: Iris, *, every: bool = False) -> list[tuple[str, bool]]:
    """The stale articles' ids (``every``: all articles' ids), in load order, each with
    whether its source is stored."""
    current = Literal(model_digest(iris))
    stale = "" if every else f"FILTER(!COALESCE(?digest = {current.n3()}, false))"
    rows = store.query(
        f"""PREFIX kg: <{KG_IRI}>
        SELECT ?article ?order ?source WHERE {{
          GRAPH ?p {{ ?article kg:assertedGraph ?g ; kg:loadOrder ?order
                      OPTIONAL {{ ?article kg:modelDigest ?digest }}
                      OPTIONAL {{ ?article kg:sourceGraph ?source }} }}
          {stale}
        }} ORDER BY ?order ?article""", union=False)
    out = []
    for row in rows:
        article = row["article"].value
        out.append((iris.article_id_of(article), row["source"] is not None))
    return out


def stale_note(status: ModelStatus, where: object) -> str | None:
    """One line for a user about stale articles, or None when all are current."""
    if status.current:
        return None
    every = "all" if status.stale == status.articles else f"{status.stale:,} of"
    return (f"{where}: {every} {status.articles:,} articles were built by another version "
            "of kgload's model (ontology, rules, shapes, registry or mapping code): their "
            "inferences and listing rows may be out of date (listings may miss their "
            "actions); run `kgload reindex` to rebuild them")
