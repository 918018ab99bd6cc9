"""``pmo-tui.toml`` options of the folder source: files, columns, values, constants, source."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from pmo_tui.config import SourceOptions
from pmo_tui.model import TableState
from pmo_tui.problems import Severity
from pmo_tui.sources.folder import FolderSource
from pmo_tui.sources.reading import UnreadableFile, read_table


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def load(folder: Path, config: Path | None = None):
    source = FolderSource(folder, config)
    try:
        return source.load()
    finally:
        source.close()


def test_files_and_columns_map_an_export_with_its_own_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Export 2024-03.csv",
        "Code,Omschr.,Bedrag toegekend,Budget (oud)\nA-1,Alpha,100,90\nA-2,Beta,,80\n",
    )
    write(
        tmp_path,
        "pmo-tui.toml",
        """
[files]
projects = "Export 2024-03.csv"

[columns.projects]
project_id = "code"
name = "OMSCHR."
budget = ["Bedrag toegekend", "Budget (oud)"]
""",
    )
    portfolio = load(tmp_path)
    frame = portfolio["projects"]
    assert frame["project_id"].tolist() == ["A-1", "A-2"]
    assert frame["name"].tolist() == ["Alpha", "Beta"]
    # a list: the first non-blank value per row, left to right
    assert frame["budget"].tolist() == [100.0, 80.0]
    assert portfolio.states["projects"].origin == "Export 2024-03.csv"
    assert not [p for p in portfolio.problems if p.rule == "unknown-file"]


def test_a_configured_header_that_is_missing_is_named(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,budget\nP1,A,1\n")
    write(tmp_path, "pmo-tui.toml", '[columns.projects]\nmanager = "Projectleider"\n')
    portfolio = load(tmp_path)
    [problem] = [p for p in portfolio.problems if p.rule == "missing-column"]
    assert problem.severity is Severity.WARNING and "Projectleider" in problem.message
    assert len(portfolio["projects"]) == 1


def test_configured_file_that_does_not_exist(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,budget\nP1,A,1\n")
    write(tmp_path, "pmo-tui.toml", '[files]\ncosts = "kosten-2024.csv"\n')
    portfolio = load(tmp_path)
    [problem] = [p for p in portfolio.problems if p.rule == "missing-file"]
    assert problem.file == "kosten-2024.csv"


def test_configured_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write(data, "projects.csv", "project_id,name,budget\nP1,A,1\n")
    write(tmp_path, "costs.csv", "project_id,period,amount\nP1,2024-01,1\n")
    write(data, "pmo-tui.toml", '[files]\ncosts = "../costs.csv"\n')
    portfolio = load(data)
    assert [p.rule for p in portfolio.states["costs"].problems] == ["outside-folder"]


def test_values_exact_prefix_and_blank(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,status\nP1,A,Exempt under section 43,Pipeline\n"
        "P2,B,5,In afwachting\nP3,C,6,active\n",
    )
    write(
        tmp_path,
        "pmo-tui.toml",
        """
[values.projects.Status]
pipeline = "on hold"
"in afwachting" = "on hold"

[values.projects.budget]
"Exempt under*" = ""
""",
    )
    portfolio = load(tmp_path)
    frame = portfolio["projects"]
    assert frame["status"].tolist() == ["on hold", "on hold", "active"]
    assert pd.isna(frame["budget"].iloc[0]) and frame["budget"].iloc[1] == 5.0
    assert portfolio.errors == ()


def test_constants_fill_every_row(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,budget\nP1,A,1\n")
    write(tmp_path, "issues.csv", "Key,Title,Project\nI1,x,other\nI2,y,other\n")
    write(tmp_path, "pmo-tui.toml", '[constants.issues]\nproject_id = "P1"\nstatus = "open"\n')
    frame = load(tmp_path)["issues"]
    assert frame["project_id"].tolist() == ["P1", "P1"]
    assert frame["status"].tolist() == ["open", "open"]


def test_source_date_format_decimal_encoding_delimiter(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id|name|budget|start_date\nP1|Größe|1,5|2024/31/12\n",
        encoding="latin-1",
    )
    write(
        tmp_path,
        "pmo-tui.toml",
        """
