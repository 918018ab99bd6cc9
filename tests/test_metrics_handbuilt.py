"""A small hand-built portfolio whose every figure is worked out by hand below.

"Today" is 2026-06-30 (a month end): PV from the plan includes June in full,
the burn-rate window is April-June 2026, and 2026-01-01 .. 2026-06-30 is 181
days of a 365-day 2026 (inclusive counting). Tolerances: portfolio 10% / 30
days (the defaults), programme PRG-B 20% / 60 days, project P-C1 cost 5%
(time inherits PRG-B's 60 days).

The tables are written as real CSV files and loaded through the folder source
when it is available; otherwise they go through ``TableState.loaded`` and
``assemble`` exactly as a source would hand them over.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pmo_tui.config import Config, Tolerance, Tolerances, parse_config
from pmo_tui.metrics import Metrics, compute
from pmo_tui.model import TABLES, Portfolio, TableState, assemble

AS_OF = date(2026, 6, 30)
LOADED_AT = datetime(2026, 6, 30, 7, 0)

CONFIG_TOML = {
    "as_of": "2026-06-30",
    "tolerances": {
        "cost": 0.10,
        "time_days": 30,
        "programme": {"PRG-B": {"cost": 0.20, "time_days": 60}},
        "project": {"P-C1": {"cost": 0.05}},
    },
}


def months(year: int, first: int, last: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(first, last + 1)]


# the projects table as the CSV file holds it (empty cell = missing)
PROJECTS_CSV = (
    "project_id,name,programme_id,start_date,end_date,budget,percent_complete,status,"
    "forecast_cost,forecast_end_date,reported_rag\n"
    "P-A1,Alpha on plan,PRG-A,2026-01-01,2026-12-31,120000,50,active,,2026-12-31,green\n"
    "P-A2,Alpha overspend,PRG-A,2026-01-01,2026-12-31,100000,30,active,,,green\n"
    "P-A3,Alpha forecast,PRG-A,2026-01-01,2026-12-31,200000,50,active,212000,2026-12-31,amber\n"
    "P-A4,Alpha slipping,PRG-A,2026-01-01,2027-06-30,50000,20,active,,2027-07-10,red\n"
    "P-A5,[WIP] Fix login,PRG-A,2026-03-01,2026-08-31,40000,60,active,,2026-08-31,Amber/Green\n"
    "P-B1,Beta wide tolerance,PRG-B,2026-01-01,2026-12-31,100000,40,active,,2027-02-14,red\n"
    "P-C1,Beta tight project,PRG-B,2026-01-01,2026-12-31,100000,50,active,106000,2027-01-30,Amber\n"
    "P-B2,Beta not started,PRG-B,2026-09-01,2027-08-31,80000,0,active,,,\n"
    "P-B3,Beta closed,PRG-B,2025-01-01,2025-12-31,60000,100,closed,58000,2026-01-15,green\n"
    "P-B4,Beta zero budget,PRG-B,2026-01-01,2026-12-31,0,10,active,,,\n"
    "P-X1,Orphan past end,,2026-01-01,2026-05-31,30000,90,active,,,\n"
)


def _project_rows() -> list[dict[str, Any]]:
    numbers = {"budget", "percent_complete", "forecast_cost"}
    rows = []
    for record in csv.DictReader(PROJECTS_CSV.splitlines()):
        rows.append(
            {k: (None if v == "" else float(v) if k in numbers else v) for k, v in record.items()}
        )
    return rows


def _rows() -> dict[str, list[dict[str, Any]]]:
    project_rows = _project_rows()
    costs: list[dict[str, Any]] = []

    def spend(pid: str, periods: list[str], amount: float, category: str | None = "labour") -> None:
        costs.extend(
            {"project_id": pid, "period": m, "amount": amount, "category": category}
            for m in periods
        )

    spend("P-A1", months(2026, 1, 6), 7000.10, "labour")
    spend("P-A1", months(2026, 1, 6), 2999.90, "licences")
    spend("P-A2", months(2026, 1, 6), 6000)
    spend("P-A3", months(2026, 1, 6), 16000)
    spend("P-A4", ["2026-03", "2026-06"], 5000)
    spend("P-A5", months(2026, 3, 6), 6000, None)
    spend("P-B1", months(2026, 1, 6), 7500)
    spend("P-C1", months(2026, 1, 6), 8000)
    spend("P-B3", months(2025, 1, 11), 5000)
    spend("P-B3", ["2025-12"], 3000)
    spend("P-B4", ["2026-06"], 1000)
    spend("P-X1", months(2026, 1, 5), 5400)
    plan = [{"project_id": "P-A1", "period": m, "amount": 10000} for m in months(2026, 1, 12)]
    milestones = [
        ("M-A1-1", "P-A1", "Design approved", "2026-03-31", "2026-04-03", "2026-04-03", None),
        ("M-A1-2", "P-A1", "Go-live", "2026-12-15", "2026-12-20", None, None),
        ("M-A4-1", "P-A4", "Design", "2026-09-30", "2026-11-15", None, True),
        ("M-A4-2", "P-A4", "Build", "2026-07-15", "2026-10-31", None, False),
        ("M-A4-3", "P-A4", "Pilot", "2026-07-10", "2026-07-12", None, True),
        ("M-B2-1", "P-B2", "Kick-off", "2026-09-01", "2026-09-01", None, True),
        ("M-B3-1", "P-B3", "Handover", "2025-12-15", None, None, True),
    ]
    milestone_rows = [
        dict(
            zip(
                (
                    "milestone_id",
                    "project_id",
                    "name",
                    "baseline_date",
                    "forecast_date",
                    "actual_date",
                    "key",
                ),
                m,
                strict=True,
            )
        )
        for m in milestones
    ]
    issues = [
        ("I-1", "P-A5", "[@click=app.quit]x[/]", "risk", 4, "open", None, "2026-06-01", None),
        ("I-2", "P-A5", "Old critical", "issue", 4, "closed", "Ann", "2026-01-10", "2026-02-01"),
        ("I-3", "P-A5", "x [/", "issue", 3, "in progress", "Bob", "2026-05-01", "2026-06-01"),
    ]
    issue_rows = [
        dict(
            zip(
                (
                    "issue_id",
                    "project_id",
                    "title",
                    "type",
                    "severity",
                    "status",
                    "owner",
                    "raised_date",
                    "due_date",
                ),
                i,
                strict=True,
            )
        )
        for i in issues
    ]
    programmes = [
        {"programme_id": "PRG-A", "name": "Programme Alpha", "portfolio": "Test", "manager": "Ann"},
        {"programme_id": "PRG-B", "name": "Programme Beta", "portfolio": "Test", "manager": "Bob"},
    ]
    return {
        "programmes": programmes,
        "projects": project_rows,
        "costs": costs,
        "plan": plan,
        "milestones": milestone_rows,
        "issues": issue_rows,
    }


DATE_COLUMNS = {
    "start_date",
    "end_date",
    "forecast_end_date",
    "baseline_date",
    "forecast_date",
    "actual_date",
    "raised_date",
    "due_date",
}


def frames_from_rows(rows: dict[str, list[dict[str, Any]]]) -> dict[str, pd.DataFrame]:
    out = {}
    for table, records in rows.items():
        frame = pd.DataFrame(records)
        for col in frame.columns:
            if col in DATE_COLUMNS:
                frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d").astype("datetime64[s]")
            elif col == "period":
                frame[col] = pd.to_datetime(frame[col], format="%Y-%m").astype("datetime64[s]")
        if "key" in frame:
            frame["key"] = frame["key"].astype("boolean")
        if "reported_rag" in frame:  # canonical: lower case, as the sources deliver it
            frame["reported_rag"] = frame["reported_rag"].str.lower()
        out[table] = frame
    return out


def portfolio_from_frames(frames: dict[str, pd.DataFrame], source: str = "hand-built") -> Portfolio:
    states = {
        name: TableState.loaded(
            name, frame, origin=f"{name}.csv", at=LOADED_AT, rows=range(2, len(frame) + 2)
        )
        for name, frame in frames.items()
    }
    return assemble(states, source=source)


def write_csv_folder(folder: Path, rows: dict[str, list[dict[str, Any]]]) -> Path:
    """The tables as plain CSV files (ISO dates, decimal point), plus pmo-tui.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, records in rows.items():
        columns = list(dict.fromkeys(k for r in records for k in r))
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for r in records:
                writer.writerow(
                    {
                        k: ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
                        for k, v in r.items()
                    }
                )
    (folder / "pmo-tui.toml").write_text(
        "as_of = 2026-06-30\n[tolerances]\ncost = 0.10\ntime_days = 30\n"
        "[tolerances.programme.PRG-B]\ncost = 0.20\ntime_days = 60\n"
        "[tolerances.project.P-C1]\ncost = 0.05\n",
        encoding="utf-8",
    )
    return folder


