"""Importers: MS Project XML (MSPDI) -> milestones (and a project row); Jira CSV -> issues."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pmo_tui.problems import Severity
from pmo_tui.sources.folder import FolderSource

NS = "http://schemas.microsoft.com/project"


def load(folder: Path):
    source = FolderSource(folder)
    try:
        return source.load()
    finally:
        source.close()


def task(
    uid: int,
    name: str,
    *,
    milestone: bool,
    finish: str,
    baseline: str | None = None,
    actual: str | None = None,
    active: bool = True,
    extra: str = "",
) -> str:
    parts = [
        f"<UID>{uid}</UID>",
        f"<ID>{uid}</ID>",
        f"<Name>{name}</Name>",
        f"<Active>{1 if active else 0}</Active>",
        f"<Milestone>{1 if milestone else 0}</Milestone>",
        f"<Start>{finish}</Start>",
        f"<Finish>{finish}</Finish>",
        extra,
    ]
    if actual:
        parts.append(f"<ActualFinish>{actual}</ActualFinish>")
    if baseline:
        parts.append(
            f"<Baseline><Number>1</Number><Finish>2000-01-01T17:00:00</Finish></Baseline>"
            f"<Baseline><Number>0</Number><Finish>{baseline}</Finish>"
            f"<Cost>1234500</Cost></Baseline>"
        )
    return "<Task>" + "".join(parts) + "</Task>"


def plan(title: str, tasks: list[str]) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Project xmlns="{NS}">\n'
        f"<Title>{title}</Title><StartDate>2024-01-08T08:00:00</StartDate>"
        f"<FinishDate>2024-12-20T17:00:00</FinishDate>\n<Tasks>\n"
        + "\n".join(tasks)
        + "\n</Tasks>\n</Project>\n"
    )


SUMMARY = task(
    0,
    "Summary",
    milestone=False,
    finish="2024-12-20T17:00:00",
    baseline="2024-11-29T17:00:00",
    extra="<PercentComplete>40</PercentComplete><Cost>2500000</Cost>",
)


def test_mspdi_milestones_with_baseline_forecast_and_actual(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text(
        "project_id,name,budget\nP-042,Dijkversterking,1\n", encoding="utf-8"
    )
    (tmp_path / "P-042.xml").write_text(
        plan(
            "Dijkversterking",
            [
                SUMMARY,
                task(
                    1,
                    "Ontwerp gereed",
                    milestone=True,
                    finish="2024-03-15T17:00:00",
                    baseline="2024-03-01T17:00:00",
                    actual="2024-03-15T17:00:00",
                ),
                task(2, "Werk 1 uitvoeren", milestone=False, finish="2024-06-01T17:00:00"),
                task(
                    3,
                    "Oplevering",
                    milestone=True,
                    finish="2024-12-20T17:00:00",
                    baseline="2024-11-29T17:00:00",
                ),
                task(
                    4,
                    "Vervallen mijlpaal",
                    milestone=True,
                    finish="2024-05-01T17:00:00",
                    active=False,
                ),
            ],
        ),
        encoding="utf-8",
    )
    portfolio = load(tmp_path)
    frame = portfolio["milestones"]
    assert frame["milestone_id"].tolist() == ["P-042:1", "P-042:3"]
    assert frame["project_id"].tolist() == ["P-042", "P-042"]
    assert frame["name"].tolist() == ["Ontwerp gereed", "Oplevering"]
    assert frame["baseline_date"].tolist() == [
        pd.Timestamp("2024-03-01"),
        pd.Timestamp("2024-11-29"),
    ]
    assert frame["forecast_date"].tolist() == [
        pd.Timestamp("2024-03-15"),
        pd.Timestamp("2024-12-20"),
    ]
    assert frame["actual_date"].iloc[0] == pd.Timestamp("2024-03-15")
    assert pd.isna(frame["actual_date"].iloc[1])
    # the folder has its own projects file: the plan's project row is not used
    assert portfolio["projects"]["budget"].tolist() == [1.0]
    assert portfolio.errors == ()
    # problems point at the line of the <Task> in the XML
    assert portfolio.states["milestones"].rows.tolist() == [6, 8]


def test_a_folder_of_ms_project_files_is_a_portfolio(tmp_path: Path) -> None:
    for pid, title in (("P-1", "Brug"), ("P-2", "Sluis")):
        (tmp_path / f"{pid}.xml").write_text(
            plan(
                title,
                [
                    SUMMARY,
                    task(
                        7,
                        "Go-live",
                        milestone=True,
                        finish="2024-09-02T17:00:00",
                        baseline="2024-08-30T17:00:00",
                    ),
                ],
            ),
            encoding="utf-8",
        )
    portfolio = load(tmp_path)
    projects = portfolio["projects"]
    assert projects["project_id"].tolist() == ["P-1", "P-2"]
    assert projects["name"].tolist() == ["Brug", "Sluis"]
    # MSPDI money is in hundredths: 1234500 is 12,345.00
    assert projects["budget"].tolist() == [12345.0, 12345.0]
    assert projects["forecast_cost"].tolist() == [25000.0, 25000.0]
    assert projects["percent_complete"].tolist() == [40.0, 40.0]
    assert projects["start_date"].tolist() == [pd.Timestamp("2024-01-08")] * 2
    assert projects["end_date"].tolist() == [pd.Timestamp("2024-11-29")] * 2
    assert projects["forecast_end_date"].tolist() == [pd.Timestamp("2024-12-20")] * 2
    assert portfolio["milestones"]["milestone_id"].tolist() == ["P-1:7", "P-2:7"]


def test_project_id_from_the_config_constant(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text(
        "project_id,name,budget\nZ-9,Zeewering,5\n", encoding="utf-8"
    )
    (tmp_path / "planning export.xml").write_text(
        plan(
            "Zeewering",
            [
                task(
                    3,
                    "Start bouw",
                    milestone=True,
                    finish="2024-04-01T08:00:00",
                    baseline="2024-04-01T08:00:00",
                )
            ],
        ),
        encoding="utf-8",
    )
    (tmp_path / "pmo-tui.toml").write_text(
        '[constants.milestones]\nproject_id = "Z-9"\n', encoding="utf-8"
    )
    frame = load(tmp_path)["milestones"]
    assert frame["milestone_id"].tolist() == ["Z-9:3"]
    assert frame["project_id"].tolist() == ["Z-9"]


def test_milestones_csv_and_mspdi_files_combine_and_duplicates_are_named(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text("project_id,name,budget\nP-1,A,1\n", encoding="utf-8")
    (tmp_path / "milestones.csv").write_text(
        "milestone_id,project_id,name,baseline_date\nM-1,P-1,Handmatig,2024-02-01\n"
        "P-1:7,P-1,Dubbel,2024-02-01\n",
        encoding="utf-8",
    )
    (tmp_path / "P-1.xml").write_text(
        plan(
            "A",
            [
                task(
                    7,
                    "Go-live",
                    milestone=True,
                    finish="2024-09-02T17:00:00",
                    baseline="2024-08-30T17:00:00",
                )
            ],
        ),
        encoding="utf-8",
    )
    portfolio = load(tmp_path)
    assert portfolio["milestones"]["milestone_id"].tolist() == ["M-1", "P-1:7"]
    assert portfolio["milestones"]["name"].tolist() == ["Handmatig", "Dubbel"]
    [dup] = [p for p in portfolio.problems if p.rule == "duplicate-id"]
    assert dup.file == "P-1.xml" and "milestones.csv row 3" in dup.message


def test_xml_that_is_not_ms_project_is_ignored_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text("project_id,name,budget\nP-1,A,1\n", encoding="utf-8")
    (tmp_path / "settings.xml").write_text("<settings><a>1</a></settings>", encoding="utf-8")
    portfolio = load(tmp_path)
    [problem] = portfolio.problems
    assert problem.file == "settings.xml" and problem.severity is Severity.WARNING


def test_mspdi_realdata_fixtures(realdata: Path, tmp_path: Path) -> None:
    for name in ("sample.xml", "sample1.xml", "baselines.xml"):
        shutil.copy(realdata / "mpxj-mspdi" / name, tmp_path / name)
    shutil.copy(realdata / "ganttproject" / "issue1520-mspdi.xml", tmp_path / "issue1520.xml")
    portfolio = load(tmp_path)
    projects = portfolio["projects"].set_index("project_id")
    assert sorted(projects.index) == ["baselines", "issue1520", "sample", "sample1"]
    assert projects.loc["sample1", "name"] == "MPXJ Sample"
    assert projects.loc["issue1520", "name"] == "Project1"
    assert projects.loc["issue1520", "start_date"] == pd.Timestamp("2018-04-28")
    milestones = portfolio["milestones"]
    assert sorted(milestones["milestone_id"]) == ["sample1:3", "sample:3"]
    assert set(milestones["name"]) == {"Third task"}
    assert set(milestones["forecast_date"]) == {pd.Timestamp("2003-01-07")}
    # these fixtures carry no baseline for their milestone: the rows load with a warning
    assert portfolio.errors == ()
    assert {p.rule for p in portfolio.problems} <= {"blank-value"}


def test_mspdi_with_baseline_blocks_realdata(realdata: Path, tmp_path: Path) -> None:
    source = realdata / "mpxj-mspdi" / "task-baselines-project2019-mspdi.xml"
    shutil.copy(source, tmp_path / "P-2019.xml")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P-2019"]
    assert portfolio["milestones"].empty  # the file has no milestones
    assert portfolio.errors == ()


JIRA = (
    "Summary,Issue key,Issue id,Issue Type,Status,Project key,Project name,Priority,Assignee,"
    "Reporter,Created,Updated,Due date,Labels,Labels,Labels,Description\n"
    "Login fails on SSO,DIG-101,10101,Bug,In Progress,DIG,Digitaal,Highest,Anna de Vries,"
    'Jan,05/Jan/24 10:13 AM,06/Jan/24 9:00 AM,31/Jan/24 12:00 AM,security,,,"Users see ""500"".\n'
    'Steps: open portal"\n'
    "Supplier may go bankrupt,DIG-102,10102,Risk,To Do,DIG,Digitaal,High,,Jan,"
    "12/Feb/24 3:45 PM,12/Feb/24 3:45 PM,,supplier,finance,,\n"
    "Upgrade database,DIG-103,10103,Task,Done,DIG,Digitaal,Low,Piet,Jan,"
    "01/Mar/24 8:00 AM,02/Mar/24 8:00 AM,15/Mar/24 12:00 AM,,,,Done\n"
    "Weird workflow,DIG-104,10104,Story,Awaiting Sign-off,DIG,Digitaal,Medium,,Jan,"
    "01/Mar/24 8:00 AM,02/Mar/24 8:00 AM,,,,,\n"
)


def test_jira_csv_export_as_issues(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text(
        "project_id,name,budget\nDIG,Digitaal,1\n", encoding="utf-8"
    )
    (tmp_path / "Jira 2024-03-31.csv").write_text(JIRA, encoding="utf-8-sig")
    portfolio = load(tmp_path)
    frame = portfolio["issues"]
    assert frame["issue_id"].tolist() == ["DIG-101", "DIG-102", "DIG-103"]
    assert frame["project_id"].tolist() == ["DIG"] * 3
    assert frame["title"].tolist() == [
        "Login fails on SSO",
        "Supplier may go bankrupt",
        "Upgrade database",
    ]
    assert frame["type"].tolist() == ["issue", "risk", "issue"]
    assert frame["severity"].tolist() == [4, 3, 1]
    assert frame["status"].tolist() == ["in progress", "open", "closed"]
    assert frame["owner"].tolist()[0] == "Anna de Vries" and pd.isna(frame["owner"].iloc[1])
    assert frame["raised_date"].tolist() == [
        pd.Timestamp("2024-01-05"),
        pd.Timestamp("2024-02-12"),
        pd.Timestamp("2024-03-01"),
    ]
    assert frame["due_date"].iloc[0] == pd.Timestamp("2024-01-31")
    assert frame["description"].iloc[0] == 'Users see "500".\nSteps: open portal'
    # a custom workflow status is named, with the way to map it
    [problem] = portfolio.errors
    assert (problem.rule, problem.row, problem.column, problem.value) == (
        "unknown-value",
        6,
        "Status",
        "Awaiting Sign-off",
    )
    assert "[values.issues.status]" in problem.message


def test_jira_status_category_wins_and_constants_name_the_project(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text(
        "project_id,name,budget\nP-7,Portaal,1\n", encoding="utf-8"
    )
    (tmp_path / "issues.csv").write_text(
        "Issue key,Summary,Issue Type,Status,Status Category,Priority,Created,Project key\n"
        "WEB-1,Broken,Bug,Awaiting Sign-off,In Progress,Major,2024-03-01 10:00,WEB\n",
        encoding="utf-8",
    )
    (tmp_path / "pmo-tui.toml").write_text(
        '[constants.issues]\nproject_id = "P-7"\n', encoding="utf-8"
    )
    portfolio = load(tmp_path)
    frame = portfolio["issues"]
    assert frame["project_id"].tolist() == ["P-7"]
    assert frame["status"].tolist() == ["in progress"]
    assert frame["severity"].tolist() == [3]
    assert portfolio.errors == ()


@pytest.mark.parametrize("name", ["issues.csv", "export.csv"])
def test_jira_detection_needs_jira_headers(tmp_path: Path, name: str) -> None:
    (tmp_path / "projects.csv").write_text("project_id,name,budget\nP,A,1\n", encoding="utf-8")
    (tmp_path / name).write_text("Key,Summary,Owner\nX-1,Thing,me\n", encoding="utf-8")
    portfolio = load(tmp_path)
    if name == "export.csv":  # not Jira (no Issue key/type), not a table: ignored
        assert portfolio["issues"].empty
        assert [p.rule for p in portfolio.problems] == ["unknown-file"]
    else:  # a plain issues file with generic aliases; project_id is missing
        assert [p.rule for p in portfolio.errors] == ["missing-column"]
