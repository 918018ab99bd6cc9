"""Edge cases, each on a one-project portfolio built from frames: mid-month PV, the burn
window, future and negative cost lines, milestones without forecasts, reported RAG
wording, zero tolerances, empty portfolios."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pmo_tui.config import Config, Tolerance, Tolerances
from pmo_tui.metrics import Metrics, compute
from pmo_tui.metrics.rag import reported_level
from pmo_tui.model import TableState, assemble

AT = datetime(2026, 1, 1)


def ts(text: str | None) -> pd.Timestamp | None:
    return None if text is None else pd.Timestamp(text)


def project(**overrides: Any) -> dict[str, Any]:
    row = {
        "project_id": "P1",
        "name": "One",
        "programme_id": "G1",
        "start_date": ts("2026-01-01"),
        "end_date": ts("2026-12-31"),
        "budget": 120000.0,
        "percent_complete": 50.0,
        "status": "active",
    }
    row.update(overrides)
    return row


def metrics(
    as_of: date,
    projects: list[dict[str, Any]] | None = None,
    *,
    costs: list[tuple[str, str, float]] = (),  # type: ignore[assignment]
    plan: list[tuple[str, str, float]] | None = None,
    milestones: list[dict[str, Any]] = (),  # type: ignore[assignment]
    config: Config | None = None,
) -> Metrics:
    frames: dict[str, pd.DataFrame] = {"projects": pd.DataFrame(projects or [project()])}
    frames["costs"] = pd.DataFrame(
        [{"project_id": p, "period": pd.Timestamp(m + "-01"), "amount": a} for p, m, a in costs],
        columns=["project_id", "period", "amount"],
    )
    if plan is not None:
        frames["plan"] = pd.DataFrame(
            [{"project_id": p, "period": pd.Timestamp(m + "-01"), "amount": a} for p, m, a in plan],
            columns=["project_id", "period", "amount"],
        )
    if milestones:
        frames["milestones"] = pd.DataFrame(milestones)
    states = {n: TableState.loaded(n, f, origin=f"{n}.csv", at=AT) for n, f in frames.items()}
    return compute(assemble(states, source="edge"), as_of=as_of, config=config or Config())


def one(m: Metrics) -> pd.Series:
    return m.projects.iloc[0]


def test_pv_from_the_plan_is_pro_rata_in_the_as_of_month() -> None:
    plan = [("P1", f"2026-{k:02d}", 10000.0) for k in range(1, 13)]
    # June has 30 days; as of the 15th: Jan-May in full + 15/30 of June
    p = one(metrics(date(2026, 6, 15), plan=plan))
    assert p["pv"] == pytest.approx(50000 + 10000 * 15 / 30)
    assert one(metrics(date(2026, 6, 30), plan=plan))["pv"] == 60000.0


def test_linear_pv_counts_days_inclusively() -> None:
    # 2026-01-01 .. 2026-01-31 is 31 of 365 days
    assert one(metrics(date(2026, 1, 31)))["pv"] == pytest.approx(120000 * 31 / 365)
    assert one(metrics(date(2026, 1, 1)))["pv"] == pytest.approx(120000 / 365)  # day one counts
    assert one(metrics(date(2025, 12, 31)))["pv"] == 0.0  # the day before the start
    assert one(metrics(date(2027, 3, 1)))["pv"] == 120000.0  # after the end: all of it


def test_future_cost_lines_do_not_count_as_actuals() -> None:
    costs = [("P1", "2026-05", 1000.0), ("P1", "2026-06", 2000.0), ("P1", "2026-07", 4000.0)]
    p = one(metrics(date(2026, 6, 10), costs=costs))
    assert p["ac"] == 3000.0  # July is after the as-of month; June (booked) counts in full


def test_burn_window_is_the_last_three_complete_months() -> None:
    costs = [("P1", f"2026-{k:02d}", 1000.0 * k) for k in range(1, 7)]
    # as of 2026-06-15 June is not complete: Mar + Apr + May = 3,000 + 4,000 + 5,000
    assert one(metrics(date(2026, 6, 15), costs=costs))["burn_rate"] == 4000.0
    # as of 2026-06-30 it is: Apr + May + Jun
    assert one(metrics(date(2026, 6, 30), costs=costs))["burn_rate"] == 5000.0


def test_burn_rate_of_a_young_project_is_averaged_over_its_own_months() -> None:
    p = project(start_date=ts("2026-05-01"))
    costs = [("P1", "2026-05", 3000.0), ("P1", "2026-06", 5000.0)]
    m = one(metrics(date(2026, 6, 30), [p], costs=costs))
    assert m["burn_months"] == 2 and m["burn_rate"] == 4000.0


def test_credits_can_make_actual_cost_negative_without_breaking_anything() -> None:
    costs = [("P1", "2026-02", 500.0), ("P1", "2026-03", -800.0)]
    p = one(metrics(date(2026, 6, 30), costs=costs))
    assert p["ac"] == -300.0
    assert np.isnan(p["cpi"]) and p["cpi_na"] == "actual cost is negative (credits exceed costs)"
    assert np.isnan(p["eac"]) and p["cost_rag"] == "grey"


def test_cents_are_exact_whatever_the_number_of_lines() -> None:
    costs = [("P1", "2026-01", 0.10)] * 3 + [("P1", "2026-02", 0.20)]
    # 0.1 + 0.1 + 0.1 + 0.2 is 0.5000000000000001 in binary floating point; the ledger says 0.50
    assert one(metrics(date(2026, 6, 30), costs=costs))["ac"] == 0.5


def test_milestones_without_a_forecast() -> None:
    ms = [
        {
            "milestone_id": "M1",
            "project_id": "P1",
            "name": "Past, no forecast",
            "baseline_date": ts("2026-05-01"),
            "forecast_date": None,
            "actual_date": None,
        },
        {
            "milestone_id": "M2",
            "project_id": "P1",
            "name": "Future, no forecast",
            "baseline_date": ts("2026-09-01"),
            "forecast_date": None,
            "actual_date": None,
        },
        {
            "milestone_id": "M3",
            "project_id": "P1",
            "name": "Forecast passed",
            "baseline_date": ts("2026-06-20"),
            "forecast_date": ts("2026-06-25"),
            "actual_date": None,
        },
    ]
    m = metrics(date(2026, 6, 30), milestones=ms)
    rows = m.milestones.set_index("milestone_id")
    assert rows.loc["M1", "status"] == "late"
    assert rows.loc["M1", "status_reason"] == (
        "baseline 2026-05-01 has passed; it is not done and has no forecast"
    )
    assert pd.isna(rows.loc["M1", "slip_days"]) and rows.loc["M1", "rag_slip_days"] == 60
    assert rows.loc["M2", "status"] == "missing data"
    assert rows.loc["M2", "status_reason"] == "no forecast date"
    assert rows.loc["M3", "status"] == "late" and rows.loc["M3", "slip_days"] == 5
    p = one(m)
    # M1 is overdue by at least 60 days (> 30): red, even without a forecast
    assert p["time_rag"] == "red" and p["max_key_slip_milestone"] == "Past, no forecast"
    assert "was due 2026-05-01 and is not done: at least 60 days late" in p["time_rag_reason"]


def test_a_milestone_due_today_is_not_yet_late() -> None:
    ms = [
        {
            "milestone_id": "M1",
            "project_id": "P1",
            "name": "Today",
            "baseline_date": ts("2026-06-30"),
            "forecast_date": ts("2026-06-30"),
            "actual_date": None,
        }
    ]
    row = metrics(date(2026, 6, 30), milestones=ms).milestones.iloc[0]
    assert row["status"] == "on track" and row["upcoming"] and row["days_until_due"] == 0


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Green", "green"),
        ("AMBER/GREEN", "amber/green"),
        ("Amber-Red", "amber/red"),
        ("A/G", "amber/green"),
        ("rood", "red"),
        ("Oranje", "amber"),
        ("groen", "green"),
        ("R", "red"),
        ("exempt", None),
        ("", None),
        ("green/red", None),
    ],
)
def test_reported_rag_wording(text: str, level: str | None) -> None:
    got = reported_level(pd.Series([text], dtype="str")).iloc[0]
    assert (None if pd.isna(got) else got) == level


def test_dutch_reported_rag_makes_a_watermelon() -> None:
    p = project(forecast_cost=200000.0, reported_rag="groen")
    row = one(metrics(date(2026, 6, 30), [p], costs=[("P1", "2026-01", 1.0)]))
    assert row["rag"] == "red" and row["watermelon"]


def test_zero_tolerance() -> None:
    config = Config(tolerances=Tolerances(portfolio=Tolerance(0.0, 0)))
    p = project(forecast_cost=120000.01, forecast_end_date=ts("2026-12-31"))
    row = one(metrics(date(2026, 6, 30), [p], costs=[("P1", "2026-01", 1.0)], config=config))
    assert row["cost_rag"] == "red"  # one cent over a zero tolerance
    assert row["time_rag"] == "green"  # on the day: no slip
    assert (
        np.isnan(row["cost_tolerance_used"])
        and row["cost_tolerance_used_na"] == "cost tolerance is zero"
    )


def test_cost_tolerance_boundaries_are_exact_to_the_cent() -> None:
    def rag(forecast: float) -> str:
        p = project(forecast_cost=forecast, forecast_end_date=ts("2026-12-31"))
        return str(one(metrics(date(2026, 6, 30), [p], costs=[("P1", "2026-01", 1.0)]))["cost_rag"])

    # BAC 120,000, tolerance 10%: amber above 126,000.00, red above 132,000.00
    assert rag(126000.00) == "green" and rag(126000.01) == "amber"
    assert rag(132000.00) == "amber" and rag(132000.01) == "red"


def test_grey_when_percent_complete_is_missing_even_if_the_forecast_looks_fine() -> None:
    p = project(percent_complete=None, forecast_cost=100000.0, forecast_end_date=ts("2026-12-31"))
    row = one(metrics(date(2026, 6, 30), [p], costs=[("P1", "2026-01", 1.0)]))
    assert (row["cost_rag"], row["time_rag"]) == ("green", "green")
    assert row["rag"] == "grey"
    assert row["rag_reasons"][0] == (
        "not enough data to confirm green: percent_complete missing (no EV)"
    )


def test_empty_portfolio() -> None:
    states = {
        "projects": TableState.loaded(
            "projects",
            pd.DataFrame({"project_id": [], "name": [], "budget": []}),
            origin="p.csv",
            at=AT,
        )
    }
    m = compute(assemble(states, source="empty"), as_of=date(2026, 6, 30), config=Config())
    assert m.projects.empty and m.programmes.empty
    total = m.portfolio.iloc[0]
    assert (
        total["projects"] == 0 and total["rag"] == "grey" and total["rag_reason"] == "no projects"
    )
    assert np.isnan(total["bac"]) and total["bac_na"] == "no projects"
    assert m.red_items().empty and m.upcoming_milestones().empty
    assert len(m.s_curve()) == 1  # just the as-of month
    assert m.costs_by_month("P1").empty


def test_unknown_project_in_lookups() -> None:
    m = metrics(date(2026, 6, 30))
    assert m.project("nope") is None and m.programme("nope") is None
    assert m.costs_by_month("nope").empty
    assert m.s_curve("project", "nope")["bac"].eq(0).all()


def test_a_project_without_ev_still_counts_in_roll_up_eac() -> None:
    projects = [
        project(project_id="P1", percent_complete=None, forecast_cost=130000.0),
        project(project_id="P2", percent_complete=None),
        project(project_id="P3"),
    ]
    costs = [("P1", "2026-01", 100.0), ("P2", "2026-01", 100.0), ("P3", "2026-01", 60000.0)]
    m = metrics(date(2026, 6, 30), projects, costs=costs)
    rows = m.projects.set_index("project_id")
    assert (
        rows.loc["P1", "eac_rollup_basis"] == "reported"
        and rows.loc["P1", "eac_rollup"] == 130000.0
    )
    assert (
        rows.loc["P2", "eac_rollup_basis"] == "budget" and rows.loc["P2", "eac_rollup"] == 120000.0
    )
    assert (
        rows.loc["P3", "eac_rollup_basis"] == "typical" and rows.loc["P3", "eac_rollup"] == 120000.0
    )
    total = m.portfolio.iloc[0]
    assert total["eac"] == 370000.0 and total["vac"] == 360000.0 - 370000.0  # no project vanishes
    assert "EAC taken from the reported forecast_cost for 1 of 3 projects" in total["incomplete"]
    assert "EAC taken at BAC for 1 of 3 projects" in total["incomplete"]


def test_reasons_on_demand_for_the_ui() -> None:
    from pmo_tui.metrics.na import na_columns, reason

    m = metrics(date(2026, 6, 30), [project(start_date=None, end_date=None)])
    assert {"cpi", "spi", "pv", "eac", "run_out_date"} <= set(na_columns(m.projects))
    assert reason(m.projects, 0, "pv") == "no plan rows and no start/end date: PV unknown"
    assert reason(m.projects, 0, "bac") is None  # it has a value
    assert reason(m.projects, 0, "name") is None  # not a figure


def test_past_end_date_with_unknown_progress_is_not_called_late() -> None:
    # a 2012 export read in 2026: "Projected/Actual completion" 2012-09-29, no % complete
    p = project(
        start_date=ts("2010-01-01"),
        end_date=ts("2012-09-30"),
        percent_complete=None,
        forecast_end_date=ts("2012-09-29"),
    )
    row = one(metrics(date(2026, 6, 30), [p], costs=[("P1", "2011-01", 1.0)]))
    assert row["end_slip_days"] == -1 and row["time_rag"] == "green"
    assert row["rag"] == "grey"  # but green cannot be confirmed without percent_complete
    late = project(
        start_date=ts("2010-01-01"),
        end_date=ts("2012-09-30"),
        percent_complete=80.0,
        forecast_end_date=ts("2012-09-29"),
    )
    row = one(metrics(date(2026, 6, 30), [late], costs=[("P1", "2011-01", 1.0)]))
    assert (
        row["time_rag"] == "red"
        and "has passed and the project is 80% complete" in row["rag_reason"]
    )


def test_days_gives_plain_dates_and_none_for_a_missing_day() -> None:
    from datetime import date

    from pmo_tui.metrics.na import days

    due = pd.Series(pd.to_datetime(["2026-12-31", None, "2027-01-01"])).astype("datetime64[s]")
    assert list(days(due)) == [date(2026, 12, 31), None, date(2027, 1, 1)]
    assert all(type(d) is date for d in days(due) if d is not None)
    # not a date column: its values as they are, None for missing
    assert list(days(pd.Series(["x", None], dtype=object))) == ["x", None]
