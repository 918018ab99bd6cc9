"""Budget burn (PRODUCT.md §6.2): burn rate, run-out date, and the monthly S-curve.

* **Burn rate** is the mean monthly spend over the last three *complete*
  months: the as-of month counts when the as-of date is its last day,
  otherwise the window ends with the month before. Months before the project
  was active (before its start month and its first cost line, whichever is
  earlier) are left out of the mean, so a project that started two months ago
  is averaged over two months, not diluted over three.
* **Run-out date** = as-of date + (BAC - AC) / burn rate months, a month being
  365.25 / 12 days, rounded down to a whole day.
* **S-curve**: month-end values. PV cumulative from the plan (or the linear
  spread at each month end), AC cumulative up to the as-of month (later months
  are empty: there are no actuals from the future), BAC as a flat line. EV is a
  *measured* point only at the as-of month, because the sources hold only
  today's percent_complete and no history of it. For a line to draw, the
  ``ev_estimate`` series spreads today's EV over the past months in proportion
  to cumulative AC (EV_t = AC_t x CPI today): it assumes the current cost
  efficiency held throughout and is labelled as an estimate. PV x SPI was
  rejected because it only re-draws the plan; AC x CPI follows the real
  spending curve and meets the measured EV exactly at the as-of month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pmo_tui.metrics import dates
from pmo_tui.metrics.cube import MonthlyCube, take
from pmo_tui.metrics.evm import MAX_FORECAST_DAYS
from pmo_tui.metrics.na import Reasons, divide

WINDOW_MONTHS = 3


@dataclass(frozen=True, eq=False)
class Burn:
    values: dict[str, np.ndarray]
    reasons: dict[str, Reasons]


def burn_window(as_of: date) -> tuple[int, int]:
    """First and last month number of the burn-rate window."""
    last = dates.month_number(as_of) - (0 if dates.is_month_end(as_of) else 1)
    return last - WINDOW_MONTHS + 1, last


def budget_burn(
    projects: pd.DataFrame,
    costs: MonthlyCube,
    *,
    bac: np.ndarray,
    ac: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    as_of: date,
) -> Burn:
    n = len(projects)
    r = {k: Reasons(n) for k in ("burn_rate", "run_out_date", "run_out_margin_days")}
    closed = projects["status"].eq("closed").fillna(False).to_numpy(dtype=bool)
    today = float(dates.day_number(as_of))
    w_first, w_last = burn_window(as_of)

    if costs.present:
        rows = costs.rows_for(projects["project_id"])
        spend = take(costs.between(w_first, w_last), rows) / 100.0
        first_cost = take(costs.first_month(), rows, fill=np.nan)
    else:
        spend = np.full(n, np.nan)
        first_cost = np.full(n, np.nan)
        r["burn_rate"].add(np.ones(n, dtype=bool), "no costs table in the source")

    start_month = _month_of_day(start)
    active_from = np.fmin(start_month, first_cost)  # NaN only when both are unknown
    counted_from = np.where(np.isfinite(active_from), np.maximum(active_from, w_first), w_first)
    n_months = np.clip(w_last - counted_from + 1, 0, WINDOW_MONTHS)
    burn = divide(spend, n_months)
    r["burn_rate"].add(n_months == 0, "no complete month since the project started")

    remaining = bac - ac
    months_left = divide(remaining, burn)
    run_days = months_left * dates.DAYS_PER_MONTH
    run_out = today + np.floor(run_days)
    bad = closed | (remaining <= 0) | ~(burn > 0) | (run_days > MAX_FORECAST_DAYS)
    run_out = np.where(bad, np.nan, run_out)
    r["run_out_date"].add(closed, "project is closed")
    r["run_out_date"].add(bac == 0, "budget is zero")
    r["run_out_date"].inherit(~np.isfinite(ac), _ac_reason(n, costs), "AC n/a")
    r["run_out_date"].add(remaining <= 0, "budget already exhausted (AC ≥ BAC)")
    r["run_out_date"].inherit(~np.isfinite(burn), r["burn_rate"], "burn rate n/a")
    r["run_out_date"].add(burn <= 0, "no spend in the last 3 complete months")
    r["run_out_date"].add(
        run_days > MAX_FORECAST_DAYS, "burn rate too low for a meaningful date (over 100 years)"
    )

    margin = run_out - end
    r["run_out_margin_days"].inherit(~np.isfinite(run_out), r["run_out_date"], "run-out date n/a")
    r["run_out_margin_days"].add(~np.isfinite(end), "no end date")

    return Burn(
        values={
            "burn_rate": burn,
            "burn_months": n_months.astype(np.float64),
            "run_out_date": run_out,
            "run_out_margin_days": margin,
        },
        reasons=r,
    )


def _ac_reason(n: int, costs: MonthlyCube) -> Reasons:
    out = Reasons(n)
    if not costs.present:
        out.add(np.ones(n, dtype=bool), "no costs table in the source")
    return out


def _month_of_day(day_numbers: np.ndarray) -> np.ndarray:
    """Float day numbers to float month numbers (NaN stays NaN)."""
    out = np.full(len(day_numbers), np.nan)
    ok = np.isfinite(day_numbers)
    out[ok] = (
        day_numbers[ok]
        .astype(np.int64)
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )
    return out


# -- S-curve ------------------------------------------------------------------

SCURVE_COLUMNS = (
    "period",
    "pv",
    "ac",
    "ev",
    "ev_estimate",
    "bac",
    "pv_month",
    "ac_month",
)


def s_curve(
    *,
    costs: MonthlyCube,
    plan: MonthlyCube,
    project_ids: pd.Series,
    bac: np.ndarray,
    ev: np.ndarray,
    ac: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    pv_basis: np.ndarray,
    as_of: date,
) -> pd.DataFrame:
    """Monthly cumulative PV, AC, EV (and the EV estimate) plus the BAC line.

    The arrays describe the projects of one scope (portfolio, a programme, one
    project). Rows run from the first month anything happens (a start date, a
    cost or plan line) to the last (an end date, a cost or plan line), always
    including the as-of month. Money is in currency units.
    """
    this_month = dates.month_number(as_of)
    cost_rows = costs.rows_for(project_ids) if costs.present else np.full(len(project_ids), -1)
    plan_rows = plan.rows_for(project_ids) if plan.present else np.full(len(project_ids), -1)
    lo_candidates = [float(this_month)]
    hi_candidates = [float(this_month)]
    for arr in (_month_of_day(start), _month_of_day(end)):
        fin = arr[np.isfinite(arr)]
        if len(fin):
            lo_candidates.append(float(fin.min()))
            hi_candidates.append(float(fin.max()))
    for cube, rows in ((costs, cost_rows), (plan, plan_rows)):
        have = rows[rows >= 0]
        if len(have):
            firsts = cube.first_month()[have]
            lasts = cube.last_month()[have]
            if np.isfinite(firsts).any():
                lo_candidates.append(float(np.nanmin(firsts)))
                hi_candidates.append(float(np.nanmax(lasts)))
    first = int(max(min(lo_candidates), this_month - 600))
    last = int(min(max(hi_candidates), this_month + 600))
    count = last - first + 1

    # AC: monthly and cumulative, up to the as-of month only
    ac_monthly = costs.window(first, count, cost_rows) / 100.0  # (P, M)
    ac_cum_rows = np.cumsum(ac_monthly, axis=1)
    future = np.arange(first, last + 1) > this_month

    # PV: plan rows from the plan cube; others linear at each month end
    has_plan = plan_rows >= 0
    pv_monthly_plan = plan.window(first, count, plan_rows) / 100.0
    month_end = dates.month_end_days(first, count)
    total = end - start + 1.0
    frac = divide(np.clip(month_end[None, :] - start[:, None] + 1.0, 0.0, None), total[:, None])
    frac = np.clip(frac, 0.0, 1.0)
    pv_cum_linear = bac[:, None] * frac
    linear_ok = pv_basis == "linear"
    pv_cum_rows = np.where(
        has_plan[:, None],
        np.cumsum(pv_monthly_plan, axis=1),
        np.where(linear_ok[:, None], pv_cum_linear, 0.0),
    )
    pv_unknown = ~has_plan & ~linear_ok

    # EV estimate per project: EV x AC_t / AC_now (= AC_t x CPI)
    ratio = divide(ev, ac)
    ev_est_rows = ac_cum_rows * ratio[:, None]
    zero_ac = (ac == 0) & (ev == 0)
    ev_est_rows[zero_ac, :] = 0.0
    est_known = np.isfinite(ratio) | zero_ac

    n_rows = len(project_ids)
    pv = pv_cum_rows.sum(axis=0) if n_rows else np.zeros(count)
    if n_rows and pv_unknown.all():
        pv = np.full(count, np.nan)
    ac_sum = ac_cum_rows.sum(axis=0) if n_rows else np.zeros(count)
    if not costs.present:
        ac_sum = np.full(count, np.nan)
    ac_sum = np.where(future, np.nan, ac_sum)
    ac_month = np.where(future, np.nan, ac_monthly.sum(axis=0) if n_rows else np.zeros(count))
    if not costs.present:
        ac_month = np.full(count, np.nan)
    ev_estimate = ev_est_rows[est_known].sum(axis=0) if est_known.any() else np.full(count, np.nan)
    ev_estimate = np.where(future, np.nan, ev_estimate)
    ev_point = np.full(count, np.nan)
    ev_known = np.isfinite(ev)
    if ev_known.any():
        ev_point[this_month - first] = float(ev[ev_known].sum())
        ev_estimate[this_month - first] = (
            ev_point[this_month - first] if est_known.all() else ev_estimate[this_month - first]
        )
    pv_month = np.diff(pv, prepend=0.0)
    bac_line = np.full(count, float(np.nansum(bac)))
    return pd.DataFrame(
        {
            "period": dates.month_starts(first, count),
            "pv": pv,
            "ac": ac_sum,
            "ev": ev_point,
            "ev_estimate": ev_estimate,
            "bac": bac_line,
            "pv_month": pv_month,
            "ac_month": ac_month,
        }
    )
