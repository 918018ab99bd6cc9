"""md, html and xlsx reports show the json report's figures: the same BAC, EAC, CPI, SPI,
VAC, RAG and reasons, and the same milestones in each section, read back from each file.

Expected texts are written out here (``€390,000.00``, ``0.81``), not produced by the
report's own formatter, so a formatting bug cannot hide behind itself. The helpers that
read an HTML, Markdown or xlsx report back are shared with the other report tests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from pmo_tui.cli import main

Record = dict[str, Any]
MONEY_FORMAT = '"€"#,##0.00;[Red]-"€"#,##0.00'


# -- running the report -----------------------------------------------------------------


def run(tmp_path: Path, fmt: str, *args: str, source: str | None = None) -> Path:
    """``pmo-tui report [SOURCE] --format fmt ARGS -o FILE``; returns the file."""
    out = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.{fmt}"
    argv = ["report", *([source] if source else []), "--format", fmt, "-o", str(out), *args]
    if "--store" not in args:
        argv += ["--store", f"sqlite:///{tmp_path / 'no-store.sqlite'}"]
    code = main(argv)
    assert code == 0, f"pmo-tui {' '.join(argv)} exited {code}"
    return out


def all_formats(tmp_path: Path, *args: str, source: str | None = None) -> dict[str, Any]:
    """The json tree and the md, html and xlsx reports of one scope."""
    paths = {f: run(tmp_path, f, *args, source=source) for f in ("json", "md", "html", "xlsx")}
    return {
        "json": json.loads(paths["json"].read_text(encoding="utf-8")),
        "md": paths["md"].read_text(encoding="utf-8"),
        "html": paths["html"].read_text(encoding="utf-8"),
        "xlsx": openpyxl.load_workbook(paths["xlsx"]),
        "paths": paths,
    }


# -- reading HTML back ------------------------------------------------------------------


@dataclass
class HtmlTable:
    title: str
    headers: list[str]
    rows: list[list[str]]

    def column(self, header: str) -> list[str]:
        i = self.headers.index(header)
        return [r[i] for r in self.rows]

    def row(self, first: str) -> dict[str, str]:
        hit = next(r for r in self.rows if r[0] == first)
        return dict(zip(self.headers, hit, strict=True))


@dataclass
class HtmlReport(HTMLParser):
    """Facts (label -> value, hint), data tables by title, and every tag with its attributes."""

    facts: dict[str, tuple[str, str]] = field(default_factory=dict)
    tables: dict[str, HtmlTable] = field(default_factory=dict)
    tags: list[tuple[str, list[tuple[str, str | None]]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)
        self._h3 = ""
        self._in_h3 = False
        self._facts = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._table: HtmlTable | None = None
        self._svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        classes = dict(attrs).get("class") or ""
        if tag == "h3":
            self._in_h3, self._h3 = True, ""
        elif tag == "table":
            self._facts = "facts" in classes
            if not self._facts:
                self._table = HtmlTable(self._h3, [], [])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self._in_h3 = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._facts:
                self.facts[self._row[0]] = (self._row[1], self._row[2])
            elif self._table is not None:
                if not self._table.headers:
                    self._table.headers = self._row
                else:
                    self._table.rows.append(self._row)
            self._row = None
        elif tag == "table":
            if self._table is not None:
                self.tables[self._table.title] = self._table
            self._table, self._facts = None, False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_h3:
            self._h3 += data
        if self._cell is not None:
            self._cell.append(data)


def read_html(text: str) -> HtmlReport:
    parser = HtmlReport()
    parser.feed(text)
    parser.close()
    return parser


def table_titled(report: HtmlReport, start: str) -> HtmlTable:
    return next(t for title, t in report.tables.items() if title.startswith(start))


# -- reading Markdown back ----------------------------------------------------------------


def md_cells(line: str) -> list[str]:
    """The cells of a GFM table row (``\\|`` is a pipe inside a cell)."""
    inner = line.strip()[1:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner)]


def md_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def md_facts(text: str) -> dict[str, str]:
    """``| label | value | note |`` rows of every facts table (label -> value)."""
    facts: dict[str, str] = {}
    lines = text.splitlines()
    inside = False
    for line in lines:
        if line.startswith("| Item | Value | Note |"):
            inside = True
            continue
        if inside and line.startswith("|") and not line.startswith("|---"):
            cells = md_cells(line)
            facts[md_unescape(cells[0])] = md_unescape(cells[1].strip("*"))
        elif inside and not line.startswith("|"):
            inside = False
    return facts


def md_table(text: str, start: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the table whose bold title starts with ``start``."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"**{start}"))
    rows: list[list[str]] = []
    header: list[str] = []
    for line in lines[at + 1 :]:
        if line.startswith("**") or line.startswith("## "):
            break
        if not line.startswith("|"):
            continue
        if line.startswith("|---") or line.startswith("|--"):
            continue
        cells = [md_unescape(c) for c in md_cells(line)]
        if not header:
            header = cells
        else:
            rows.append(cells)
    return header, rows


# -- reading xlsx back --------------------------------------------------------------------


def xlsx_facts(ws: Worksheet) -> dict[str, Any]:
    """Label (column A) -> the cell in column B."""
    return {
        str(row[0].value): row[1]
        for row in ws.iter_rows(min_col=1, max_col=2)
        if row[0].value is not None and len(row) > 1
    }


def xlsx_table(ws: Worksheet) -> tuple[list[str], list[list[Any]]]:
    """Header row (the autofilter's first row) and the cells below it."""
    ref = ws.auto_filter.ref
    assert ref, f"sheet {ws.title!r} has no autofilter"
    first = int(re.match(r"[A-Z]+(\d+)", ref).group(1))  # type: ignore[union-attr]
    rows = list(ws.iter_rows(min_row=first))
    header = [str(c.value) for c in rows[0]]
    return header, [list(r) for r in rows[1:] if any(c.value is not None for c in r)]


def euro(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}€{abs(value):,.2f}"


# -- the same figures in every format -----------------------------------------------------


@pytest.fixture(scope="module")
def project_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return all_formats(tmp_path_factory.mktemp("p2"), "--scope", "project:P-0002")


@pytest.fixture(scope="module")
def programme_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return all_formats(tmp_path_factory.mktemp("prg1"), "--scope", "programme:PRG-01")


FIGURES = (
    ("BAC (budget)", "bac", "money"),
    ("AC (actual cost)", "ac", "money"),
    ("EV (earned value)", "ev", "money"),
    ("PV (planned value)", "pv", "money"),
    ("EAC (BAC / CPI)", "eac", "money"),
    ("VAC (BAC - EAC)", "vac", "money"),
    ("CPI (EV / AC)", "cpi", "ratio"),
    ("SPI (EV / PV)", "spi", "ratio"),
)


@pytest.mark.parametrize("scope", ["project", "programme"])
def test_budget_figures_match_the_json_in_every_format(
    scope: str, project_report: dict[str, Any], programme_report: dict[str, Any]
) -> None:
    reports = project_report if scope == "project" else programme_report
    summary = reports["json"]["summary"]
    page = read_html(reports["html"])
    md = md_facts(reports["md"])
    sheet = xlsx_facts(reports["xlsx"]["Budget"])
    for label, key, kind in FIGURES:
        value = summary[key]
        assert value is not None, key
        text = euro(value) if kind == "money" else f"{value:.2f}"
        assert page.facts[label][0] == text, (label, page.facts[label])
        assert md[label] == text, (label, md[label])
        cell = sheet[label]
        assert cell.data_type == "n" and cell.value == pytest.approx(value, abs=1e-9), label
        assert cell.number_format == (MONEY_FORMAT if kind == "money" else "0.00"), label


def test_project_rag_and_reasons_in_every_format(project_report: dict[str, Any]) -> None:
    summary = project_report["json"]["summary"]
    assert summary["rag"] == "red" and summary["watermelon"] is True  # P-0002 by hand
    page = read_html(project_report["html"])
    assert page.facts["Overall"][0] == "● RED"
    assert page.facts["Cost"] == ("● RED", summary["cost_rag_reason"])
    assert page.facts["Time"] == ("○ GREEN", summary["time_rag_reason"])
    html_text = "".join(page.text)
    for reason in summary["rag_reasons"]:
        assert reason in html_text
        assert reason in md_unescape(project_report["md"])
    assert "Watermelon: the project reports green while its figures say red." in html_text
    md = md_facts(project_report["md"])
    assert md["Overall"] == "● RED" and md["Cost"] == "● RED"
    status = xlsx_facts(project_report["xlsx"]["Status"])
    assert status["Overall"].value == "● RED"
    assert status["Cost"].value == "● RED" and status["Time"].value == "○ GREEN"
    # the reasons sit next to the colours in the sheet
    ws = project_report["xlsx"]["Status"]
    reasons = {row[0].value: row[2].value for row in ws.iter_rows(max_col=3)}
    assert reasons["Cost"] == summary["cost_rag_reason"]


def test_programme_projects_table_matches_the_json(programme_report: dict[str, Any]) -> None:
    data = programme_report["json"]
    by_id = {p["project_id"]: p for p in data["projects"]}
    page = read_html(programme_report["html"])
    table = table_titled(page, "Projects (most attention first)")
    assert sorted(table.column("Project")) == sorted(by_id)
    for row in table.rows:
        p = by_id[row[0]]
        cells = dict(zip(table.headers, row, strict=True))
        assert cells["RAG"].split()[-1] == p["rag"].upper()
        assert cells["CPI"] == (f"{p['cpi']:.2f}" if p["cpi"] is not None else "n/a")
        assert cells["Reason"] == p["rag_reason"]
        assert (cells["Watermelon"] == "WATERMELON") is p["watermelon"]
    # watermelons lead: attention order
    attention = [by_id[pid]["attention"] for pid in table.column("Project")]
    assert attention == sorted(attention)
    header, rows = xlsx_table(programme_report["xlsx"]["Projects"])
    cpi = header.index("CPI")
    for row in rows:
        p = by_id[row[0].value]
        if p["cpi"] is None:
            assert row[cpi].value == "n/a"
        else:
            assert row[cpi].value == pytest.approx(p["cpi"]) and row[cpi].number_format == "0.00"
    header, md_rows = md_table(programme_report["md"], "Projects (most attention first)")
    assert [r[0] for r in md_rows] == table.column("Project")


def test_milestone_sections_hold_the_same_milestones(programme_report: dict[str, Any]) -> None:
    data = programme_report["json"]
    ms = data["milestones"]
    due = {m["milestone_id"] for m in ms if m["due_next_period"]}
    done = {m["milestone_id"] for m in ms if m["done_this_period"]}
    slipped = {m["milestone_id"] for m in ms if m["status"] in ("late", "at risk")}
    assert due and slipped  # the demo has both in PRG-01
    page = read_html(programme_report["html"])
    assert set(table_titled(page, "Due next period").column("Milestone")) == due
    assert set(table_titled(page, "Slipped").column("Milestone")) == slipped
    book = programme_report["xlsx"]
    for sheet, expected in (
        ("Milestones due", due),
        ("Milestones slipped", slipped),
        ("Milestones done", done),
    ):
        _, rows = xlsx_table(book[sheet])
        ids = {r[0].value for r in rows if r[0].value and str(r[0].value).startswith("M-")}
        assert ids == expected, sheet
    _, rows = md_table(programme_report["md"], "Slipped")
    assert {r[0] for r in rows} == slipped
    # slip in days, signed, matches the json
    slip = {m["milestone_id"]: m["rag_slip_days"] for m in ms}
    table = table_titled(page, "Slipped")
    for mid, text in zip(table.column("Milestone"), table.column("Slip (days)"), strict=True):
        assert text == f"{slip[mid]:+d}"


def test_header_names_scope_period_as_of_and_source(project_report: dict[str, Any]) -> None:
    data = project_report["json"]
    page = read_html(project_report["html"])
    assert page.facts["Scope"][0] == "Project P-0002 Koppeling DigiD en eHerkenning"
    assert page.facts["Reporting period"][0] == "2026-11-01 to 2026-11-30 (30 days)"
    assert page.facts["Next period"][0] == "2026-12-01 to 2026-12-30"
    assert page.facts["Figures as of"][0] == "2026-11-30"
    assert page.facts["Source"][0] == data["source"]["description"]
    generated = datetime.fromisoformat(data["generated_at"])
    assert page.facts["Generated at"][0].startswith(generated.strftime("%Y-%m-%d %H:%M"))
    ws = project_report["xlsx"]["Report"]
    facts = xlsx_facts(ws)
    assert facts["Figures as of"].value == datetime(2026, 11, 30)
    assert facts["Figures as of"].number_format == "yyyy-mm-dd"
    assert facts["Data as of"].is_date


def test_percentages_and_days_are_numbers_with_formats(project_report: dict[str, Any]) -> None:
    summary = project_report["json"]["summary"]
    budget = xlsx_facts(project_report["xlsx"]["Budget"])
    spent = budget["% budget spent"]
    assert spent.value == pytest.approx(summary["pct_budget_spent"] / 100)
    assert spent.number_format == "0.0%"
    run_out = budget["Run-out date"]
    assert run_out.value == datetime.combine(
        date.fromisoformat(summary["run_out_date"]), datetime.min.time()
    )
    margin = budget["Run-out margin (vs planned end)"]
    assert margin.value == summary["run_out_margin_days"] and margin.number_format == "+0;-0;0"
    tol_header, tol_rows = xlsx_table(project_report["xlsx"]["Tolerance project"])
    used = tol_rows[0][tol_header.index("Cost tol. used")]
    assert used.value == pytest.approx(summary["cost_tolerance_used"])
    assert used.number_format == "0%"


def test_every_xlsx_table_has_a_frozen_header_autofilter_and_widths(
    programme_report: dict[str, Any],
) -> None:
    book = programme_report["xlsx"]
    tables = [ws for ws in book.worksheets if ws.auto_filter.ref]
    assert len(tables) >= 10
    for ws in tables:
        first = int(re.match(r"[A-Z]+(\d+)", ws.auto_filter.ref).group(1))  # type: ignore[union-attr]
        assert ws.freeze_panes is not None
        assert int(re.sub(r"[A-Z]+", "", ws.freeze_panes)) == first + 1, ws.title
        assert all(ws.column_dimensions[c].width for c in "AB"), ws.title
    assert len(book["S-curve"]._charts) == 1  # a native Excel chart of the S-curve


def test_markdown_tables_are_well_formed(programme_report: dict[str, Any]) -> None:
    """Every table row has as many cells as its header (a stray | would break GFM)."""
    lines = programme_report["md"].splitlines()
    width = 0
    tables = 0
    for line in lines:
        if not line.startswith("|"):
            width = 0
            continue
        cells = len(md_cells(line))
        if width == 0:
            width, tables = cells, tables + 1
        assert cells == width, line
    assert tables >= 8
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(programme_report["md"])
    assert rendered.count("<table>") == tables


def test_same_figures_in_a_portfolio_report(tmp_path: Path) -> None:
    reports = all_formats(tmp_path)
    summary = reports["json"]["summary"]
    page = read_html(reports["html"])
    assert page.facts["EAC (BAC / CPI)"][0] == euro(summary["eac"])
    assert page.facts["Projects"][0] == str(summary["projects"])
    assert page.facts["Watermelons"][0] == str(summary["n_watermelon"])
    programmes = table_titled(page, "Programmes")
    assert len(programmes.rows) == len(reports["json"]["programmes"])
    assert md_facts(reports["md"])["VAC (BAC - EAC)"] == euro(summary["vac"])
    assert xlsx_facts(reports["xlsx"]["Budget"])["VAC (BAC - EAC)"].value == pytest.approx(
        summary["vac"]
    )
    # no milestone trend for the whole portfolio, and the report says why
    assert "## Milestone trend analysis" not in reports["md"].splitlines()
    assert reports["json"]["mta"]["drawn"] is False


def test_data_quality_lists_problems_with_file_row_and_column(tmp_path: Path) -> None:
    from test_metrics_handbuilt import _rows, write_csv_folder

    rows = _rows()
    bad = dict(rows["projects"][0], project_id="P-BAD", budget=-5)
    rows["projects"].append(bad)
    folder = write_csv_folder(tmp_path / "data", rows)
    with (folder / "issues.csv").open("a", encoding="utf-8") as handle:
        handle.write("I-9,P-NOPE,Unknown project,risk,2,open,,2026-06-01,\n")
    reports = all_formats(tmp_path, source=str(folder))
    src = reports["json"]["source"]
    assert src["errors"] >= 2
    budget = next(p for p in src["problem_list"] if p["value"] == "-5")
    line = len(rows["projects"]) + 1  # the header is row 1; P-BAD is the last row
    assert (budget["file"], budget["row"], budget["column"]) == ("projects.csv", line, "budget")
    page = read_html(reports["html"])
    problems = table_titled(page, "Problems")
    row = next(r for r in problems.rows if r[3] == "-5")
    assert row[:3] == ["projects.csv", str(line), "budget"]
    assert page.facts["Rows or files rejected (errors)"][0] == str(src["errors"])
    _, md_rows = md_table(reports["md"], "Problems")
    assert any(r[:4] == ["projects.csv", str(line), "budget", "-5"] for r in md_rows)
    header, cells = xlsx_table(reports["xlsx"]["Problems"])
    hit = next(r for r in cells if r[header.index("Value")].value == "-5")
    assert hit[header.index("Row")].value == line and hit[header.index("Row")].data_type == "n"