def config() -> Config:
    return parse_config(CONFIG_TOML)


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    return compute(portfolio_from_frames(frames_from_rows(_rows())), as_of=AS_OF, config=config())


def row(m: Metrics, pid: str) -> pd.Series:
    found = m.project(pid)
    assert found is not None, pid
    return found


def prog(m: Metrics, programme_id: str | None) -> pd.Series:
    if programme_id is None:
        return m.programmes.loc[m.programmes["programme_id"].isna()].iloc[0]
    found = m.programme(programme_id)
    assert found is not None
    return found


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# -- earned value ------------------------------------------------------------------


def test_on_plan_project_from_the_plan_table(metrics: Metrics) -> None:
    p = row(metrics, "P-A1")
    assert p["pv_basis"] == "plan"
    assert (
        p["pv"] == 60000.00
    )  # plan Jan..Jun 2026 = 6 x 10,000 (June in full: as-of is its last day)
    assert p["ev"] == 60000.00  # 120,000 x 50 / 100
    assert p["ac"] == 60000.00  # 6 x (7,000.10 + 2,999.90), summed to the cent
    assert (p["cv"], p["sv"]) == (0.0, 0.0)
    assert (p["cpi"], p["spi"]) == (1.0, 1.0)
    assert p["eac"] == 120000.00  # BAC / CPI
    assert p["eac_atypical"] == 120000.00  # 60,000 + (120,000 - 60,000)
    assert (p["etc"], p["vac"], p["tcpi"]) == (60000.0, 0.0, 1.0)  # TCPI = 60,000 / 60,000
    assert p["pct_budget_spent"] == 50.0
    assert p["pct_time_elapsed"] == pytest.approx(181 / 365 * 100)  # 49.589%
    assert p["computed_end_date"] == day("2026-12-31")  # 2026-01-01 + 365 / 1.0 - 1 day


