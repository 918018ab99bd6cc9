"""Propagation: a commit in another process or copy reaches ``Store.watch`` within a second."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from datetime import date

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from store_support import spawn

from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.store import Edit, Store, open_store

pytest_plugins = ("store_fixtures",)


class Watcher:
    """Runs ``store.watch`` in a thread, as the UI's thread worker does."""

    def __init__(self, store: Store, **kwargs: float) -> None:
        self.events: queue.Queue[tuple[float, Change | WatchState]] = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(store, kwargs), daemon=True)
        self.thread.start()

    def _run(self, store: Store, kwargs: dict[str, float]) -> None:
        for event in store.watch(self.stop, **kwargs):
            self.events.put((time.time(), event))

    def next(self, kind: type, timeout: float = 5.0) -> tuple[float, Change | WatchState]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind.__name__} within {timeout} s")
            at, event = self.events.get(timeout=left)
            if isinstance(event, kind):
                return at, event

    def quiet(self, seconds: float) -> list[Change | WatchState]:
        time.sleep(seconds)
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait()[1])
        return out

    def close(self) -> float:
        start = time.monotonic()
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "watch did not stop"
        return time.monotonic() - start


@pytest.fixture
def watched(store: Store) -> Iterator[tuple[Store, Watcher]]:
    watcher = Watcher(store)
    _, state = watcher.next(WatchState)
    assert isinstance(state, WatchState) and state.health is Health.LIVE
    yield store, watcher
    watcher.close()


def test_a_save_in_another_process_arrives_within_a_second(
    watched: tuple[Store, Watcher], store_url: str
) -> None:
    _store, watcher = watched
    proc = spawn("save", store_url, "ISS-42", "alice", "3", "0.3")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    commits = [float(line.split()[1]) for line in out.splitlines()]
    assert len(commits) == 3
    arrivals = []
    for committed in commits:
        while True:
            at, change = watcher.next(Change)
            assert isinstance(change, Change) and change.store
            if at >= committed:
                break
        assert "triage" in change.tables and "issue:ISS-42" in change.causes
        arrivals.append(at - committed)
    assert max(arrivals) < 1.0, arrivals


def test_notes_and_forecasts_from_another_copy_are_reported(
    watched: tuple[Store, Watcher], store_url: str
) -> None:
    _store, watcher = watched
    with open_store(store_url) as other:  # another running copy
        other.add_note("project", "P-1", "gate review moved")
        _, change = watcher.next(Change)
        assert isinstance(change, Change)
        assert change.tables == {"notes"} and change.causes == ("project:P-1",)
        milestones = pd.DataFrame({"milestone_id": ["M-1"], "project_id": ["P-1"]})
        other.record_forecasts(milestones, date(2026, 3, 1))
        _, change = watcher.next(Change)
        assert isinstance(change, Change)
        assert change.tables == {"forecasts"} and "milestone:M-1" in change.causes


def test_own_changes_are_not_reported_back(watched: tuple[Store, Watcher], store_url: str) -> None:
    store, watcher = watched
    store.save("MINE", 0, {"owner": "me"}, note="my note")
    store.add_note("issue", "MINE", "another")
    assert [e for e in watcher.quiet(0.6) if isinstance(e, Change)] == []
    with open_store(store_url) as other:
        other.save("THEIRS", 0, {"owner": "them"})
    _, change = watcher.next(Change)
    assert isinstance(change, Change) and change.causes == ("issue:THEIRS",)


def test_a_bulk_edit_arrives_as_one_change(watched: tuple[Store, Watcher], store_url: str) -> None:
    _store, watcher = watched
    with open_store(store_url) as other:
        other.save_many([Edit(f"B-{n}", 0, {"status": "closed"}) for n in range(50)])
    _, change = watcher.next(Change)
    assert isinstance(change, Change) and change.tables == {"triage"}
    causes = set(change.causes)
    for event in watcher.quiet(0.3):  # PostgreSQL may split a burst over a few yields
        if isinstance(event, Change):
            causes |= set(event.causes)
    assert causes == {f"issue:B-{n}" for n in range(50)}


def test_watch_stops_promptly(store: Store) -> None:
    watcher = Watcher(store)
    watcher.next(WatchState)
    assert watcher.close() < 1.0


def test_polling_fallback_reports_changes(store: Store, store_url: str) -> None:
    watcher = Watcher(store, poll=0.2)
    try:
        _, state = watcher.next(WatchState)
        assert isinstance(state, WatchState) and state.health is Health.POLLING
        time.sleep(0.3)
        with open_store(store_url) as other:
            other.add_note("issue", "P", "polled")
        _, change = watcher.next(Change, timeout=3)
        assert isinstance(change, Change) and change.store and "notes" in change.tables
    finally:
        watcher.close()


