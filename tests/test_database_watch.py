"""Live database sources: another process commits, the watcher names the table within a second.

SQLite is watched through ``PRAGMA data_version``; PostgreSQL through
LISTEN/NOTIFY, including a real server restart in the middle (CI restarts its
cluster; see ``pg_restart``).
"""

from __future__ import annotations

import io
import json
import os
import queue
import shlex
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from pmo_tui.demo import write_demo
from pmo_tui.model import TABLES
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.sources.database import DatabaseSource, import_source, init_schema
from pmo_tui.sources.db_listen import watch_postgres
from pmo_tui.sources.db_read import pg_conninfo
from pmo_tui.sources.db_schema import CHANNEL, parse_url
from pmo_tui.sources.db_watch import watch_sqlite

IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(
        tmp_path_factory.mktemp("demo") / "small", size="small", seed=42, as_of=date(2026, 11, 30)
    )


class Watching:
    """``source.watch`` in a thread, as the app's worker runs it."""

    def __init__(self, source: DatabaseSource) -> None:
        self.stop = threading.Event()
        self.items: queue.Queue[tuple[float, object]] = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(source,), daemon=True)
        self.thread.start()

    def _run(self, source: DatabaseSource) -> None:
        try:
            for item in source.watch(self.stop):
                self.items.put((time.monotonic(), item))
        except BaseException as exc:
            self.items.put((time.monotonic(), exc))

    def wait_for(
        self, match: Callable[[object], bool], timeout: float
    ) -> tuple[float, object, list[object]]:
        deadline = time.monotonic() + timeout
        seen: list[object] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                at, item = self.items.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(item, BaseException):
                raise AssertionError(f"the watcher died: {item!r}") from item
            if match(item):
                return at, item, seen
            seen.append(item)
        raise AssertionError(f"nothing matched within {timeout}s; saw {seen}")

    def quiet(self, duration: float) -> list[object]:
        out = []
        deadline = time.monotonic() + duration
        while (left := deadline - time.monotonic()) > 0:
            try:
                out.append(self.items.get(timeout=left)[1])
            except queue.Empty:
                break
        return out

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the watcher did not stop within 5 s"


def state(health: Health) -> Callable[[object], bool]:
    return lambda item: isinstance(item, WatchState) and item.health is health


def change(tables: set[str] | None = None) -> Callable[[object], bool]:
    if tables is None:
        return lambda item: isinstance(item, Change)
    return lambda item: isinstance(item, Change) and set(item.tables) == tables


# -- SQLite ------------------------------------------------------------------------


@pytest.fixture
def sqlite_source(small_demo: Path, tmp_path: Path) -> Iterator[tuple[DatabaseSource, Path]]:
    path = tmp_path / "source.db"
    url = f"sqlite:///{path}"
    assert import_source(small_demo, url, out=io.StringIO()) == 0
    source = DatabaseSource(url)
    yield source, path
    source.close()


def test_sqlite_commit_by_another_process_is_seen_within_a_second(
    sqlite_source: tuple[DatabaseSource, Path],
) -> None:
    source, path = sqlite_source
    before = source.load()
    watching = Watching(source)
    try:
        watching.wait_for(state(Health.LIVE), 2.0)
        code = (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            "c.execute(\"UPDATE milestones SET name = 'Go-live (moved)' "
            'WHERE milestone_id = (SELECT min(milestone_id) FROM milestones)"); c.commit()'
        )
        subprocess.run([sys.executable, "-c", code, str(path)], check=True)
        committed = time.monotonic()
        at, item, _ = watching.wait_for(change(), 1.0)
        assert isinstance(item, Change) and item.tables == {"milestones"}
        assert at - committed < 1.0
        after = source.refresh(before, item)
        assert "Go-live (moved)" in set(after["milestones"]["name"])
        assert after.changed_since(before) == {"milestones"}
    finally:
        watching.close()


