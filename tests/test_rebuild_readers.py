"""A rebuild runs beside queries: it reads the store as a reader does and takes the writer
lock only to swap the new store in.

Regression tests for what a rebuild used to cost: it held the writer lock for a load's
time (a 10,000-article store: about half an hour), so every query had to wait for it or
was told the store was busy.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from conftest import ARTICLE_ID, BASE, EXAMPLE, CliRun
from kgload.errors import StoreBusy
from kgload.facts import read_file
from kgload.iris import Iris
from kgload.model import model_status
from kgload.pipeline import load
from kgload.reindex import _rebuilding, finish, rebuild
from kgload.store import LOCK_NAME, Store
from test_lifecycle import _make_stale

IRIS = Iris(BASE)


def _article(tmp_path: Path, article_id: str) -> Path:
    """The example under another article id, as a file of its own."""
    data = read_file(EXAMPLE).data
    data["article"]["id"] = article_id
    path = tmp_path / f"{article_id}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def stale_store(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    with Store(path, write=True) as store:
        load(store, [EXAMPLE, _article(tmp_path, "second")], IRIS)
    _make_stale(path)
    return path


def test_queries_and_no_writer_go_on_while_a_rebuild_builds(stale_store: Path) -> None:
    seen: list[str] = []

    def meanwhile(outcome: object) -> None:  # called as each article is built
        with Store(stale_store, write=False) as reader:  # not busy: a query reads on
            seen.append(str(len(reader.article_ids())))
        with pytest.raises(StoreBusy):
            Store(stale_store, write=True).open()  # a writer would change what is built

    with Store(stale_store, write=False) as store:
        report = rebuild(store, IRIS, on_outcome=meanwhile)
    finish(report)
    assert seen == ["2", "2"]
    assert report.replaced is not None and not report.replaced.exists()
    with Store(stale_store, write=False) as store:
        assert model_status(store, IRIS).stale == 0
        assert store.article_ids() == {ARTICLE_ID, "second"}


def test_what_a_writer_did_while_the_lock_changed_hands_is_built_too(
        stale_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """flock cannot upgrade a shared lock atomically: a waiting load can get in first."""
    upgrade = Store.upgrade
    third = _article(tmp_path, "third")

    def a_load_gets_in_first(self: Store, **kwargs: object) -> bool:
        self.close_database()
        self._unlock()
        with Store(self.path, write=True) as writer:
            load(writer, [third], IRIS)
        return upgrade(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "upgrade", a_load_gets_in_first)
    with Store(stale_store, write=False) as store:
        report = rebuild(store, IRIS)
    finish(report)
    assert [(o.article_id, o.status) for o in report.load.outcomes][-1] == ("third", "loaded")
    with Store(stale_store, write=False) as store:
        assert model_status(store, IRIS).stale == 0
        assert store.article_ids() == {ARTICLE_ID, "second", "third"}


def test_an_unchanged_store_is_swapped_without_a_second_build(
        stale_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kgload.reindex as reindex_module

    builds: list[Path] = []
    build = reindex_module._build

    def counted(store: Store, staging: Path, *args: object, **kwargs: object) -> object:
        builds.append(staging)
        return build(store, staging, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reindex_module, "_build", counted)
    with Store(stale_store, write=False) as store:
        finish(rebuild(store, IRIS))
    assert len(builds) == 1


def test_one_rebuild_of_a_store_at_a_time(stale_store: Path) -> None:
    with (Store(stale_store, write=False) as store, _rebuilding(store),
          Store(stale_store, write=False) as other,
          pytest.raises(StoreBusy, match="rebuilding")):
        rebuild(other, IRIS)
    assert not (stale_store.parent / "store.reindex").exists()  # the second touched nothing


def test_a_reader_that_waited_through_a_swap_locks_the_new_store(stale_store: Path) -> None:
    """A --wait reader blocked on the old folder's lock file must not read the new folder
    under the old lock (a writer locking the new folder would then write under it)."""
    got: list[Store] = []
    writer = Store(stale_store, write=True)
    writer.open()
    waiting = threading.Thread(target=lambda: got.append(
        Store(stale_store, write=False, wait=True).__enter__()))
    waiting.start()
    staging = stale_store.with_name("store.new")
    staging.mkdir()
    with Store(staging, write=True) as new:
        load(new, [EXAMPLE], IRIS)
    from kgload.backup import swap_in

    writer.close_database()
    old = swap_in(stale_store, staging)
    writer.close()  # the waiting reader gets the old folder's lock first
    waiting.join(timeout=30)
    assert got, "the reader did not get the store"
    reader = got[0]
    try:
        held = os.fstat(reader._lock_file.fileno())
        there = os.stat(stale_store / LOCK_NAME)
        assert (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
        assert reader.article_ids() == {ARTICLE_ID}
    finally:
        reader.close()
    assert old.name == "store.replaced"


def test_reindex_in_place_still_takes_the_writer_lock(stale_store: Path, cli: CliRun) -> None:
    with Store(stale_store, write=False):  # a reader: in place must not write under it
        result = cli("reindex", "--method", "in-place", store=stale_store)
    assert result.exit_code == 3, result.output
    assert "in use" in result.output
    result = cli("reindex", "--method", "in-place", store=stale_store)
    assert result.exit_code == 0, result.output
    assert "2 rebuilt, 0 rejected." in result.output



def test_a_rebuild_waits_for_readers_to_swap_and_ctrl_c_ends_the_wait(stale_store: Path) -> None:
    told: list[str] = []
    with (Store(stale_store, write=False),  # a query that is still reading
          Store(stale_store, write=False) as store):
        report = rebuild(store, IRIS, waiting=lambda: told.append("waiting"),
                         stop=lambda: bool(told))
    assert told == ["waiting"]
    assert report.load.interrupted and report.replaced is None
    assert (stale_store.parent / "store.reindex").exists()  # kept for the next run
    with Store(stale_store, write=False) as store:
        assert model_status(store, IRIS).stale == 2  # the store is as it was
        report = rebuild(store, IRIS, waiting=lambda: told.append("again"))
    finish(report)
    assert told == ["waiting"]  # nobody was reading: no wait
    assert [o.status for o in report.load.outcomes] == ["unchanged", "unchanged"]
    with Store(stale_store, write=False) as store:
        assert model_status(store, IRIS).stale == 0
