"""``pmo-tui db import FOLDER URL``: load a data folder into the source tables.

The folder is read by the folder loader (so every format quirk and every rule
applies), the schema is created or migrated, and the six tables are replaced in
one transaction: a reader sees the old portfolio or the new one, never half of
each. A table the folder lacks becomes empty (the database source then treats
it as absent, as the folder did). Rows the loader rejected are not imported and
are printed with file, row, column and reason, like ``pmo-tui check``; rows that
refer to unknown projects are imported (nothing is lost) and reported again
whenever the database is read.

``--history``: FOLDER holds dated snapshot folders (``2026-09-30``,
``export-20261031``, ...). Each snapshot's milestone forecasts are recorded in
the triage store of the same database (milestone trend analysis), and the
newest snapshot becomes the source data.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
import sqlalchemy as sa

from pmo_tui.errors import PmoError, SourceUnavailable
from pmo_tui.model import SCHEMAS, TABLES, Portfolio, column_names
from pmo_tui.problems import Severity
from pmo_tui.sources import db_migrate
from pmo_tui.sources.db_schema import TABLE, describe, parse_url

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")


def dated_snapshots(folder: Path) -> tuple[list[tuple[date, Path]], list[str]]:
    """Sub-folders whose name holds a date, oldest first; and the names that do not."""
    found: list[tuple[date, Path]] = []
    skipped: list[str] = []
    for child in sorted(folder.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        day = _date_in(child.name)
        if day is None:
            skipped.append(child.name)
        else:
            found.append((day, child))
    found.sort(key=lambda item: item[0])
    return found, skipped


def _date_in(name: str) -> date | None:
    for pattern in (_ISO, _COMPACT):
        match = pattern.search(name)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                continue
    return None


def import_source(
    folder: Path,
    url: str,
    *,
    config: Path | None = None,
    history: bool = False,
    out: TextIO | None = None,
) -> int:
    """Replace the source tables at ``url`` with ``folder``; 0 when clean, 1 with problems."""
    from pmo_tui.sources.folder import FolderSource

    out = out or sys.stdout
    parsed = parse_url(url)
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise SourceUnavailable(f"{folder}: not a folder")
    snapshots: list[tuple[date, Path]] = []
    if history:
        snapshots, skipped = dated_snapshots(folder)
        if not snapshots:
            raise PmoError(
                f"{folder}: no dated snapshot folders (names like 2026-09-30 or export-20260930)"
            )
        for name in skipped:
            print(f"skipped {name}: no date in its name", file=out)
        folder = snapshots[-1][1]

    portfolio = FolderSource(folder, config_path=config).load()
    engine = sa.create_engine(parsed)
    try:
        db_migrate.upgrade(engine)
        counts = _replace(engine, portfolio)
    except sa.exc.DBAPIError as exc:
        detail = str(exc.orig or exc).strip().splitlines()
        raise PmoError(
            f"import into {describe(parsed)} failed, nothing was changed: "
            f"{detail[0] if detail else type(exc).__name__}"
        ) from None
    finally:
        engine.dispose()

    summary = ", ".join(f"{counts[t]:,} {t}" for t in TABLES)
    print(f"imported {folder} into {describe(parsed)}: {summary}", file=out)
    if history:
        recorded = _backfill(url, snapshots, config)
        print(
            f"recorded {recorded:,} milestone forecasts from {len(snapshots)} snapshots "
            f"({snapshots[0][0]} to {snapshots[-1][0]})",
            file=out,
        )
    problems = portfolio.problems
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if problems:
        print(
            f"{len(problems)} problems ({len(errors)} errors, rows with errors were not imported "
            "unless they only refer to an unknown project):",
            file=out,
        )
        for problem in problems:
            print(f"  {problem}", file=out)
    return 1 if errors else 0


def _backfill(url: str, snapshots: list[tuple[date, Path]], config: Path | None) -> int:
    from pmo_tui.sources.folder import FolderSource
    from pmo_tui.store import open_store

    def frames() -> Iterator[tuple[date, pd.DataFrame]]:
        for day, path in snapshots:
            yield day, FolderSource(path, config_path=config).load()["milestones"]

    store = open_store(None, source=url)
    try:
        return store.backfill(frames())
    finally:
        store.close()


def _replace(engine: sa.Engine, portfolio: Portfolio) -> dict[str, int]:
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table in reversed(TABLES):
            conn.execute(TABLE[table].delete())
        for table in TABLES:
            state = portfolio.states[table]
            frame = state.frame if state.present else pd.DataFrame()
            counts[table] = len(frame)
            if frame.empty:
                continue
            if conn.dialect.name == "postgresql":
                _copy_in(conn, table, frame)
            else:
                _insert_many(conn, table, frame)
    return counts


def _columns(table: str, frame: pd.DataFrame) -> list[list[Any]]:
    """Column values as Python objects the DB-API takes: None for missing, ISO dates."""
    out: list[list[Any]] = []
    for col in SCHEMAS[table]:
        series = frame[col.name]
        if col.kind in ("date", "month"):
            text = series.dt.strftime("%Y-%m-%d")
            out.append(text.astype(object).where(series.notna(), None).tolist())
        elif col.kind in ("money", "percent"):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            out.append([None if np.isnan(v) else float(v) for v in values])
        else:
            out.append(series.astype(object).where(series.notna(), None).tolist())
    return out


def _insert_many(conn: sa.Connection, table: str, frame: pd.DataFrame) -> None:
    names = column_names(table)
    sql = (
        f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
        f"VALUES ({', '.join('?' * len(names))})"
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.executemany(sql, zip(*_columns(table, frame), strict=True))


def _copy_in(conn: sa.Connection, table: str, frame: pd.DataFrame) -> None:
    names = column_names(table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in zip(*_columns(table, frame), strict=True):
        writer.writerow(["" if v is None else v for v in row])
    driver = conn.connection.driver_connection
    assert driver is not None
    cols = ", ".join(f'"{n}"' for n in names)
    with (
        driver.cursor() as cur,
        cur.copy(f'COPY "{table}" ({cols}) FROM STDIN (FORMAT csv)') as copy,
    ):
        copy.write(buffer.getvalue())