def test_linear_pv_and_overspend(metrics: Metrics) -> None:
    p = row(metrics, "P-A2")
    assert p["pv_basis"] == "linear"  # the plan table exists but has no rows for P-A2
    assert p["pv"] == pytest.approx(100000 * 181 / 365)  # 49,589.04
    assert p["ev"] == 30000.0 and p["ac"] == 36000.0  # 6 x 6,000
    assert p["cv"] == -6000.0
    assert p["sv"] == pytest.approx(30000 - 100000 * 181 / 365)  # -19,589.04
    assert p["cpi"] == pytest.approx(30000 / 36000)  # 0.8333
    assert p["spi"] == pytest.approx(30000 / (100000 * 181 / 365))  # 0.6050
    assert p["eac"] == pytest.approx(120000.0)  # 100,000 / 0.8333
    assert p["eac_atypical"] == 106000.0  # 36,000 + (100,000 - 30,000)
    assert p["etc"] == pytest.approx(84000.0)  # 120,000 - 36,000
    assert p["vac"] == pytest.approx(-20000.0)
    assert p["tcpi"] == pytest.approx(70000 / 64000)  # (100,000 - 30,000) / (100,000 - 36,000)


def test_reported_forecast_is_shown_beside_the_computed_eac(metrics: Metrics) -> None:
    p = row(metrics, "P-A3")
    assert p["eac"] == pytest.approx(192000.0)  # CPI = 100,000 / 96,000; 200,000 / CPI
    assert p["forecast_cost"] == 212000.0
    assert p["cost_forecast"] == 212000.0 and p["cost_forecast_basis"] == "reported"
    assert p["forecast"] == 212000.0


def test_budget_burn_and_run_out(metrics: Metrics) -> None:
    a1 = row(metrics, "P-A1")
    assert a1["burn_rate"] == 10000.0  # (Apr + May + Jun) / 3
    assert a1["burn_months"] == 3
    # 60,000 left / 10,000 a month = 6 months x 30.4375 days = 182.6 -> 182 days
    assert a1["run_out_date"] == day("2026-12-29")
    assert a1["run_out_margin_days"] == -2  # 2026-12-29 - 2026-12-31

    a2 = row(metrics, "P-A2")
    assert a2["burn_rate"] == 6000.0
    # 64,000 / 6,000 = 10.667 months x 30.4375 = 324.67 -> 324 days after 2026-06-30
    assert a2["run_out_date"] == pd.Timestamp(AS_OF + timedelta(days=324))

    a4 = row(metrics, "P-A4")
    assert a4["burn_rate"] == pytest.approx(5000 / 3)  # only June in the window

    x1 = row(metrics, "P-X1")
    assert x1["burn_rate"] == 3600.0  # (5,400 + 5,400 + 0) / 3
    # 3,000 / 3,600 = 0.8333 months x 30.4375 = 25.36 -> 25 days
    assert x1["run_out_date"] == day("2026-07-25")
    assert x1["run_out_margin_days"] == 55  # 2026-07-25 - 2026-05-31


