"""Milestone trend analysis (MTA, PRODUCT.md §6.3) for a report: which lines, which points.

The store keeps one forecast snapshot per milestone per report date, and only
when something changed (docs/store.md). A milestone's forecast on a report
date is therefore its latest snapshot on or before that date. The report takes
every date on which the store recorded anything for the chosen milestones
(up to the as-of date: a report as of June does not show July's forecasts),
plus the as-of date itself with the current export's values when the store
has not recorded that day yet (``recorded: false``), and gives each milestone
a value on each of those dates from the day it was first seen.

Which milestones:

* **project scope**: all of the project's milestones (at most ``PROJECT_LINES``;
  beyond that key milestones first, then those whose forecast moved most);
* **programme scope**: the ``PROGRAMME_LINES`` milestones whose forecast moved
  most over the history (key milestones first, then by how much the slip
  changed, then by the current slip), so the chart shows where the trend is;
* **portfolio scope**: no chart (tens of thousands of milestones; drill down).

The slip table shows at most ``TABLE_DATES`` report dates: the first one, the
dates on which some chosen milestone's forecast changed, and the last one,
keeping the latest when there are more. Every point is in the json ``points``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

Record = dict[str, Any]

PROJECT_LINES = 12
PROGRAMME_LINES = 8
TABLE_DATES = 10


def mta_block(
    history: pd.DataFrame | None,
    milestones: pd.DataFrame,
    *,
    level: str,
    as_of: date,
    store_available: bool,
    store_note: str | None,
) -> Record:
    """The ``mta`` block of the report tree (see docs/report-schema.md)."""
    block: Record = {
        "drawn": False,
        "note": None,
        "selection": None,
        "candidates": 0,
        "report_dates": [],
        "table_dates": [],
        "milestones": [],
    }
    if level == "portfolio":
        block["note"] = (
            "no milestone trend chart for the whole portfolio; report on a programme or "
            "project (--scope programme:ID or project:ID) to see it"
        )
        return block
    if not store_available:
        block["note"] = "no forecast history: " + (store_note or "the triage store was not read")
        return block
    hist = _history(history, as_of)
    if hist.empty:
        block["note"] = (
            "no forecast history recorded for these milestones yet: pmo-tui records each "
            "milestone's forecast whenever the source changes; load past exports with "
            "pmo-tui --history FOLDER or pmo-tui db import --history"
        )
        return block

    current = _current(milestones)
    by_id: dict[str, Record] = {
        str(r["milestone_id"]): {str(k): v for k, v in r.items()}
        for r in current.to_dict("records")
    }
    recorded_ids = set(hist["milestone_id"].tolist())
    candidates = [m for m in current["milestone_id"].tolist() if m in recorded_ids]
    dates = sorted(set(hist["report_date"].tolist()))
    as_of_ts = pd.Timestamp(as_of)
    add_today = as_of_ts not in dates
    all_dates = [*dates, as_of_ts] if add_today else dates

    series: dict[str, list[Record]] = {}
    for mid, rows in hist.groupby("milestone_id", sort=False):
        if str(mid) in by_id:
            series[str(mid)] = _points(rows, all_dates, by_id[str(mid)], as_of_ts, add_today)

    chosen, selection = _choose(level, candidates, by_id, series)
    block["drawn"] = bool(chosen)
    block["selection"] = selection
    block["candidates"] = len(candidates)
    block["report_dates"] = [_iso(d) for d in all_dates]
    block["milestones"] = [_line(by_id[m], series[m]) for m in chosen]
    block["table_dates"] = _table_dates(block["milestones"], block["report_dates"])
    if not chosen:
        block["note"] = "none of the milestones in scope has a recorded forecast history"
    return block


def _history(history: pd.DataFrame | None, as_of: date) -> pd.DataFrame:
    if history is None or history.empty:
        return pd.DataFrame(columns=["report_date", "milestone_id"])
    return history.loc[history["report_date"] <= pd.Timestamp(as_of)]


def _current(milestones: pd.DataFrame) -> pd.DataFrame:
    return milestones.drop_duplicates("milestone_id", keep="last")


def _points(
    rows: pd.DataFrame,
    dates: list[pd.Timestamp],
    now: Record,
    as_of: pd.Timestamp,
    add_today: bool,
) -> list[Record]:
    """The milestone's value on each report date from its first snapshot on."""
    rows = rows.sort_values("report_date", kind="stable")
    taken = rows["report_date"].tolist()
    stamps = np.array(taken, dtype="datetime64[s]")
    first = taken[0]
    points: list[Record] = []
    for day in dates:
        if day < first:
            continue
        if add_today and day == as_of:
            points.append(
                _point(day, now["baseline_date"], now["forecast_date"], now["actual_date"], False)
            )
            continue
        at = int(np.searchsorted(stamps, np.datetime64(day, "s"), side="right")) - 1
        row = rows.iloc[at]
        points.append(
            _point(
                day,
                row["baseline_date"],
                row["forecast_date"],
                row["actual_date"],
                taken[at] == day,
            )
        )
    return points