def test_sqlite_writes_to_other_tables_wake_no_reload(
    sqlite_source: tuple[DatabaseSource, Path],
) -> None:
    """The triage store may share the file: its commits are not source changes."""
    source, path = sqlite_source
    source.load()
    watching = Watching(source)
    try:
        watching.wait_for(state(Health.LIVE), 2.0)
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE store_note (id INTEGER PRIMARY KEY, body TEXT)")
            conn.execute("INSERT INTO store_note (body) VALUES ('a note')")
        assert [i for i in watching.quiet(0.6) if isinstance(i, Change)] == []
    finally:
        watching.close()


def test_sqlite_commit_between_load_and_watch_is_not_missed(
    sqlite_source: tuple[DatabaseSource, Path],
) -> None:
    source, path = sqlite_source
    source.load()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE issues SET owner = 'Fatima' WHERE issue_id = (SELECT min(issue_id) FROM issues)"
        )
    watching = Watching(source)
    try:
        _, item, _ = watching.wait_for(change(), 1.0)
        assert isinstance(item, Change) and item.tables == {"issues"}
    finally:
        watching.close()


def test_sqlite_file_replaced_or_removed_is_reopened(
    sqlite_source: tuple[DatabaseSource, Path],
) -> None:
    source, path = sqlite_source
    source.load()
    watching = Watching(source)
    try:
        watching.wait_for(state(Health.LIVE), 2.0)
        copy = path.with_name("copy.db")
        shutil.copy(path, copy)
        with sqlite3.connect(copy) as conn:
            conn.execute("UPDATE projects SET name = 'From the copy'")
        os.replace(copy, path)  # a nightly job drops a fresh file in place
        _, item, _ = watching.wait_for(change(), 3.0)
        assert isinstance(item, Change) and item.tables == frozenset(), "full re-read"
        path.rename(path.with_suffix(".gone"))
        _, down, _ = watching.wait_for(lambda i: isinstance(i, WatchState), 3.0)
        assert isinstance(down, WatchState) and down.health in (Health.RECONNECTING, Health.FAILED)
        assert "source.db" in down.reason
        path.with_suffix(".gone").rename(path)
        watching.wait_for(state(Health.LIVE), 5.0)
        _, resync, _ = watching.wait_for(change(), 1.0)
        assert isinstance(resync, Change) and resync.tables == frozenset()
    finally:
        watching.close()


def test_polling_fallback_sees_changes(sqlite_source: tuple[DatabaseSource, Path]) -> None:
    _source, path = sqlite_source
    polling = DatabaseSource(f"sqlite:///{path}", poll=0.2)
    polling.load()
    watching = Watching(polling)
    try:
        _, first, _ = watching.wait_for(lambda i: isinstance(i, WatchState), 2.0)
        assert isinstance(first, WatchState) and first.health is Health.POLLING
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM plan WHERE rowid IN (SELECT rowid FROM plan LIMIT 3)")
        _, item, _ = watching.wait_for(change(), 1.5)
        assert isinstance(item, Change) and item.tables == {"plan"}
    finally:
        watching.close()
        polling.close()


# -- PostgreSQL ----------------------------------------------------------------------


@pytest.fixture
def pg_source(pg_url: str, small_demo: Path) -> Iterator[DatabaseSource]:
    assert import_source(small_demo, pg_url, out=io.StringIO()) == 0
    source = DatabaseSource(pg_url)
    yield source
    source.close()


def _execute(url: str, sql: str) -> None:
    with psycopg.connect(pg_conninfo(parse_url(url)), autocommit=True) as conn:
        conn.execute(sql)


def test_postgres_change_is_notified_and_refresh_shows_it(
    pg_source: DatabaseSource, pg_url: str
) -> None:
    before = pg_source.load()
    watching = Watching(pg_source)
    try:
        watching.wait_for(state(Health.LIVE), 3.0)
        started = time.monotonic()
        _execute(
            pg_url,
            "UPDATE issues SET status = 'closed' WHERE issue_id = "
            "(SELECT min(issue_id) FROM issues)",
        )
        at, item, _ = watching.wait_for(change(), 1.0)
        assert isinstance(item, Change) and item.tables == {"issues"}
        assert at - started < 1.0
        after = pg_source.refresh(before, item)
        first = after["issues"].sort_values("issue_id").iloc[0]
        assert first["status"] == "closed"
        assert after.changed_since(before) == {"issues"}
        # a bulk statement: one notification naming the table, not 800 ids
        _execute(pg_url, "UPDATE costs SET amount = amount + 1")
        _, bulk, _ = watching.wait_for(change(), 1.0)
        assert isinstance(bulk, Change) and bulk.tables == {"costs"}
    finally:
        watching.close()