# -- RAG rules ---------------------------------------------------------------------


def test_green_needs_cost_and_time_within_half_their_tolerance(metrics: Metrics) -> None:
    p = row(metrics, "P-A1")
    assert (p["cost_rag"], p["time_rag"], p["rag"]) == ("green", "green", "green")
    assert p["max_key_slip_days"] == 5  # Go-live 2026-12-20 vs 2026-12-15: 5 <= 15 (half of 30)
    assert p["end_slip_days"] == 0
    assert p["time_tolerance_used"] == pytest.approx(5 / 30)
    assert not p["watermelon"]


def test_red_on_computed_eac_and_watermelon(metrics: Metrics) -> None:
    p = row(metrics, "P-A2")
    # EAC 120,000 > 100,000 x 1.10 = 110,000 -> red; reported green -> watermelon
    assert p["cost_rag"] == "red"
    assert p["cost_rag_reason"] == "EAC €120.0k exceeds BAC €100.0k by 20.0% (tolerance 10%)"
    assert p["time_rag"] == "grey"  # no forecast end, no milestones, the end is still ahead
    assert p["rag"] == "red"  # known trouble outranks missing data
    assert p["rag_reasons"][0] == p["cost_rag_reason"]
    assert p["watermelon"] and p["attention"] == 0
    assert p["cost_tolerance_used"] == pytest.approx(2.0)  # 20% over / 10%


def test_amber_on_reported_forecast_more_than_half_the_tolerance(metrics: Metrics) -> None:
    p = row(metrics, "P-A3")
    # 212,000 / 200,000 = 6% over: within 10% but more than 5% -> amber
    assert p["cost_rag"] == "amber" and p["rag"] == "amber"
    assert p["cost_rag_reason"] == (
        "reported forecast €212.0k is 6.0% over BAC €200.0k:"
        " more than half of the 10% tolerance used"
    )
    assert p["reported_rag_level"] == "amber" and not p["watermelon"]


def test_red_on_a_key_milestone_slip_while_non_key_milestones_do_not_count(
    metrics: Metrics,
) -> None:
    p = row(metrics, "P-A4")
    # Design (key): 2026-11-15 - 2026-09-30 = 46 days > 30 -> red
    # Build (not key) slips 108 days but does not set the colour
    assert p["time_rag"] == "red" and p["rag"] == "red"
    assert p["max_key_slip_days"] == 46
    assert p["max_key_slip_milestone"] == "Design"
    assert p["end_slip_days"] == 10  # 2027-07-10 vs 2027-06-30, within half
    assert "key milestone 'Design' slips 46 days (tolerance 30 days)" in p["time_rag_reason"]
    assert p["cost_rag"] == "green"  # CPI 1.0, EAC = BAC
    assert not p["watermelon"]  # it reports red itself
    assert p["attention"] == 1


def test_open_critical_issue_makes_an_otherwise_green_project_amber(metrics: Metrics) -> None:
    p = row(metrics, "P-A5")
    assert (p["cost_rag"], p["time_rag"]) == ("green", "green")
    assert p["rag"] == "amber"
    # I-1 is open and critical; I-2 is critical but closed
    assert p["open_critical"] == 1 and p["open_high"] == 1 and p["open_issues"] == 2
    assert p["rag_reason"].startswith("1 open critical issue (e.g. I-1 '[@click=app.quit]x[/]')")
    assert p["reported_rag_level"] == "amber/green"


def test_project_past_its_end_date_and_not_complete(metrics: Metrics) -> None:
    p = row(metrics, "P-X1")
    # end 2026-05-31, 90% complete, no forecast end: at least 2026-06-30 - 2026-05-31 = 30 days
    assert p["end_slip_days"] == 30
    assert p["time_rag"] == "amber"  # 30 > 15 (half) but not > 30
    assert "past its end date 2026-05-31 and 90% complete" in p["time_rag_reason"]
    assert p["pv"] == 30000.0  # linear PV is the whole budget after the end date
    assert p["spi"] == pytest.approx(0.9)
    assert p["rag"] == "amber"


