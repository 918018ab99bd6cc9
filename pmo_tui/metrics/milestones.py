"""Milestone slip and status (PRODUCT.md §6.3), and what each project's time RAG needs.

Per milestone, with T the project's time tolerance in days:

* **slip_days** = (actual, else forecast) - baseline, in days; n/a without either.
* **status**, the first rule that applies:

  1. *missing data* when the project is closed but the milestone has no actual
     date (it was dropped or never recorded);
  2. *done* when it has an actual date;
  3. *late* when its forecast date is before the as-of date (it should have
     happened and has not), or, with no forecast, its baseline is;
  4. *missing data* when it has no forecast date (and its baseline is still ahead);
  5. *late* when slip > T;
  6. *at risk* when 0 < slip <= T;
  7. *on track* when slip <= 0.

* **rag_slip_days** is the slip the time RAG judges: the forecast slip, or for
  an overdue milestone at least as-of - baseline (it cannot finish before today).
* **upcoming** is a not-done milestone of a project that is not closed, due
  (forecast, else baseline) between the as-of date and ``upcoming_days`` later,
  both inclusive. Overdue milestones are late, not upcoming.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pmo_tui.metrics import dates, wording
from pmo_tui.metrics.groups import gather, gather_text, pick_per_group
from pmo_tui.metrics.lookup import project_row
from pmo_tui.metrics.na import Reasons, frame_of, objects, pick, text, whole

DONE, ON_TRACK, AT_RISK, LATE, MISSING = "done", "on track", "at risk", "late", "missing data"
STATUSES = (DONE, ON_TRACK, AT_RISK, LATE, MISSING)

COLUMNS = (
    "milestone_id",
    "project_id",
    "project_name",
    "programme_id",
    "name",
    "key",
    "baseline_date",
    "forecast_date",
    "actual_date",
    "due_date",
    "slip_days",
    "slip_days_na",
    "status",
    "status_reason",
    "days_until_due",
    "days_until_due_na",
    "upcoming",
    "overdue",
    "rag_slip_days",
    "tol_time_days",
)


@dataclass(frozen=True, eq=False)
class MilestoneSummary:
    """Per project (aligned with the projects table): what time RAG and the lists need."""

    #: worst rag_slip among open key milestones (NaN if none), and that milestone
    worst_slip: np.ndarray
    worst_id: np.ndarray
    worst_name: np.ndarray
    worst_status: np.ndarray
    worst_overdue: np.ndarray
    worst_due: np.ndarray
    #: first overdue open key milestone (None if none) and its forecast/baseline day
    overdue_id: np.ndarray
    overdue_name: np.ndarray
    overdue_day: np.ndarray
    #: counts over all milestones
    counts: dict[str, np.ndarray]
    #: the next not-done milestone by due date
    next_id: np.ndarray
    next_name: np.ndarray
    next_date: np.ndarray
    next_status: np.ndarray


@dataclass(frozen=True, eq=False)
class MilestoneStage:
    """What the milestones stage caches: the public table and the per-project summary."""

    frame: pd.DataFrame
    summary: MilestoneSummary


def milestone_stage(
    milestones: pd.DataFrame,
    projects: pd.DataFrame,
    tol_time_days: np.ndarray,
    as_of: date,
    upcoming_days: int,
    *,
    project_rows: np.ndarray | None = None,
) -> MilestoneStage:
    """The enriched milestones table (one row per source milestone, same order) and,
    per project, what time RAG and the project lists need. Depends only on the
    milestones, the projects and the as-of date. ``project_rows``
    (``Portfolio.project_rows["milestones"]``) saves joining them to the projects."""
    n = len(milestones)
    p = len(projects)
    today = float(dates.day_number(as_of))
    prow = project_row(milestones, projects, project_rows)
    known = prow >= 0

    closed_p = projects["status"].eq("closed").fillna(False).to_numpy(dtype=bool)
    closed = gather(closed_p, prow, False).astype(bool) if p else np.zeros(n, dtype=bool)
    tol = gather(np.asarray(tol_time_days, dtype=np.float64), prow, np.nan).astype(np.float64)

    base = dates.days(milestones["baseline_date"])
    fc = dates.days(milestones["forecast_date"])
    act = dates.days(milestones["actual_date"])
    has_b, has_f, has_a = np.isfinite(base), np.isfinite(fc), np.isfinite(act)

    slip = np.where(has_a, act, fc) - base
    slip_r = Reasons(n)
    slip_r.add(~has_b, "no baseline date")
    slip_r.add(~has_a & ~has_f, "no forecast or actual date")

    due = np.where(has_f, fc, base)
    overdue = ~has_a & ~closed & np.isfinite(due) & (due < today)
    # a milestone that is not done cannot finish before the as-of date
    rag_slip = np.where(
        has_a | closed, np.nan, np.where(overdue, today - base, np.where(has_f, fc - base, np.nan))
    )

    # the status rules, first match wins (see the module docstring)
    rules = [
        (closed & ~has_a, MISSING, "project is closed but the milestone has no actual date"),
        (has_a, DONE, None),
        (overdue & has_f, LATE, None),
        (overdue & ~has_f, LATE, None),
        (~has_f, MISSING, "no forecast date"),
        (has_f & (slip > tol), LATE, None),
        (has_f & (slip > 0), AT_RISK, None),
        (has_f & (slip == 0), ON_TRACK, "on baseline"),
        (has_f & (slip < 0), ON_TRACK, None),
    ]
    which = np.select([r[0] for r in rules], list(range(len(rules))), len(rules))
    status = np.array([r[1] for r in rules] + [MISSING], dtype=object)[which]
    reason = np.array([r[2] for r in rules] + ["no usable dates"], dtype=object)[which]

    def fill(rule: int, make: Callable[[np.ndarray], list[str]]) -> None:
        idx = np.flatnonzero(which == rule)
        if len(idx):
            texts = np.empty(len(idx), dtype=object)
            texts[:] = make(idx)
            reason[idx] = texts

    def done_text(idx: np.ndarray) -> list[str]:
        when = wording.iso_at(act, idx)
        lag = wording.count_days(np.abs(slip[idx]))
        sign = np.sign(np.nan_to_num(slip[idx], nan=2.0)).astype(np.int64).tolist()
        tail = {1: " after baseline", -1: " before baseline"}
        return [
            f"done on {w}"
            if k == 2
            else f"done on {w}, on baseline"
            if k == 0
            else f"done on {w}, {d}{tail[k]}"
            for w, d, k in zip(when, lag, sign, strict=True)
        ]

    def slips(idx: np.ndarray) -> tuple[list[str], list[str]]:
        return wording.count_days(np.abs(slip[idx])), wording.count_days(tol[idx])

    fill(1, done_text)
    fill(
        2,
        lambda idx: [
            f"forecast {x} has passed and it is not done (baseline {y})"
            for x, y in zip(wording.iso_at(fc, idx), wording.iso_at(base, idx), strict=True)
        ],
    )
    fill(
        3,
        lambda idx: [
            f"baseline {x} has passed; it is not done and has no forecast"
            for x in wording.iso_at(base, idx)
        ],
    )
    fill(
        5,
        lambda idx: [
            f"slips {x}, beyond the tolerance of {y}" for x, y in zip(*slips(idx), strict=True)
        ],
    )
    fill(
        6,
        lambda idx: [
            f"slips {x}, within the tolerance of {y}" for x, y in zip(*slips(idx), strict=True)
        ],
    )
    fill(8, lambda idx: [f"{x} ahead of baseline" for x in slips(idx)[0]])

    until = np.where(has_a | closed, np.nan, due - today)
    until_r = Reasons(n)
    until_r.add(has_a, "done")
    until_r.add(closed, "project is closed")
    until_r.add(~np.isfinite(due), "no forecast or baseline date")
    upcoming = ~has_a & ~closed & (until >= 0) & (until <= upcoming_days)

    key = milestones["key"].fillna(True).to_numpy(dtype=bool)
    ids, names = milestones["milestone_id"], milestones["name"]
    frame = frame_of(
        {
            "milestone_id": milestones["milestone_id"].reset_index(drop=True),
            "project_id": milestones["project_id"].reset_index(drop=True),
            "project_name": text(pick(objects(projects["name"]), prow)),
            "programme_id": text(pick(objects(projects["programme_id"]), prow)),
            "name": milestones["name"].reset_index(drop=True),
            "key": key,
            "baseline_date": milestones["baseline_date"].reset_index(drop=True),
            "forecast_date": milestones["forecast_date"].reset_index(drop=True),
            "actual_date": milestones["actual_date"].reset_index(drop=True),
            "due_date": dates.to_dates(np.where(has_a, act, due)),
            "slip_days": whole(slip),
            "slip_days_na": text(slip_r.array_for(slip)),
            "status": text(status),
            "status_reason": text(reason),
            "days_until_due": whole(until),
            "days_until_due_na": text(until_r.array_for(until)),
            "upcoming": upcoming,
            "overdue": overdue,
            "rag_slip_days": whole(rag_slip),
            "tol_time_days": whole(tol),
        }
    )

    # -- per project ---------------------------------------------------------------
    counts = {"milestones": np.bincount(prow[known], minlength=p).astype(np.float64)}
    for label, value in (
        ("milestones_late", LATE),
        ("milestones_at_risk", AT_RISK),
        ("milestones_missing_data", MISSING),
        ("milestones_done", DONE),
    ):
        counts[label] = np.bincount(prow[known & (status == value)], minlength=p).astype(np.float64)
    worst = pick_per_group(prow, rag_slip, ids, p, largest=True, mask=key)
    first_over = pick_per_group(prow, due, ids, p, largest=False, mask=key & overdue)
    nxt = pick_per_group(prow, due, ids, p, largest=False, mask=~has_a & ~closed)
    summary = MilestoneSummary(
        worst_slip=gather(rag_slip, worst, np.nan).astype(np.float64),
        worst_id=gather_text(ids, worst),
        worst_name=gather_text(names, worst),
        worst_status=gather(status, worst),
        worst_overdue=gather(overdue, worst, False).astype(bool),
        worst_due=gather(due, worst, np.nan).astype(np.float64),
        overdue_id=gather_text(ids, first_over),
        overdue_name=gather_text(names, first_over),
        overdue_day=gather(due, first_over, np.nan).astype(np.float64),
        counts=counts,
        next_id=gather_text(ids, nxt),
        next_name=gather_text(names, nxt),
        next_date=gather(due, nxt, np.nan).astype(np.float64),
        next_status=gather(status, nxt),
    )
    return MilestoneStage(frame, summary)