def test_postgres_payload_carries_ids_and_stays_small(
    pg_source: DatabaseSource, pg_url: str
) -> None:
    pg_source.load()
    with psycopg.connect(pg_conninfo(parse_url(pg_url)), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        _execute(
            pg_url,
            "UPDATE projects SET phase = 'x' WHERE project_id IN "
            "(SELECT project_id FROM projects ORDER BY 1 LIMIT 2)",
        )
        long_id = "P-" + "9" * 300
        _execute(
            pg_url,
            "INSERT INTO issues (issue_id, project_id, title) SELECT "
            f"'{long_id}-' || g, 'P-1', 't' FROM generate_series(1, 150) g",
        )
        notes = list(listener.notifies(timeout=1.0, stop_after=2))
    small, big = (json.loads(n.payload) for n in notes)
    assert small["table"] == "projects" and small["op"] == "update" and len(small["ids"]) == 2
    assert big["table"] == "issues" and "ids" not in big, "too many bytes of ids: the table only"
    assert all(len(n.payload.encode()) < 8000 for n in notes)


def test_postgres_unreachable_at_start_is_reported_then_recovers(tmp_path: Path) -> None:
    source = DatabaseSource("postgresql://nobody@127.0.0.1:1/pmo")
    source.versions = {t: 0 for t in TABLES}
    stop = threading.Event()
    items: list[object] = []

    def run() -> None:
        for item in source.watch(stop):
            items.append(item)
            if len(items) >= 1:
                stop.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert isinstance(items[0], WatchState) and items[0].health is Health.RECONNECTING
    assert "cannot reach" in items[0].reason


# -- a real server restart ----------------------------------------------------------


def _restart_command() -> list[str]:
    command = os.environ.get("PMO_TUI_TEST_PG_RESTART")
    if command is None:
        if not IN_CI:
            pytest.skip(
                "restarting a PostgreSQL server: set PMO_TUI_TEST_PG_RESTART (and "
                "PMO_TUI_TEST_PG_RESTART_URL) to a private cluster; CI restarts its own"
            )
        command = "pg_ctlcluster 15 main restart"
    return shlex.split(command)


@pytest.fixture
def restart_url() -> Iterator[str]:
    """A fresh database on the server the restart command restarts."""
    admin = os.environ.get("PMO_TUI_TEST_PG_RESTART_URL") or os.environ.get("PMO_TUI_TEST_PG_URL")
    if not admin:
        if IN_CI:
            pytest.fail("CI is set but no PostgreSQL URL is (PMO_TUI_TEST_PG_URL)")
        pytest.skip("PMO_TUI_TEST_PG_URL is unset")
    name = f"pmo_restart_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        for _ in range(30):  # the server may still be coming back
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                    )
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                break
            except sa.exc.OperationalError:
                time.sleep(1)
        engine.dispose()


