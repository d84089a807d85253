"""A prepared folder: validated N-Quads shards, compact summaries and their manifest.

``kgload prepare IN... --out DIR`` (:mod:`kgload.offline`, or :mod:`kgload.scaleout`
on Dask) writes, with no store::

    DIR/manifest.json                every article: id, source, hash, status, shard,
                                     findings; the model digest; the shard list
    DIR/shards/part-00000.nq         prepared articles' graphs (asserted, inferred, source)
    DIR/summaries/part-00000.jsonl   one line per prepared article of that shard: what the
                                     cross-article step needs (entities, claims, events)

``kgload combine DIR`` (:mod:`kgload.combine`) adds ``DIR/shards/combined-00000.nq``
(the store's shared graphs and each article's provenance) and its verdicts to the
manifest. The union of the shards is then what ``kgload load`` of the same input, in
the same order, puts in a new store (``docs/scale-out.md``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from .entities import Declared, Triple
from .errors import Finding, StoreError, UsageError
from .terms import from_ox, nt_line

MANIFEST = "manifest.json"
SHARDS = "shards"
SUMMARIES = "summaries"
FORMAT = "kgload-prepared/1"  # raise when the layout changes in a way old readers misread
PREPARED, REJECTED = "prepared", "rejected"


def shard_name(index: int) -> str:
    return f"{SHARDS}/part-{index:05d}.nq"


def summary_name(index: int) -> str:
    return f"{SUMMARIES}/part-{index:05d}.jsonl"


def combined_name(index: int) -> str:
    return f"{SHARDS}/combined-{index:05d}.nq"


# ---------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class Used:
    """An entity an article names without declaring it, and where it first names it."""

    id: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Summary:
    """What the cross-article step needs of one prepared article, and nothing else."""

    article_id: str
    source: str  # the file, or file:line in JSON Lines
    path: str  # the file
    sha256: str
    declared: tuple[Declared, ...]
    used: tuple[Used, ...]
    claims: tuple[Triple, ...]  # asserted statements about entities (see kgload.entities)
    inferred_claims: tuple[Triple, ...]
    events: tuple[str, ...]  # the events its actions report (IRIs: the grouping keys)

    def to_json(self) -> str:
        return json.dumps({
            "article": self.article_id, "source": self.source, "file": self.path,
            "sha256": self.sha256,
            "declared": [[d.id, str(d.type), d.name, d.line, d.column] for d in self.declared],
            "used": [[u.id, u.line, u.column] for u in self.used],
            "claims": [nt_line(t) for t in self.claims],
            "inferred_claims": [nt_line(t) for t in self.inferred_claims],
            "events": list(self.events),
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Summary:
        data = json.loads(line)
        return cls(
            data["article"], data["source"], data["file"], data["sha256"],
            tuple(Declared(i, URIRef(t), n, li, co) for i, t, n, li, co in data["declared"]),
            tuple(Used(i, li, co) for i, li, co in data["used"]),
            _triples(data["claims"]), _triples(data["inferred_claims"]),
            tuple(data["events"]))


def _triples(lines: list[str]) -> tuple[Triple, ...]:
    if not lines:
        return ()
    parsed = ox.parse(("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    return tuple((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in parsed)


def read_summaries(path: Path) -> Iterator[Summary]:
    """The summaries of one file, in order."""
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield Summary.from_json(line)
                except (ValueError, KeyError, TypeError, SyntaxError) as exc:
                    raise StoreError(f"{path}:{number}: not a kgload summary ({exc}); "
                                     "run kgload prepare again") from None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc


# ---------------------------------------------------------------------- the manifest


@dataclass
class Entry:
    """One article (or one input that could not be read) of a prepared folder."""

    source: str
    status: str  # PREPARED or REJECTED
    article: str | None = None
    file: str | None = None
    sha256: str | None = None
    model_digest: str | None = None
    shard: str | None = None
    summary: str | None = None
    quads: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    rejected_by: str | None = None  # "prepare" or "combine"
    order: int | None = None  # the load order the cross-article step gave it
    notes: list[str] = field(default_factory=list)

    @property
    def finding_objects(self) -> list[Finding]:
        return [Finding(**f) for f in self.findings]


@dataclass
class Manifest:
    """``DIR/manifest.json``: what a prepare run did, then what combine decided."""

    model_digest: str
    base_iri: str
    kgload_version: str
    reasoner: str
    validator: str
    articles: list[Entry] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    complete: bool = False  # false: prepare was interrupted
    combined: dict[str, Any] | None = None  # set by kgload combine
    format: str = FORMAT

    def write(self, folder: Path) -> None:
        write_atomically(folder / MANIFEST,
                         json.dumps(asdict(self), ensure_ascii=False, indent=1).encode())

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise UsageError(f"{folder} is not a prepared folder (no {MANIFEST} in it): run "
                             f"kgload prepare FILES --out {folder} first")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise UsageError(f"{path} is of format {data.get('format')!r}; this kgload "
                                 f"reads {FORMAT}: run kgload prepare again")
            data["articles"] = [Entry(**e) for e in data["articles"]]
            return cls(**data)
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path} is not a kgload manifest ({exc}); run kgload "
                             "prepare again") from None

    def require(self, digest: str, *, combined: bool, folder: Path) -> None:
        """Refuse a folder this kgload must not use: another model, unfinished steps."""
        if self.model_digest != digest:
            raise UsageError(
                f"{folder} was prepared by another model (digest {self.model_digest[:12]}, "
                f"kgload {self.kgload_version}, base IRI {self.base_iri}); this kgload's is "
                f"{digest[:12]}: its articles would not be what this kgload builds. Prepare "
                "the facts again with this kgload (and the same --base-iri)")
        workers = {e.model_digest for e in self.articles if e.model_digest} - {digest}
        if workers:
            raise UsageError(f"{folder}: some articles were prepared by another model "
                             f"(digest {sorted(workers)[0][:12]}): every Dask worker must "
                             "run this kgload; prepare the facts again")
        if not self.complete:
            raise UsageError(f"{folder}: kgload prepare did not finish (interrupted); run "
                             "it again")
        if combined and self.combined is None:
            raise UsageError(f"{folder} has not been combined: run kgload combine {folder} "
                             "first")


def write_atomically(path: Path, content: bytes) -> None:
    """Write a file whole or not at all (a ``.part`` file renamed over it)."""
    part = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, path)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc


def nquads(graphs: Iterable[tuple[Any, Iterable[Triple]]]) -> bytes:
    """Graphs of rdflib triples as N-Quads (each term serialized by Oxigraph)."""
    from .terms import to_ox

    quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(name))
             for name, triples in graphs for s, p, o in triples]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def read_shard(path: Path) -> Iterator[Any]:
    """The quads of one shard (pyoxigraph quads), as written."""
    try:
        yield from ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except SyntaxError as exc:
        raise StoreError(f"{path} is not valid N-Quads ({exc}); run kgload prepare "
                         "again") from None


def new_folder(out: Path) -> None:
    """Refuse a folder that holds anything: prepare writes into a new or empty one."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} is not empty: give --out a new or empty folder (a prepared "
                         "folder is written whole by one run)")
    try:
        (out / SHARDS).mkdir(parents=True, exist_ok=True)
        (out / SUMMARIES).mkdir(exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create {out}: {exc.strerror or exc}") from exc