[source]
date_format = "%Y/%d/%m"
decimal = ","
encoding = "latin-1"
delimiter = "|"
""",
    )
    portfolio = load(tmp_path)
    frame = portfolio["projects"]
    assert frame["name"].tolist() == ["Größe"]
    assert frame["budget"].tolist() == [1.5]
    assert frame["start_date"].tolist() == [pd.Timestamp("2024-12-31")]
    assert portfolio.errors == ()


def test_iso_only_date_order_rejects_day_first_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,start_date\nP1,A,1,2024-01-02\nP2,B,1,02-01-2024\n",
    )
    write(tmp_path, "pmo-tui.toml", '[source]\ndate_order = "iso"\n')
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1"]
    assert [p.rule for p in portfolio.errors] == ["bad-date"]


def test_money_unit_multiplies_money_but_not_percent(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,forecast_cost,percent_complete\nP1,A,1.5,2.25,40\n",
    )
    write(tmp_path, "costs.csv", "project_id,period,amount\nP1,2024-01,0.25\n")
    write(tmp_path, "pmo-tui.toml", "[source]\nmoney_unit = 1000000\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["budget"].tolist() == [1_500_000.0]
    assert portfolio["projects"]["forecast_cost"].tolist() == [2_250_000.0]
    assert portfolio["projects"]["percent_complete"].tolist() == [40.0]
    assert portfolio["costs"]["amount"].tolist() == [250_000.0]


def test_sheets_name_the_sheet_of_a_table(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "Rapportage Q1.xlsx"))
    book.add_worksheet("Voorblad").write(0, 0, "Rapportage")
    sheet = book.add_worksheet("Overzicht lopende zaken")
    for r, row in enumerate([["project_id", "name", "budget"], ["P1", "A", 3]]):
        sheet.write_row(r, 0, row)
    book.close()
    write(tmp_path, "pmo-tui.toml", '[sheets]\nprojects = "Overzicht lopende zaken"\n')
    assert load(tmp_path)["projects"]["budget"].tolist() == [3.0]


def test_explicit_config_outside_the_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write(data, "projects.csv", "nr,naam,geld\nP1,A,7\n")
    config = write(
        tmp_path,
        "mapping.toml",
        '[columns.projects]\nproject_id = "nr"\nname = "naam"\nbudget = "geld"\n',
    )
    source = FolderSource(data, config)
    assert source.config_path == config
    assert source.load()["projects"]["budget"].tolist() == [7.0]


def test_read_table_turns_one_file_into_a_table_state(tmp_path: Path) -> None:
    path = write(
        tmp_path, "anything.csv", "Projectcode;Projectnaam;Begroting\nP1;A;1.000,50\nP2;B;x\n"
    )
    state = read_table("projects", path)
    assert isinstance(state, TableState)
    assert state.frame["budget"].tolist() == [1000.5]
    assert state.rows.tolist() == [2]
    assert state.origin == "anything.csv"
    assert [(p.rule, p.row) for p in state.problems] == [("bad-number", 3)]


def test_read_table_raises_when_nothing_can_be_read(tmp_path: Path) -> None:
    path = write(tmp_path, "projects.csv", "a,b\n1,2\n")
    try:
        read_table("projects", path, SourceOptions())
    except UnreadableFile as exc:
        assert exc.problems[0].rule == "missing-column"
    else:
        raise AssertionError("a file without the required columns must not load")


def test_config_keys_are_case_insensitive_and_typos_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,budget\nP1,A,1\n")
    write(tmp_path, "issues.csv", "issue_id,title\nI1,x\n")
    write(
        tmp_path,
        "pmo-tui.toml",
        """
[constants.issues]
"Project ID" = "P1"
projct = "typo"

[values.issues.statuss]
x = "open"
""",
    )
    portfolio = load(tmp_path)
    assert portfolio["issues"]["project_id"].tolist() == ["P1"]
    warnings = [p.message for p in portfolio.problems if p.rule == "config"]
    assert len(warnings) == 2
    assert any("'projct'" in m for m in warnings) and any("statuss" in m for m in warnings)
    assert portfolio.errors == ()
