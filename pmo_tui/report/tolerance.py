"""Tolerance status for cost and time, at project level and at stage level (PRINCE2).

**Project level** is what the metrics judge (docs/metrics.md §6.4): cost
compares the forecast the RAG uses with BAC against the cost tolerance; time
compares the worst of the forecast end slip and the worst open key milestone
slip with the time tolerance. The status word follows the colour: ``exceeded``
(red), ``more than half used`` (amber), ``within`` (green), ``unknown`` (grey).

**Stage level.** The data names each project's current stage (``phase``) but
has no stage plans: no stage budgets, no stage start dates, no stage
tolerances. So the report claims only what the data supports:

* *stage cost*: not judged ("n/a: the data has no stage budgets"); the report
  never invents a stage budget by prorating BAC;
* *stage time*: the current stage is taken to end at the project's next open
  key milestone (key milestones are the stage gates; without one left, the
  stage runs to the last open milestone). Its milestones are the open ones due
  up to and including that gate; their worst slip (``rag_slip_days``: an
  overdue milestone slips at least to today) is judged against the project's
  time tolerance, as PRINCE2 stage tolerances default to the project's when
  the board sets none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pmo_tui.metrics import AMBER, GREEN, GREY, RED

Record = dict[str, Any]

STATUS_WORDS = {
    RED: "exceeded",
    AMBER: "more than half used",
    GREEN: "within",
    GREY: "unknown",
}
STAGE_COST_NA = "the data has no stage budgets"


def tolerance_records(projects: pd.DataFrame, milestones: pd.DataFrame) -> list[Record]:
    """One record per project in scope, in the projects' order."""
    stages = _stages(milestones)
    out: list[Record] = []
    for row in projects.to_dict("records"):
        pid = str(row["project_id"])
        cost_rag = _text(row.get("cost_rag")) or GREY
        time_rag = _text(row.get("time_rag")) or GREY
        time_slip = _max_int(row.get("end_slip_days"), row.get("max_key_slip_days"))
        rec: Record = {
            "project_id": pid,
            "name": _text(row.get("name")),
            "programme_id": _text(row.get("programme_id")),
            "status": _text(row.get("status")),
            "stage": _text(row.get("phase")),
            "cost_status": cost_rag,
            "cost_status_text": STATUS_WORDS.get(cost_rag, cost_rag),
            "cost_forecast": _money(row.get("cost_forecast")),
            "cost_forecast_basis": _text(row.get("cost_forecast_basis")),
            "bac": _money(row.get("bac")),
            "cost_overrun": _num(row.get("cost_overrun")),
            "tol_cost": _num(row.get("tol_cost")),
            "tol_cost_level": _text(row.get("tol_cost_level")),
            "cost_tolerance_used": _num(row.get("cost_tolerance_used")),
            "cost_reason": _text(row.get("cost_rag_reason")),
            "time_status": time_rag,
            "time_status_text": STATUS_WORDS.get(time_rag, time_rag),
            "time_slip_days": time_slip,
            "tol_time_days": _int(row.get("tol_time_days")),
            "tol_time_level": _text(row.get("tol_time_level")),
            "time_tolerance_used": _num(row.get("time_tolerance_used")),
            "time_reason": _text(row.get("time_rag_reason")),
        }
        rec.update(_stage(row, stages.get(pid)))
        rec["na"] = _na(rec)
        out.append(rec)
    return out


@dataclass(frozen=True)
class Stage:
    """The current stage of one project, as far as its open milestones tell."""

    gate_id: str
    gate_name: str | None
    gate_due: str | None
    #: the gate is a key milestone (else the stage runs to the last open milestone)
    keyed: bool
    milestones: int
    worst_slip: int | None
    overdue: bool


