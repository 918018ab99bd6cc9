"""Watch a PostgreSQL source with LISTEN/NOTIFY, reconnecting and re-syncing after any gap.

The schema's triggers send ``NOTIFY pmo_source`` with a JSON payload naming the
table (and up to 200 changed ids) whenever a statement changes a source table.
This watcher keeps one autocommit connection with TCP keepalives, LISTENs, and
turns notifications into :class:`~pmo_tui.sources.base.Change` objects; a burst
of notifications arriving together becomes one Change.

Notifications sent while the connection is down are lost, so after any
disconnect it reconnects with a capped backoff, LISTENs again and then yields
``LIVE`` and a full ``Change()``: the app re-reads everything once and shows the
state written while it was away. Every ``check_every`` seconds it also reads
the per-table change counters on the same connection, which both proves the
connection alive and catches a notification that went missing.

psycopg >= 3.2.10 (earlier 3.2 releases can lose notifications); its
``Connection.notifies(timeout=...)`` returns regularly so ``stop`` is honoured.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import Any

from pmo_tui.errors import redact
from pmo_tui.model import TABLES
from pmo_tui.sources.backoff import Backoff
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.sources.db_read import pg_conninfo
from pmo_tui.sources.db_schema import CHANNEL, COUNTERS
from pmo_tui.sources.db_watch import FAILED_AFTER, changed_tables

KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
#: after a notification, keep collecting for this long before yielding one Change
GATHER = 0.005


def parse_payload(payload: str) -> tuple[str | None, tuple[str, ...]]:
    """``(table, ids)`` from a notification payload; (None, ()) for anything unexpected."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None, ()
    if not isinstance(data, dict):
        return None, ()
    table = data.get("table")
    if table not in TABLES:
        return None, ()
    ids = data.get("ids") or ()
    return str(table), tuple(str(i) for i in ids) if isinstance(ids, list) else ()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact(text[0] if text else type(exc).__name__)


def watch_postgres(
    source: Any,
    stop: threading.Event,
    *,
    versions: Mapping[str, int] | None = None,
    wait: float = 0.25,
    check_every: float = 30.0,
    connect_timeout: int = 5,
    backoff: Backoff | None = None,
) -> Iterator[Change | WatchState]:
    """Yield changes to the PostgreSQL source (a DatabaseSource) until ``stop`` is set."""
    import psycopg

    conninfo = pg_conninfo(
        source.url,
        application_name="pmo-tui watch",
        connect_timeout=connect_timeout,
        **KEEPALIVES,
    )
    description = source.description
    backoff = backoff or Backoff(initial=0.25, cap=10.0)
    known: dict[str, int] | None = dict(versions) if versions else None
    failures = 0
    last: tuple[Health, str] | None = None
    resync = False

    def announce(state: WatchState) -> Iterator[WatchState]:
        nonlocal last
        if (state.health, state.reason) != last:
            last = (state.health, state.reason)
            yield state

    while not stop.is_set():
        conn: Any = None
        try:
            conn = psycopg.connect(conninfo, autocommit=True)
            conn.execute(f"LISTEN {CHANNEL}")
            current = _counters(conn)
            yield from announce(WatchState(Health.LIVE, f"listening to {description}"))
            if resync:
                # notifications sent while we were away are lost: re-read everything
                yield Change(causes=(f"{description} (reconnected)",))
                resync = False
            elif known is not None and (changed := changed_tables(known, current)):
                yield Change(tables=changed, causes=tuple(sorted(changed)))
            known = current
            failures = 0
            backoff.reset()
            alive = WatchState(Health.LIVE, f"listening to {description}")
            yield from _listen(conn, stop, wait, check_every, known, alive=alive)
            return
        except psycopg.Error as exc:
            failures += 1
            health = Health.FAILED if failures >= FAILED_AFTER else Health.RECONNECTING
            what = "lost the connection to" if last and last[0] is Health.LIVE else "cannot reach"
            yield from announce(WatchState(health, f"{what} {description}: {_first_line(exc)}"))
            resync = True
            if stop.wait(backoff.next()):
                return
        finally:
            if conn is not None:
                with suppress(Exception):  # a broken connection must not hide the real error
                    conn.close()


def _counters(conn: Any) -> dict[str, int]:
    rows = conn.execute(f"SELECT table_name, version FROM {COUNTERS}").fetchall()
    return {str(t): int(v) for t, v in rows}


def _listen(
    conn: Any,
    stop: threading.Event,
    wait: float,
    check_every: float,
    known: dict[str, int],
    *,
    alive: WatchState,
) -> Iterator[Change | WatchState]:
    """Until stop: notifications -> Changes; a periodic counter check, which reports
    ``alive`` again (a heartbeat: the source was checked) when it found nothing
    missed. Raises on disconnect."""
    next_check = time.monotonic() + check_every
    notified: set[str] = set()  # tables named by notifications since the last check
    while not stop.is_set():
        tables: set[str] = set()
        for note in conn.notifies(timeout=wait, stop_after=1):
            table, _ids = parse_payload(note.payload)
            if table is not None:
                tables.add(table)
        if tables:
            for note in conn.notifies(timeout=GATHER):  # the rest of a burst
                table, _ids = parse_payload(note.payload)
                if table is not None:
                    tables.add(table)
            notified |= tables
            yield Change(tables=frozenset(tables), causes=tuple(sorted(tables)))
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + check_every
            current = _counters(conn)
            missed = changed_tables(known, current) - notified
            known.clear()
            known.update(current)
            notified.clear()
            if missed:
                yield Change(tables=missed, causes=tuple(sorted(missed)))
            else:
                yield replace(alive, at=datetime.now())
