"""Earned value per project (PRODUCT.md §6.1), vectorised over the projects table.

Definitions, all "to date" meaning up to the end of the as-of day:

* BAC = budget.
* PV = planned value to date. From the ``plan`` table when the project has plan
  rows: every plan month before the as-of month in full, plus the as-of month
  pro rata to the day (``as_of.day / days in month``; the whole month on its
  last day). Without plan rows: BAC spread linearly over the days from
  start_date to end_date inclusive.
* EV = BAC x percent_complete / 100.
* AC = the sum of cost lines whose month is not after the as-of month
  (actuals booked for the current month count in full).
* CV = EV - AC, SV = EV - PV, CPI = EV / AC, SPI = EV / PV.
* EAC = BAC / CPI (typical); EAC atypical = AC + (BAC - EV).
* ETC = EAC - AC, VAC = BAC - EAC, TCPI = (BAC - EV) / (BAC - AC).

Every undefined figure is NaN with a reason (see :mod:`pmo_tui.metrics.na`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from pmo_tui.metrics import dates
from pmo_tui.metrics.cube import MonthlyCube, take
from pmo_tui.metrics.na import NONE, Reasons, divide

#: a forecast duration longer than this is not a date anyone can act on
MAX_FORECAST_DAYS = 100 * 365.25


@dataclass(frozen=True, eq=False)
class Evm:
    """Per-project arrays, aligned with the projects table."""

    values: dict[str, np.ndarray]
    reasons: dict[str, Reasons] = field(default_factory=dict)
    #: "plan" | "linear" | None per project
    pv_basis: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    #: "typical" | "atypical" | "reported" | "budget" | None: where eac_rollup came from
    eac_rollup_basis: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))


def earned_value(
    projects: pd.DataFrame,
    costs: MonthlyCube,
    plan: MonthlyCube,
    as_of: date,
) -> Evm:
    n = len(projects)
    ids = projects["project_id"]
    today = float(dates.day_number(as_of))
    this_month = dates.month_number(as_of)

    bac = projects["budget"].to_numpy(dtype=np.float64, na_value=np.nan)
    pc = projects["percent_complete"].to_numpy(dtype=np.float64, na_value=np.nan)
    start = dates.days(projects["start_date"])
    end = dates.days(projects["end_date"])
    r: dict[str, Reasons] = {
        k: Reasons(n)
        for k in (
            "bac",
            "pv",
            "ev",
            "ac",
            "cv",
            "sv",
            "cpi",
            "spi",
            "eac",
            "eac_atypical",
            "eac_rollup",
            "etc",
            "vac",
            "tcpi",
            "pct_time_elapsed",
            "pct_budget_spent",
            "computed_end_date",
        )
    }
    r["bac"].add(~np.isfinite(bac), "no budget")

    # -- time elapsed and the linear spread ----------------------------------
    total_days = end - start + 1.0
    elapsed_days = np.clip(
        today - start + 1.0, 0.0, np.where(np.isfinite(total_days), total_days, np.nan)
    )
    time_fraction = divide(elapsed_days, total_days)
    bad_dates = np.isfinite(total_days) & (total_days <= 0)
    no_dates = ~np.isfinite(start) | ~np.isfinite(end)
    r["pct_time_elapsed"].add(
        no_dates & ~np.isfinite(start) & ~np.isfinite(end), "no start or end date"
    )
    r["pct_time_elapsed"].add(~np.isfinite(start), "no start date")
    r["pct_time_elapsed"].add(~np.isfinite(end), "no end date")
    r["pct_time_elapsed"].add(bad_dates, "end date is before start date")
    pct_time = np.where(bad_dates, np.nan, time_fraction * 100.0)

    # -- PV ------------------------------------------------------------------
    plan_rows = plan.rows_for(ids) if plan.present else np.full(n, -1, dtype=np.int64)
    has_plan = plan_rows >= 0
    month_fraction = dates.fraction_of_month(as_of)
    plan_to_date = (
        plan.through(this_month - 1) + plan.in_month(this_month) * month_fraction
    ) / 100.0
    pv_plan = take(plan_to_date, plan_rows)
    pv_linear = np.where(bad_dates, np.nan, bac * time_fraction)
    pv = np.where(has_plan, pv_plan, pv_linear)
    pv_basis = np.where(has_plan, "plan", np.where(np.isfinite(pv_linear), "linear", NONE)).astype(
        object
    )
    r["pv"].add(~has_plan & no_dates, "no plan rows and no start/end date: PV unknown")
    r["pv"].add(~has_plan & bad_dates, "no plan rows and end date is before start date: PV unknown")
    r["pv"].inherit(~has_plan & ~np.isfinite(bac), r["bac"], "BAC n/a")

    # -- EV and AC -----------------------------------------------------------
    ev = bac * pc / 100.0
    r["ev"].add(~np.isfinite(pc), "percent_complete missing")
    r["ev"].inherit(~np.isfinite(bac), r["bac"], "BAC n/a")
    if costs.present:
        cost_rows = costs.rows_for(ids)
        ac = take(costs.through(this_month), cost_rows) / 100.0
    else:
        ac = np.full(n, np.nan)
        r["ac"].add(np.ones(n, dtype=bool), "no costs table in the source")

    # -- variances and indices -----------------------------------------------
    cv = ev - ac
    r["cv"].inherit(~np.isfinite(ev), r["ev"], "EV n/a")
    r["cv"].inherit(~np.isfinite(ac), r["ac"], "AC n/a")
    sv = ev - pv
    r["sv"].inherit(~np.isfinite(ev), r["ev"], "EV n/a")
    r["sv"].inherit(~np.isfinite(pv), r["pv"], "PV n/a")

    cpi = divide(ev, ac)
    r["cpi"].inherit(~np.isfinite(ev), r["ev"], "EV n/a")
    r["cpi"].inherit(~np.isfinite(ac), r["ac"], "AC n/a")
    r["cpi"].add(ac == 0, "no actual cost yet")
    r["cpi"].add(ac < 0, "actual cost is negative (credits exceed costs)")
    cpi[ac < 0] = np.nan

    spi = divide(ev, pv)
    r["spi"].inherit(~np.isfinite(ev), r["ev"], "EV n/a")
    r["spi"].inherit(~np.isfinite(pv), r["pv"], "PV n/a")
    r["spi"].add(
        (pv == 0) & np.isfinite(start) & (today < start),
        "not started: nothing planned by the as-of date",
    )
    r["spi"].add(pv == 0, "nothing planned to date (PV is zero)")
    r["spi"].add(pv < 0, "planned value is negative")
    spi[pv < 0] = np.nan

    # -- forecasts -----------------------------------------------------------
    eac = divide(bac, cpi)
    eac[bac == 0] = np.nan
    r["eac"].add(bac == 0, "budget is zero")
    r["eac"].inherit(~np.isfinite(cpi), r["cpi"], "CPI n/a")
    r["eac"].add(cpi == 0, "EV is zero, so CPI is 0 and BAC/CPI is unbounded")

    eac_atypical = ac + (bac - ev)
    r["eac_atypical"].inherit(~np.isfinite(ac), r["ac"], "AC n/a")
    r["eac_atypical"].inherit(~np.isfinite(ev), r["ev"], "EV n/a")

    # what the project adds to roll-up EAC: the best forecast there is, so a project
    # without EV neither vanishes from the total nor shrinks it below the budgets
    reported = projects["forecast_cost"].to_numpy(dtype=np.float64, na_value=np.nan)
    rollup_basis = np.select(
        [np.isfinite(eac), np.isfinite(eac_atypical), np.isfinite(reported), np.isfinite(bac)],
        ["typical", "atypical", "reported", "budget"],
        "",
    ).astype(object)
    eac_rollup = np.select(
        [np.isfinite(eac), np.isfinite(eac_atypical), np.isfinite(reported)],
        [eac, eac_atypical, reported],
        bac,
    )
    rollup_basis[rollup_basis == ""] = None
    r["eac_rollup"].inherit(~np.isfinite(eac_rollup), r["bac"], "BAC n/a")

    etc = eac - ac
    r["etc"].inherit(~np.isfinite(eac), r["eac"], "EAC n/a")
    vac = bac - eac
    r["vac"].inherit(~np.isfinite(eac), r["eac"], "EAC n/a")

    remaining_budget = bac - ac
    tcpi = divide(bac - ev, remaining_budget)
    tcpi[remaining_budget < 0] = np.nan
    r["tcpi"].inherit(~np.isfinite(ev), r["ev"], "EV n/a")
    r["tcpi"].inherit(~np.isfinite(ac), r["ac"], "AC n/a")
    r["tcpi"].add(remaining_budget == 0, "budget fully spent (BAC - AC is zero)")
    r["tcpi"].add(
        remaining_budget < 0, "budget already overspent (AC > BAC): no budget left to finish within"
    )

    pct_spent = divide(ac, bac) * 100.0
    r["pct_budget_spent"].add(bac == 0, "budget is zero")
    r["pct_budget_spent"].inherit(~np.isfinite(ac), r["ac"], "AC n/a")

    # -- computed end date: planned duration / SPI ---------------------------
    forecast_days = divide(total_days, spi)
    too_long = np.isfinite(forecast_days) & (forecast_days > MAX_FORECAST_DAYS)
    computed_end = np.where(too_long | bad_dates, np.nan, start + np.floor(forecast_days) - 1.0)
    r["computed_end_date"].add(no_dates, "no start or end date")
    r["computed_end_date"].add(bad_dates, "end date is before start date")
    r["computed_end_date"].inherit(~np.isfinite(spi), r["spi"], "SPI n/a")
    r["computed_end_date"].add(spi == 0, "SPI is zero (no earned value yet)")
    r["computed_end_date"].add(too_long, "SPI too low for a meaningful end date (over 100 years)")

    values = {
        "bac": bac,
        "pv": pv,
        "ev": ev,
        "ac": ac,
        "cv": cv,
        "sv": sv,
        "cpi": cpi,
        "spi": spi,
        "eac": eac,
        "eac_atypical": eac_atypical,
        "eac_rollup": eac_rollup,
        "etc": etc,
        "vac": vac,
        "tcpi": tcpi,
        "pct_time_elapsed": pct_time,
        "pct_budget_spent": pct_spent,
        "computed_end_date": computed_end,
        # helpers for later stages (not output columns)
        "_start": start,
        "_end": end,
        "_total_days": total_days,
    }
    return Evm(values=values, reasons=r, pv_basis=pv_basis, eac_rollup_basis=rollup_basis)
