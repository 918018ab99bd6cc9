"""Officers' triage decisions in a report: the overlay on the export's issues.

A decision set in the store (status, owner, due date) wins over the export
(``pmo_tui.store.merge_triage``, docs/store.md). For the report to say the
same thing everywhere, the overlay is applied to the *snapshot* before the
metrics run (:func:`with_triage`): an issue an officer closed no longer counts
as open, does not turn its project amber and is not listed as a key issue.
:func:`issue_triage_columns` then adds what the export said and who decided,
for the issue records of the report.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pmo_tui.model import Portfolio
from pmo_tui.store import merge_triage

OVERRIDDEN = ("status", "owner", "due_date")


def with_triage(portfolio: Portfolio, triage: pd.DataFrame | None) -> Portfolio:
    """``portfolio`` with the store's decisions over the export's issue fields.

    Returns ``portfolio`` itself when there is nothing to apply. Compute the
    report's metrics from the result, so RAG and counts include the decisions.
    """
    state = portfolio.states.get("issues")
    if triage is None or triage.empty or state is None or not state.present:
        return portfolio
    frame = state.frame
    if frame.empty:
        return portfolio
    merged = merge_triage(frame, triage)
    updated = frame.assign(**{name: merged[name] for name in OVERRIDDEN})
    if all(_same(frame[name], updated[name]) for name in OVERRIDDEN):
        return portfolio
    return portfolio.with_tables({"issues": replace(state, frame=updated)})


def _same(a: pd.Series, b: pd.Series) -> bool:
    return bool(a.isna().equals(b.isna()) and a[a.notna()].equals(b[b.notna()]))


def issue_triage_columns(
    issues: pd.DataFrame, source_issues: pd.DataFrame, triage: pd.DataFrame | None
) -> pd.DataFrame:
    """``issues`` (metrics rows) plus the triage fields of the report's issue records.

    ``source_status``, ``source_owner``, ``source_due_date``: what the export says
    (from ``source_issues``, the snapshot *before* :func:`with_triage`);
    ``priority`` (1-4, the officers' priority), ``priority_label``,
    ``triaged_by``, ``triaged_at`` (local time), ``triage_version`` (0 = never
    triaged) and ``notes`` (how many notes the issue has).
    """
    keys = issues["issue_id"].astype("str")
    source = source_issues.drop_duplicates("issue_id", keep="last").set_index("issue_id")
    out = {f"source_{name}": _aligned(source, name, keys) for name in OVERRIDDEN}
    if triage is None:
        aligned = pd.DataFrame(index=pd.Index(keys))
    else:
        aligned = triage.reindex(pd.Index(keys, name="issue_id"))
    priority = _col(aligned, "priority").astype("Int64")
    labels = {1: "low", 2: "medium", 3: "high", 4: "critical"}
    out["priority"] = priority
    out["priority_label"] = pd.Series(
        [labels.get(int(p)) if pd.notna(p) else None for p in priority.tolist()],
        dtype=object,
    )
    out["triaged_by"] = pd.Series(
        [v if isinstance(v, str) and v else None for v in _col(aligned, "updated_by").tolist()],
        dtype=object,
    )
    at = _col(aligned, "updated_at")
    out["triaged_at"] = pd.Series([_local(v) for v in at.tolist()], dtype=object)
    out["triage_version"] = _col(aligned, "version").fillna(0).astype("int64")
    out["notes"] = _col(aligned, "notes").fillna(0).astype("int64")
    extra = pd.DataFrame({k: v.to_numpy() for k, v in out.items()}, index=issues.index)
    return pd.concat([issues, extra], axis=1)


def _aligned(source: pd.DataFrame, name: str, keys: pd.Series) -> pd.Series:
    if name not in source.columns:
        return pd.Series([None] * len(keys), dtype=object)
    return source[name].reindex(pd.Index(keys)).reset_index(drop=True)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([np.nan] * len(frame), dtype=object)


def _local(value: object) -> str | None:
    if value is None or not isinstance(value, pd.Timestamp | np.datetime64) or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.to_pydatetime().astimezone().isoformat(timespec="seconds")
