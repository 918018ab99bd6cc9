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
from pmo_tui.metrics.na import Reasons, objects, pick

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


def milestone_status(
    milestones: pd.DataFrame,
    projects: pd.DataFrame,
    tol_time_days: np.ndarray,
    as_of: date,
    upcoming_days: int,
) -> pd.DataFrame:
    """The enriched milestones table (one row per source milestone, same order)."""
    n = len(milestones)
    today = float(dates.day_number(as_of))
    proj_index = pd.Index(projects["project_id"], dtype="str")
    prow = proj_index.get_indexer(pd.Index(milestones["project_id"], dtype="str"))
    known = prow >= 0
    prow_safe = np.where(known, prow, 0)

    closed_p = projects["status"].eq("closed").fillna(False).to_numpy(dtype=bool)
    closed = np.where(known, closed_p[prow_safe] if len(closed_p) else False, False)
    tol = np.where(known, tol_time_days[prow_safe] if len(tol_time_days) else np.nan, np.nan)

    base = dates.days(milestones["baseline_date"])
    fc = dates.days(milestones["forecast_date"])
    act = dates.days(milestones["actual_date"])
    has_b, has_f, has_a = np.isfinite(base), np.isfinite(fc), np.isfinite(act)

    outcome = np.where(has_a, act, fc)
    slip = outcome - base
    slip_r = Reasons(n)
    slip_r.add(~has_b, "no baseline date")
    slip_r.add(~has_a & ~has_f, "no forecast or actual date")

    due = np.where(has_f, fc, base)
    overdue = ~has_a & ~closed & np.isfinite(due) & (due < today)
    # a milestone that is not done cannot finish before the as-of date
    rag_slip = np.where(
        has_a | closed, np.nan, np.where(overdue, today - base, np.where(has_f, fc - base, np.nan))
    )

    status = np.full(n, MISSING, dtype=object)
    reason = np.full(n, None, dtype=object)
    assigned = np.zeros(n, dtype=bool)
    act_s, fc_s, base_s = wording.iso_days(act), wording.iso_days(fc), wording.iso_days(base)
    slip_s, tol_s = wording.count_days(np.abs(slip)), wording.count_days(tol)

    def rule(mask: np.ndarray, value: str, text: str | Callable[[int], str]) -> None:
        m = mask & ~assigned
        status[m] = value
        if isinstance(text, str):
            reason[m] = text
        else:
            idx = np.flatnonzero(m)
            reason[idx] = [text(i) for i in idx.tolist()]
        assigned[m] = True

    def done_text(i: int) -> str:
        if not has_b[i]:
            return f"done on {act_s[i]}"
        if slip[i] > 0:
            return f"done on {act_s[i]}, {slip_s[i]} after baseline"
        if slip[i] < 0:
            return f"done on {act_s[i]}, {slip_s[i]} before baseline"
        return f"done on {act_s[i]}, on baseline"

    rule(closed & ~has_a, MISSING, "project is closed but the milestone has no actual date")
    rule(has_a, DONE, done_text)
    rule(
        overdue & has_f,
        LATE,
        lambda i: f"forecast {fc_s[i]} has passed and it is not done (baseline {base_s[i]})",
    )
    rule(
        overdue & ~has_f,
        LATE,
        lambda i: f"baseline {base_s[i]} has passed; it is not done and has no forecast",
    )
    rule(~has_f, MISSING, "no forecast date")
    rule(
        has_f & (slip > tol),
        LATE,
        lambda i: f"slips {slip_s[i]}, beyond the tolerance of {tol_s[i]}",
    )
    rule(
        has_f & (slip > 0),
        AT_RISK,
        lambda i: f"slips {slip_s[i]}, within the tolerance of {tol_s[i]}",
    )
    rule(has_f & (slip == 0), ON_TRACK, "on baseline")
    rule(has_f & (slip < 0), ON_TRACK, lambda i: f"{slip_s[i]} ahead of baseline")
    rule(np.ones(n, dtype=bool), MISSING, "no usable dates")

    until = np.where(has_a | closed, np.nan, due - today)
    until_r = Reasons(n)
    until_r.add(has_a, "done")
    until_r.add(closed, "project is closed")
    until_r.add(~np.isfinite(due), "no forecast or baseline date")
    upcoming = ~has_a & ~closed & (until >= 0) & (until <= upcoming_days)

    key = milestones["key"].fillna(True).to_numpy(dtype=bool)
    names = objects(projects["name"])
    progs = objects(projects["programme_id"])

    out = pd.DataFrame(
        {
            "milestone_id": milestones["milestone_id"].reset_index(drop=True),
            "project_id": milestones["project_id"].reset_index(drop=True),
            "project_name": pd.Series(pick(names, prow), dtype="str"),
            "programme_id": pd.Series(pick(progs, prow), dtype="str"),
            "name": milestones["name"].reset_index(drop=True),
            "key": pd.Series(key, dtype="bool"),
            "baseline_date": milestones["baseline_date"].reset_index(drop=True),
            "forecast_date": milestones["forecast_date"].reset_index(drop=True),
            "actual_date": milestones["actual_date"].reset_index(drop=True),
            "due_date": dates.to_dates(np.where(has_a, act, due)),
            "slip_days": _int(slip),
            "slip_days_na": slip_r.series(slip),
            "status": pd.Series(status, dtype="str"),
            "status_reason": pd.Series(reason, dtype="str"),
            "days_until_due": _int(until),
            "days_until_due_na": until_r.series(until),
            "upcoming": pd.Series(upcoming, dtype="bool"),
            "overdue": pd.Series(overdue, dtype="bool"),
            "rag_slip_days": _int(rag_slip),
            "tol_time_days": _int(tol),
        }
    )
    return out