# -- tolerance levels ----------------------------------------------------------------


def test_programme_tolerance_turns_red_figures_amber(metrics: Metrics) -> None:
    p = row(metrics, "P-B1")
    assert (p["tol_cost"], p["tol_cost_level"]) == (0.20, "programme")
    assert (p["tol_time_days"], p["tol_time_level"]) == (60, "programme")
    # EAC = 100,000 / (40,000 / 45,000) = 112,500: 12.5% over; > 10% (half of 20%) -> amber
    assert p["eac"] == pytest.approx(112500.0)
    assert p["cost_rag"] == "amber"
    # end 2027-02-14 vs 2026-12-31 = 45 days; > 30 (half of 60) -> amber, not red
    assert p["end_slip_days"] == 45
    assert p["time_rag"] == "amber" and p["rag"] == "amber"


def test_project_tolerance_beats_programme_tolerance(metrics: Metrics) -> None:
    p = row(metrics, "P-C1")
    assert (p["tol_cost"], p["tol_cost_level"]) == (0.05, "project")
    assert (p["tol_time_days"], p["tol_time_level"]) == (
        60,
        "programme",
    )  # time not set on the project
    # reported 106,000: 6% over > 5% -> red (under PRG-B's 20% it would be green)
    assert p["cost_rag"] == "red"
    # 30 days slip: not more than half of 60 -> green (under the portfolio's 30 it would be amber)
    assert p["end_slip_days"] == 30 and p["time_rag"] == "green"
    assert p["rag"] == "red" and p["watermelon"]  # reports amber


def test_portfolio_tolerance_is_the_default(metrics: Metrics) -> None:
    p = row(metrics, "P-A1")
    assert (p["tol_cost"], p["tol_cost_level"], p["tol_time_days"], p["tol_time_level"]) == (
        0.10,
        "portfolio",
        30,
        "portfolio",
    )


# -- edge cases in the portfolio ---------------------------------------------------------


def test_not_started_zero_percent_no_costs(metrics: Metrics) -> None:
    p = row(metrics, "P-B2")
    assert p["pv"] == 0.0 and p["ev"] == 0.0 and p["ac"] == 0.0
    assert np.isnan(p["cpi"]) and p["cpi_na"] == "no actual cost yet"
    assert np.isnan(p["spi"]) and p["spi_na"] == "not started: nothing planned by the as-of date"
    assert np.isnan(p["eac"]) and p["eac_na"] == "CPI n/a (no actual cost yet)"
    assert p["eac_rollup"] == 80000.0  # atypical: 0 + (80,000 - 0)
    assert p["tcpi"] == 1.0
    assert p["cost_rag"] == "grey"
    assert p["time_rag"] == "green"  # Kick-off forecast on baseline
    assert p["rag"] == "grey"
    assert (
        pd.isna(p["burn_rate"])
        and p["burn_rate_na"] == "no complete month since the project started"
    )
    assert p["pct_time_elapsed"] == 0.0


def test_closed_project_is_judged_on_final_figures(metrics: Metrics) -> None:
    p = row(metrics, "P-B3")
    assert p["pv"] == 60000.0 and p["ev"] == 60000.0 and p["ac"] == 58000.0  # 11 x 5,000 + 3,000
    assert p["eac"] == pytest.approx(58000.0)
    assert p["cost_rag"] == "green"  # reported 58,000 within BAC
    assert p["end_slip_days"] == 15 and p["time_rag"] == "green"  # 15 <= 30 (half of 60)
    assert p["rag"] == "green"
    assert p["burn_rate"] == 0.0  # nothing spent April-June 2026
    assert pd.isna(p["run_out_date"]) and p["run_out_date_na"] == "project is closed"
    ms = metrics.milestones.set_index("milestone_id").loc["M-B3-1"]
    assert ms["status"] == "missing data" and not ms["upcoming"]


def test_zero_budget(metrics: Metrics) -> None:
    p = row(metrics, "P-B4")
    assert p["bac"] == 0.0 and p["ac"] == 1000.0
    assert np.isnan(p["eac"]) and p["eac_na"] == "budget is zero"
    assert np.isnan(p["pct_budget_spent"]) and p["pct_budget_spent_na"] == "budget is zero"
    assert p["cost_rag"] == "grey" and p["rag"] == "grey"
    assert p["eac_rollup"] == 1000.0  # atypical: 1,000 + 0 - 0
    assert np.isnan(p["tcpi"]) and "overspent" in p["tcpi_na"]


