"""Milestone trend analysis: one forecast snapshot per milestone per report date.

``record`` upserts the day's row for each milestone (the last record of a day
wins); rows whose values did not change are not written at all, so recording
the same snapshot again is free and wakes no watcher. Nothing is ever deleted:
a milestone missing from today's export keeps its history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from pmo_tui.store.batches import batches
from pmo_tui.store.errors import InvalidValue
from pmo_tui.store.schema import forecast

VALUE_COLUMNS = ("project_id", "baseline_date", "forecast_date", "actual_date")
DATE_COLUMNS = ("baseline_date", "forecast_date", "actual_date")
#: (milestone_id, project_id, baseline_date, forecast_date, actual_date)
Snapshot = tuple[str, str | None, date | None, date | None, date | None]


def _as_date(value: object) -> date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return None if pd.isna(value) else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, str):
        return date.fromisoformat(value) if value.strip() else None
    raise ValueError(f"not a date: {value!r}")


def snapshot_rows(
    milestones: pd.DataFrame,
) -> list[Snapshot]:
    """``(milestone_id, project_id, baseline, forecast, actual)`` per milestone.

    A milestone listed twice counts once: the last row wins."""
    if "milestone_id" not in milestones.columns:
        raise InvalidValue("milestones", "the frame has no milestone_id column")
    frame = milestones.drop_duplicates("milestone_id", keep="last")
    n = len(frame)
    ids = frame["milestone_id"].tolist()
    projects = frame["project_id"].tolist() if "project_id" in frame.columns else [None] * n
    cols = [
        [_as_date(v) for v in frame[c].tolist()] if c in frame.columns else [None] * n
        for c in DATE_COLUMNS
    ]
    rows = []
    for i, mid in enumerate(ids):
        if mid is None or (isinstance(mid, float) and np.isnan(mid)):
            continue
        project = projects[i]
        project = (
            None
            if project is None or (isinstance(project, float) and np.isnan(project))
            else str(project)
        )
        rows.append((str(mid), project, cols[0][i], cols[1][i], cols[2][i]))
    return rows


def changed_rows(
    conn: Connection,
    rows: list[Snapshot],
    day: date,
) -> list[Snapshot]:
    """The rows that differ from what is stored for ``day`` (new milestones included)."""
    stored = {
        r[0]: tuple(r[1:])
        for r in conn.execute(
            sa.select(forecast.c.milestone_id, *(forecast.c[c] for c in VALUE_COLUMNS)).where(
                forecast.c.report_date == day
            )
        )
    }
    return [r for r in rows if stored.get(r[0]) != r[1:]]


def upsert(conn: Connection, rows: list[tuple[Any, ...]], day: date, at: datetime) -> int:
    """Insert or update ``rows`` for ``day`` (only where values differ). Returns rows sent."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        # one statement over arrays: fast, and one trigger call (one NOTIFY) per record
        conn.execute(
            _PG_UPSERT,
            {
                "day": day,
                "at": at.astimezone(UTC).replace(tzinfo=None),
                **{name: [r[i] for r in rows] for i, name in enumerate(_PG_ARRAYS)},
            },
        )
        return len(rows)
    stmt = sqlite.insert(forecast)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[forecast.c.milestone_id, forecast.c.report_date],
        set_={c: excluded[c] for c in (*VALUE_COLUMNS, "recorded_at")},
        where=sa.or_(*(forecast.c[c].is_distinct_from(excluded[c]) for c in VALUE_COLUMNS)),
    )
    params = [
        {
            "milestone_id": r[0],
            "report_date": day,
            "project_id": r[1],
            "baseline_date": r[2],
            "forecast_date": r[3],
            "actual_date": r[4],
            "recorded_at": at,
        }
        for r in rows
    ]
    conn.execute(stmt, params)
    return len(rows)


_PG_ARRAYS = ("ids", "projects", "baselines", "forecasts", "actuals")
_PG_UPSERT = sa.text(
    """
    INSERT INTO store_forecast (milestone_id, report_date, project_id, baseline_date,
                                forecast_date, actual_date, recorded_at)
    SELECT m, :day, p, b, f, a, :at
    FROM unnest(CAST(:ids AS text[]), CAST(:projects AS text[]), CAST(:baselines AS date[]),
                CAST(:forecasts AS date[]), CAST(:actuals AS date[])) AS u(m, p, b, f, a)
    ON CONFLICT (milestone_id, report_date) DO UPDATE SET
        project_id = EXCLUDED.project_id, baseline_date = EXCLUDED.baseline_date,
        forecast_date = EXCLUDED.forecast_date, actual_date = EXCLUDED.actual_date,
        recorded_at = EXCLUDED.recorded_at
    WHERE (store_forecast.project_id, store_forecast.baseline_date,
           store_forecast.forecast_date, store_forecast.actual_date)
          IS DISTINCT FROM
          (EXCLUDED.project_id, EXCLUDED.baseline_date,
           EXCLUDED.forecast_date, EXCLUDED.actual_date)
    """
)


def history(
    conn: Connection,
    project_id: str | None = None,
    milestone_ids: Iterable[str] | None = None,
    since: date | None = None,
) -> pd.DataFrame:
    """Forecast snapshots, sorted by milestone then report date, with slip in days."""
    cols = [
        forecast.c.report_date,
        forecast.c.milestone_id,
        *(forecast.c[c] for c in VALUE_COLUMNS),
    ]
    query = sa.select(*cols)
    if project_id is not None:
        query = query.where(forecast.c.project_id == project_id)
    if since is not None:
        query = query.where(forecast.c.report_date >= since)
    result: list[Any] = []
    if milestone_ids is not None:
        ids = sorted(set(milestone_ids))
        for chunk_ids in batches(ids):
            chunk = query.where(forecast.c.milestone_id.in_(chunk_ids))
            result.extend(conn.execute(chunk).all())
    else:
        result = list(conn.execute(query).all())
    names = ["report_date", "milestone_id", *VALUE_COLUMNS]
    frame = pd.DataFrame([tuple(r) for r in result], columns=names)
    out = pd.DataFrame(
        {
            "report_date": pd.to_datetime(frame["report_date"]).astype("datetime64[s]"),
            "milestone_id": frame["milestone_id"].astype("str"),
            "project_id": frame["project_id"].astype("str"),
            **{c: pd.to_datetime(frame[c]).astype("datetime64[s]") for c in DATE_COLUMNS},
        }
    )
    done_or_forecast = out["actual_date"].fillna(out["forecast_date"])
    out["slip_days"] = (done_or_forecast - out["baseline_date"]).dt.days.astype("Int64")
    return out.sort_values(["milestone_id", "report_date"], kind="stable").reset_index(drop=True)
