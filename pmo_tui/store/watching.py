"""``Store.watch``: yield when another process committed to the store.

SQLite
    ``PRAGMA data_version`` on one dedicated read-only connection, polled every
    ``interval`` seconds (default 50 ms; a poll costs microseconds). When it moves,
    the new audit and note rows (ids are monotonic in commit order, because SQLite
    writers are serialised) and freshly recorded forecasts tell what changed. The
    connection is opened with a ``mode=ro`` URI, so it never creates the file, and
    the file is stat'ed once a second: moved away, deleted or replaced by a copy,
    the watcher says RECONNECTING (then FAILED) naming the file, re-opens with
    backoff and, once the file is back, yields LIVE and a full resync.

PostgreSQL
    LISTEN on channel ``pmo_store``; triggers installed by the migrations NOTIFY
    once per statement with the changed ids (JSON, under 8,000 bytes). The
    listener is a dedicated autocommit psycopg connection with TCP keepalives.
    After any disconnect it reconnects with backoff, LISTENs again and yields a
    full resync (``Change(store=True)`` with no tables), because notifications sent
    while it was away are lost. If LISTEN is impossible it falls back to polling.

Changes made through the same :class:`~pmo_tui.store.Store` object are not
reported back (the UI already has its own ``Saved`` results).

Not created yet
    A read-only open of a store that does not exist yet (a wall display started
    before anyone triaged) gets an empty stand-in. Its watcher checks every
    :data:`CREATED_POLL` seconds whether the real store now exists, with its
    schema, and then yields :class:`Created` once: the app opens it again.

A yielded :class:`Change` has ``store=True``; ``tables`` names the store tables
that changed (``triage``, ``notes``, ``forecasts``) or is empty for "re-read
everything"; ``causes`` lists the items, e.g. ``"issue:ISS-7"``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pmo_tui.errors import redact
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.sqlite_uri import sqlite_uri
from pmo_tui.store import engine as engines
from pmo_tui.store import migrate
from pmo_tui.store.engine import BUSY_TIMEOUT_S, PG_KEEPALIVES
from pmo_tui.store.retry import backoff

MAX_CAUSES = 100
#: seconds between checks whether a store that did not exist yet has been created
CREATED_POLL = 5.0
FAILED_AFTER = 5  # consecutive failures before the health says FAILED (retries go on)


class OwnChanges:
    """Changesets this process wrote, so the watcher does not report them back."""

    def __init__(self, size: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._order: deque[str] = deque()
        self._set: set[str] = set()
        self._size = size

    def add(self, changeset: str) -> None:
        with self._lock:
            if changeset in self._set:
                return
            self._order.append(changeset)
            self._set.add(changeset)
            while len(self._order) > self._size:
                self._set.discard(self._order.popleft())

    def covers(self, changesets: Iterable[str]) -> bool:
        """True when every one of ``changesets`` is ours (and there is at least one)."""
        items = set(changesets)
        with self._lock:
            return bool(items) and items <= self._set

    def __contains__(self, changeset: object) -> bool:
        with self._lock:
            return changeset in self._set


def _change(tables: set[str], causes: list[str], more: bool = False) -> Change:
    unique = list(dict.fromkeys(causes))
    extra = len(unique) - MAX_CAUSES
    shown = unique[:MAX_CAUSES]
    if extra > 0 or more:
        shown.append(f"… and {max(extra, 0) or 'more'} more")
    return Change(tables=frozenset(tables), causes=tuple(shown), store=True)


def _resync(reason: str) -> Change:
    return Change(tables=frozenset(), causes=(reason,), store=True)


# -- SQLite --------------------------------------------------------------------


class _SQLiteCursor:
    """The last audit/note id and forecast time this watcher has reported."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.audit = conn.execute("SELECT coalesce(max(id), 0) FROM store_audit").fetchone()[0]
        self.note = conn.execute("SELECT coalesce(max(id), 0) FROM store_note").fetchone()[0]
        self.recorded = self._recorded(conn)

    @staticmethod
    def _recorded(conn: sqlite3.Connection) -> str:
        try:
            row = conn.execute("SELECT max(recorded_at) FROM store_forecast").fetchone()
        except sqlite3.OperationalError:  # r1 schema: no forecasts yet
            return ""
        return row[0] or ""

    def advance(self, conn: sqlite3.Connection, own: OwnChanges) -> Change | None:
        tables: set[str] = set()
        causes: list[str] = []
        conn.execute("BEGIN")
        try:
            for table, name, attr in (
                ("store_audit", "triage", "audit"),
                ("store_note", "notes", "note"),
            ):
                rows = conn.execute(
                    f"SELECT id, changeset, kind, item_id FROM {table} WHERE id > ? ORDER BY id",
                    (getattr(self, attr),),
                ).fetchall()
                if rows:
                    setattr(self, attr, rows[-1][0])
                theirs = [r for r in rows if r[1] not in own]
                if theirs:
                    tables.add(name)
                    causes.extend(f"{r[2]}:{r[3]}" for r in theirs)
            recorded = self._recorded(conn)
            if recorded > self.recorded:
                milestones = conn.execute(
                    "SELECT milestone_id FROM store_forecast WHERE recorded_at > ? LIMIT ?",
                    (self.recorded, MAX_CAUSES + 1),
                ).fetchall()
                self.recorded = recorded
                tables.add("forecasts")
                causes.extend(f"milestone:{r[0]}" for r in milestones)
        finally:
            conn.execute("COMMIT")
        return _change(tables, causes) if tables else None


