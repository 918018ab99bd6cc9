"""Reports read the triage store: officers' decisions win over the export, the period's
decisions and notes are listed with their authors, the forecast history draws the
milestone trend (MTA), and a store that cannot be read is a note, never a failure.

Every test writes a real store (SQLite files; PostgreSQL where the store_url fixture
runs) with the store's own API, then runs ``pmo-tui report`` on a copy of the demo.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import openpyxl
import pandas as pd
import pytest
from test_report_formats import md_table, read_html, table_titled, xlsx_table

from pmo_tui.cli import main
from pmo_tui.data import demo_folder
from pmo_tui.metrics import compute
from pmo_tui.options import Options
from pmo_tui.report import default_name, write_report
from pmo_tui.sources import open_source
from pmo_tui.store import Store, open_store

pytest_plugins = ("store_fixtures",)

TODAY = date.today()
P2_MILESTONES = ["M-00006", "M-00007", "M-00008", "M-00009", "M-00010", "M-00011"]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A writable copy of the bundled demo (its store goes to demo/.pmo-tui/)."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_folder(), folder)
    return folder


def report(folder: Path, fmt: str, out: Path, *args: str) -> Path:
    code = main(["report", str(folder), "--format", fmt, "-o", str(out), *args])
    assert code == 0
    return out


def report_json(folder: Path, tmp_path: Path, *args: str) -> dict[str, Any]:
    path = report(folder, "json", tmp_path / "r.json", *args)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def issue(data: dict[str, Any], issue_id: str) -> dict[str, Any]:
    return next(i for i in data["issues"] if i["issue_id"] == issue_id)


# -- triage decisions win over the export -------------------------------------------------


def test_decisions_override_the_export_and_count_in_rag(demo: Path, tmp_path: Path) -> None:
    before = report_json(demo, tmp_path, "--scope", "project:P-0002", "--as-of", str(TODAY))
    assert before["summary"]["open_critical"] == 1
    assert any("open critical issue" in r for r in before["summary"]["rag_reasons"])

    with open_store(None, source=str(demo)) as store:
        who = store.officer.who
        store.save("I-00110", 0, {"status": "closed"}, note="Dependency resolved by PRG-01.")
        store.save("I-00078", 0, {"owner": "Fatima el Amrani", "priority": "critical"})

    data = report_json(demo, tmp_path, "--scope", "project:P-0002", "--as-of", str(TODAY))
    closed = issue(data, "I-00110")
    assert (closed["status"], closed["source_status"], closed["open"]) == (
        "closed",
        "in progress",
        False,
    )
    assert closed["triaged_by"] == who and closed["notes"] == 1
    assert data["summary"]["open_critical"] == 0  # the decision counts in the figures
    assert not any("open critical issue" in r for r in data["summary"]["rag_reasons"])
    owned = issue(data, "I-00078")
    assert (owned["owner"], owned["source_owner"]) == ("Fatima el Amrani", "Wouter Kok")
    assert (owned["priority"], owned["priority_label"]) == (4, "critical")
    priority = next(a for a in data["activity"] if a["field"] == "priority")
    assert (priority["old"], priority["new"]) == (None, "critical")  # the word, not "4"

    html = read_html(
        report(
            demo, "html", tmp_path / "r.html", "--scope", "project:P-0002", "--as-of", str(TODAY)
        ).read_text(encoding="utf-8")
    )
    issues = table_titled(html, "Open issues and risks")
    assert "I-00110" not in issues.column("Issue")  # closed by an officer
    first = issues.row(issues.column("Issue")[0])
    assert first["Issue"] == "I-00078"  # priority critical leads
    assert first["Owner"] == "Fatima el Amrani" and first["Priority (triage)"] == "critical"
    assert first["Triaged by"].startswith(who)


def test_period_decisions_and_notes_with_their_authors(demo: Path, tmp_path: Path) -> None:
    note = "Steering committee: recovery plan by 15 Dec.\nOwner: PMO."
    with open_store(None, source=str(demo)) as store:
        who = store.officer.who
        store.save("I-00110", 0, {"status": "closed", "owner": "Eva Visser"})
        store.add_note("project", "P-0002", note)
        store.add_note("project", "P-0001", "not in the P-0002 report")
    args = ("--scope", "project:P-0002", "--as-of", str(TODAY))
    data = report_json(demo, tmp_path, *args)
    entries = data["activity"]
    assert {(a["kind"], a["item_id"], a["field"]) for a in entries[:2]} == {
        ("issue", "I-00110", "owner"),
        ("issue", "I-00110", "status"),
    }
    assert (entries[2]["kind"], entries[2]["item_id"], entries[2]["field"]) == (
        "project",
        "P-0002",
        None,
    )
    assert len(entries) == 3  # the note on P-0001 is outside the scope
    assert {a["who"] for a in entries} == {who}
    status = next(a for a in entries if a["field"] == "status")
    assert (status["old"], status["new"]) == (None, "closed")
    assert entries[-1]["note"] == note and entries[-1]["item_name"] == data["scope"]["name"]

    page = read_html(report(demo, "html", tmp_path / "r.html", *args).read_text("utf-8"))
    table = table_titled(page, "Decisions and notes of the period")
    assert table.column("Who") == [who] * 3
    assert "status: — → closed" in table.column("Decision or note")
    assert note in table.column("Decision or note")  # the line break is kept (pre-wrap)
    header, rows = md_table(
        report(demo, "md", tmp_path / "r.md", *args).read_text("utf-8"), "Decisions and notes"
    )
    assert rows[-1][header.index("Decision or note")] == note.replace("\n", "<br>")
    book = openpyxl.load_workbook(report(demo, "xlsx", tmp_path / "r.xlsx", *args))
    header, cells = xlsx_table(book["Decisions and notes"])
    when = cells[0][header.index("When")]
    assert when.is_date and when.number_format == "yyyy-mm-dd hh:mm"
    assert cells[-1][header.index("Decision or note")].value == note

    # a period that ended before the decisions lists none, and says so
    earlier = report_json(
        demo, tmp_path, "--scope", "project:P-0002", "--as-of", str(TODAY - timedelta(days=60))
    )
    assert earlier["activity"] == []
    md = report(
        demo,
        "md",
        tmp_path / "e.md",
        "--scope",
        "project:P-0002",
        "--as-of",
        str(TODAY - timedelta(days=60)),
    ).read_text("utf-8")
    assert "_no triage decisions or notes in this period._" in md


def test_portfolio_report_keeps_decisions_about_items_not_in_the_export(
    demo: Path, tmp_path: Path
) -> None:
    with open_store(None, source=str(demo)) as store:
        store.add_note("issue", "I-GONE", "raised in the meeting, not yet in the export")
    data = report_json(demo, tmp_path, "--as-of", str(TODAY))
    gone = next(a for a in data["activity"] if a["item_id"] == "I-GONE")
    assert gone["in_export"] is False and gone["item_name"] is None
    programme = report_json(demo, tmp_path, "--scope", "programme:PRG-01", "--as-of", str(TODAY))
    assert all(a["item_id"] != "I-GONE" for a in programme["activity"])


@pytest.mark.parametrize(
    "store_arg",
    [
        "garbage",  # not a database at all
        "postgresql+psycopg://nobody:s3cret@/none?host=/nonexistent-socket-dir",  # unreachable
        "mysql://nobody@host/db",  # not a store database
    ],
)
def test_a_store_that_cannot_be_read_is_a_note_not_a_failure(
    demo: Path, tmp_path: Path, store_arg: str
) -> None:
    if store_arg == "garbage":
        bad = tmp_path / "store.sqlite"
        bad.write_bytes(b"this is not an SQLite database\x00" * 100)
        store_arg = f"sqlite:///{bad}"
    data = report_json(demo, tmp_path, "--store", store_arg)
    assert data["store"]["available"] is False
    assert "triage store could not be" in data["store"]["note"]
    assert "s3cret" not in json.dumps(data)  # no password in the report
    assert data["activity"] == [] and data["issues"]  # the rest of the report is there
    md = report(demo, "md", tmp_path / "r.md", "--store", store_arg).read_text("utf-8")
    assert "**Warning:** No triage decisions or notes can be shown: the triage store could" in md


# -- milestone trend analysis -------------------------------------------------------------


def p2_snapshot(go_live_slip: int, design_slip: int = 0) -> pd.DataFrame:
    """P-0002's milestones from the demo, Go-live and 'Functioneel ontwerp' moved."""
    ms = pd.read_csv(demo_folder() / "milestones.csv", dtype=str)
    ms = ms.loc[ms["project_id"] == "P-0002"].copy()
    for col in ("baseline_date", "forecast_date", "actual_date"):
        ms[col] = pd.to_datetime(ms[col])
    moved = {"M-00011": go_live_slip, "M-00007": design_slip}
    for mid, slip in moved.items():
        at = ms["milestone_id"] == mid
        ms.loc[at, "forecast_date"] = ms.loc[at, "baseline_date"] + pd.Timedelta(days=slip)
    return ms