def test_a_read_only_store_can_watch(store_url: str) -> None:
    open_store(store_url).close()
    with open_store(store_url, read_only=True) as kiosk:
        watcher = Watcher(kiosk)
        try:
            watcher.next(WatchState)
            with open_store(store_url) as officer:
                officer.save("K-1", 0, {"owner": "alice"})
            _, change = watcher.next(Change)
            assert isinstance(change, Change) and change.causes == ("issue:K-1",)
        finally:
            watcher.close()


def test_a_read_only_stand_in_says_when_the_real_store_is_created(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wall display started before anyone triaged: its empty stand-in must not idle
    for good, or the first officer's decisions never reach the wall."""
    from pmo_tui.store import Created, watching

    monkeypatch.setattr(watching, "CREATED_POLL", 0.1)
    with open_store(store_url, read_only=True) as kiosk:
        assert kiosk.stand_in
        events: queue.Queue[object] = queue.Queue()
        stop = threading.Event()
        thread = threading.Thread(
            target=lambda: [events.put(e) for e in kiosk.watch(stop)], daemon=True
        )
        thread.start()
        try:
            time.sleep(0.4)
            assert events.empty(), "nothing was created yet"
            with open_store(store_url) as officer:  # the first officer creates it
                officer.save("K-1", 0, {"owner": "alice"})
            assert isinstance(events.get(timeout=5), Created)
            thread.join(2)
            assert not thread.is_alive(), "the stand-in's watch ends once it said so"
        finally:
            stop.set()
    with open_store(store_url, read_only=True) as kiosk:  # opened again: the real one
        assert not kiosk.stand_in
        assert kiosk.get("K-1").owner == "alice"


@pytest.mark.postgres
def test_postgres_listener_reconnects_and_asks_for_a_full_resync(pg_url: str) -> None:
    with open_store(pg_url) as store:
        watcher = Watcher(store)
        try:
            watcher.next(WatchState)
            admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                killed = conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'pmo-tui store watch' "
                    "AND datname = current_database()"
                ).all()
            admin.dispose()
            assert killed == [(True,)]
            _, lost = watcher.next(WatchState)
            assert isinstance(lost, WatchState) and lost.health is Health.RECONNECTING
            _, back = watcher.next(WatchState, timeout=10)
            assert isinstance(back, WatchState) and back.health is Health.LIVE
            _, resync = watcher.next(Change)
            assert isinstance(resync, Change) and resync.store and resync.tables == frozenset()
            with open_store(pg_url) as other:  # and it is live again
                other.save("AFTER", 0, {"owner": "x"})
            _, change = watcher.next(Change)
            assert isinstance(change, Change) and change.causes == ("issue:AFTER",)
        finally:
            watcher.close()


@pytest.mark.postgres
def test_postgres_payloads_carry_ids_only_and_stay_under_8000_bytes(pg_url: str) -> None:
    with open_store(pg_url) as store:
        url = sa.make_url(pg_url)
        listener = psycopg.connect(
            host=url.query["host"], dbname=url.database, user=url.username, autocommit=True
        )
        try:
            listener.execute("LISTEN pmo_store")
            long_ids = [f'{"ÿ" * 150}"\\{n:04d}' for n in range(200)]  # JSON-escaped, multi-byte
            store.save_many(
                [Edit(i, 0, {"owner": "secret owner"}) for i in long_ids], note="secret body"
            )
            # one multi-row statement: thousands of changed ids in one trigger call
            milestones = pd.DataFrame({"milestone_id": long_ids * 10})
            milestones["milestone_id"] += [f"-{n}" for n in range(len(milestones))]
            store.record_forecasts(milestones, date(2026, 3, 1))
            payloads = [n.payload for n in listener.notifies(timeout=1.0)]
        finally:
            listener.close()
    assert payloads
    for payload in payloads:
        assert len(payload.encode()) < 8000
        assert "secret" not in payload  # ids only, never values or note text
        data = json.loads(payload)
        assert set(data) == {"t", "ids", "cs", "more"}
    parsed = [json.loads(p) for p in payloads]
    assert {i for p in parsed if p["t"] == "triage" for i in p["ids"]} == set(long_ids)
    forecasts = [p for p in parsed if p["t"] == "forecasts"]
    assert forecasts and any(p["more"] for p in forecasts)  # cut off, and says so