class _Gone(Exception):
    """The store's file is no longer the one the watcher opened."""


def _identity(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _Gone(f"{path} no longer exists (moved or deleted?)") from None
    except OSError as exc:
        raise _Gone(f"cannot reach {path}: {exc.strerror}") from None
    return st.st_dev, st.st_ino


def _open_sqlite(path: Path) -> tuple[sqlite3.Connection, tuple[int, int]]:
    """A read-only connection that never creates the file, and the file's identity."""
    ident = _identity(path)
    conn = sqlite3.connect(
        sqlite_uri(path, "ro"),
        uri=True,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.execute("PRAGMA query_only = ON")
    return conn, ident


def _data_version(conn: sqlite3.Connection) -> int:
    value = conn.execute("PRAGMA data_version").fetchone()[0]
    assert isinstance(value, int)
    return value


def watch_sqlite(
    path: Path,
    own: OwnChanges,
    stop: threading.Event,
    interval: float = 0.05,
    identity_every: float = 1.0,
) -> Iterator[Change | WatchState]:
    conn: sqlite3.Connection | None = None
    failures = 0
    version = 0
    ident = (0, 0)
    next_identity = 0.0
    cursor: _SQLiteCursor | None = None
    try:
        while not stop.is_set():
            try:
                if conn is None:
                    conn, ident = _open_sqlite(path)
                    version = _data_version(conn)
                    cursor = _SQLiteCursor(conn)
                    next_identity = time.monotonic() + identity_every
                    if failures:
                        failures = 0
                        yield WatchState(Health.LIVE, f"watching {path} again")
                        yield _resync("store watcher recovered: full resync")
                    else:
                        yield WatchState(Health.LIVE, f"watching {path}")
                if stop.wait(interval):
                    break
                if time.monotonic() >= next_identity:
                    next_identity = time.monotonic() + identity_every
                    if _identity(path) != ident:
                        raise _Gone(f"{path} was replaced by another file")
                current = _data_version(conn)
                if current != version and cursor is not None:
                    version = current
                    change = cursor.advance(conn, own)
                    if change is not None:
                        yield change
            except (sqlite3.Error, _Gone) as exc:
                failures += 1
                if conn is not None:
                    conn.close()
                    conn = None
                health = Health.FAILED if failures >= FAILED_AFTER else Health.RECONNECTING
                text = str(exc) if isinstance(exc, _Gone) else f"cannot watch {path}: {exc}"
                yield WatchState(health, f"store watcher: {text}; retrying")
                stop.wait(backoff(failures, base=0.25, cap=10.0) + 0.1)
    finally:
        if conn is not None:
            conn.close()


# -- PostgreSQL ------------------------------------------------------------------


def _conninfo(url: sa.URL) -> str:
    from psycopg.conninfo import make_conninfo

    params: dict[str, str | int | None] = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
        "application_name": "pmo-tui store watch",
        "connect_timeout": 10,
        **PG_KEEPALIVES,
    }
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def _parse(payload: str, own: OwnChanges) -> tuple[str, list[str], bool] | None:
    """(table, causes, more) from a NOTIFY payload, or None when it is only our own change."""
    try:
        data = json.loads(payload)
        table = str(data["t"])
        ids = [str(i) for i in data.get("ids", [])]
        changesets = [str(c) for c in data.get("cs", [])]
        more = bool(data.get("more", False))
    except (ValueError, KeyError, TypeError):
        return ("", [], True)  # unknown payload: re-read everything
    if table in ("triage", "notes") and own.covers(changesets):
        return None
    kind = {"triage": "issue:", "forecasts": "milestone:"}.get(table, "")
    return table, [kind + i for i in ids], more


def watch_postgres(
    url: sa.URL, engine: Engine, own: OwnChanges, stop: threading.Event, coalesce: float = 0.005
) -> Iterator[Change | WatchState]:
    import psycopg

    failures = 0
    conninfo = _conninfo(url)
    while not stop.is_set():
        conn: psycopg.Connection | None = None
        try:
            conn = psycopg.connect(conninfo, autocommit=True)
            conn.execute("LISTEN pmo_store")
        except psycopg.errors.InsufficientPrivilege as exc:
            if conn is not None:
                conn.close()
            yield from watch_polling(engine, stop, reason=f"LISTEN refused ({exc}); polling")
            return
        except psycopg.Error as exc:
            if conn is not None:
                conn.close()
            failures += 1
            health = Health.FAILED if failures >= FAILED_AFTER else Health.RECONNECTING
            yield WatchState(health, redact(f"store listener: {str(exc).strip()}; retrying"))
            stop.wait(backoff(failures, base=0.5, cap=15.0) + 0.2)
            continue
        try:
            if failures:
                failures = 0
                yield WatchState(Health.LIVE, "store listener reconnected")
                yield _resync("store listener reconnected: full resync")
            else:
                yield WatchState(Health.LIVE, "listening for store changes")
            while not stop.is_set():
                batch = list(conn.notifies(timeout=0.25, stop_after=1))
                if not batch:
                    continue
                batch.extend(conn.notifies(timeout=coalesce))
                tables: set[str] = set()
                causes: list[str] = []
                more = False
                for note in batch:
                    parsed = _parse(note.payload, own)
                    if parsed is None:
                        continue
                    table, ids, extra = parsed
                    if not table:
                        tables.clear()
                        more = True
                        break
                    tables.add(table)
                    causes.extend(ids)
                    more = more or extra
                if tables or more:
                    yield _change(tables, causes, more)
        except psycopg.Error as exc:
            failures += 1
            yield WatchState(
                Health.RECONNECTING, redact(f"store listener lost: {str(exc).strip()}")
            )
            stop.wait(backoff(failures, base=0.5, cap=15.0) + 0.2)
        finally:
            conn.close()


# -- polling fallback --------------------------------------------------------------


def _fingerprint(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM store_audit), (SELECT max(id) FROM store_audit), "
            "(SELECT count(*) FROM store_note), (SELECT max(id) FROM store_note), "
            "(SELECT count(*) FROM store_forecast), (SELECT max(recorded_at) FROM store_forecast)"
        ).one()
        conn.rollback()
    return tuple(row)