def test_no_value_is_ever_infinite_and_every_nan_has_a_reason(metrics: Metrics) -> None:
    for frame in (metrics.projects, metrics.programmes, metrics.portfolio):
        for col in frame.columns:
            if frame[col].dtype.kind == "f":
                assert not np.isinf(frame[col].to_numpy()).any(), col
            if f"{col}_na" in frame.columns:
                missing = frame[col].isna()
                assert frame.loc[missing, f"{col}_na"].notna().all(), col
                assert frame.loc[~missing, f"{col}_na"].isna().all(), col


# -- milestones ---------------------------------------------------------------------


def test_milestone_slip_and_status(metrics: Metrics) -> None:
    ms = metrics.milestones.set_index("milestone_id")
    assert (ms.loc["M-A1-1", "slip_days"], ms.loc["M-A1-1", "status"]) == (3, "done")
    assert ms.loc["M-A1-1", "status_reason"] == "done on 2026-04-03, 3 days after baseline"
    assert (ms.loc["M-A1-2", "slip_days"], ms.loc["M-A1-2", "status"]) == (5, "at risk")
    assert (ms.loc["M-A4-1", "slip_days"], ms.loc["M-A4-1", "status"]) == (46, "late")
    assert (ms.loc["M-A4-2", "slip_days"], ms.loc["M-A4-2", "status"]) == (108, "late")
    assert (ms.loc["M-A4-3", "slip_days"], ms.loc["M-A4-3", "status"]) == (2, "at risk")
    assert (ms.loc["M-B2-1", "slip_days"], ms.loc["M-B2-1", "status"]) == (0, "on track")
    # upcoming = due within 30 days: only Pilot (2026-07-12, 12 days)
    assert ms.index[ms["upcoming"]].tolist() == ["M-A4-3"]
    assert ms.loc["M-A4-3", "days_until_due"] == 12
    assert ms.loc["M-B2-1", "days_until_due"] == 63  # 2026-09-01: beyond 30 days
    assert metrics.upcoming_milestones()["milestone_id"].tolist() == ["M-A4-3"]
    p = row(metrics, "P-A4")
    assert (p["milestones"], p["milestones_late"], p["milestones_at_risk"]) == (3, 2, 1)
    assert p["next_milestone"] == "Pilot" and p["next_milestone_date"] == day("2026-07-12")


def test_issues_age_and_overdue(metrics: Metrics) -> None:
    iss = metrics.issues.set_index("issue_id")
    assert iss.loc["I-3", "age_days"] == 60  # 2026-06-30 - 2026-05-01
    assert iss.loc["I-3", "overdue"] and iss.loc["I-3", "days_overdue"] == 29  # due 2026-06-01
    assert iss.loc["I-3", "severity_label"] == "high" and iss.loc["I-3", "open"]
    assert not iss.loc["I-2", "open"] and not iss.loc["I-2", "overdue"]
    assert iss.loc["I-1", "title"] == "[@click=app.quit]x[/]"  # data, untouched


# -- roll-ups ------------------------------------------------------------------------


def test_programme_roll_up_by_hand(metrics: Metrics) -> None:
    a = prog(metrics, "PRG-A")
    assert a["projects"] == 5
    assert a["bac"] == 510000.0  # 120 + 100 + 200 + 50 + 40 thousand
    assert a["ev"] == 224000.0  # 60 + 30 + 100 + 10 + 24
    assert a["ac"] == 226000.0  # 60 + 36 + 96 + 10 + 24
    pv = 60000 + 100000 * 181 / 365 + 200000 * 181 / 365 + 50000 * 181 / 546 + 40000 * 122 / 184
    assert a["pv"] == pytest.approx(pv)  # plan + four linear spreads
    assert a["cpi"] == pytest.approx(224000 / 226000)  # from the sums, never averaged
    assert a["spi"] == pytest.approx(224000 / pv)
    assert a["eac"] == pytest.approx(522000.0)  # 120 + 120 + 192 + 50 + 40
    assert a["forecast_cost"] == 212000.0 and a["forecast_cost_projects"] == 1
    assert a["forecast"] == pytest.approx(542000.0)  # P-A3 counts with its reported 212
    assert a["vac"] == pytest.approx(510000 - 522000)
    assert (a["n_red"], a["n_amber"], a["n_green"], a["n_grey"], a["n_watermelon"]) == (
        2,
        2,
        1,
        0,
        1,
    )
    assert a["rag"] == "red"
    assert (
        a["rag_reason"] == "worst of 5 projects: 2 red (P-A2, P-A4), 2 amber, 1 green; 1 watermelon"
    )