HISTORY = [
    (date(2026, 9, 1), 0, 0),
    (date(2026, 10, 1), 10, 5),
    (date(2026, 11, 2), 25, 5),
    (date(2026, 12, 15), 40, 5),  # after the report's as-of date: not shown
]


def record_history(store: Store) -> None:
    store.backfill([(day, p2_snapshot(go, design)) for day, go, design in HISTORY])


def test_mta_chart_and_slip_table_from_the_store(
    store_url: str, demo: Path, tmp_path: Path
) -> None:
    with open_store(store_url) as store:
        record_history(store)
    args = ("--store", store_url, "--scope", "project:P-0002")  # as of 2026-11-30 (demo)
    data = report_json(demo, tmp_path, *args)
    mta = data["mta"]
    assert mta["drawn"] is True
    # the recorded dates up to as-of, and as-of itself from the export (not recorded)
    assert mta["report_dates"] == ["2026-09-01", "2026-10-01", "2026-11-02", "2026-11-30"]
    lines = {line["milestone_id"]: line for line in mta["milestones"]}
    assert sorted(lines) == P2_MILESTONES
    go_live = lines["M-00011"]
    assert [p["slip_days"] for p in go_live["points"]] == [0, 10, 25, -2]  # export: -2
    assert [p["recorded"] for p in go_live["points"]] == [True, True, True, False]
    assert go_live["slip_change_days"] == -2

    html = report(demo, "html", tmp_path / "r.html", *args).read_text("utf-8")
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 2  # the S-curve and the MTA
    mta_svg = SafeET.fromstring(svgs[1])
    ns = "{http://www.w3.org/2000/svg}"
    assert mta_svg.find(f"{ns}title").text == "Milestone trend analysis"  # type: ignore[union-attr]
    lines_drawn = mta_svg.findall(f".//{ns}polyline")
    # one line per milestone (M-00006 was done before the first report date: still a line),
    # plus the diagonal
    assert len(lines_drawn) == len(P2_MILESTONES)
    assert len(mta_svg.findall(f".//{ns}line[@stroke-dasharray='4 4']")) >= 1  # the diagonal
    texts = "".join(mta_svg.itertext())
    assert "Report date" in texts and "Forecast date (actual when done)" in texts
    assert "M-00011 Go-live" in texts and "report date = forecast date" in texts
    go_points = next(
        g for g in mta_svg.iter(f"{ns}g") if (g.findtext(f"{ns}title") or "") == "M-00011 Go-live"
    )
    assert len(go_points.findall(f"{ns}circle")) == 4

    page = read_html(html)
    slips = table_titled(page, "Slip in days per report date")
    assert slips.headers[3:7] == ["1 Sep 2026", "1 Oct 2026", "2 Nov 2026", "30 Nov 2026"]
    assert slips.row("M-00011")["1 Oct 2026"] == "+10"
    assert slips.row("M-00011")["2 Nov 2026"] == "+25"
    assert slips.row("M-00007")["1 Oct 2026"] == "+5"
    assert "+40" not in str(slips.rows)  # the December snapshot is after as-of

    book = openpyxl.load_workbook(report(demo, "xlsx", tmp_path / "r.xlsx", *args))
    header, rows = xlsx_table(book["MTA points"])
    assert len(rows) == sum(len(line["points"]) for line in mta["milestones"])
    first = rows[0]
    assert first[header.index("Report date")].is_date
    assert first[header.index("Slip (days)")].data_type == "n"
    assert len(book["MTA"]._charts) == 1  # a native scatter chart
    md = report(demo, "md", tmp_path / "r.md", *args).read_text("utf-8")
    header, md_rows = md_table(md, "Slip in days per report date")
    go_row = next(r for r in md_rows if r[0] == "M-00011")
    assert go_row[header.index("2 Nov 2026")] == "+25"


