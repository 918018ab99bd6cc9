"""Roll-ups to programme and portfolio (PRODUCT.md §6.5).

* BAC, PV, EV, AC, EAC, the reported forecast_cost and the forecast at
  completion are **sums** of the projects' figures. A project whose figure is
  n/a is left out of that sum and the roll-up says so in ``incomplete``. EAC
  sums each project's ``eac_rollup``: the typical EAC, else the atypical one,
  else the reported forecast_cost, else the BAC, so no project vanishes from
  the total (``incomplete`` counts the projects taken from the reported
  forecast or at budget). ``forecast`` sums each project's reported
  forecast_cost where it has one, else its ``eac_rollup``.
* CV, SV, CPI, SPI, ETC, VAC and TCPI are **recomputed from the sums**
  (CPI = ΣEV / ΣAC, never an average of ratios).
* Burn rate is the sum of the projects' burn rates (the group's current
  monthly run rate); the run-out date uses the budget left in the projects
  that are not closed.
* **RAG** is the worst child RAG, red > amber > green > grey: grey (not
  enough data) never hides a colour, and a group whose every project is grey
  is grey. The counts per colour and the number of watermelons are given, and
  the reason names the worst projects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from pmo_tui.metrics import dates
from pmo_tui.metrics.evm import MAX_FORECAST_DAYS
from pmo_tui.metrics.lookup import positions
from pmo_tui.metrics.na import Reasons, divide, frame_of, objects
from pmo_tui.metrics.rag import AMBER, GREEN, GREY, RED

SUMMED = ("bac", "pv", "ev", "ac", "eac_rollup", "forecast_cost", "forecast", "burn_rate")
COUNTED = (
    "open_issues",
    "open_critical",
    "open_high",
    "open_medium",
    "open_low",
    "open_unrated",
    "overdue_issues",
    "milestones",
    "milestones_late",
    "milestones_at_risk",
    "milestones_missing_data",
    "milestones_done",
)
_WHY = {
    "pv": "PV",
    "ev": "EV",
    "ac": "AC",
    "eac_rollup": "EAC",
    "bac": "BAC",
}


ROLLUP_FLOATS = (
    "bac",
    "pv",
    "ev",
    "ac",
    "eac",
    "forecast_cost",
    "forecast",
    "cv",
    "sv",
    "cpi",
    "spi",
    "etc",
    "vac",
    "tcpi",
    "pct_budget_spent",
    "burn_rate",
)
ROLLUP_COUNTS = (
    "projects",
    "forecast_cost_projects",
    "n_red",
    "n_amber",
    "n_green",
    "n_grey",
    "n_watermelon",
    *COUNTED,
)


def rollup_tables(
    projects: pd.DataFrame, programmes: pd.DataFrame, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The programmes table (one row per programme, plus ``(no programme)`` when some
    projects have none) and the one-row portfolio table."""
    prog_ids = pd.Index(programmes["programme_id"], dtype="str")
    codes = positions(projects["programme_id"], prog_ids)
    n_prog = len(prog_ids)
    orphan = codes < 0
    n_groups = n_prog + (1 if orphan.any() else 0)
    codes = np.where(orphan, n_prog, codes).astype(np.int64)
    head: dict[str, Any] = {
        name: objects(programmes[name]) for name in ("programme_id", "name", "portfolio", "manager")
    }
    if n_groups > n_prog:
        for name, extra in (
            ("programme_id", None),
            ("name", "(no programme)"),
            ("portfolio", None),
            ("manager", None),
        ):
            head[name] = np.append(head[name], np.array([extra], dtype=object))
    # one pass for both: every project counts once for its programme, once for the portfolio
    n = len(projects)
    rows = np.r_[np.arange(n), np.arange(n)]
    both = rollup(projects, np.r_[codes, np.full(n, n_groups)], n_groups + 1, as_of, rows=rows)
    prog_frame = _frame({k: v[:n_groups] for k, v in both.items()}, head)
    port_frame = _frame({k: v[n_groups:] for k, v in both.items()}, {})
    return prog_frame, port_frame


def _frame(values: dict[str, np.ndarray], head: dict[str, Any]) -> pd.DataFrame:
    cols: dict[str, Any] = dict(head)
    cols["projects"] = values["projects"].astype(np.int64)
    for name in ROLLUP_FLOATS:
        cols[name] = values[name]
        if f"{name}_na" in values:
            cols[f"{name}_na"] = values[f"{name}_na"]
    cols["run_out_date"] = dates.to_dates(values["run_out_date"])
    cols["run_out_date_na"] = values["run_out_date_na"]
    cols["rag"] = values["rag"]
    cols["rag_reason"] = values["rag_reason"]
    for name in ROLLUP_COUNTS[1:]:
        cols[name] = np.rint(values[name]).astype(np.int64)
    cols["incomplete"] = values["incomplete"]
    return frame_of(cols)