def watch_polling(
    engine: Engine, stop: threading.Event, interval: float = 2.0, reason: str = "polling the store"
) -> Iterator[Change | WatchState]:
    """Any database: compare row counts and high-water marks every ``interval`` seconds."""
    last: tuple[object, ...] | None = None
    failures = 0
    yield WatchState(Health.POLLING, reason)
    while not stop.is_set():
        try:
            current = _fingerprint(engine)
        except sa.exc.DBAPIError as exc:
            failures += 1
            health = Health.FAILED if failures >= FAILED_AFTER else Health.RECONNECTING
            yield WatchState(health, redact(f"store poll failed: {str(exc.orig).strip()}"))
            stop.wait(min(30.0, interval * failures))
            continue
        if failures:
            failures = 0
            yield WatchState(Health.POLLING, reason)
            yield _resync("store reachable again: full resync")
        elif last is not None and current != last:
            names = {
                "triage": current[:2] != last[:2],
                "notes": current[2:4] != last[2:4],
                "forecasts": current[4:] != last[4:],
            }
            yield Change(tables=frozenset(n for n, hit in names.items() if hit), store=True)
        last = current
        stop.wait(interval)


@dataclass(frozen=True)
class Created:
    """The store that an empty read-only stand-in stood for exists now: open it again."""


def watch_until_created(
    url: sa.URL, path: Path | None, stop: threading.Event, interval: float | None = None
) -> Iterator[Change | WatchState | Created]:
    """Yield :class:`Created` once the store at ``url`` exists with its schema, then end."""
    every = CREATED_POLL if interval is None else interval
    while not stop.wait(every):
        if _created(url, path):
            yield Created()
            return


def _created(url: sa.URL, path: Path | None) -> bool:
    if path is not None and not path.exists():
        return False  # the usual answer, without opening anything
    try:
        engine = engines.create(url, read_only=True, create_file=False)
    except Exception:
        return False
    try:
        return migrate.status(engine) is not None
    except Exception:  # half-created, locked, a newer schema: opening again will say
        return False
    finally:
        engine.dispose()