def _wait_until_accepting(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(pg_conninfo(parse_url(url), connect_timeout=2)):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.slow
def test_postgres_restart_mid_run_resyncs_to_the_final_state(
    restart_url: str, small_demo: Path
) -> None:
    command = _restart_command()
    init_schema(restart_url)
    assert import_source(small_demo, restart_url, out=io.StringIO()) == 0
    source = DatabaseSource(restart_url)
    portfolio = source.load()
    watching = Watching(source)
    try:
        watching.wait_for(state(Health.LIVE), 5.0)
        _execute(
            restart_url,
            "UPDATE projects SET name = 'Before the restart' WHERE project_id = "
            "(SELECT min(project_id) FROM projects)",
        )
        _, item, _ = watching.wait_for(change({"projects"}), 2.0)
        portfolio = source.refresh(portfolio, item)  # type: ignore[arg-type]
        assert "Before the restart" in set(portfolio["projects"]["name"])

        subprocess.run(command, check=True, capture_output=True, timeout=120)
        # written as soon as the server is back: no listener is connected to hear it yet,
        # or it reconnects right now; either way the final state must show
        _wait_until_accepting(restart_url)
        _execute(
            restart_url,
            "UPDATE projects SET name = 'Written during the restart' "
            "WHERE project_id = (SELECT min(project_id) FROM projects)",
        )
        _, down, _ = watching.wait_for(lambda i: isinstance(i, WatchState), 30.0)
        assert isinstance(down, WatchState) and down.health in (Health.RECONNECTING, Health.FAILED)
        watching.wait_for(state(Health.LIVE), 30.0)
        _, resync, _ = watching.wait_for(change(), 5.0)
        assert isinstance(resync, Change)
        assert resync.tables == frozenset() or resync.tables == {"projects"}, resync
        portfolio = source.refresh(portfolio, resync)
        assert "Written during the restart" in set(portfolio["projects"]["name"])
        assert portfolio.stale == {}
        # and it is live again
        _execute(
            restart_url,
            "UPDATE issues SET owner = 'After' WHERE issue_id = (SELECT min(issue_id) FROM issues)",
        )
        _, after, _ = watching.wait_for(change({"issues"}), 2.0)
        assert isinstance(after, Change)
    finally:
        watching.close()
        source.close()


@pytest.mark.slow
def test_postgres_refresh_while_the_server_is_down_keeps_rows_stale(
    restart_url: str, small_demo: Path
) -> None:
    command = _restart_command()
    if command[-1] != "restart":
        pytest.skip("needs a restart command ending in 'restart' to derive stop/start")
    stop_cmd, start_cmd = [*command[:-1], "stop"], [*command[:-1], "start"]
    assert import_source(small_demo, restart_url, out=io.StringIO()) == 0
    source = DatabaseSource(restart_url)
    good = source.load()
    subprocess.run(stop_cmd, check=True, capture_output=True, timeout=120)
    try:
        stale = source.refresh(good, Change(tables=frozenset({"issues", "projects"})))
        assert set(stale.stale) == {"issues", "projects"}
        assert len(stale["issues"]) == len(good["issues"])
    finally:
        subprocess.run(start_cmd, check=True, capture_output=True, timeout=120)
        _wait_until_accepting(restart_url)
    fresh = source.refresh(stale, Change(tables=frozenset({"issues", "projects"})))
    assert fresh.stale == {}
    source.close()


# -- heartbeats: a quiet database was still checked ----------------------------------


def _drain(items: Iterator[object], stop: threading.Event, seconds: float) -> list[object]:
    out: list[object] = []
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    try:
        out.extend(items)
    finally:
        timer.cancel()
    return out


def test_sqlite_quiet_source_reports_heartbeats_and_no_change(
    sqlite_source: tuple[DatabaseSource, Path],
) -> None:
    _, path = sqlite_source
    stop = threading.Event()
    seen = _drain(watch_sqlite(path, stop, heartbeat=0.2), stop, 1.1)
    assert not [i for i in seen if isinstance(i, Change)], "nothing was committed"
    live = [i for i in seen if isinstance(i, WatchState) and i.health is Health.LIVE]
    assert len(live) >= 4, f"the first LIVE and a heartbeat per 0.2 s, got {seen}"


def test_postgres_counter_check_reports_a_heartbeat(pg_source: DatabaseSource) -> None:
    pg_source.load()
    stop = threading.Event()
    seen = _drain(watch_postgres(pg_source, stop, check_every=0.3, wait=0.1), stop, 1.5)
    assert not [i for i in seen if isinstance(i, Change)], "nothing was committed"
    live = [i for i in seen if isinstance(i, WatchState) and i.health is Health.LIVE]
    assert len(live) >= 3, f"LIVE, then one per 0.3 s counter check, got {seen}"
