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
from pmo_tui.metrics.groups import gather_text, pick_per_group
from pmo_tui.metrics.lookup import project_row
from pmo_tui.metrics.na import Reasons, frame_of, objects, pick, text, whole
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


@dataclass(frozen=True, eq=False)
class IssueStage:
    """What the issues stage caches: the public table and the per-project summary."""

    frame: pd.DataFrame
    summary: IssueSummary


def issue_stage(
    issues: pd.DataFrame,
    projects: pd.DataFrame,
    as_of: date,
    *,
    project_rows: np.ndarray | None = None,
) -> IssueStage:
    """The enriched issues (one row per source issue, same order) and per-project counts.

    Depends only on the issues, the projects and the as-of date. ``project_rows``
    (``Portfolio.project_rows["issues"]``) saves joining the issues to the projects.
    """
    n, p = len(issues), len(projects)
    today = float(dates.day_number(as_of))
    prow = project_row(issues, projects, project_rows)
    known = prow >= 0

    is_open = (~issues["status"].isin(["closed"])).to_numpy(dtype=bool)
    severity = issues["severity"].to_numpy(dtype=np.float64, na_value=np.nan)
    sev_code = np.where(np.isfinite(severity), severity, 0).astype(np.int64)
    labels = np.array(
        [UNRATED, *(SEVERITY_LABELS.get(k, UNRATED) for k in range(1, 5))], dtype=object
    )
    label = labels[np.clip(sev_code, 0, 4)]

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
    out = frame_of(
        {
            "issue_id": frame["issue_id"],
            "project_id": frame["project_id"],
            "project_name": text(pick(objects(projects["name"]), prow)),
            "programme_id": text(pick(objects(projects["programme_id"]), prow)),
            "title": frame["title"],
            "type": frame["type"],
            "severity": frame["severity"],
            "severity_label": text(label),
            "status": frame["status"],
            "open": is_open,
            "owner": frame["owner"],
            "raised_date": frame["raised_date"],
            "due_date": frame["due_date"],
            "age_days": whole(age),
            "age_days_na": text(age_r.array_for(age)),
            "overdue": overdue,
            "days_overdue": whole(days_overdue),
            "days_overdue_na": text(over_r.array_for(days_overdue)),
            "description": frame["description"],
        }
    )

    open_known = is_open & known
    counts: dict[str, np.ndarray] = {
        "open_issues": np.bincount(prow[open_known], minlength=p).astype(np.float64)
    }
    for code, column in SEVERITY_COUNT_COLUMNS.items():
        counts[column] = np.bincount(prow[open_known & (sev_code == code)], minlength=p).astype(
            np.float64
        )
    counts["overdue_issues"] = np.bincount(prow[overdue & known], minlength=p).astype(np.float64)
    ids = issues["issue_id"]
    # the open critical issue named in the amber reason: the one raised first (then by id)
    # (an issue without a raised date sorts last)
    first = pick_per_group(
        prow,
        np.where(np.isfinite(raised), raised, 1e12),
        ids,
        p,
        largest=False,
        mask=open_known & (sev_code == CRITICAL),
    )
    summary = IssueSummary(counts, gather_text(ids, first), gather_text(issues["title"], first))
    return IssueStage(out, summary)