def summarise(enriched: pd.DataFrame, project_ids: pd.Series) -> MilestoneSummary:
    """Per project: worst open key milestone, first overdue one, counts, next milestone."""
    p = len(project_ids)
    index = pd.Index(project_ids, dtype="str")
    prow = index.get_indexer(pd.Index(enriched["project_id"], dtype="str"))

    status = objects(enriched["status"])
    counts = {}
    for label, value in (
        ("milestones", None),
        ("milestones_late", LATE),
        ("milestones_at_risk", AT_RISK),
        ("milestones_missing_data", MISSING),
        ("milestones_done", DONE),
    ):
        mask = prow >= 0 if value is None else (prow >= 0) & (status == value)
        counts[label] = np.bincount(prow[mask], minlength=p).astype(np.float64)

    key = enriched["key"].to_numpy(dtype=bool)
    rag_slip = enriched["rag_slip_days"].to_numpy(dtype=np.float64, na_value=np.nan)
    ids = objects(enriched["milestone_id"])
    names = objects(enriched["name"])

    worst_slip = np.full(p, np.nan)
    worst_id = np.full(p, None, dtype=object)
    worst_name = np.full(p, None, dtype=object)
    worst_status = np.full(p, None, dtype=object)
    worst_overdue = np.zeros(p, dtype=bool)
    worst_due = np.full(p, np.nan)
    overdue = enriched["overdue"].to_numpy(dtype=bool)
    due = dates.days(enriched["due_date"])
    cand = np.flatnonzero((prow >= 0) & key & np.isfinite(rag_slip))
    if len(cand):
        # order: project, then slip descending, then milestone id for a stable pick
        order = cand[np.lexsort((ids[cand].astype(str), -rag_slip[cand], prow[cand]))]
        first = order[np.r_[True, prow[order][1:] != prow[order][:-1]]]
        worst_slip[prow[first]] = rag_slip[first]
        worst_id[prow[first]] = ids[first]
        worst_name[prow[first]] = names[first]
        worst_status[prow[first]] = status[first]
        worst_overdue[prow[first]] = overdue[first]
        worst_due[prow[first]] = due[first]

    overdue_id = np.full(p, None, dtype=object)
    overdue_name = np.full(p, None, dtype=object)
    overdue_day = np.full(p, np.nan)
    cand = np.flatnonzero((prow >= 0) & key & overdue)
    if len(cand):
        order = cand[np.lexsort((ids[cand].astype(str), due[cand], prow[cand]))]
        first = order[np.r_[True, prow[order][1:] != prow[order][:-1]]]
        overdue_id[prow[first]] = ids[first]
        overdue_name[prow[first]] = names[first]
        overdue_day[prow[first]] = due[first]

    next_id = np.full(p, None, dtype=object)
    next_name = np.full(p, None, dtype=object)
    next_date = np.full(p, np.nan)
    next_status = np.full(p, None, dtype=object)
    open_ = (
        (status != DONE)
        & (prow >= 0)
        & np.isfinite(due)
        & enriched["actual_date"].isna().to_numpy()
    )
    cand = np.flatnonzero(open_)
    if len(cand):
        order = cand[np.lexsort((ids[cand].astype(str), due[cand], prow[cand]))]
        first = order[np.r_[True, prow[order][1:] != prow[order][:-1]]]
        next_id[prow[first]] = ids[first]
        next_name[prow[first]] = names[first]
        next_date[prow[first]] = due[first]
        next_status[prow[first]] = status[first]

    return MilestoneSummary(
        worst_slip,
        worst_id,
        worst_name,
        worst_status,
        worst_overdue,
        worst_due,
        overdue_id,
        overdue_name,
        overdue_day,
        counts,
        next_id,
        next_name,
        next_date,
        next_status,
    )


def _int(values: np.ndarray) -> pd.Series:
    """Whole days as a nullable integer column (NaN -> NA)."""
    return pd.Series(values, dtype="float64").round().astype("Int64")
