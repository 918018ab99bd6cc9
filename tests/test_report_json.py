"""``pmo-tui report SOURCE --format json``: schema, scopes, usage errors, and the bundled
demo checked by hand for three projects from its CSV rows."""

from __future__ import annotations

import csv
import json
import math
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_metrics_handbuilt import _rows, write_csv_folder

from pmo_tui.cli import main
from pmo_tui.data import demo_folder
from pmo_tui.options import Options
from pmo_tui.report import RENDERERS, SCHEMA, SCHEMA_VERSION, run_report

DEMO_AS_OF = date(2026, 11, 30)


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["report", "--format", "json", *args])
    captured = capsys.readouterr()
    data = json.loads(captured.out) if code == 0 and captured.out else None
    return code, data, captured.err


def demo_rows(table: str) -> list[dict[str, str]]:
    with (demo_folder() / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- the bundled demo, checked by hand --------------------------------------------------


def test_demo_report_header(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = report(capsys)  # no SOURCE: the bundled demo
    assert code == 0, err
    assert (data["schema"], data["schema_version"]) == (SCHEMA, SCHEMA_VERSION)
    assert data["as_of"] == "2026-11-30"  # from the demo's pmo-tui.toml
    assert data["currency"] == "€"
    assert data["scope"] == {"level": "portfolio", "id": None, "name": None}
    assert data["period"] == {
        "days": 30,
        "start": "2026-11-01",
        "end": "2026-11-30",
        "next_start": "2026-12-01",
        "next_end": "2026-12-30",
    }
    src = data["source"]
    assert src["problems"] == 0 and src["stale_tables"] == []
    assert src["tables"]["projects"]["rows"] == len(demo_rows("projects"))
    assert src["data_as_of"] is not None
    assert len(data["projects"]) == len(demo_rows("projects"))
    assert len(data["programmes"]) == len(demo_rows("programmes"))


def test_watermelon_p0002_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    """P-0002 from its CSV rows (the bundled demo, generator version 2)."""
    stamp = (demo_folder() / "pmo-tui.toml").read_text(encoding="utf-8").splitlines()[0]
    if "generator=2" not in stamp:
        pytest.fail(f"the bundled demo changed ({stamp}); redo this hand calculation")
    code, data, err = report(capsys, "--scope", "project:P-0002")
    assert code == 0, err
    p = data["summary"]
    # projects.csv: budget 390000.00, percent_complete 14, start 2026-07-09, end 2028-03-24,
    #               forecast_cost 484200.00, forecast_end_date 2028-03-22, reported_rag green
    assert p["bac"] == 390000.00
    assert p["ev"] == 54600.00  # 390,000 x 14%
    # costs.csv, Jul-Nov 2026, four categories each:
    #   Jul 467.20 + 1,243.21 + 1,770.84 + 560.88 = 4,042.13
    #   Aug 1,891.73 + 3,410.43 + 347.54 + 2,040.36 = 7,690.06
    #   Sep 2,308.17 + 8,653.64 + 543.12 + 3,259.96 = 14,764.89
    #   Oct 2,671.69 + 6,214.76 + 429.69 + 4,057.20 = 13,373.34
    #   Nov 4,376.90 + 17,035.70 + 612.90 + 5,696.32 = 27,721.82
    assert p["ac"] == 67592.24  # 4,042.13 + 7,690.06 + 14,764.89 + 13,373.34 + 27,721.82
    # plan.csv Jul-Nov 2026 (November in full: 2026-11-30 is its last day)
    assert p["pv"] == 55798.51  # 2,568.84 + 7,369.61 + 11,665.05 + 15,455.13 + 18,739.88
    assert p["pv_basis"] == "plan"
    assert p["cpi"] == pytest.approx(54600 / 67592.24)  # 0.8078
    assert p["spi"] == pytest.approx(54600 / 55798.51)  # 0.9785
    assert p["eac"] == 482801.71  # 390,000 / 0.8078
    assert p["cv"] == -12992.24 and p["sv"] == -1198.51
    # the reported forecast judges cost: 484,200 > 390,000 x 1.10 = 429,000 -> red
    assert p["forecast_cost"] == 484200.00 and p["cost_rag"] == "red"
    assert p["cost_rag_reason"] == (
        "reported forecast €484.2k exceeds BAC €390.0k by 24.2% (tolerance 10%)"
    )
    # time: forecast end 2028-03-22 vs 2028-03-24 = -2; Go-live (key) 2028-03-22 vs 03-24 = -2
    assert (p["end_slip_days"], p["max_key_slip_days"], p["time_rag"]) == (-2, -2, "green")
    assert p["open_critical"] == 1  # I-00110, critical, in progress
    assert p["rag"] == "red" and p["reported_rag"] == "green" and p["watermelon"] is True
    # burn: (Sep 14,764.89 + Oct 13,373.34 + Nov 27,721.82) / 3 = 18,620.02 a month
    assert p["burn_rate"] == 18620.02
    # (390,000 - 67,592.24) / 18,620.02 = 17.315 months x 30.4375 = 527.02 -> 527 days
    assert p["run_out_date"] == (DEMO_AS_OF + timedelta(days=527)).isoformat()  # 2028-05-10
    assert p["na"] == {}  # every figure defined
    assert data["red_items"][0]["project_id"] == "P-0002"  # watermelons lead the red list


def _independent(pid: str) -> dict[str, Any]:
    """The figures of one demo project recomputed in plain Python from the CSV rows."""
    [proj] = [r for r in demo_rows("projects") if r["project_id"] == pid]
    bac = float(proj["budget"])
    pc = float(proj["percent_complete"])
    month = DEMO_AS_OF.strftime("%Y-%m")
    ac = sum(
        float(r["amount"])
        for r in demo_rows("costs")
        if r["project_id"] == pid and r["period"] <= month
    )
    plan = [r for r in demo_rows("plan") if r["project_id"] == pid]
    pv = sum(float(r["amount"]) for r in plan if r["period"] <= month)  # as-of is a month end
    ev = bac * pc / 100
    reported = float(proj["forecast_cost"]) if proj["forecast_cost"] else None
    return {
        "bac": bac,
        "ac": round(ac, 2),
        "pv": round(pv, 2),
        "ev": ev,
        "plan": bool(plan),
        "forecast_cost": reported,
        "status": proj["status"],
        "row": proj,
    }


def test_flagship_p0001_with_its_project_tolerance(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = report(capsys, "--scope", "project:P-0001")
    assert code == 0, err
    p, want = data["summary"], _independent("P-0001")
    assert data["tolerances"] == {
        "cost": 0.05,
        "cost_level": "project",
        "time_days": 14,
        "time_level": "project",
    }
    for col in ("bac", "ac", "pv", "ev"):
        assert p[col] == pytest.approx(want[col], abs=0.005), col
    assert p["cpi"] == pytest.approx(want["ev"] / want["ac"])
    # reported 6,154,800 vs 5,915,000: +4.05%; within 5% but more than 2.5% -> amber
    overrun = want["forecast_cost"] / want["bac"] - 1
    assert 0.025 < overrun <= 0.05
    assert p["cost_rag"] == "amber"
    # key milestones: 2026-12-07 vs 12-04, 2027-06-14 vs 06-11, 2027-08-05 vs 08-02: 3 days
    assert p["max_key_slip_days"] == 3 and p["time_rag"] == "green"  # 3 <= 7 (half of 14)
    assert p["rag"] == "amber" and not p["watermelon"]  # it reports amber


def test_a_closed_project_on_its_final_figures(capsys: pytest.CaptureFixture[str]) -> None:
    pid = next(r["project_id"] for r in demo_rows("projects") if r["status"] == "closed")
    code, data, err = report(capsys, "--scope", f"project:{pid}")
    assert code == 0, err
    p, want = data["summary"], _independent(pid)
    assert p["status"] == "closed"
    for col in ("bac", "ac", "ev"):
        assert p[col] == pytest.approx(want[col], abs=0.005), col
    assert p["ev"] == p["bac"]  # 100% complete
    overrun = want["forecast_cost"] / want["bac"] - 1  # final cost against budget
    assert p["cost_overrun"] == pytest.approx(overrun)
    assert p["cost_rag"] == ("red" if overrun > 0.10 else "amber" if overrun > 0.05 else "green")
    assert p["run_out_date"] is None and p["na"]["run_out_date"] == "project is closed"
    assert not [m for m in data["milestones"] if m["upcoming"]]  # closed: nothing upcoming


def test_programme_scope_sums_its_projects(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = report(capsys, "--scope", "programme:PRG-02")
    assert code == 0, err
    assert data["scope"]["level"] == "programme" and data["scope"]["name"]
    assert "programmes" not in data
    summary, projects = data["summary"], data["projects"]
    assert {p["programme_id"] for p in projects} == {"PRG-02"}
    assert summary["projects"] == len(projects)
    for col in ("bac", "ev", "ac"):
        assert summary[col] == pytest.approx(sum(p[col] for p in projects if p[col] is not None))
    assert summary["cpi"] == pytest.approx(summary["ev"] / summary["ac"], rel=1e-6)
    worst = max(projects, key=lambda p: {"red": 3, "amber": 2, "green": 1, "grey": 0}[p["rag"]])
    assert summary["rag"] == worst["rag"]
    ids = {p["project_id"] for p in projects}
    assert {m["project_id"] for m in data["milestones"]} <= ids
    assert {i["project_id"] for i in data["issues"]} <= ids
    assert data["s_curve"][-1]["bac"] == pytest.approx(summary["bac"])


def test_portfolio_summary_and_s_curve(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = report(capsys)
    assert code == 0
    summary = data["summary"]
    assert summary["bac"] == pytest.approx(sum(p["bac"] for p in data["projects"]))
    assert summary["bac"] == pytest.approx(sum(p["bac"] for p in data["programmes"]))
    curve = {row["period"]: row for row in data["s_curve"]}
    now = curve["2026-11-01"]
    assert now["ac"] == pytest.approx(summary["ac"])
    assert now["ev"] == pytest.approx(summary["ev"])
    assert all(row["ac"] is None for period, row in curve.items() if period > "2026-11-01")
    assert all(row["ev"] is None for period, row in curve.items() if period != "2026-11-01")
    upcoming = [m for m in data["milestones"] if m["upcoming"]]
    assert upcoming and all(0 <= m["days_until_due"] <= 30 for m in upcoming)


def test_as_of_option_wins_over_the_config(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = report(capsys, "--as-of", "2026-12-31", "--scope", "project:P-0002")
    assert code == 0 and data["as_of"] == "2026-12-31"
    # December's plan (21,519.27) now counts in PV; no December costs exist
    assert data["summary"]["pv"] == pytest.approx(55798.51 + 21519.27)
    assert data["summary"]["ac"] == 67592.24


# -- scope and usage errors ----------------------------------------------------------------


def test_unknown_scope_id_names_close_matches(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = report(capsys, "--scope", "project:P-001")
    assert code == 2 and data is None
    assert err.count("\n") == 1 and "unknown project 'P-001'" in err and "P-0001" in err
    code, _, err = report(capsys, "--scope", "programme:Energie")  # part of a name
    assert code == 2 and "PRG-04" in err


@pytest.mark.parametrize("scope", ["programme", "project:", "team:X", "portfolio:P-1"])
def test_malformed_scope_is_a_usage_error(capsys: pytest.CaptureFixture[str], scope: str) -> None:
    code, _, err = report(capsys, "--scope", scope)
    assert code == 2 and err.startswith("error: --scope") and err.count("\n") == 1


def test_scope_ids_are_matched_case_insensitively(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = report(capsys, "--scope", "project:p-0002")
    assert code == 0 and data["scope"]["id"] == "P-0002"
    code, data, _ = report(capsys, "--scope", "project:koppeling digid en eherkenning")
    assert code == 0 and data["scope"]["id"] == "P-0002"  # a unique full name works too


def test_every_format_has_a_renderer_and_xlsx_needs_a_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert set(RENDERERS) == {"json", "md", "html", "xlsx"}
    code = main(["report", "--format", "xlsx"])  # binary: not to a terminal
    err = capsys.readouterr().err
    assert code == 2 and "give -o FILE" in err and err.count("\n") == 1


def test_an_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_report(
        Options(), fmt="pdf", scope="portfolio", output=None, period_days=30, out=sys.stdout
    )
    err = capsys.readouterr().err
    assert code == 2 and "--format pdf is not known" in err


def test_output_file_is_written_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    code = main(["report", "--format", "json", "-o", str(target)])
    assert code == 0 and capsys.readouterr().out == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["schema"] == SCHEMA
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]  # no temp file left


def test_missing_source_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", str(tmp_path / "nope"), "--format", "json"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no such folder" in err


# -- a folder source: n/a as null plus reason, hostile text ----------------------------------


def test_hand_built_folder_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    rows["projects"][1]["name"] = "\x1b[31mRED\x1b[0m [@click=app.quit]x[/] \u202eevil"
    rows["issues"][0]["title"] = "x [/ \x9b31m"
    folder = write_csv_folder(tmp_path / "hand", rows)
    code, data, err = report(capsys, str(folder), "--scope", "programme:PRG-B")
    assert code == 0, err
    assert data["as_of"] == "2026-06-30"  # the folder's pmo-tui.toml
    assert data["tolerances"] == {
        "cost": 0.2,
        "cost_level": "programme",
        "time_days": 60,
        "time_level": "programme",
    }
    by_id = {p["project_id"]: p for p in data["projects"]}
    b2 = by_id["P-B2"]
    assert b2["cpi"] is None and b2["na"]["cpi"] == "no actual cost yet"
    assert b2["spi"] is None and b2["na"]["spi"] == "not started: nothing planned by the as-of date"
    assert "cpi" not in by_id["P-B1"]["na"]
    for value in _walk(data):
        assert not (isinstance(value, float) and not math.isfinite(value))


def test_json_output_carries_no_terminal_controls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows()
    rows["projects"][1]["name"] = "\x1b[31mRED\x1b[0m [@click=app.quit]x[/] \u202eevil \x9b2J"
    folder = write_csv_folder(tmp_path / "hostile", rows)
    code = main(["report", str(folder), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    assert not any(ch in out for ch in ("\x1b", "\x9b", "\u202e", "\x07"))
    data = json.loads(out)
    name = next(p["name"] for p in data["projects"] if p["project_id"] == "P-A2")
    assert "[@click=app.quit]x[/]" in name  # markup-like text stays literal data


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value