def test_grey_does_not_hide_a_colour_in_roll_ups(metrics: Metrics) -> None:
    b = prog(metrics, "PRG-B")
    assert b["bac"] == 340000.0  # 100 + 100 + 80 + 60 + 0
    assert b["ac"] == 152000.0  # 45 + 48 + 0 + 58 + 1
    assert b["ev"] == 150000.0  # 40 + 50 + 0 + 60 + 0
    assert b["eac"] == pytest.approx(347500.0)  # 112.5 + 96 + 80 (atypical) + 58 + 1 (atypical)
    assert (b["n_red"], b["n_amber"], b["n_green"], b["n_grey"]) == (1, 1, 1, 2)
    assert b["rag"] == "red"
    orphan = prog(metrics, None)
    assert orphan["name"] == "(no programme)" and orphan["rag"] == "amber"


def test_portfolio_roll_up_by_hand(metrics: Metrics) -> None:
    p = metrics.portfolio.iloc[0]
    assert p["projects"] == 11
    assert p["bac"] == 880000.0  # 510 + 340 + 30
    assert p["ev"] == 401000.0  # 224 + 150 + 27
    assert p["ac"] == 405000.0  # 226 + 152 + 27
    assert p["cpi"] == pytest.approx(401000 / 405000)
    assert (p["n_red"], p["n_amber"], p["n_green"], p["n_grey"], p["n_watermelon"]) == (
        3,
        4,
        2,
        2,
        2,
    )
    assert p["rag"] == "red"
    assert p["open_critical"] == 1 and p["overdue_issues"] == 1


def test_red_items_lead_with_watermelons(metrics: Metrics) -> None:
    red = metrics.red_items()
    # watermelons first (P-A2 at 2.0x tolerance, P-C1 at 1.2x), then P-A4 (1.53x)
    assert red["project_id"].tolist() == ["P-A2", "P-C1", "P-A4"]


# -- series --------------------------------------------------------------------------


def test_s_curve_of_one_project(metrics: Metrics) -> None:
    curve = metrics.s_curve("project", "P-A1").set_index("period")
    assert curve.index[0] == day("2026-01-01") and curve.index[-1] == day("2026-12-01")
    assert curve.loc[day("2026-03-01"), "pv"] == 30000.0
    assert curve.loc[day("2026-06-01"), "ac"] == 60000.0
    assert np.isnan(curve.loc[day("2026-07-01"), "ac"])  # no actuals from the future
    assert curve.loc[day("2026-06-01"), "ev"] == 60000.0  # measured EV only at the as-of month
    assert curve["ev"].notna().sum() == 1
    # EV estimate: today's EV x AC_t / AC_now -> 30,000 at the end of March
    assert curve.loc[day("2026-03-01"), "ev_estimate"] == pytest.approx(30000.0)
    assert (curve["bac"] == 120000.0).all()
    assert curve.loc[day("2026-12-01"), "pv"] == 120000.0


def test_s_curve_of_a_programme_sums_its_projects(metrics: Metrics) -> None:
    prog_curve = metrics.s_curve("programme", "PRG-A").set_index("period")
    june = day("2026-06-01")
    assert prog_curve.loc[june, "ac"] == 226000.0
    assert prog_curve.loc[june, "ev"] == 224000.0
    assert prog_curve["bac"].iloc[0] == 510000.0


def test_costs_by_month_and_category(metrics: Metrics) -> None:
    costs = metrics.costs_by_month("P-A1")
    assert list(costs.columns) == ["period", "labour", "licences", "total"]
    assert len(costs) == 6
    assert costs["labour"].iloc[0] == 7000.10 and costs["licences"].iloc[0] == 2999.90
    assert costs["total"].sum() == 60000.0
    gaps = metrics.costs_by_month("P-A4")  # March and June only: April and May are zero rows
    assert gaps["period"].tolist() == [
        day("2026-03-01"),
        day("2026-04-01"),
        day("2026-05-01"),
        day("2026-06-01"),
    ]
    assert gaps["total"].tolist() == [5000.0, 0.0, 0.0, 5000.0]
    uncategorised = metrics.costs_by_month("P-A5")
    assert "(uncategorised)" in uncategorised.columns


