"""Merge the store's triage state onto the source's issues (vectorised).

A triage field that is set wins over the source value; an unset (cleared)
field shows the source value again. The source values stay visible in
``source_*`` columns so the UI can show "owner: alice (export says: bob)".
Triage rows of issues absent from this export are not shown, and are not lost:
they reappear when the issue returns.
"""

from __future__ import annotations

import pandas as pd

OVERRIDDEN = ("status", "owner", "due_date")


def merge_triage(issues: pd.DataFrame, triage: pd.DataFrame) -> pd.DataFrame:
    """``issues`` (canonical frame) with the triage overlay from ``Store.triage_frame()``.

    Adds: ``source_status``, ``source_owner``, ``source_due_date`` (what the export
    says), ``priority`` (Int64 1–4), ``triage_version`` (int64, 0 = untriaged),
    ``triaged_by``, ``triaged_at``, ``notes`` (int64) and ``last_note_at``.
    The frame's index and row order are kept.
    """
    keys = issues["issue_id"].astype("str")
    aligned = triage.reindex(pd.Index(keys, name="issue_id"))
    aligned.index = issues.index
    out = issues.copy()
    for name in OVERRIDDEN:
        source = issues[name] if name in issues.columns else pd.Series(pd.NA, index=issues.index)
        out[f"source_{name}"] = source
        decided = aligned[name]
        if name == "due_date":
            decided = (
                decided.astype(source.dtype)
                if str(source.dtype).startswith("datetime64")
                else decided
            )
        out[name] = decided.where(decided.notna(), source)
    out["priority"] = aligned["priority"].astype("Int64")
    out["triage_version"] = aligned["version"].fillna(0).astype("int64")
    out["triaged_by"] = aligned["updated_by"]
    out["triaged_at"] = aligned["updated_at"]
    out["notes"] = aligned["notes"].fillna(0).astype("int64")
    out["last_note_at"] = aligned["last_note_at"]
    return out
