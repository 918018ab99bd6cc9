"""Read the source tables fast, in one consistent snapshot.

Measured on the large demo (480,000 cost lines, see docs/database.md): an Arrow
fetch through ADBC is 3-5x faster than ``pandas.read_sql``, so ADBC is used
when its drivers are installed (``adbc-driver-sqlite``,
``adbc-driver-postgresql``). Without them: the stdlib ``sqlite3`` module, and on
PostgreSQL ``COPY (SELECT ...) TO STDOUT`` parsed by pyarrow's CSV reader. A
table ADBC cannot type (SQLite stores any value in any column) is read again
through ``sqlite3`` so that the bad cells can be reported, not lost.

Every read of several tables runs in one read-only transaction (REPEATABLE READ
on PostgreSQL; a read transaction, hence one WAL snapshot, on SQLite) together
with the change counters, so a reload is consistent across tables and says
which change it saw.

Cost and plan lines are aggregated to their grain (project, month[, category])
by the caller. On PostgreSQL the aggregation is pushed into SQL when the table
holds many lines per grain (``aggregate=True``); when it is already at the grain
(as exports usually are) fetching the lines and grouping in pandas is faster.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from pmo_tui.model import SCHEMAS, column_names
from pmo_tui.sources.db_schema import COUNTERS, LINE_TABLES
from pmo_tui.sqlite_uri import sqlite_uri

#: PostgreSQL: abandon a read that takes longer than this (ms)
STATEMENT_TIMEOUT_MS = 60_000
SQLITE_BUSY_MS = 5_000
_ORDER = {
    "programmes": "programme_id",
    "projects": "project_id",
    "milestones": "milestone_id",
    "issues": "issue_id",
}


class ReadError(Exception):
    """The database could not be read (down, locked, gone, schema changed)."""


@dataclass(frozen=True)
class Raw:
    """Tables as fetched: canonical column names, database types (not yet validated)."""

    frames: dict[str, pd.DataFrame]
    #: change counters read in the same transaction
    versions: dict[str, int]
    #: LINE_TABLES: how many lines the database holds (before aggregation)
    lines: dict[str, int]
    #: LINE_TABLES aggregated in SQL (their frames carry summed amounts per grain)
    aggregated: frozenset[str] = frozenset()


def adbc_available(dialect: str) -> bool:
    """Whether the ADBC driver is installed (``PMO_TUI_ADBC=0`` turns the fast path off)."""
    if os.environ.get("PMO_TUI_ADBC", "").strip().lower() in ("0", "no", "off", "false"):
        return False
    module = {"sqlite": "adbc_driver_sqlite", "postgresql": "adbc_driver_postgresql"}[dialect]
    return importlib.util.find_spec(module) is not None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def select_sql(table: str, dialect: str, *, aggregate: bool = False) -> str:
    """The SELECT for one table (columns in canonical order)."""
    cols = column_names(table)
    if aggregate and table in LINE_TABLES:
        grain = LINE_TABLES[table]
        month = (
            "date_trunc('month', period)::date"
            if dialect == "postgresql"
            else "date(period, 'start of month')"
        )
        picks = [f"{month} AS period" if c == "period" else _quote(c) for c in grain]
        return (
            f"SELECT {', '.join(picks)}, sum(amount) AS amount, count(*) AS lines "
            f"FROM {_quote(table)} GROUP BY {', '.join(str(i + 1) for i in range(len(grain)))}"
        )
    order = f" ORDER BY {_quote(_ORDER[table])}" if table in _ORDER else ""
    return f"SELECT {', '.join(_quote(c) for c in cols)} FROM {_quote(table)}{order}"


def _arrow_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas with nullable ints/bools and dates as datetime64[s] (no Python objects)."""
    columns = [
        column.cast(pa.timestamp("s")) if pa.types.is_date(column.type) else column
        for column in table.columns
    ]
    table = pa.Table.from_arrays(columns, names=table.column_names)
    mapping: dict[pa.DataType, Any] = {
        pa.int8(): pd.Int64Dtype(),
        pa.int16(): pd.Int64Dtype(),
        pa.int32(): pd.Int64Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    return table.to_pandas(types_mapper=mapping.get)


def _object_frame(rows: list[tuple[Any, ...]], names: Sequence[str]) -> pd.DataFrame:
    """Rows from sqlite3 with any Python types per cell; validation coerces them."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pd.DataFrame(
        {n: pd.Series(list(c), dtype=object) for n, c in zip(names, columns, strict=True)}
    )


def _names(table: str, aggregate: bool) -> list[str]:
    if aggregate and table in LINE_TABLES:
        return [*LINE_TABLES[table], "amount", "lines"]
    return column_names(table)


def _versions(rows: Sequence[Sequence[Any]]) -> dict[str, int]:
    return {str(name): int(version) for name, version in rows}


_COUNTER_SQL = f"SELECT table_name, version FROM {COUNTERS}"


# -- SQLite ----------------------------------------------------------------------


class SqliteReader:
    """Reads an SQLite file read-only; a new connection per read (the file may be replaced).

    Opened with a ``mode=ro`` URI (sqlite3 and ADBC alike): a missing file is an
    error, never created.
    """

    dialect = "sqlite"

    def __init__(self, path: str, *, use_adbc: bool | None = None) -> None:
        self.path = path
        self.use_adbc = adbc_available("sqlite") if use_adbc is None else use_adbc
        self.uri = sqlite_uri(path, "ro")

    def read(self, tables: Sequence[str], aggregate: Mapping[str, bool] | None = None) -> Raw:
        try:
            if self.use_adbc:
                return self._read_adbc(tables)
            return self._read_sqlite3(tables)
        except (sqlite3.Error, OSError) as exc:
            raise ReadError(self._gone() or _first_line(exc)) from exc
        except Exception as exc:
            if type(exc).__module__.startswith("adbc_driver"):
                raise ReadError(self._gone() or _first_line(exc)) from exc
            raise

    def _gone(self) -> str | None:
        """The reason when the file is missing (the drivers say "unable to open" or worse)."""
        return None if Path(self.path).exists() else f"{self.path} does not exist"

    def _connect3(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.uri, uri=True, isolation_level=None, timeout=SQLITE_BUSY_MS / 1000
        )
        conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        return conn

    def _read_sqlite3(self, tables: Sequence[str]) -> Raw:
        conn = self._connect3()
        try:
            conn.execute("BEGIN")
            frames = {t: self._fetch3(conn, t) for t in tables}
            versions = _versions(conn.execute(_COUNTER_SQL).fetchall())
            conn.execute("COMMIT")
        finally:
            conn.close()
        return Raw(frames, versions, {t: len(frames[t]) for t in tables if t in LINE_TABLES})

    @staticmethod
    def _fetch3(conn: sqlite3.Connection, table: str) -> pd.DataFrame:
        rows = conn.execute(select_sql(table, "sqlite")).fetchall()
        return _object_frame(rows, _names(table, False))

    def _read_adbc(self, tables: Sequence[str]) -> Raw:
        import adbc_driver_sqlite.dbapi as adbc

        conn = adbc.connect(self.uri, autocommit=True)
        try:
            cur = conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
            cur.execute("BEGIN")
            frames: dict[str, pd.DataFrame] = {}
            retry: list[str] = []
            for table in tables:
                try:
                    cur.execute(select_sql(table, "sqlite"))
                    frames[table] = _arrow_frame(cur.fetch_arrow_table())
                except Exception as exc:
                    if "Type mismatch" not in str(exc):
                        raise
                    retry.append(table)  # mixed types in a column: read it cell by cell
                    cur.close()
                    cur = conn.cursor()
            cur.execute(_COUNTER_SQL)
            versions = _versions(cur.fetchall())
            if retry:
                # same snapshot: the file cannot change while our read transaction is open
                # in WAL mode, but sqlite3 is a second connection, so re-check the counters
                conn3 = self._connect3()
                try:
                    conn3.execute("BEGIN")
                    for table in retry:
                        frames[table] = self._fetch3(conn3, table)
                    again = _versions(conn3.execute(_COUNTER_SQL).fetchall())
                    conn3.execute("COMMIT")
                finally:
                    conn3.close()
                if again != versions:
                    raise ReadError(
                        "the database changed during the read; retrying on the next change"
                    )
            cur.execute("COMMIT")
            cur.close()
        finally:
            conn.close()
        return Raw(frames, versions, {t: len(frames[t]) for t in tables if t in LINE_TABLES})


# -- PostgreSQL -----------------------------------------------------------------


def pg_connect_kwargs(url: sa.URL) -> dict[str, Any]:
    """psycopg/libpq connection parameters from an SQLAlchemy URL."""
    _args, kwargs = (
        url.set(drivername="postgresql+psycopg").get_dialect()().create_connect_args(url)
    )
    return dict(kwargs)


def pg_conninfo(url: sa.URL, **extra: Any) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**{**pg_connect_kwargs(url), **extra})


class PostgresReader:
    """Reads PostgreSQL over one cached connection (re-opened after a failure)."""

    dialect = "postgresql"

    def __init__(self, url: sa.URL, *, use_adbc: bool | None = None) -> None:
        self.url = url
        self.use_adbc = adbc_available("postgresql") if use_adbc is None else use_adbc
        self.conninfo = pg_conninfo(url, application_name="pmo-tui source")
        self._conn: Any = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):
                conn.close()

    def read(self, tables: Sequence[str], aggregate: Mapping[str, bool] | None = None) -> Raw:
        aggregate = aggregate or {}
        with self._lock:
            # a cached connection may have died while idle (server restart, network):
            # that is not an outage, so one retry on a fresh connection
            attempts = 2 if self._conn is not None else 1
            for attempt in range(attempts):
                try:
                    return self._read(tables, aggregate)
                except Exception as exc:
                    self._drop()
                    if isinstance(exc, ReadError):
                        raise
                    database = type(exc).__module__.startswith(("psycopg", "adbc_driver"))
                    if not (database or isinstance(exc, OSError)):
                        raise
                    if attempt + 1 == attempts:
                        raise ReadError(_first_line(exc)) from exc
            raise AssertionError("unreachable")

    def _read(self, tables: Sequence[str], aggregate: Mapping[str, bool]) -> Raw:
        with self._transaction() as run:
            frames: dict[str, pd.DataFrame] = {}
            aggregated = set()
            for table in tables:
                agg = bool(aggregate.get(table)) and table in LINE_TABLES
                frames[table] = run(select_sql(table, "postgresql", aggregate=agg), table, agg)
                if agg:
                    aggregated.add(table)
            counters = run(_COUNTER_SQL, None, False)
        versions = {
            str(n): int(v) for n, v in zip(counters["table_name"], counters["version"], strict=True)
        }
        lines = {}
        for table in tables:
            if table in LINE_TABLES:
                frame = frames[table]
                lines[table] = int(frame["lines"].sum()) if table in aggregated else len(frame)
        return Raw(frames, versions, lines, frozenset(aggregated))

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        if self.use_adbc:
            yield from self._adbc_transaction()
        else:
            yield from self._copy_transaction()

    def _adbc_transaction(self) -> Iterator[Any]:
        import adbc_driver_postgresql.dbapi as adbc

        if self._conn is None:
            self._conn = adbc.connect(self.conninfo, autocommit=True)
        cur = self._conn.cursor()
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")

        def run(sql: str, _table: str | None, _agg: bool) -> pd.DataFrame:
            cur.execute(sql)
            return _arrow_frame(cur.fetch_arrow_table())

        try:
            yield run
            cur.execute("COMMIT")
        finally:
            cur.close()

    def _copy_transaction(self) -> Iterator[Any]:
        import psycopg

        if self._conn is None:
            self._conn = psycopg.connect(self.conninfo, autocommit=True)
        conn = self._conn
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")

        def run(sql: str, table: str | None, agg: bool) -> pd.DataFrame:
            buffer = io.BytesIO()
            with conn.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            buffer.seek(0)
            return _arrow_frame(_parse_csv(buffer, table, agg))

        try:
            yield run
            conn.execute("COMMIT")
        except BaseException:
            with suppress(Exception):
                conn.execute("ROLLBACK")
            raise


def _parse_csv(buffer: io.BytesIO, table: str | None, agg: bool) -> pa.Table:
    if table is None:
        names = ["table_name", "version"]
        types = {"table_name": pa.string(), "version": pa.int64()}
    else:
        names = _names(table, agg)
        kinds = {c.name: c.kind for c in SCHEMAS[table]}
        types = {
            n: pa.int64() if n == "lines" else _ARROW.get(kinds[n], pa.string()) for n in names
        }
    if buffer.getbuffer().nbytes == 0:
        return pa.table({n: pa.array([], type=types[n]) for n in names})
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


_ARROW: dict[str, pa.DataType] = {
    "date": pa.date32(),
    "month": pa.date32(),
    "money": pa.float64(),
    "percent": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def make_reader(url: sa.URL, *, use_adbc: bool | None = None) -> SqliteReader | PostgresReader:
    if url.get_backend_name() == "sqlite":
        assert url.database
        return SqliteReader(url.database, use_adbc=use_adbc)
    return PostgresReader(url, use_adbc=use_adbc)
