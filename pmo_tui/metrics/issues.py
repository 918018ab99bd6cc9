"""Issues and risks, enriched for the triage queue and for RAG.

* **open**: status is ``open`` or ``in progress``; an issue without a status
  counts as open (an unknown state is not a closed one).
* **severity_label**: low, medium, high, critical (1-4); ``unrated`` when missing.
* **age_days** = as-of - raised_date (n/a without a raised date).
* **overdue**: open, with a due date before the as-of date; ``days_overdue`` by how much.

Per project: open counts per severity, overdue count, and the open critical
issues that turn a project amber (§6.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pmo_tui.metrics import dates
from pmo_tui.metrics.na import Reasons, objects, pick
from pmo_tui.model import SEVERITY_LABELS

CRITICAL = 4
UNRATED = "unrated"
SEVERITY_COUNT_COLUMNS = {
    4: "open_critical",
    3: "open_high",
    2: "open_medium",
    1: "open_low",
    0: "open_unrated",
}


@dataclass(frozen=True, eq=False)
class IssueSummary:
    """Per project (aligned with the projects table)."""

    counts: dict[str, np.ndarray]
    #: the first open critical issue per project (for the amber reason)
    critical_id: np.ndarray
    critical_title: np.ndarray


def enrich(issues: pd.DataFrame, projects: pd.DataFrame, as_of: date) -> pd.DataFrame:
    n = len(issues)
    today = float(dates.day_number(as_of))
    index = pd.Index(projects["project_id"], dtype="str")
    prow = index.get_indexer(pd.Index(issues["project_id"], dtype="str"))
    names = objects(projects["name"])
    progs = objects(projects["programme_id"])

    status = issues["status"]
    is_open = (~status.isin(["closed"])).to_numpy(dtype=bool)
    severity = issues["severity"].to_numpy(dtype=np.float64, na_value=np.nan)
    label = pd.Series(issues["severity"].map(SEVERITY_LABELS), dtype="str").fillna(UNRATED)

    raised = dates.days(issues["raised_date"])
    due = dates.days(issues["due_date"])
    age = today - raised
    age_r = Reasons(n)
    age_r.add(~np.isfinite(raised), "no raised date")
    overdue = is_open & np.isfinite(due) & (due < today)
    days_overdue = np.where(overdue, today - due, np.nan)
    over_r = Reasons(n)
    over_r.add(~is_open, "closed")
    over_r.add(~np.isfinite(due), "no due date")
    over_r.add(due >= today, "not overdue")

    frame = issues.reset_index(drop=True)
    return pd.DataFrame(
        {
            "issue_id": frame["issue_id"],
            "project_id": frame["project_id"],
            "project_name": pd.Series(pick(names, prow), dtype="str"),
            "programme_id": pd.Series(pick(progs, prow), dtype="str"),
            "title": frame["title"],
            "type": frame["type"],
            "severity": frame["severity"],
            "severity_label": label.reset_index(drop=True),
            "status": frame["status"],
            "open": pd.Series(is_open, dtype="bool"),
            "owner": frame["owner"],
            "raised_date": frame["raised_date"],
            "due_date": frame["due_date"],
            "age_days": pd.Series(age).round().astype("Int64"),
            "age_days_na": age_r.series(age),
            "overdue": pd.Series(overdue, dtype="bool"),
            "days_overdue": pd.Series(days_overdue).round().astype("Int64"),
            "days_overdue_na": over_r.series(days_overdue),
            "description": frame["description"],
            "_severity": severity,
        }
    )


def summarise(enriched: pd.DataFrame, project_ids: pd.Series) -> IssueSummary:
    p = len(project_ids)
    index = pd.Index(project_ids, dtype="str")
    prow = index.get_indexer(pd.Index(enriched["project_id"], dtype="str"))
    is_open = enriched["open"].to_numpy(dtype=bool) & (prow >= 0)
    sev = enriched["_severity"].to_numpy(dtype=np.float64)
    sev_code = np.where(np.isfinite(sev), sev, 0).astype(np.int64)

    counts: dict[str, np.ndarray] = {
        "open_issues": np.bincount(prow[is_open], minlength=p).astype(np.float64)
    }
    for code, column in SEVERITY_COUNT_COLUMNS.items():
        mask = is_open & (sev_code == code)
        counts[column] = np.bincount(prow[mask], minlength=p).astype(np.float64)
    overdue = enriched["overdue"].to_numpy(dtype=bool) & (prow >= 0)
    counts["overdue_issues"] = np.bincount(prow[overdue], minlength=p).astype(np.float64)

    critical_id = np.full(p, None, dtype=object)
    critical_title = np.full(p, None, dtype=object)
    cand = np.flatnonzero(is_open & (sev_code == CRITICAL))
    if len(cand):
        ids = objects(enriched["issue_id"])
        titles = objects(enriched["title"])
        order = cand[np.lexsort((ids[cand].astype(str), prow[cand]))]
        first = order[np.r_[True, prow[order][1:] != prow[order][:-1]]]
        critical_id[prow[first]] = ids[first]
        critical_title[prow[first]] = titles[first]
    return IssueSummary(counts, critical_id, critical_title)