def test_programme_mta_shows_the_milestones_that_moved_most(demo: Path, tmp_path: Path) -> None:
    with open_store(None, source=str(demo)) as store:
        record_history(store)
    data = report_json(demo, tmp_path, "--scope", "programme:PRG-01")
    mta = data["mta"]
    shown = [line["milestone_id"] for line in mta["milestones"]]
    assert shown[: len(shown)] and "M-00011" in shown  # the key milestone that moved 25 days
    assert mta["candidates"] == len(P2_MILESTONES) and len(shown) <= 8
    assert "key milestones first" in mta["selection"]


def test_no_history_yet_says_how_to_get_one(demo: Path, tmp_path: Path) -> None:
    data = report_json(demo, tmp_path, "--scope", "project:P-0002")
    assert data["mta"]["drawn"] is False
    assert "--history" in data["mta"]["note"]
    page = read_html(
        report(demo, "html", tmp_path / "r.html", "--scope", "project:P-0002").read_text("utf-8")
    )
    assert "Slip in days per report date" not in page.tables


# -- from a loaded snapshot: the TUI's x key ----------------------------------------------


def test_write_report_from_a_loaded_snapshot(demo: Path, tmp_path: Path) -> None:
    source = open_source(Options(source=str(demo)))
    portfolio = source.load()
    source.close()
    metrics = compute(portfolio, as_of=TODAY, config=source.config)
    with open_store(None, source=str(demo)) as store:
        store.save("I-00110", 0, {"status": "closed"})
        path = write_report(
            tmp_path / "x.html",
            "html",
            portfolio=portfolio,
            metrics=metrics,
            scope="project:P-0002",
            config=source.config,
            source=source.description,
            store=store,
        )
        data_path = write_report(
            tmp_path / "x.json",
            "json",
            portfolio=portfolio,
            metrics=metrics,
            scope="project:P-0002",
            config=source.config,
            source=source.description,
            store=store,
        )
    data = json.loads(data_path.read_text("utf-8"))
    # the snapshot's metrics counted I-00110 as open; the report applies the decision
    assert metrics.project("P-0002")["open_critical"] == 1  # type: ignore[index]
    assert data["summary"]["open_critical"] == 0
    page = read_html(path.read_text("utf-8"))
    assert "status: — → closed" in table_titled(page, "Decisions and notes").column(
        "Decision or note"
    )
    without = write_report(
        tmp_path / "y.md",
        "md",
        portfolio=portfolio,
        metrics=metrics,
        scope="project:P-0002",
        config=source.config,
        source=source.description,
    )
    assert "no triage store is open" in without.read_text("utf-8")
    name = default_name("project:P-0002", TODAY, "xlsx")
    assert name == f"highlight-project-P-0002-{TODAY.isoformat()}.xlsx"
    assert default_name("project:../../etc/x y", TODAY, "md").startswith("highlight-project-.._")
    assert "/" not in default_name("project:../../etc/x y", TODAY, "md")
