"""A database (SQLite file or PostgreSQL) as a live portfolio source.

``DatabaseSource(url)`` serves the six canonical tables from a database whose
schema ``pmo-tui db init URL`` created (:mod:`.db_migrate`); ``pmo-tui db import
FOLDER URL`` fills it from a data folder (:mod:`.db_import`). Reads are fast
Arrow fetches in one consistent snapshot (:mod:`.db_read`), rows go through the
folder loader's rules (:mod:`.db_rows`), and changes are watched with ``PRAGMA
data_version`` on SQLite (:mod:`.db_watch`) or LISTEN/NOTIFY on PostgreSQL
(:mod:`.db_listen`). The source is never written. See docs/database.md.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from pmo_tui.config import load_config
from pmo_tui.errors import SourceUnavailable
from pmo_tui.errors import redact as _redact
from pmo_tui.model import TABLES, Portfolio, TableState, assemble
from pmo_tui.problems import Problem, Severity
from pmo_tui.sources import db_migrate
from pmo_tui.sources.base import Change, WatchState
from pmo_tui.sources.db_import import import_source
from pmo_tui.sources.db_read import Raw, ReadError, make_reader
from pmo_tui.sources.db_rows import conform_rows, to_grain
from pmo_tui.sources.db_schema import LINE_TABLES, describe, parse_url
from pmo_tui.sqlite_uri import sqlite_uri

__all__ = ["DatabaseSource", "import_source", "init_schema", "redact"]

#: a cost/plan table with at least this many lines per grain is summed in SQL
AGGREGATE_RATIO = 2.0


def redact(url: str) -> str:
    """A URL (or any text) without passwords, for messages."""
    return _redact(url)


def init_schema(url: str) -> str | None:
    """Create or migrate the source schema; returns the revision it was at before.

    On SQLite the file is switched to WAL mode, so the app's reads never block
    the program that writes the data (and the other way round).
    """
    parsed = parse_url(url)
    engine = sa.create_engine(parsed)
    try:
        if parsed.get_backend_name() == "sqlite":
            assert parsed.database
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        return db_migrate.upgrade(engine)
    except sa.exc.DBAPIError as exc:
        raise SourceUnavailable(
            f"cannot set up {describe(parsed)}: {_first_line(exc.orig or exc)}"
        ) from None
    finally:
        engine.dispose()


def origin(table: str) -> str:
    """How problems and table states name a database table."""
    return f"table {table}"


class DatabaseSource:
    """The canonical tables of a database, as :class:`~pmo_tui.sources.base.Source`."""

    def __init__(
        self,
        url: str,
        config_path: Path | None = None,
        *,
        poll: float | None = None,
        use_adbc: bool | None = None,
    ) -> None:
        self.url = parse_url(url)
        self.description = describe(self.url)
        self.dialect = self.url.get_backend_name()
        self.poll = poll
        self.config, problems = load_config(config_path)
        self._config_problems = tuple(problems)
        if config_path is not None and not Path(config_path).is_file():
            self._config_problems = (
                Problem(
                    file=str(config_path),
                    rule="config",
                    message="the config file given with --config does not exist; using defaults",
                ),
            )
        self._reader = make_reader(self.url, use_adbc=use_adbc)
        self._checked_schema = False
        self._lock = threading.Lock()
        #: per line table: read it aggregated in SQL (learned from the lines per grain)
        self._aggregate: dict[str, bool] = dict.fromkeys(LINE_TABLES, False)
        #: change counters as of the last successful read (the watcher starts from them)
        self.versions: dict[str, int] = {}

    # -- Source protocol ---------------------------------------------------------------
    def load(self) -> Portfolio:
        """Everything; raises SourceUnavailable when the database cannot be read at all."""
        with self._lock:
            self._check_schema()
            at = datetime.now()
            try:
                raw = self._read(TABLES)
            except ReadError as exc:
                raise SourceUnavailable(f"cannot read {self.description}: {exc}") from None
            states = self._states(raw, at)
            return assemble(
                states, source=self.description, source_problems=self._source_problems(states)
            )

    def refresh(self, previous: Portfolio, change: Change) -> Portfolio:
        """Re-read the tables ``change`` names (all when it names none); never raises for
        an unreachable database: the last good rows stay, marked stale with the reason."""
        if change.store and not change.tables:
            return previous  # a triage change: nothing in the source to re-read
        with self._lock:
            at = datetime.now()
            tables = [t for t in TABLES if t in change.tables] if change.tables else list(TABLES)
            try:
                self._check_schema()
                raw = self._read(tables)
            except (ReadError, SourceUnavailable) as exc:
                reason = f"cannot read {self.description}: {exc}"
                failed = {
                    t: previous.states[t].failed(reason, at, previous.states[t].problems)
                    for t in tables
                }
                return previous.with_tables(failed)
            updates: dict[str, TableState] = self._states(raw, at)
            for name in TABLES:
                if name not in updates:
                    updates[name] = previous.states[name].checked(at)
            merged = {**previous.states, **updates}
            return previous.with_tables(updates, source_problems=self._source_problems(merged))

    def watch(self, stop: threading.Event) -> Iterator[Change | WatchState]:
        """Block in a thread worker; yield a Change whenever source tables change."""
        if self.poll is not None:
            from pmo_tui.sources.db_watch import watch_counters

            return watch_counters(self, stop, interval=self.poll)
        if self.dialect == "sqlite":
            from pmo_tui.sources.db_watch import watch_sqlite

            assert self.url.database
            return watch_sqlite(
                Path(self.url.database).expanduser(), stop, versions=dict(self.versions)
            )
        from pmo_tui.sources.db_listen import watch_postgres

        return watch_postgres(self, stop, versions=dict(self.versions))

    def close(self) -> None:
        close = getattr(self._reader, "close", None)
        if close is not None:
            close()

    # -- helpers used by the watchers ---------------------------------------------------
    def read_versions(self) -> dict[str, int]:
        """The change counters now (raises ReadError)."""
        return self._reader.read([]).versions

    # -- internals ----------------------------------------------------------------------
    def _check_schema(self) -> None:
        if self._checked_schema:
            return
        engine = self._inspection_engine()
        try:
            with engine.connect() as conn:
                db_migrate.require_current(conn, self.url)
        except sa.exc.DBAPIError as exc:
            raise SourceUnavailable(
                f"cannot open {self.description}: {_first_line(exc.orig or exc)}"
            ) from None
        finally:
            engine.dispose()
        self._checked_schema = True

    def _inspection_engine(self) -> sa.Engine:
        """An engine for the schema check that cannot write (SQLite would create the file)."""
        if self.dialect != "sqlite":
            return sa.create_engine(self.url)
        assert self.url.database
        path = Path(self.url.database).expanduser()
        if not path.is_file():
            raise SourceUnavailable(
                f"{path}: no such database file; create it with: pmo-tui db init {self.description}"
            )
        uri = sqlite_uri(path, "ro")
        return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))

    def _read(self, tables: Iterable[str]) -> Raw:
        raw = self._reader.read(list(tables), aggregate=self._aggregate)
        self.versions.update(raw.versions)
        return raw

    def _states(self, raw: Raw, at: datetime) -> dict[str, TableState]:
        states: dict[str, TableState] = {}
        for table, frame in raw.frames.items():
            if frame.empty:
                # no rows: the source has no such data (a folder without that file)
                states[table] = TableState.absent(table, checked_at=at)
                continue
            rows, problems = conform_rows(table, frame, origin(table))
            if table in LINE_TABLES:
                before = len(rows)
                rows = to_grain(table, rows, sort=table in raw.aggregated)
                lines = raw.lines.get(table, before)
                self._aggregate[table] = (
                    bool(rows.shape[0]) and lines / rows.shape[0] >= AGGREGATE_RATIO
                )
            states[table] = TableState.loaded(
                table, rows, origin=origin(table), at=at, problems=problems
            )
        return states

    def _source_problems(self, states: Mapping[str, TableState]) -> tuple[Problem, ...]:
        problems = list(self._config_problems)
        projects = states.get("projects")
        if projects is not None and not projects.present:
            problems.append(
                Problem(
                    file=origin("projects"),
                    table="projects",
                    rule="missing-table",
                    message=f"the projects table in {self.description} is empty; nothing to show",
                    severity=Severity.ERROR,
                )
            )
        return tuple(problems)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return _redact(text[0] if text else type(exc).__name__)
