"""Tolerance status at project and stage level, worked out by hand on a small folder.

The current stage of a project runs to its next open key milestone (the stage gate);
its open milestones' worst slip is judged against the project's time tolerance
(30 days here: red beyond 30, amber beyond 15 or with an overdue milestone). Stage cost
is never judged: the data has no stage budgets.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_report_formats import read_html, table_titled

from pmo_tui.cli import main

AS_OF = "2026-06-30"
PROJECTS = """project_id,name,budget,start_date,end_date,percent_complete,status,phase,forecast_cost
P-1,Gate ahead,100000,2026-01-01,2027-12-31,20,active,design,100000
P-2,No key left,100000,2026-01-01,2027-12-31,20,active,build,135000
P-3,Closed,100000,2025-01-01,2025-12-31,100,closed,closure,100000
P-4,No milestones,100000,2026-01-01,2027-12-31,20,active,initiation,100000
P-5,Overdue gate,100000,2026-01-01,2027-12-31,20,active,test,100000
"""
MILESTONES = """milestone_id,project_id,name,baseline_date,forecast_date,actual_date,key
M-1a,P-1,Design review,2026-08-01,2026-08-11,,false
M-1b,P-1,Design approved,2026-09-01,2026-09-21,,true
M-1c,P-1,Go-live,2027-06-01,2027-07-21,,true
M-1d,P-1,Kick-off,2026-01-15,2026-01-20,2026-01-20,true
M-2a,P-2,Build sprint 1,2026-08-01,2026-09-10,,false
M-2b,P-2,Build sprint 2,2026-10-01,2026-10-06,,false
M-3a,P-3,Handover,2025-12-01,2025-12-01,,true
M-5a,P-5,Test passed,2026-06-20,2026-06-25,,true
M-5b,P-5,Release,2026-09-01,2026-09-01,,true
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("tol")
    (folder / "projects.csv").write_text(PROJECTS, encoding="utf-8")
    (folder / "milestones.csv").write_text(MILESTONES, encoding="utf-8")
    (folder / "costs.csv").write_text(
        "project_id,period,amount\nP-1,2026-03,1000\nP-2,2026-03,1000\nP-5,2026-03,1000\n",
        encoding="utf-8",
    )
    out = {}
    for fmt in ("json", "html"):
        path = folder / f"r.{fmt}"
        argv = ["report", str(folder), "--format", fmt, "--as-of", AS_OF, "-o", str(path)]
        assert main([*argv, "--store", f"sqlite:///{folder / 'none.sqlite'}"]) == 0
        out[fmt] = path.read_text(encoding="utf-8")
    tree = json.loads(out["json"])
    return {
        "rows": {r["project_id"]: r for r in tree["tolerance_status"]},
        "projects": {p["project_id"]: p for p in tree["projects"]},
        "html": out["html"],
    }


def test_stage_runs_to_the_next_open_key_milestone(data: dict[str, Any]) -> None:
    p1 = data["rows"]["P-1"]
    # open milestones by due date: M-1a (+10, not key), M-1b (+20, key: the gate), M-1c
    # (+50, next stage); M-1d is done and does not count
    assert p1["stage"] == "design"
    assert (p1["stage_end_milestone_id"], p1["stage_end_date"]) == ("M-1b", "2026-09-21")
    assert p1["stage_milestones"] == 2
    assert p1["stage_slip_days"] == 20  # worst of +10 and +20; Go-live's +50 is later
    assert p1["stage_tolerance_used"] == pytest.approx(20 / 30)
    assert p1["stage_time_status"] == "amber"  # 20 > 30 / 2
    # project level: the worst key slip is Go-live's +50 -> red
    assert (p1["time_slip_days"], p1["time_status"]) == (50, "red")


def test_without_a_key_milestone_the_stage_runs_to_the_last_open_one(
    data: dict[str, Any],
) -> None:
    p2 = data["rows"]["P-2"]
    assert p2["stage_end_milestone_id"] == "M-2b" and p2["stage_milestones"] == 2
    assert p2["stage_slip_days"] == 40 and p2["stage_time_status"] == "red"  # 40 > 30
    assert "stage ends at milestone M-2b" in p2["stage_reason"]  # not called a key gate
    # project level cost: reported 135,000 on 100,000 is 35% over a 10% tolerance
    assert p2["cost_status"] == "red" and p2["cost_tolerance_used"] == pytest.approx(3.5)
    assert p2["cost_forecast"] == 135000.0 and p2["cost_forecast_basis"] == "reported"


def test_closed_and_milestone_less_projects_have_no_stage_judgement(
    data: dict[str, Any],
) -> None:
    p3, p4 = data["rows"]["P-3"], data["rows"]["P-4"]
    assert p3["stage_time_status"] == "grey" and p3["stage_reason"] == "project closed"
    assert p4["stage_time_status"] == "grey"
    assert p4["stage_reason"] == "no open milestones with a date"
    assert p4["na"]["stage_slip_days"] == "no open milestones with a date"


def test_an_overdue_gate_is_at_least_amber(data: dict[str, Any]) -> None:
    p5 = data["rows"]["P-5"]
    # M-5a: forecast 2026-06-25 passed on 2026-06-30, not done; slip counts to today:
    # 2026-06-30 - 2026-06-20 = 10 days, within half the tolerance, but overdue -> amber
    assert p5["stage_end_milestone_id"] == "M-5a" and p5["stage_slip_days"] == 10
    assert p5["stage_time_status"] == "amber" and "overdue" in p5["stage_reason"]


def test_stage_cost_is_never_invented(data: dict[str, Any]) -> None:
    for row in data["rows"].values():
        assert row["stage_cost_status"] == "grey"
        assert row["na"]["stage_cost_status"] == "the data has no stage budgets"


def test_html_tables_show_status_words_and_symbols(data: dict[str, Any]) -> None:
    page = read_html(data["html"])
    stage = table_titled(page, "Stage level")
    row = stage.row("P-1")
    assert row["Stage time"] == "◐ AMBER" and row["Worst slip (days)"] == "+20"
    assert row["Stage ends at"] == "Design approved" and row["Stage cost"] == "? GREY"
    project = table_titled(page, "Project level")
    assert project.row("P-2")["Cost"] == "● RED" and project.row("P-2")["Cost tol. used"] == "350%"
    # worst first: red rows lead
    assert project.column("Project")[:2] == ["P-1", "P-2"]
