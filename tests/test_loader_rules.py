"""Validation rules: every rejected row is named with file, row, column, value and rule,
and the good rows around it still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmo_tui.problems import Problem, Severity
from pmo_tui.sources.folder import FolderSource


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def load(folder: Path):
    source = FolderSource(folder)
    try:
        return source.load()
    finally:
        source.close()


def only(portfolio, rule: str) -> list[Problem]:
    return [p for p in portfolio.problems if p.rule == rule]


PROJECTS = "project_id,name,budget,start_date,end_date,percent_complete,status\n"


def test_missing_required_column_rejects_the_table_and_lists_the_headers(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,start_date\nP1,A,2024-01-01\n")
    portfolio = load(tmp_path)
    [problem] = only(portfolio, "missing-column")
    assert problem.file == "projects.csv" and problem.row == 1
    assert problem.severity is Severity.ERROR
    assert "budget" in problem.message
    assert "'project_id', 'name', 'start_date'" in problem.message
    assert not portfolio.states["projects"].present
    assert portfolio["projects"].empty


def test_duplicate_id_keeps_the_first_and_names_both_rows(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS + "P1,First,1,,,,\nP2,Other,2,,,,\nP1,Second,3,,,,\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["name"].tolist() == ["First", "Other"]
    [problem] = only(portfolio, "duplicate-id")
    assert (problem.row, problem.column, problem.value) == (4, "project_id", "P1")
    assert "row 2" in problem.message


def test_unknown_reference_is_reported_with_its_row(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS + "P1,A,1,,,,\n")
    write(tmp_path, "issues.csv", "issue_id,project_id,title\nI1,P1,ok\nI2,P404,orphan\n")
    portfolio = load(tmp_path)
    assert portfolio["issues"]["issue_id"].tolist() == ["I1"]
    [problem] = only(portfolio, "unknown-reference")
    assert (problem.file, problem.row, problem.value) == ("issues.csv", 3, "P404")


@pytest.mark.parametrize(
    "value,message",
    [
        ("abc", "not a number"),
        ("12,5,3", "not a number"),
        ("07. Sep", "Excel turned"),
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
    ],
)
def test_unparsable_number(tmp_path: Path, value: str, message: str) -> None:
    write(tmp_path, "projects.csv", PROJECTS + f'P1,A,"{value}",,,,\nP2,B,5,,,,\n')
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P2"]
    [problem] = only(portfolio, "bad-number")
    assert (problem.row, problem.column, problem.value) == (2, "budget", value)
    assert message in problem.message


@pytest.mark.parametrize(
    "value,message",
    [
        ("2024-02-30", "has no day 30"),
        ("31-02-2024", "has no day 31"),
        ("soon", "not a date"),
        ("2024-13-01", "no month 13"),
        ("01-01-24", "four digits"),
        ("0202-01-01", "plausible"),
    ],
)
def test_unparsable_date(tmp_path: Path, value: str, message: str) -> None:
    write(tmp_path, "projects.csv", PROJECTS + f"P1,A,1,{value},,,\nP2,B,5,2024-01-01,,,\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P2"]
    [problem] = only(portfolio, "bad-date")
    assert (problem.row, problem.column, problem.value) == (2, "start_date", value)
    assert message in problem.message


def test_date_in_the_other_order_than_the_file_is_rejected(tmp_path: Path) -> None:
    # 25-12-2024 proves day-first; 12/25/2024 cannot be day-first
    write(
        tmp_path,
        "projects.csv",
        PROJECTS + "P1,A,1,25-12-2024,,,\nP2,B,1,01-02-2024,,,\nP3,C,1,12-25-2024,,,\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1", "P2"]
    [problem] = only(portfolio, "bad-date")
    assert problem.row == 4 and "dd-mm-yyyy" in problem.message


def test_negative_budget(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS + "P1,A,-100,,,,\nP2,B,0,,,,\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P2"]
    [problem] = only(portfolio, "negative-budget")
    assert (problem.row, problem.value) == (2, "-100")


@pytest.mark.parametrize("value", ["-1", "100.5", "250"])
def test_percent_outside_0_to_100(tmp_path: Path, value: str) -> None:
    write(tmp_path, "projects.csv", PROJECTS + f"P1,A,1,,,{value},\nP2,B,1,,,100,\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P2"]
    [problem] = only(portfolio, "percent-range")
    assert (problem.row, problem.column) == (2, "percent_complete")


def test_end_before_start(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        PROJECTS + "P1,A,1,2024-06-01,2024-05-31,,\nP2,B,1,2024-06-01,2024-06-01,,\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P2"]
    [problem] = only(portfolio, "end-before-start")
    assert (problem.row, problem.column, problem.value) == (2, "end_date", "2024-05-31")


def test_issue_due_before_raised_is_a_warning_and_loads(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS + "P1,A,1,,,,\n")
    write(
        tmp_path,
        "issues.csv",
        "issue_id,project_id,title,raised_date,due_date\nI1,P1,x,2024-05-01,2024-04-01\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["issues"]["issue_id"].tolist() == ["I1"]
    [problem] = only(portfolio, "end-before-start")
    assert problem.severity is Severity.WARNING


def test_blank_required_value(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS + ",No id,1,,,,\nP2,,1,,,,\nP3,Fine,1,,,,\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P3"]
    problems = only(portfolio, "blank-value")
    assert [(p.row, p.column, p.severity) for p in problems] == [
        (2, "project_id", Severity.ERROR),
        (3, "name", Severity.ERROR),
    ]


def test_blank_budget_and_baseline_warn_and_the_rows_load(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS + "P1,No budget yet,,,,,\n")
    write(tmp_path, "milestones.csv", "milestone_id,project_id,name,baseline_date\nM1,P1,Gate,\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1"]
    assert portfolio["milestones"]["milestone_id"].tolist() == ["M1"]
    problems = only(portfolio, "blank-value")
    assert {(p.file, p.severity) for p in problems} == {
        ("projects.csv", Severity.WARNING),
        ("milestones.csv", Severity.WARNING),
    }
    assert portfolio.errors == ()


def test_unknown_enum_values(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS + "P1,A,1,,,,paused-ish\nP2,B,1,,,,on hold\n")
    write(
        tmp_path,
        "issues.csv",
        "issue_id,project_id,title,type,severity,status\nI1,P2,x,risk,5,open\n"
        "I2,P2,y,weather,low,open\nI3,P2,z,issue,low,parked\nI4,P2,ok,risk,high,in progress\n",
    )
    write(
        tmp_path,
        "milestones.csv",
        "milestone_id,project_id,name,baseline_date,key\nM1,P2,a,2024-01-01,perhaps\n"
        "M2,P2,b,2024-01-01,ja\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["status"].tolist() == ["on hold"]
    assert portfolio["issues"]["issue_id"].tolist() == ["I4"]
    assert portfolio["milestones"]["key"].tolist() == [True]
    found = {(p.file, p.row, p.column, p.value) for p in only(portfolio, "unknown-value")}
    assert found == {
        ("projects.csv", 2, "status", "paused-ish"),
        ("issues.csv", 2, "severity", "5"),
        ("issues.csv", 3, "type", "weather"),
        ("issues.csv", 4, "status", "parked"),
        ("milestones.csv", 2, "key", "perhaps"),
    }
    assert all(
        "[values." in p.message or "yes or no" in p.message
        for p in only(portfolio, "unknown-value")
    )


def test_every_bad_cell_of_a_row_is_reported_once_and_the_row_rejected_once(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS + "P1,A,abc,someday,,150,weird\nP2,B,1,,,,\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P2"]
    assert sorted(p.rule for p in portfolio.errors) == [
        "bad-date",
        "bad-number",
        "percent-range",
        "unknown-value",
    ]
    assert {p.row for p in portfolio.errors} == {2}


def test_rows_with_too_many_cells_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,budget\nP1,A,1\nP2,B,2,extra\nP3,C,3\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1", "P3"]
    [problem] = only(portfolio, "field-count")
    assert problem.row == 3


def test_rows_with_too_few_cells_are_padded(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,budget,phase\nP1,A,1\nP2,B,2,build\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1", "P2"]
    assert portfolio.errors == ()


def test_problem_locations_read_like_the_file(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "Project ID,Project Name,Begroting\nP1,A,veel\n")
    [problem] = load(tmp_path).errors
    assert str(problem) == (
        "projects.csv, row 2, column 'Begroting': not a number (value 'veel') [bad-number]"
    )