def _stages(milestones: pd.DataFrame) -> dict[str, Stage]:
    """Per project: its open milestones (not done, with a due date) up to and including
    the first open key milestone, soonest first, summed up (vectorised)."""
    if milestones.empty:
        return {}
    ms = milestones.loc[
        (milestones["status"] != "done")
        & milestones["actual_date"].isna()
        & milestones["due_date"].notna()
    ]
    if ms.empty:
        return {}
    ms = ms.sort_values(["project_id", "due_date", "milestone_id"], kind="mergesort")
    key = ms["key"].fillna(True).to_numpy(dtype=bool)
    keyed = pd.Series(key, index=ms.index)
    groups = keyed.groupby(ms["project_id"].to_numpy(), sort=False)
    # key milestones strictly before each row in its project: 0 = in the current stage
    before = (groups.cumsum() - keyed).to_numpy()
    stage = ms.loc[before == 0].assign(_key=key[before == 0])
    by = stage.groupby("project_id", sort=False)
    last = by.tail(1).set_index("project_id")
    count = by.size()
    worst = by["rag_slip_days"].max()
    overdue = by["overdue"].any()
    has_key = by["_key"].any()
    out: dict[str, Stage] = {}
    for pid, gate in last.iterrows():
        slip = worst.get(pid)
        out[str(pid)] = Stage(
            gate_id=str(gate["milestone_id"]),
            gate_name=_text(gate["name"]),
            gate_due=_iso(gate["due_date"]),
            keyed=bool(has_key.get(pid, False)),
            milestones=int(count.get(pid, 0)),
            worst_slip=None if slip is None or pd.isna(slip) else int(slip),
            overdue=bool(overdue.get(pid, False)),
        )
    return out


def _stage(row: Mapping[Any, Any], stage: Stage | None) -> Record:
    empty: Record = {
        "stage_end_milestone_id": None,
        "stage_end_milestone": None,
        "stage_end_date": None,
        "stage_milestones": 0,
        "stage_slip_days": None,
        "stage_tolerance_used": None,
        "stage_time_status": GREY,
        "stage_time_status_text": STATUS_WORDS[GREY],
        "stage_cost_status": GREY,
        "stage_cost_status_text": STATUS_WORDS[GREY],
        "stage_reason": None,
    }
    if _text(row.get("status")) == "closed":
        empty["stage_reason"] = "project closed"
        return empty
    if stage is None:
        empty["stage_reason"] = "no open milestones with a date"
        return empty
    tol = _int(row.get("tol_time_days"))
    rec = dict(empty)
    rec.update(
        {
            "stage_end_milestone_id": stage.gate_id,
            "stage_end_milestone": stage.gate_name,
            "stage_end_date": stage.gate_due,
            "stage_milestones": stage.milestones,
        }
    )
    if stage.worst_slip is None:
        rec["stage_reason"] = "no forecast for the stage's milestones"
        return rec
    worst = stage.worst_slip
    rec["stage_slip_days"] = worst
    if tol is None:
        rec["stage_reason"] = "no time tolerance"
        return rec
    rec["stage_tolerance_used"] = worst / tol if tol > 0 else None
    if worst > tol:
        colour = RED
    elif worst > tol / 2 or stage.overdue:
        colour = AMBER
    else:
        colour = GREEN
    rec["stage_time_status"] = colour
    rec["stage_time_status_text"] = STATUS_WORDS[colour]
    gate = f"stage ends at {'key ' if stage.keyed else ''}milestone {stage.gate_id}"
    rec["stage_reason"] = (
        f"{gate}; worst slip of its {stage.milestones} open milestone(s) {worst:+d} days "
        f"against {tol} days" + ("; a milestone is overdue" if stage.overdue else "")
    )
    return rec


def _na(rec: Record) -> dict[str, str]:
    na: dict[str, str] = {"stage_cost_status": STAGE_COST_NA}
    if rec["cost_tolerance_used"] is None:
        na["cost_tolerance_used"] = rec["cost_reason"] or "no cost forecast"
    if rec["time_slip_days"] is None:
        na["time_slip_days"] = rec["time_reason"] or "no slip known"
    if rec["time_tolerance_used"] is None:
        na["time_tolerance_used"] = rec["time_reason"] or "no slip known"
    if rec["stage_slip_days"] is None:
        na["stage_slip_days"] = rec["stage_reason"] or "no stage milestones"
    if rec["stage_tolerance_used"] is None:
        na["stage_tolerance_used"] = rec["stage_reason"] or "no stage slip"
    return na


def _text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    number = float(value)
    return number if np.isfinite(number) else None


def _money(value: Any) -> float | None:
    number = _num(value)
    return None if number is None else round(number, 2) + 0.0


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _max_int(*values: Any) -> int | None:
    known = [v for v in (_int(x) for x in values) if v is not None]
    return max(known) if known else None


def _iso(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date().isoformat()
