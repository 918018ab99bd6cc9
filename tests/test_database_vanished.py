"""An SQLite source file that vanishes while pmo-tui runs is never re-created empty.

In database mode the triage store lives in the source file, so the app holds
several SQLite connections to it: the source reader, the source watcher's
``data_version`` connection, the store's pool and the store watcher. Reported
by the kiosk: after the file was moved away, something re-created it as an
empty file, and the source watcher then said "no such table". Every open of a
database that must exist uses a ``mode=rw``/``mode=ro`` URI now; only creating
a new store file may create one.
"""

from __future__ import annotations

import io
import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pmo_tui.demo import write_demo
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.sources.database import DatabaseSource, import_source
from pmo_tui.store import Store, StoreError, open_store

GONE = (Health.RECONNECTING, Health.FAILED)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(
        tmp_path_factory.mktemp("demo") / "small", size="small", seed=7, as_of=date(2026, 11, 30)
    )


class Watched:
    """``thing.watch(stop)`` running in a thread, as the app's workers run it."""

    def __init__(self, thing: Any) -> None:
        self.stop = threading.Event()
        self.items: queue.Queue[object] = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(thing,), daemon=True)
        self.thread.start()

    def _run(self, thing: Any) -> None:
        try:
            for item in thing.watch(self.stop):
                self.items.put(item)
        except BaseException as exc:
            self.items.put(exc)

    def wait_for(self, match: Callable[[object], bool], timeout: float) -> object:
        deadline = time.monotonic() + timeout
        seen: list[object] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self.items.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(item, BaseException):
                raise AssertionError(f"the watcher died: {item!r}") from item
            if match(item):
                return item
            seen.append(item)
        raise AssertionError(f"nothing matched within {timeout}s; saw {seen}")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the watcher did not stop within 5 s"


def health(*states: Health) -> Callable[[object], bool]:
    return lambda item: isinstance(item, WatchState) and item.health in states


def resync(item: object) -> bool:
    return isinstance(item, Change) and not item.tables


@pytest.fixture
def database(small_demo: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    # a shared folder named the way people name them: a space and a '#'
    path = tmp_path / "pmo share #2" / "portfolio.db"
    path.parent.mkdir()
    url = f"sqlite:///{path}"
    assert import_source(small_demo, url, out=io.StringIO()) == 0
    yield url, path


def _store_calls(store: Store, milestones: Any) -> list[Callable[[], object]]:
    """What the running app asks of the store: reads, a save, MTA recording."""
    return [
        lambda: store.triage_frame(),
        lambda: store.events_since(0, 0),
        lambda: store.save("I-GONE", 0, {"owner": "ana"}),
        lambda: store.add_note("project", "P-1", "still here?"),
        lambda: store.record_forecasts(milestones, date(2026, 12, 1)),
    ]


def test_a_moved_away_source_file_is_not_recreated_and_everything_recovers(
    database: tuple[str, Path],
) -> None:
    url, path = database
    source = DatabaseSource(url)
    before = source.load()
    milestones = before["milestones"]
    store = open_store(source=url)  # database mode: the store lives in the source file
    watching_source, watching_store = Watched(source), Watched(store)
    away = path.with_name("moved-away.db")
    try:
        watching_source.wait_for(health(Health.LIVE), 3.0)
        watching_store.wait_for(health(Health.LIVE), 3.0)
        store.save("I-BEFORE", 0, {"owner": "jan"})  # the store's pool holds connections
        store.record_forecasts(milestones, date(2026, 11, 30))

        path.rename(away)  # an officer tidies the share while the kiosk runs
        down = watching_source.wait_for(health(*GONE), 5.0)
        assert isinstance(down, WatchState) and "portfolio.db" in down.reason
        down = watching_store.wait_for(health(*GONE), 5.0)
        assert isinstance(down, WatchState) and "portfolio.db" in down.reason
        for call in _store_calls(store, milestones):
            with pytest.raises(StoreError, match="no longer exists"):
                call()
        stale = source.refresh(before, Change())
        assert stale.states["projects"].stale
        time.sleep(1.2)  # a few more watcher polls and reconnect attempts
        assert not path.exists(), "the vanished database was re-created"
        assert sorted(p.name for p in path.parent.glob("portfolio.db*")) in (
            [],
            ["portfolio.db-shm", "portfolio.db-wal"],
        )

        away.rename(path)
        watching_source.wait_for(health(Health.LIVE), 15.0)
        watching_source.wait_for(resync, 2.0)
        watching_store.wait_for(health(Health.LIVE), 15.0)
        watching_store.wait_for(resync, 2.0)
        back = source.refresh(stale, Change())
        assert not back.states["projects"].stale
        assert back["projects"].shape == before["projects"].shape
        assert store.get("I-BEFORE").owner == "jan", "what was saved before is still there"
        assert store.save("I-AFTER", 0, {"owner": "eva"}).triage.version == 1  # type: ignore[union-attr]
        assert store.triage_frame().loc["I-AFTER", "owner"] == "eva"
    finally:
        watching_source.close()
        watching_store.close()
        store.close()
        source.close()


def test_a_deleted_source_file_loses_no_save_into_the_deleted_file(
    database: tuple[str, Path],
) -> None:
    """A save must not land in a file that is gone (it would be lost without a word)."""
    url, path = database
    with open_store(source=url) as store:
        store.save("I-1", 0, {"owner": "jan"})
        path.unlink()
        with pytest.raises(StoreError, match=r"no longer exists.*nothing was saved"):
            store.save("I-1", 1, {"owner": "eva"})
        assert not path.exists()


def test_database_mode_never_creates_a_missing_source_file(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(StoreError, match="does not exist"):
        open_store(source=f"sqlite:///{path}")
    assert not path.exists()


def test_a_store_file_of_its_own_is_still_created_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "team #1" / "store.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        store.save("I-1", 0, {"owner": "jan"})
    assert path.is_file() and path.stat().st_size > 0
    assert [p.name for p in path.parent.iterdir() if not p.name.startswith("store.sqlite")] == []


def test_a_database_in_a_folder_named_with_a_hash_is_read_not_shadowed(
    database: tuple[str, Path],
) -> None:
    """``#`` and ``?`` in a path must not end an SQLite URI (that opened another file)."""
    url, path = database
    for use_adbc in (True, False):
        source = DatabaseSource(url, use_adbc=use_adbc)
        try:
            portfolio = source.load()
        finally:
            source.close()
        assert not portfolio.states["projects"].stale
        assert len(portfolio["projects"]) > 0
    assert sorted(p.name for p in path.parent.parent.iterdir()) == ["pmo share #2"]