def _point(day: Any, baseline: Any, forecast: Any, actual: Any, recorded: bool) -> Record:
    due = actual if pd.notna(actual) else forecast
    slip = None
    if pd.notna(due) and pd.notna(baseline):
        slip = int((pd.Timestamp(due) - pd.Timestamp(baseline)).days)
    return {
        "report_date": _iso(day),
        "baseline_date": _iso(baseline),
        "forecast_date": _iso(forecast),
        "actual_date": _iso(actual),
        "slip_days": slip,
        "recorded": recorded,
    }


def _movement(points: list[Record]) -> int:
    slips = [p["slip_days"] for p in points if p["slip_days"] is not None]
    return (max(slips) - min(slips)) if slips else 0


def _choose(
    level: str, candidates: list[str], by_id: dict[str, Record], series: dict[str, list[Record]]
) -> tuple[list[str], str]:
    limit = PROJECT_LINES if level == "project" else PROGRAMME_LINES
    ids = [m for m in candidates if m in series]
    if level == "project" and len(ids) <= limit:
        return ids, f"all {len(ids)} milestones of the project with a recorded history"

    def rank(mid: str) -> tuple[int, int, int, str]:
        row = by_id[mid]
        key: bool = bool(row["key"]) if pd.notna(row["key"]) else True
        now_slip = row["rag_slip_days"]
        return (
            0 if key else 1,
            -_movement(series[mid]),
            -(int(now_slip) if pd.notna(now_slip) else 0),
            mid,
        )

    ranked = sorted(ids, key=rank)[:limit]
    # keep the project's own order (by baseline) for the chosen ones
    order = {m: i for i, m in enumerate(ids)}
    chosen = sorted(ranked, key=lambda m: order[m])
    what = "the project's" if level == "project" else "the programme's"
    return chosen, (
        f"{len(chosen)} of {what} {len(ids)} milestones with a recorded history: key "
        "milestones first, then those whose forecast moved most"
    )


def _line(row: Record, points: list[Record]) -> Record:
    slips = [p["slip_days"] for p in points if p["slip_days"] is not None]
    return {
        "milestone_id": str(row["milestone_id"]),
        "project_id": _text(row["project_id"]),
        "project_name": _text(row.get("project_name")),
        "name": _text(row["name"]),
        "key": bool(row["key"]) if pd.notna(row["key"]) else True,
        "baseline_date": _iso(row["baseline_date"]),
        "forecast_date": _iso(row["forecast_date"]),
        "actual_date": _iso(row["actual_date"]),
        "status": _text(row["status"]),
        "first_slip_days": slips[0] if slips else None,
        "last_slip_days": slips[-1] if slips else None,
        "slip_change_days": (slips[-1] - slips[0]) if slips else None,
        "points": points,
    }


def _table_dates(lines: list[Record], dates: list[str | None]) -> list[str]:
    """First date, dates where some line's slip changed, last date; the latest TABLE_DATES."""
    known = [d for d in dates if d is not None]
    if not known:
        return []
    keep = {known[0], known[-1]}
    for line in lines:
        previous: object = object()
        for p in line["points"]:
            value = (p["forecast_date"], p["actual_date"])
            if value != previous:
                keep.add(p["report_date"])
            previous = value
    picked = [d for d in known if d in keep]
    if len(picked) > TABLE_DATES:
        picked = [picked[0], *picked[-(TABLE_DATES - 1) :]]
    return picked


def slip_on(line: Record, day: str) -> int | None:
    """The line's slip on report date ``day`` (None before its first snapshot)."""
    for p in line["points"]:
        if p["report_date"] == day:
            value = p["slip_days"]
            return None if value is None else int(value)
    return None


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(value).date().isoformat()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
