"""Format quirks a data folder must load without configuration (PRODUCT.md §3).

Every test writes real files to a temporary folder and loads them through the
folder source, as the app does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from pmo_tui.problems import Severity
from pmo_tui.sources.folder import FolderSource

PROJECTS_HEADER = "project_id,name,budget\n"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = folder / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def load(folder: Path, config: Path | None = None):
    source = FolderSource(folder, config)
    try:
        return source.load()
    finally:
        source.close()


def rules(portfolio) -> list[str]:
    return [p.rule for p in portfolio.problems]


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# -- delimiters ------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, sep: str) -> None:
    write(
        tmp_path,
        "projects.csv",
        f"project_id{sep}name{sep}budget\nP1{sep}Alpha, the first{sep}100\nP2{sep}Beta{sep}200\n"
        if sep != ","
        else 'project_id,name,budget\nP1,"Alpha, the first",100\nP2,Beta,200\n',
    )
    frame = load(tmp_path)["projects"]
    assert frame["name"].tolist() == ["Alpha, the first", "Beta"]
    assert frame["budget"].tolist() == [100.0, 200.0]


def test_semicolon_file_with_commas_in_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id;name;budget\nP1;Wegen, bruggen en tunnels;1.500\nP2;Data, AI;2.750,50\n",
    )
    frame = load(tmp_path)["projects"]
    assert frame["name"].tolist() == ["Wegen, bruggen en tunnels", "Data, AI"]
    assert frame["budget"].tolist() == [1500.0, 2750.5]


# -- decimals --------------------------------------------------------------------


def test_decimal_comma_with_thousands_dots(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id;name;budget;percent_complete\n"
        "P1;A;1.234.567,89;45,5\nP2;B;12,5;0\nP3;C;1.000;100\n",
    )
    frame = load(tmp_path)["projects"]
    assert frame["budget"].tolist() == [1234567.89, 12.5, 1000.0]
    assert frame["percent_complete"].tolist() == [45.5, 0.0, 100.0]


def test_semicolon_file_with_decimal_points_is_read_as_points(tmp_path: Path) -> None:
    # like uk_2023.csv: ';' separated, but 7.9 and 10.95 prove a decimal point
    write(tmp_path, "projects.csv", "project_id;name;budget\nP1;A;7.9\nP2;B;10.95\nP3;C;1.234\n")
    frame = load(tmp_path)["projects"]
    assert frame["budget"].tolist() == [7.9, 10.95, 1.234]


def test_ambiguous_thousands_follow_the_delimiter(tmp_path: Path) -> None:
    # 1.234 proves nothing: a ';' file is decimal-comma (1234), a ',' file decimal-point
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", "projects.csv", "project_id;name;budget\nP1;A;1.234\n")
    write(tmp_path / "b", "projects.csv", "project_id,name,budget\nP1,A,1.234\n")
    assert load(tmp_path / "a")["projects"]["budget"].tolist() == [1234.0]
    assert load(tmp_path / "b")["projects"]["budget"].tolist() == [1.234]


def test_a_column_without_evidence_follows_the_rest_of_the_file(tmp_path: Path) -> None:
    # budget only holds ambiguous values; forecast_cost proves a decimal comma
    write(
        tmp_path, "projects.csv", 'project_id,name,budget,forecast_cost\nP1,A,"1.500","1.600,25"\n'
    )
    frame = load(tmp_path)["projects"]
    assert frame["budget"].tolist() == [1500.0]
    assert frame["forecast_cost"].tolist() == [1600.25]


def test_decimal_is_decided_per_file_not_per_row(tmp_path: Path) -> None:
    # 7,5 in a decimal-point file is an error, not silently 75 or 7.5
    write(tmp_path, "projects.csv", "project_id;name;budget\nP1;A;10.25\nP2;B;7,5\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1"]
    [problem] = [p for p in portfolio.problems if p.rule == "bad-number"]
    assert problem.row == 3 and problem.value == "7,5"
    assert "decimal separator is a point" in problem.message


def test_currency_percent_and_grouping_spaces(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id;name;budget;percent_complete;forecast_cost\n"
        "P1;A;€ 1.250.000,00;45 %;1.000\n"
        "P2;B;EUR 2 500;50%;1\u00a0250,5\n",
    )
    write(
        tmp_path, "costs.csv", "project_id;period;amount\nP1;2024-01;(1.000,50)\nP1;2024-02;-€ 5\n"
    )
    portfolio = load(tmp_path)
    frame = portfolio["projects"]
    assert frame["budget"].tolist() == [1250000.0, 2500.0]
    assert frame["percent_complete"].tolist() == [45.0, 50.0]
    assert frame["forecast_cost"].tolist() == [1000.0, 1250.5]
    # accounting negatives are credit notes: allowed in costs
    assert portfolio["costs"]["amount"].tolist() == [-1000.5, -5.0]


# -- encodings -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_are_sniffed(tmp_path: Path, encoding: str) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id;name;budget\nP1;Café – €uro £ test;1\nP2;Ærø;2\n",
        encoding=encoding,
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["name"].tolist() == ["Café – €uro £ test", "Ærø"]
    assert "bad-encoding" not in rules(portfolio)


def test_bom_does_not_leak_into_the_first_header(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,budget\nP1,A,1\n", encoding="utf-8-sig")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1"]
    assert "missing-column" not in rules(portfolio)


# -- dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,end",
    [
        ("2024-03-31", "2025-01-13"),
        ("31-03-2024", "13-01-2025"),
        ("31/03/2024", "13/01/2025"),
        ("31.03.2024", "13.01.2025"),
        ("2024-03-31T00:00:00Z", "2025-01-13 17:00:00"),
        ("31/03/2024 5:00:00 PM", "13/01/2025"),
    ],
)
def test_date_formats(tmp_path: Path, start: str, end: str) -> None:
    write(
        tmp_path,
        "projects.csv",
        f"project_id,name,budget,start_date,end_date\nP1,A,1,{start},{end}\n",
    )
    portfolio = load(tmp_path)
    frame = portfolio["projects"]
    assert frame["start_date"].tolist() == [ts("2024-03-31")]
    assert frame["end_date"].tolist() == [ts("2025-01-13")]
    assert str(frame["start_date"].dtype) == "datetime64[s]"
    assert portfolio.errors == ()


def test_day_first_is_decided_once_for_the_whole_file(tmp_path: Path) -> None:
    # 13-01-2025 proves day-first, so 02-03-2024 is 2 March, for every row
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,start_date,end_date\n"
        "P1,A,1,02-03-2024,13-01-2025\nP2,B,1,04-05-2024,06-07-2025\n",
    )
    frame = load(tmp_path)["projects"]
    assert frame["start_date"].tolist() == [ts("2024-03-02"), ts("2024-05-04")]
    assert frame["end_date"].tolist() == [ts("2025-01-13"), ts("2025-07-06")]


def test_month_first_evidence_is_followed(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,start_date,end_date\nP1,A,1,02/03/2024,12/31/2024\n",
    )
    frame = load(tmp_path)["projects"]
    assert frame["start_date"].tolist() == [ts("2024-02-03")]
    assert frame["end_date"].tolist() == [ts("2024-12-31")]


def test_ambiguous_file_is_day_first_with_a_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,start_date\nP1,A,1,02-03-2024\nP2,B,1,05-06-2024\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["start_date"].tolist() == [ts("2024-03-02"), ts("2024-06-05")]
    [warning] = [p for p in portfolio.problems if p.rule == "ambiguous-dates"]
    assert warning.severity is Severity.WARNING and "day-first" in warning.message
    assert portfolio.errors == ()


def test_ambiguous_file_follows_the_rest_of_the_folder(tmp_path: Path) -> None:
    # milestones.csv proves month-first (12/31/2024); projects.csv alone cannot tell
    write(tmp_path, "projects.csv", "project_id,name,budget,start_date\nP1,A,1,02/03/2024\n")
    write(
        tmp_path,
        "milestones.csv",
        "milestone_id,project_id,name,baseline_date\nM1,P1,Go live,12/31/2024\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["start_date"].tolist() == [ts("2024-02-03")]
    assert portfolio["milestones"]["baseline_date"].tolist() == [ts("2024-12-31")]
    [warning] = [p for p in portfolio.problems if p.rule == "ambiguous-dates"]
    assert "other files in the folder" in warning.message


def test_config_date_order_wins_over_the_default(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,budget,start_date\nP1,A,1,02/03/2024\n")
    write(tmp_path, "pmo-tui.toml", '[source]\ndate_order = "monthfirst"\n')
    portfolio = load(tmp_path)
    assert portfolio["projects"]["start_date"].tolist() == [ts("2024-02-03")]
    assert "ambiguous-dates" not in rules(portfolio)


def test_months_in_costs(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS_HEADER + "P1,A,1000\n")
    write(
        tmp_path,
        "costs.csv",
        "project_id,period,amount\nP1,2024-03,1\nP1,03-2024,2\nP1,2024-03-17,3\nP1,mrt 2024,4\n",
    )
    frame = load(tmp_path)["costs"]
    assert frame["period"].tolist() == [ts("2024-03-01")] * 4
    assert frame["amount"].tolist() == [1.0, 2.0, 3.0, 4.0]


# -- line endings and multi-line cells --------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(tmp_path: Path, newline: str) -> None:
    write(tmp_path, "projects.csv", PROJECTS_HEADER + "P1,A,1\nP2,B,2\n", newline=newline)
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1", "P2"]
    assert portfolio.states["projects"].rows.tolist() == [2, 3]


def test_quoted_multiline_cells_and_the_row_where_the_record_starts(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        'project_id,name,budget\nP1,"Line one\nline two\nline three",1\nP2,B,abc\n',
        newline="\r\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["name"].tolist() == ["Line one\r\nline two\r\nline three"]
    # the second record starts on line 5 of the file: that is the row reported
    [problem] = [p for p in portfolio.problems if p.rule == "bad-number"]
    assert problem.row == 5
    assert portfolio.states["projects"].rows.tolist() == [2]


def test_blank_lines_and_empty_rows_are_skipped_and_rows_still_counted(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS_HEADER + "P1,A,1\n\n,,\nP2,B,x\n")
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1"]
    [problem] = [p for p in portfolio.problems if p.rule == "bad-number"]
    assert problem.row == 5


def test_quote_inside_an_unquoted_cell_is_text(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS_HEADER + 'P1,Monitor 24",1\nP2,B,2\n')
    assert load(tmp_path)["projects"]["name"].tolist() == ['Monitor 24"', "B"]


# -- names and values ---------------------------------------------------------------


def test_case_and_whitespace_in_file_names_headers_and_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Projects.CSV",
        "  Project_ID , NAME ,Budget , Status\n  P1 , Alpha ,  10 ,  ACTIVE \nP2,Beta,20,On Hold\n",
    )
    frame = load(tmp_path)["projects"]
    assert frame["project_id"].tolist() == ["P1", "P2"]
    assert frame["name"].tolist() == ["Alpha", "Beta"]
    assert frame["status"].tolist() == ["active", "on hold"]


def test_ids_framed_by_separator_characters_are_trimmed_like_spaces(tmp_path: Path) -> None:
    """Some exports pad cells with ASCII unit/record separators (0x1C-0x1F), which the
    trim takes like spaces. Nothing else in these files needs trimming, so this must not
    depend on a quick "nothing to trim here" check that knows only spaces and tabs."""
    write(tmp_path, "projects.csv", PROJECTS_HEADER + "P1,Alpha,10\nP2,Beta,20\n")
    write(
        tmp_path,
        "issues.csv",
        "issue_id,project_id,title,severity,status\n"
        "I1,P1\x1f,Vendor late,high,open\nI2,\x1cP2,Scope creep,low,open\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["issues"]["project_id"].tolist() == ["P1", "P2"]
    assert "unknown-reference" not in rules(portfolio)


def test_dutch_headers_and_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projecten.csv",
        "Projectnummer;Projectnaam;Programma;Begroting;Startdatum;Einddatum;"
        "Percentage gereed;Status;Prognose;Projectleider\n"
        "P1;Alpha;Digitaal;100.000;01-02-2024;31-12-2025;45;lopend;110.000;Jan\n"
        "P2;Beta;Digitaal;50.000;15-03-2024;31-12-2024;100;afgerond;48.000;Piet\n"
        "P3;Gamma;Infra;75.000;15-03-2024;31-12-2024;10;in uitvoering;75.000;Kees\n",
    )
    write(
        tmp_path,
        "risico's.csv",
        "Nummer;Projectcode;Titel;Soort;Ernst;Status;Eigenaar;Melddatum;Streefdatum\n"
        "R1;P1;Leverancier failliet;risico;hoog;open;Jan;01-03-2024;01-06-2024\n"
        "R2;P2;Scope onduidelijk;probleem;kritiek;gesloten;Piet;02-03-2024;15-03-2024\n",
    )
    portfolio = load(tmp_path)
    projects = portfolio["projects"]
    assert projects["budget"].tolist() == [100000.0, 50000.0, 75000.0]
    assert projects["status"].tolist() == ["active", "closed", "active"]
    assert projects["forecast_cost"].tolist() == [110000.0, 48000.0, 75000.0]
    assert projects["manager"].tolist() == ["Jan", "Piet", "Kees"]
    assert set(portfolio["programmes"]["programme_id"]) == {"Digitaal", "Infra"}
    issues = portfolio["issues"]
    assert issues["type"].tolist() == ["risk", "issue"]
    assert issues["severity"].tolist() == [3, 4]
    assert issues["status"].tolist() == ["open", "closed"]
    assert issues["due_date"].tolist() == [ts("2024-06-01"), ts("2024-03-15")]
    assert portfolio.errors == ()


def test_header_with_a_unit_in_brackets(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", "project_id,name,Budget (EUR)\nP1,A,5\n")
    assert load(tmp_path)["projects"]["budget"].tolist() == [5.0]


def test_severity_numbers_and_words(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS_HEADER + "P1,A,1\n")
    write(
        tmp_path,
        "issues.csv",
        "issue_id,project_id,title,severity\nI1,P1,a,1\nI2,P1,b,Medium\nI3,P1,c,3\nI4,P1,d,KRITIEK\n"
        "I5,P1,e,\n",
    )
    frame = load(tmp_path)["issues"]
    assert frame["severity"].tolist()[:4] == [1, 2, 3, 4]
    assert pd.isna(frame["severity"].tolist()[4])
    assert str(frame["severity"].dtype) == "Int64"


def test_unknown_extra_columns_warn_once_per_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,colour,notes\nP1,A,1,red,x\nP2,B,2,blue,y\n",
    )
    portfolio = load(tmp_path)
    [warning] = [p for p in portfolio.problems if p.rule == "unknown-column"]
    assert warning.severity is Severity.WARNING
    assert "'colour'" in warning.message and "'notes'" in warning.message
    assert len(portfolio["projects"]) == 2


def test_duplicate_headers_are_coalesced(tmp_path: Path) -> None:
    # as in the UK GMPP export: two colour_rating columns, one filled per row
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,rag,rag\nP1,A,1,Amber,\nP2,B,2,,Green\nP3,C,3,,\n",
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["reported_rag"].tolist()[:2] == ["amber", "green"]
    assert pd.isna(portfolio["projects"]["reported_rag"].tolist()[2])
    assert "duplicate-column" in rules(portfolio)


def test_programmes_are_derived_from_a_programme_name_column(tmp_path: Path) -> None:
    write(
        tmp_path,
        "projects.csv",
        "project_id,name,budget,programme,portfolio\nP1,A,1,Digital,City\nP2,B,2,Roads,City\n",
    )
    programmes = load(tmp_path)["programmes"]
    assert sorted(programmes["programme_id"]) == ["Digital", "Roads"]
    assert set(programmes["portfolio"]) == {"City"}


# -- workbooks -------------------------------------------------------------------


def _workbook(path: Path, sheets: dict[str, list[list[object]]], date_cells: bool = True) -> None:
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "dd-mm-yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date) and date_cells:
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif value is None:
                    continue
                else:
                    sheet.write(r, c, value)
    book.close()


def test_xlsx_table_with_typed_cells(tmp_path: Path) -> None:
    _workbook(
        tmp_path / "projects.xlsx",
        {
            "Blad1": [
                ["Project ID", "Naam", "Begroting", "Startdatum", "% gereed"],
                [1001, "Alpha", 1234.5, dt.date(2024, 3, 1), 45],
                ["P-2", "Beta", "1.000,50", "15-03-2024", 10],
                [None, None, None, None, None],
                ["P-3", "Gamma", 7, dt.date(2024, 4, 2), None],
            ]
        },
    )
    portfolio = load(tmp_path)
    frame = portfolio["projects"]
    assert frame["project_id"].tolist() == ["1001", "P-2", "P-3"]
    assert frame["budget"].tolist() == [1234.5, 1000.5, 7.0]
    assert frame["start_date"].tolist() == [ts("2024-03-01"), ts("2024-03-15"), ts("2024-04-02")]
    assert portfolio.states["projects"].rows.tolist() == [2, 3, 5]
    assert portfolio.errors == ()


def test_xlsx_percent_cells_stored_as_fractions(tmp_path: Path) -> None:
    _workbook(
        tmp_path / "projects.xlsx",
        {
            "projects": [
                ["project_id", "name", "budget", "percent_complete"],
                ["P1", "A", 1, 0.45],
                ["P2", "B", 1, 1],
                ["P3", "C", 1, 0],
            ]
        },
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["percent_complete"].tolist() == [45.0, 100.0, 0.0]
    assert "percent-fraction" in rules(portfolio)


def test_one_workbook_with_sheets_named_after_tables(tmp_path: Path) -> None:
    _workbook(
        tmp_path / "portfolio 2024.xlsx",
        {
            "Toelichting": [["Dit werkboek bevat de portfolio"]],
            "Projecten": [["project_id", "name", "budget"], ["P1", "A", 10], ["P2", "B", 20]],
            "Mijlpalen": [
                ["milestone_id", "project_id", "name", "baseline_date"],
                ["M1", "P1", "Go", dt.date(2024, 5, 1)],
            ],
            "issues": [["issue_id", "project_id", "title"], ["I1", "P2", "Late"]],
        },
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["project_id"].tolist() == ["P1", "P2"]
    assert portfolio["milestones"]["baseline_date"].tolist() == [ts("2024-05-01")]
    assert portfolio["issues"]["title"].tolist() == ["Late"]
    assert portfolio.states["milestones"].origin == "portfolio 2024.xlsx"
    assert portfolio.errors == ()


def test_csv_wins_over_a_workbook_for_the_same_table_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "projects.csv", PROJECTS_HEADER + "P1,From CSV,1\n")
    _workbook(
        tmp_path / "projects.xlsx",
        {"projects": [["project_id", "name", "budget"], ["P1", "From XLSX", 1]]},
    )
    portfolio = load(tmp_path)
    assert portfolio["projects"]["name"].tolist() == ["From CSV"]
    assert "duplicate-table" in rules(portfolio)


# -- the same portfolio, clean and Dutch-Excel style ------------------------------


CLEAN = {
    "programmes.csv": (
        "programme_id,name,portfolio,manager\n"
        "PRG-1,Digitale dienstverlening,Gemeente,Anna de Vries\n"
    ),
    "projects.csv": (
        "project_id,name,programme_id,manager,start_date,end_date,budget,percent_complete,"
        "status,phase,forecast_cost,forecast_end_date,reported_rag\n"
        "P-1,Zaaksysteem vervangen,PRG-1,Jan Jansen,2024-01-15,2025-06-30,1234567.89,45.5,"
        "active,uitvoering,1300000.5,2025-08-31,amber\n"
        'P-2,"Portaal, fase 2",PRG-1,Ömer Yilmaz,2024-03-01,2024-12-31,250000,100,closed,'
        "nazorg,245000,2024-12-20,green\n"
    ),
    "milestones.csv": (
        "milestone_id,project_id,name,baseline_date,forecast_date,actual_date\n"
        "M-1,P-1,Go/no-go,2024-06-13,2024-07-01,\nM-2,P-2,Oplevering,2024-12-13,2024-12-20,"
        "2024-12-20\n"
    ),
    "costs.csv": "project_id,period,amount,category\nP-1,2024-01,10000.5,personeel\n"
    "P-1,2024-02,12500.25,inhuur\nP-2,2024-03,1000,personeel\n",
    "issues.csv": (
        "issue_id,project_id,title,type,severity,status,owner,raised_date,due_date,description\n"
        'I-1,P-1,"Leverancier; failliet?",risk,high,open,Jan Jansen,2024-02-14,2024-04-30,'
        '"Twee regels\ntekst"\n'
    ),
}

DUTCH = {
    "Programma's.csv": "Programmacode;Programmanaam;Portefeuille;Programmamanager\nPRG-1;"
    "Digitale dienstverlening;Gemeente;Anna de Vries\n",
    "Projecten.csv": (
        "Projectnummer;Projectnaam;Programmacode;Projectleider;Startdatum;Einddatum;Begroting;"
        "Percentage gereed;Status;Fase;Prognose;Prognose einddatum;RAG\n"
        "P-1;Zaaksysteem vervangen;PRG-1;Jan Jansen;15-01-2024;30-06-2025;1.234.567,89;45,5;"
        "lopend;uitvoering;1.300.000,50;31-08-2025;Oranje\n"
        "P-2;Portaal, fase 2;PRG-1;Ömer Yilmaz;01-03-2024;31-12-2024;250.000,00;100;afgerond;"
        "nazorg;245.000,00;20-12-2024;Groen\n"
    ),
    "Mijlpalen.csv": (
        "Mijlpaal ID;Projectnummer;Mijlpaal;Baseline datum;Prognosedatum;Werkelijke datum\n"
        "M-1;P-1;Go/no-go;13-06-2024;01-07-2024;\nM-2;P-2;Oplevering;13-12-2024;20-12-2024;"
        "20-12-2024\n"
    ),
    "Kosten.csv": "Projectnummer;Maand;Bedrag;Kostensoort\nP-1;01-2024;10.000,50;personeel\n"
    "P-1;02-2024;12.500,25;inhuur\nP-2;03-2024;1.000,00;personeel\n",
    "Risico's.csv": (
        "Nummer;Projectnummer;Titel;Soort;Ernst;Status;Eigenaar;Melddatum;Streefdatum;"
        "Omschrijving\n"
        'I-1;P-1;"Leverancier; failliet?";Risico;Hoog;Open;Jan Jansen;14-02-2024;30-04-2024;'
        '"Twee regels\ntekst"\n'
    ),
}


def test_clean_and_dutch_excel_style_load_to_identical_frames(tmp_path: Path) -> None:
    clean, dutch = tmp_path / "clean", tmp_path / "dutch"
    clean.mkdir()
    dutch.mkdir()
    for name, text in CLEAN.items():
        write(clean, name, text)
    for name, text in DUTCH.items():
        # Excel on a Dutch Windows: ';', decimal comma, cp1252, day-first, CRLF
        write(dutch, name, text, encoding="cp1252", newline="\r\n")
    a, b = load(clean), load(dutch)
    assert a.errors == () and b.errors == ()
    for table in ("programmes", "projects", "milestones", "costs", "issues"):
        left, right = a[table], b[table]
        if table == "issues":  # the multi-line description keeps its own line break
            right = right.assign(description=right["description"].str.replace("\r\n", "\n"))
        pd.testing.assert_frame_equal(left, right, check_exact=True)
    assert len(a["projects"]) == 2 and a["projects"]["budget"].iloc[0] == 1234567.89


def test_large_file_goes_through_the_fast_reader_with_exact_row_numbers(tmp_path: Path) -> None:
    n = 30_000
    ids = np.arange(n)
    lines = [f"P{i},Name {i},{i}.5" for i in ids]
    lines[25_000] = "P25000,Broken,not-a-number"
    write(tmp_path, "projects.csv", PROJECTS_HEADER + "\n".join(lines) + "\n")
    portfolio = load(tmp_path)
    assert len(portfolio["projects"]) == n - 1
    [problem] = portfolio.errors
    assert problem.row == 25_002 and problem.value == "not-a-number"
    assert portfolio.states["projects"].rows[-1] == n + 1
