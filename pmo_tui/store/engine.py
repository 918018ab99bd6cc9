"""Engines for the store: SQLite and PostgreSQL set up for many writers.

SQLite
    pysqlite's own transaction handling is switched off (``isolation_level =
    None``) and every transaction is begun explicitly: ``BEGIN IMMEDIATE`` for
    writes (connections with the ``pmo_write`` execution option), so the write
    lock is taken up front and ``busy_timeout`` applies (a deferred transaction
    that reads then writes fails with SQLITE_BUSY_SNAPSHOT instead of waiting),
    and plain ``BEGIN`` for reads. WAL mode lets readers run beside a writer;
    ``synchronous=FULL`` makes every commit durable. Connections open the file
    with a ``mode=rw`` (``mode=ro`` read-only) URI, so they never create it: a
    store file that was moved away or deleted fails to open instead of coming
    back empty. Only :func:`create_sqlite_file` creates one, for a brand-new
    store. A pooled connection is handed out only while the path still names
    the file it opened (device and inode), so nothing is read from or saved
    into a file that was moved, deleted or replaced by a copy.

PostgreSQL
    psycopg 3, READ COMMITTED. Writes lock the rows they check (``SELECT ... FOR
    UPDATE``) and update with a compare-and-set on the version column. A
    ``lock_timeout`` bounds how long a save waits behind another; sessions that
    sit idle inside a transaction are ended by the server, so a frozen client
    cannot hold locks for long.
"""

from __future__ import annotations

import os
import pwd
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import StaticPool

from pmo_tui.sqlite_uri import sqlite_uri
from pmo_tui.store.errors import StoreError

#: execution option that makes a connection's transactions write transactions
WRITE = "pmo_write"
BUSY_TIMEOUT_S = 5.0
#: between tries to switch a locked store file to WAL mode
WAL_RETRY_S = 0.02
PG_LOCK_TIMEOUT_MS = 5000
PG_IDLE_IN_TRANSACTION_MS = 60_000
PG_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def os_user() -> str:
    """The OS account of this process (never ``$USER``/``$LOGNAME``, which anyone can set)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def create(url: sa.URL, *, read_only: bool, create_file: bool = True) -> Engine:
    """An engine for the store at ``url``.

    SQLite: a missing file is created now when ``create_file`` (a store file of
    its own) and the store is writable; never later, and never when the store
    lives in a source database (``create_file=False``): then it must exist.
    """
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite(url, read_only, create_file)
    if backend == "postgresql":
        return _postgres(url, read_only)
    raise StoreError(f"the store runs on SQLite or PostgreSQL, not {backend}")


def _sqlite(url: sa.URL, read_only: bool, create_file: bool) -> Engine:
    memory = not url.database or url.database == ":memory:"
    if memory or url.database is None:
        engine = sa.create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )
    else:
        path = Path(url.database)
        if create_file and not read_only and not path.exists():
            create_sqlite_file(path)
        uri = sqlite_uri(path, "ro" if read_only else "rw")
        # the file URL still picks the pool (QueuePool); the creator opens without creating
        engine = sa.create_engine(
            url,
            creator=lambda: sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False
            ),
        )
        _hand_out_only_the_same_file(engine, path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if not memory and not read_only:
                _use_wal(cur)
            cur.execute("PRAGMA synchronous = FULL")
            if read_only:
                cur.execute("PRAGMA query_only = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _hand_out_only_the_same_file(engine: Engine, path: Path) -> None:
    """A pooled connection whose file is no longer at ``path`` is dropped, not used."""

    @event.listens_for(engine, "connect")
    def _remember(_dbapi_conn: sqlite3.Connection, record: Any) -> None:
        record.info["pmo_file"] = _identity(path)

    @event.listens_for(engine, "checkout")
    def _check(_dbapi_conn: sqlite3.Connection, record: Any, _proxy: object) -> None:
        now = _identity(path)
        if now is None or now != record.info.get("pmo_file"):
            # the pool discards this connection and opens the path afresh (mode=rw:
            # that fails when the file is gone, and reaches the new file when replaced)
            raise DisconnectionError(f"{path} was moved, deleted or replaced")


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Put the store file in WAL mode (once per file: the mode is kept in the file).

    Switching needs the file to itself, and SQLite answers "database is locked"
    at once instead of waiting the busy timeout. Two officers opening a new
    store at the same moment (one migrating it) then left the second with
    triage off, so: check first, and retry the switch until the busy timeout.
    """
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(WAL_RETRY_S)


def create_sqlite_file(path: Path) -> None:
    """Create a brand-new, empty SQLite store file (the only open that may create one)."""
    try:
        sqlite3.connect(sqlite_uri(path, "rwc"), uri=True).close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot create the triage store {path}: {exc}") from None


def _postgres(url: sa.URL, read_only: bool) -> Engine:
    options = (
        f"-c lock_timeout={PG_LOCK_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_MS}"
    )
    if read_only:
        options += " -c default_transaction_read_only=on"
    connect_args: dict[str, Any] = {
        "options": options,
        "application_name": "pmo-tui store",
        "connect_timeout": 10,
        **PG_KEEPALIVES,
    }
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def writer(engine: Engine) -> Connection:
    """A connection whose transactions are write transactions."""
    return engine.connect().execution_options(**{WRITE: True})


def now(conn: Connection) -> datetime:
    """The time of a change, UTC: the database's transaction time on PostgreSQL
    (one clock for every officer), the app's clock on SQLite (same machine)."""
    if conn.dialect.name == "postgresql":
        value = conn.exec_driver_sql("SELECT now() AT TIME ZONE 'UTC'").scalar_one()
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def session_user(engine: Engine) -> str | None:
    """``session_user`` on PostgreSQL; None elsewhere."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT session_user").scalar_one()
        conn.rollback()
    return str(value)