def test_costs_by_month_is_the_same_when_projects_lines_are_interleaved(
    metrics: Metrics,
) -> None:
    """An export need not list a project's lines together: shuffled, every project's
    month x category table is what the grouped export gives."""
    frames = frames_from_rows(_rows())
    frames["costs"] = frames["costs"].sample(frac=1.0, random_state=7).reset_index(drop=True)
    shuffled = compute(portfolio_from_frames(frames), as_of=AS_OF, config=config())
    for pid in ("P-A1", "P-A4", "P-A5"):
        pd.testing.assert_frame_equal(shuffled.costs_by_month(pid), metrics.costs_by_month(pid))


def test_the_same_numbers_from_csv_files_through_the_folder_source(tmp_path: Path) -> None:
    folder_mod = pytest.importorskip(
        "pmo_tui.sources.folder", reason="the folder source has not landed"
    )
    folder = write_csv_folder(tmp_path / "hand", _rows())
    source = folder_mod.FolderSource(folder)
    try:
        portfolio = source.load()
    finally:
        source.close()
    assert not portfolio.errors, [str(p) for p in portfolio.errors]
    from_csv = compute(portfolio, as_of=AS_OF, config=source.config)
    from_frames = compute(
        portfolio_from_frames(frames_from_rows(_rows())), as_of=AS_OF, config=config()
    )
    assert_same_figures(from_csv, from_frames)


def assert_same_figures(one: Metrics, two: Metrics) -> None:
    """Every figure of every frame is identical (row order by id)."""
    for name, key in (
        ("projects", "project_id"),
        ("milestones", "milestone_id"),
        ("issues", "issue_id"),
    ):
        a = getattr(one, name).sort_values(key).reset_index(drop=True)
        b = getattr(two, name).sort_values(key).reset_index(drop=True)
        a, b = _comparable(a), _comparable(b)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    pd.testing.assert_frame_equal(
        _comparable(one.programmes.sort_values("programme_id").reset_index(drop=True)),
        _comparable(two.programmes.sort_values("programme_id").reset_index(drop=True)),
        check_dtype=False,
    )
    pd.testing.assert_frame_equal(
        _comparable(one.portfolio), _comparable(two.portfolio), check_dtype=False
    )


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "rag_reasons" in out:
        out["rag_reasons"] = out["rag_reasons"].map(" | ".join)
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) == "str":
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def test_tables_absent_from_the_source() -> None:
    frames = frames_from_rows(_rows())
    states = {
        "projects": TableState.loaded("projects", frames["projects"], origin="p.csv", at=LOADED_AT)
    }
    portfolio = assemble(states, source="projects only")
    m = compute(portfolio, as_of=AS_OF, config=Config())
    a1 = row(m, "P-A1")
    assert np.isnan(a1["ac"]) and a1["ac_na"] == "no costs table in the source"
    assert a1["pv_basis"] == "linear" and a1["pv"] == pytest.approx(120000 * 181 / 365)
    assert np.isnan(a1["cpi"]) and a1["cpi_na"] == "AC n/a (no costs table in the source)"
    assert a1["cost_rag"] == "grey"
    a3 = row(m, "P-A3")  # a reported forecast still judges cost: 6% over -> amber
    assert a3["cost_rag"] == "amber"
    assert m.portfolio.iloc[0]["ac_na"] == "AC n/a for every project"
    assert m.s_curve()["ac"].isna().all()
    assert set(TABLES) == set(portfolio.frames)


def test_tolerances_match_config_for_project() -> None:
    """The vectorised resolution agrees with Tolerances.for_project for every level."""
    tol = Tolerances(
        portfolio=Tolerance(0.12, 20),
        programme={"G1": {"cost": 0.3}, "G2": {"time_days": 45}},
        project={"P1": {"time_days": 5}, "P3": {"cost": 0.01, "time_days": 1}},
    )
    from pmo_tui.metrics.tolerance import resolve

    pids = pd.Series(["P1", "P2", "P3", "P4", "P5"], dtype="str")
    progs = pd.Series(["G1", "G1", "G2", None, "G9"], dtype="str")
    got = resolve(tol, pids, progs)
    for i, (pid, prg) in enumerate(zip(pids, progs, strict=True)):
        want = tol.for_project(pid, None if pd.isna(prg) else prg)
        assert (got.cost[i], got.time_days[i]) == (want.cost, want.time_days), pid
