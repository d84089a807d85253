"""``kgload backup`` and ``kgload restore``: a whole store copied and put back.

A backup is a folder that is itself a store: Oxigraph's own snapshot of the database
(every graph, the default graph included, with the articles' provenance and source
documents and the store's format), taken under a reader's lock so that no load is half
in it, plus ``kgload-backup.json``: what was backed up and the SHA-256 of every file.
Oxigraph links the immutable files of a snapshot to the store's when both are on one
file system; a backup copies them instead, so that damage to the store's files cannot
reach it. Both commands stream files: memory does not grow with the store.

Restore checks every file of the backup against its manifest, copies it beside the
store and swaps the two folders, holding the store's writer lock: the store is the old
one or the restored one, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .errors import StoreError, UsageError
from .iris import Iris
from .model import model_status
from .store import LOCK_NAME, Store

MANIFEST = "kgload-backup.json"
BACKUP_FORMAT = 1
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds (from its manifest)."""

    path: Path
    created: str
    articles: int
    store_format: int | None
    files: int
    size: int  # bytes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _unlink_copy(path: Path) -> None:
    """Give a hard-linked file its own bytes (a copy renamed over the link)."""
    spare = path.with_name(path.name + ".copy")
    shutil.copyfile(path, spare)
    os.replace(spare, path)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def backup(store: Store, target: Path, iris: Iris | None = None) -> BackupInfo:
    """Back the open store up into the new folder ``target``."""
    iris = iris or Iris()
    target = Path(target)
    if target.exists():
        raise UsageError(f"{target} already exists: give kgload backup a new folder")
    status = model_status(store, iris)
    partial = target.with_name(target.name + ".partial")
    if partial.exists():  # what an interrupted backup left: never a backup
        shutil.rmtree(partial)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        store.ox.backup(str(partial))
        files: dict[str, dict[str, Any]] = {}
        for path in sorted(partial.iterdir()):
            if path.stat().st_nlink > 1:
                _unlink_copy(path)
            files[path.name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        created = datetime.now(UTC).isoformat(timespec="seconds")
        manifest = {"kgload_backup": BACKUP_FORMAT, "created": created,
                    "kgload_version": __version__, "store": str(store.path),
                    "base_iri": iris.base, "store_format": status.store_format,
                    "articles": status.articles, "files": files}
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        _fsync_tree(partial)
        os.replace(partial, target)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise StoreError(f"cannot back the store up into {target}: "
                         f"{exc.strerror or exc}") from exc
    return _info(target, manifest)


def _info(path: Path, manifest: dict[str, Any]) -> BackupInfo:
    files = manifest["files"]
    return BackupInfo(path, manifest["created"], int(manifest["articles"]),
                      manifest.get("store_format"), len(files),
                      sum(int(f["size"]) for f in files.values()))


def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest; a folder that is not a kgload backup is refused."""
    path = Path(source) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"{source} is not a kgload backup (it has no {MANIFEST}; "
                         "`kgload backup DIR` makes one)") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the backup's manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise StoreError(f"{path} is not a kgload backup manifest")
    if manifest.get("kgload_backup", 0) > BACKUP_FORMAT:
        raise StoreError(f"{source} was made by a newer kgload (backup format "
                         f"{manifest['kgload_backup']}): upgrade kgload to restore it")
    return manifest


def verify(source: Path) -> BackupInfo:
    """Check every file of a backup against its manifest (StoreError names the first bad)."""
    source = Path(source)
    manifest = read_manifest(source)
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise StoreError(f"the backup {source} is damaged: {name} is missing; "
                             "use another backup")
        if path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            raise StoreError(f"the backup {source} is damaged: {name} does not match its "
                             "checksum; use another backup")
    return _info(source, manifest)


def restore(source: Path, store_path: Path, *, replace: bool = False,
            wait: bool = False) -> BackupInfo:
    """Put the backup at ``source`` in place of the store at ``store_path``."""
    source, store_path = Path(source), Path(store_path)
    info = verify(source)
    exists = store_path.exists() and any(store_path.iterdir())
    if exists and not (store_path / LOCK_NAME).exists():
        raise UsageError(f"{store_path} is not a kgload store (a folder with other files in "
                         "it): restore into a new folder or a store")
    if exists and not replace:
        raise UsageError(f"{store_path} holds a store: pass --replace to put the backup in "
                         "its place (the store's current content is lost)")
    staging = store_path.with_name(store_path.name + ".restoring")
    old = store_path.with_name(store_path.name + ".replaced")
    for leftover in (staging, old):  # what an interrupted restore left
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        staging.mkdir(parents=True)
        for name in info_files(source):
            shutil.copyfile(source / name, staging / name)
        (staging / LOCK_NAME).touch()
        _fsync_tree(staging)
        with Store(staging, write=False):
            pass  # it opens as a store before it replaces anything
        if exists:
            with Store(store_path, write=True, wait=wait) as held:  # no one else uses it
                held.close_database()
                swap_in(store_path, staging)
            shutil.rmtree(old)
        else:
            if store_path.exists():
                store_path.rmdir()
            os.replace(staging, store_path)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StoreError(f"cannot restore {source} into {store_path}: "
                         f"{exc.strerror or exc}") from exc
    return info


def swap_in(store_path: Path, replacement: Path) -> Path:
    """Put the store folder ``replacement`` at ``store_path``; the old folder goes to
    ``STORE.replaced`` (returned: delete it once the old store is closed).

    The caller holds the old store's writer lock, its database closed
    (:meth:`Store.close_database`). Two renames: a crash between them
    leaves both folders beside the path, and the next restore or reindex starts again.
    """
    old = store_path.with_name(store_path.name + ".replaced")
    os.replace(store_path, old)
    os.replace(replacement, store_path)
    _fsync_dir(store_path.parent)
    return old


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def info_files(source: Path) -> list[str]:
    """The database files a backup holds (its manifest is not part of the store)."""
    return sorted(read_manifest(source)["files"])