def rollup(
    projects: pd.DataFrame,
    codes: np.ndarray,
    n_groups: int,
    as_of: date,
    *,
    rows: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Roll the projects metrics up into ``n_groups`` groups given by ``codes`` (0..n-1)."""

    def column(name: str, **kwargs: Any) -> np.ndarray:
        values = projects[name].to_numpy(**kwargs)
        return values if rows is None else values[rows]

    out: dict[str, np.ndarray] = {}
    reasons: dict[str, Reasons] = {}
    count = np.bincount(codes, minlength=n_groups).astype(np.float64)
    out["projects"] = count
    incomplete: list[list[str]] = [[] for _ in range(n_groups)]
    for col in SUMMED:
        values = column(col, dtype=np.float64, na_value=np.nan)
        known = np.isfinite(values)
        total = np.bincount(codes[known], weights=values[known], minlength=n_groups)
        n_known = np.bincount(codes[known], minlength=n_groups)
        total = np.where(n_known > 0, total, np.nan)
        out[col] = total
        out[f"_{col}_known"] = n_known.astype(np.float64)
        r = Reasons(n_groups)
        r.add(count == 0, "no projects")
        r.add(n_known == 0, f"{_WHY.get(col, col)} n/a for every project")
        reasons[col] = r
        if col in _WHY:
            missing = count - n_known
            for g in np.flatnonzero((missing > 0) & (n_known > 0)).tolist():
                incomplete[g].append(
                    f"{_WHY[col]} n/a for {int(missing[g])} of {int(count[g])} projects"
                    " (left out of the sum)"
                )
    out["forecast_cost_projects"] = out.pop("_forecast_cost_known")
    basis = column("eac_rollup_basis", dtype=object, na_value="")
    for label, text in (("reported", "from the reported forecast_cost"), ("budget", "at BAC")):
        k = np.bincount(codes[basis == label], minlength=n_groups)
        for g in np.flatnonzero(k).tolist():
            incomplete[g].append(
                f"EAC taken {text} for {int(k[g])} of {int(count[g])} projects (no EV or AC)"
            )
    reasons["forecast_cost"] = Reasons(n_groups)
    reasons["forecast_cost"].add(
        np.ones(n_groups, dtype=bool), "no project reports a forecast_cost"
    )

    bac, pv, ev, ac, eac = out["bac"], out["pv"], out["ev"], out["ac"], out["eac_rollup"]
    out["eac"] = out.pop("eac_rollup")
    reasons["eac"] = reasons.pop("eac_rollup")
    out["cv"], out["sv"] = ev - ac, ev - pv
    out["cpi"], out["spi"] = divide(ev, ac), divide(ev, pv)
    out["etc"], out["vac"] = eac - ac, bac - eac
    left = bac - ac
    out["tcpi"] = np.where(left > 0, divide(bac - ev, left), np.nan)
    out["pct_budget_spent"] = divide(ac, bac) * 100.0
    for name, parts in (
        ("cv", ("ev", "ac")),
        ("sv", ("ev", "pv")),
        ("etc", ("eac", "ac")),
        ("vac", ("bac", "eac")),
        ("pct_budget_spent", ("ac", "bac")),
    ):
        r = Reasons(n_groups)
        for part in parts:
            r.add(~np.isfinite(out[part]), reasons[part].array)
        r.add(
            np.ones(n_groups, dtype=bool) & (name == "pct_budget_spent") & (bac == 0),
            "budget is zero",
        )
        reasons[name] = r
    r = Reasons(n_groups)
    r.add(~np.isfinite(ev), reasons["ev"].array)
    r.add(~np.isfinite(ac), reasons["ac"].array)
    r.add(ac == 0, "no actual cost yet")
    reasons["cpi"] = r
    r = Reasons(n_groups)
    r.add(~np.isfinite(ev), reasons["ev"].array)
    r.add(~np.isfinite(pv), reasons["pv"].array)
    r.add(pv == 0, "nothing planned to date (PV is zero)")
    reasons["spi"] = r
    r = Reasons(n_groups)
    r.add(~np.isfinite(bac - ev) | ~np.isfinite(left), "EV or AC n/a")
    r.add(bac == 0, "budget is zero")
    r.add(left == 0, "budget fully spent (BAC - AC is zero)")
    r.add(left < 0, "budget already overspent (AC > BAC): no budget left to finish within")
    reasons["tcpi"] = r

    # run-out over the projects that are still running
    open_ = column("status", dtype=object, na_value="") != "closed"
    ob = column("bac", dtype=np.float64, na_value=np.nan)
    oa = column("ac", dtype=np.float64, na_value=np.nan)
    ok = open_ & np.isfinite(ob) & np.isfinite(oa)
    remaining = np.bincount(codes[ok], weights=(ob - oa)[ok], minlength=n_groups)
    burn = out["burn_rate"]
    run_days = divide(remaining, burn) * dates.DAYS_PER_MONTH
    bad = (remaining <= 0) | ~(burn > 0) | ~(run_days <= MAX_FORECAST_DAYS)
    out["run_out_date"] = np.where(bad, np.nan, float(dates.day_number(as_of)) + np.floor(run_days))
    r = Reasons(n_groups)
    r.add(bac == 0, "budget is zero")
    r.add(~np.isfinite(burn), "burn rate n/a")
    r.add(remaining <= 0, "budget of the running projects already exhausted")
    r.add(~(burn > 0), "no spend in the last 3 complete months")
    r.add(run_days > MAX_FORECAST_DAYS, "burn rate too low for a meaningful date (over 100 years)")
    reasons["run_out_date"] = r

    for col in COUNTED:
        values = column(col, dtype=np.float64, na_value=0.0)
        out[col] = np.bincount(codes, weights=values, minlength=n_groups)

    # RAG: worst child, with counts
    rag = column("rag", dtype=object, na_value=GREY)
    for colour in (RED, AMBER, GREEN, GREY):
        out[f"n_{colour}"] = np.bincount(codes[rag == colour], minlength=n_groups).astype(
            np.float64
        )
    wm = column("watermelon", dtype=bool)
    out["n_watermelon"] = np.bincount(codes[wm], minlength=n_groups).astype(np.float64)
    worst = np.where(
        out["n_red"] > 0,
        RED,
        np.where(out["n_amber"] > 0, AMBER, np.where(out["n_green"] > 0, GREEN, GREY)),
    ).astype(object)
    out["rag"] = worst
    out["rag_reason"] = _reasons(column, codes, n_groups, worst, out)
    out["incomplete"] = np.array(["; ".join(x) if x else None for x in incomplete], dtype=object)
    for name, r in reasons.items():
        out[f"{name}_na"] = r.array_for(out[name])
    return out


def _reasons(
    column: Callable[..., np.ndarray],
    codes: np.ndarray,
    n_groups: int,
    worst: np.ndarray,
    out: dict[str, np.ndarray],
) -> np.ndarray:
    """'2 of 14 projects red (P-042, P-017), 3 amber, 8 green, 1 grey (not enough data)'."""
    rag = column("rag", dtype=object, na_value=GREY)
    # name up to three projects of the worst colour: watermelons first, then by id
    named: list[list[str]] = [[] for _ in range(n_groups)]
    cand = np.flatnonzero((rag == worst[codes]) & np.isin(worst[codes], [RED, AMBER]))
    if len(cand):
        ids = column("project_id", dtype=object, na_value="")[cand].tolist()
        attention = column("attention", dtype=np.int64)[cand].tolist()
        groups = codes[cand].tolist()
        for g, _, ident in sorted(zip(groups, attention, ids, strict=True)):
            if len(named[g]) < 3:
                named[g].append(str(ident))
    texts = np.empty(n_groups, dtype=object)
    for g in range(n_groups):
        total = int(out["projects"][g])
        if total == 0:
            texts[g] = "no projects"
            continue
        parts = []
        for colour in (RED, AMBER, GREEN, GREY):
            k = int(out[f"n_{colour}"][g])
            if not k:
                continue
            text = f"{k} {colour}"
            if colour == worst[g] and named[g]:
                more = ", …" if k > len(named[g]) else ""
                text += f" ({', '.join(named[g])}{more})"
            if colour == GREY:
                text += " (not enough data)"
            parts.append(text)
        wm = int(out["n_watermelon"][g])
        lead = f"worst of {total} project{'s' if total != 1 else ''}: "
        texts[g] = (
            lead + ", ".join(parts) + (f"; {wm} watermelon{'s' if wm != 1 else ''}" if wm else "")
        )
    return texts
