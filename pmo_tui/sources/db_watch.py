"""Watch an SQLite source (``PRAGMA data_version``) or any source by polling its counters.

SQLite: one dedicated read-only connection (a ``mode=ro`` URI: it never
creates the file) asks ``PRAGMA data_version`` every
``interval`` (50 ms; a few microseconds each). The value changes when another
connection commits, to any table (the triage store may share the file); then
the per-table counters that the schema's triggers maintain
(``pmo_table_version``) say which source tables changed, and only those are
named in the :class:`~pmo_tui.sources.base.Change`. The file is also stat'ed
once a second: a database replaced by a copy (new inode) is re-opened and
re-read in full, because the old connection would go on seeing the old file.

Errors (file gone, locked for too long, corrupt, permission) yield
``WatchState(RECONNECTING/FAILED, reason)``; the watcher re-opens with a capped
backoff and then yields ``LIVE`` and a full ``Change()``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from pmo_tui.model import TABLES
from pmo_tui.sources.backoff import Backoff
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.sources.db_read import ReadError
from pmo_tui.sources.db_schema import COUNTERS
from pmo_tui.sqlite_uri import sqlite_uri

FAILED_AFTER = 3


def changed_tables(before: Mapping[str, int], after: Mapping[str, int]) -> frozenset[str]:
    return frozenset(t for t in TABLES if before.get(t) != after.get(t))


class _Gone(Exception):
    pass


def _identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


def _open(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise _Gone(f"{path} does not exist")
    conn = sqlite3.connect(
        sqlite_uri(path, "ro"), uri=True, isolation_level=None, check_same_thread=False, timeout=5.0
    )
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def _counters(conn: sqlite3.Connection) -> dict[str, int]:
    return {str(t): int(v) for t, v in conn.execute(f"SELECT table_name, version FROM {COUNTERS}")}


def _data_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _reason(exc: BaseException, path: Path) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"cannot watch {path}: {text}"


def watch_sqlite(
    path: Path,
    stop: threading.Event,
    *,
    versions: Mapping[str, int] | None = None,
    interval: float = 0.05,
    identity_every: float = 1.0,
    heartbeat: float = 30.0,
    backoff: Backoff | None = None,
) -> Iterator[Change | WatchState]:
    """Yield changes to the SQLite source at ``path`` until ``stop`` is set.

    ``versions`` are the counters as of the caller's last load, so a commit that
    landed between that load and this call is reported at once. Every
    ``heartbeat`` seconds without a change, ``LIVE`` is reported again: the
    source was checked (the status bar's "checked" time moves).
    """
    backoff = backoff or Backoff(initial=0.25, cap=10.0)
    known: dict[str, int] | None = dict(versions) if versions else None
    failures = 0
    last: tuple[Health, str] | None = None
    resync = False
    while not stop.is_set():
        conn: sqlite3.Connection | None = None
        try:
            conn = _open(path)
            ident = _identity(path)
            seen = _data_version(conn)
            now_versions = _counters(conn)
            state = WatchState(Health.LIVE, f"watching {path}")
            if (state.health, state.reason) != last:
                last = (state.health, state.reason)
                yield state
            if resync:
                yield Change(causes=(f"{path.name} (watcher restarted)",))
                resync = False
            elif known is not None and (changed := changed_tables(known, now_versions)):
                yield Change(tables=changed, causes=tuple(sorted(changed)))
            known = now_versions
            failures = 0
            backoff.reset()
            next_identity = time.monotonic() + identity_every
            next_beat = time.monotonic() + heartbeat
            while not stop.wait(interval):
                if time.monotonic() >= next_identity:
                    next_identity = time.monotonic() + identity_every
                    if _identity(path) != ident:
                        raise _Gone(f"{path} was replaced by another file")
                version = _data_version(conn)
                if version == seen:
                    if time.monotonic() >= next_beat:
                        next_beat = time.monotonic() + heartbeat
                        yield WatchState(Health.LIVE, state.reason)
                    continue
                next_beat = time.monotonic() + heartbeat
                seen = version
                current = _counters(conn)
                changed = changed_tables(known, current)
                known = current
                if changed:
                    yield Change(tables=changed, causes=tuple(sorted(changed)))
            return
        except (sqlite3.Error, OSError, _Gone) as exc:
            failures += 1
            health = Health.FAILED if failures >= FAILED_AFTER else Health.RECONNECTING
            state = WatchState(health, _reason(exc, path))
            if (state.health, state.reason) != last:
                last = (state.health, state.reason)
                yield state
            resync = True
            if stop.wait(backoff.next()):
                return
        finally:
            if conn is not None:
                conn.close()


def watch_counters(
    source: object,
    stop: threading.Event,
    *,
    interval: float = 5.0,
    read: Callable[[], dict[str, int]] | None = None,
    backoff: Backoff | None = None,
) -> Iterator[Change | WatchState]:
    """The polling fallback for any database: read the change counters every ``interval``.

    For databases where neither data_version nor LISTEN can be used (a
    PostgreSQL behind a transaction-pooling proxy, say). ``source`` is a
    :class:`~pmo_tui.sources.database.DatabaseSource` (its ``read_versions`` and
    ``versions`` are used) unless ``read`` is given.
    """
    reader: Callable[[], dict[str, int]] = read or source.read_versions  # type: ignore[attr-defined]
    known: dict[str, int] = dict(getattr(source, "versions", {}) or {})
    backoff = backoff or Backoff(initial=0.5, cap=30.0)
    failures = 0
    last: tuple[Health, str] | None = None
    resync = False
    description = getattr(source, "description", "the database")
    wait = 0.0
    while not stop.wait(wait):
        try:
            current = reader()
        except (ReadError, OSError) as exc:
            failures += 1
            health = Health.FAILED if failures >= FAILED_AFTER else Health.RECONNECTING
            state = WatchState(health, f"cannot poll {description}: {exc}")
            if (state.health, state.reason) != last:
                last = (state.health, state.reason)
                yield state
            resync = True
            wait = backoff.next()
            continue
        failures = 0
        backoff.reset()
        wait = interval
        state = WatchState(Health.POLLING, f"polling {description} every {interval:g} s")
        if (state.health, state.reason) != last:
            last = (state.health, state.reason)
            yield state
        if resync:
            resync = False
            known = current
            yield Change(causes=(f"{description} (reconnected)",))
            continue
        changed = changed_tables(known, current) if known else frozenset()
        known = current
        if changed:
            yield Change(tables=changed, causes=tuple(sorted(changed)))
