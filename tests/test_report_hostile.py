"""Hostile data in every report format: shown literally, never markup, formula, link,
script or terminal code.

A project, a milestone, issue titles, owners and officers' notes carry HTML, Textual
markup, spreadsheet formulas, a URL, ANSI and OSC-8 escape sequences, C1 controls and
a bidi override. Each format must show the cleaned text as written and nothing more.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import openpyxl
import pandas as pd
import pytest
from test_metrics_handbuilt import _rows, write_csv_folder
from test_report_formats import md_table, read_html, table_titled, xlsx_table

from pmo_tui.cli import main
from pmo_tui.store import open_store
from pmo_tui.text import clean

HOSTILE = (
    '<script>alert(1)</script> [@click=app.quit]x[/] =HYPERLINK("http://x") '
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 \u202eevil \x9b2J "
    "'quote\" & www.evil.example | pipe *star* _under_ `tick`"
)
SHOWN = clean(HOSTILE)
FORMULAS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(1+1)"]
NOTE = "first line <b>bold</b>\n=1+1 [@click=app.quit]x[/]\x1b[2J\nlast | line"
TERMINAL = ("\x1b", "\x9b", "\u202e", "\x07")
TODAY = date.today()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile")
    rows = _rows()
    rows["projects"][3]["name"] = HOSTILE  # P-A4, the project with milestones
    assert rows["projects"][3]["project_id"] == "P-A4"
    rows["milestones"][2]["name"] = HOSTILE  # M-A4-1
    rows["issues"][0]["title"] = FORMULAS[0]
    rows["issues"][0]["owner"] = FORMULAS[3]
    rows["issues"][2]["title"] = FORMULAS[1]
    rows["issues"][2]["owner"] = FORMULAS[2]
    folder = write_csv_folder(tmp / "data", rows)
    with open_store(None, source=str(folder)) as store:
        store.add_note("project", "P-A4", NOTE)
        store.save("I-3", 0, {"owner": "=cmd()"}, note=HOSTILE)
        ms = pd.DataFrame(
            {
                "milestone_id": ["M-A4-1", "M-A4-2"],
                "project_id": ["P-A4", "P-A4"],
                "baseline_date": pd.to_datetime(["2026-09-30", "2026-07-15"]),
                "forecast_date": pd.to_datetime(["2026-10-15", "2026-08-01"]),
            }
        )
        store.backfill([(TODAY - timedelta(days=20), ms), (TODAY - timedelta(days=10), ms)])
    out: dict[str, Any] = {}
    for scope in ("portfolio", "project:P-A4"):
        for fmt in ("json", "md", "html", "xlsx"):
            path = tmp / f"{scope.replace(':', '-')}.{fmt}"
            argv = ["report", str(folder), "--format", fmt, "--scope", scope]
            code = main([*argv, "-o", str(path), "--as-of", str(TODAY)])
            assert code == 0
            out[f"{scope}/{fmt}"] = path
    return out


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", ["portfolio", "project:P-A4"])
@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_no_terminal_controls_in_any_text_format(
    hostile: dict[str, Any], key: str, fmt: str
) -> None:
    body = text(hostile[f"{key}/{fmt}"])
    assert not [c for c in TERMINAL if c in body]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


@pytest.mark.parametrize("key", ["portfolio", "project:P-A4"])
def test_html_is_self_contained_and_inert(hostile: dict[str, Any], key: str) -> None:
    body = text(hostile[f"{key}/html"])
    parser = _Elements()
    parser.feed(body)
    tags = {t for t, _ in parser.tags}
    assert not tags & {"script", "iframe", "object", "embed", "img", "link", "base", "form"}
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)  # no event handlers
            if name in ("href", "xlink:href"):
                assert (value or "").startswith("#"), (tag, value)  # in-page anchors only
            assert name not in ("src", "srcset", "action", "formaction"), (tag, name)
    style = body[body.index("<style>") : body.index("</style>")]
    assert "url(" not in style and "@import" not in style
    csp = next(a for t, a in parser.tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in (csp.get("content") or "")
    # the hostile name is there, literally, as text
    assert SHOWN in "".join(parser.data)
    assert html.escape(SHOWN, quote=True) in body


def test_every_svg_is_well_formed_and_shows_the_name_as_text(hostile: dict[str, Any]) -> None:
    body = text(hostile["project:P-A4/html"])
    svgs = re.findall(r"<svg.*?</svg>", body, flags=re.S)
    assert len(svgs) == 2  # burn and MTA (the store has history for P-A4)
    for svg in svgs:
        root = SafeET.fromstring(svg)  # well-formed XML, no entities expanded
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert not [e for e in root.iter() if e.tag.endswith("script")]
        assert not [e for e in root.iter() if e.tag.endswith(("image", "use", "foreignObject"))]
    mta = SafeET.fromstring(svgs[1])
    texts = "".join(mta.itertext())
    assert f"M-A4-1 {SHOWN}" in texts  # the milestone's line title and legend


@pytest.mark.parametrize("key", ["portfolio", "project:P-A4"])
def test_markdown_shows_the_text_and_makes_no_markup(hostile: dict[str, Any], key: str) -> None:
    body = text(hostile[f"{key}/md"])
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(body)
    assert "<script" not in rendered and "<b>" not in rendered
    assert "<a " not in rendered and "<img" not in rendered and "<code>" not in rendered
    assert "<em>star" not in rendered and "<em>under" not in rendered
    assert "http://" not in body and "www.evil" not in body  # no bare URL to autolink
    visible = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert SHOWN.replace("  ", " ") in visible.replace("  ", " ")


def test_markdown_note_keeps_its_lines_in_one_cell(hostile: dict[str, Any]) -> None:
    body = text(hostile["project:P-A4/md"])
    header, rows = md_table(body, "Decisions and notes")
    note = next(r for r in rows if r[header.index("Entry")] == "note" and "first line" in r[-1])
    assert note[-1] == clean(NOTE, multiline=True).replace("\n", "<br>")


def test_xlsx_strings_stay_strings(hostile: dict[str, Any]) -> None:
    for key in ("portfolio", "project:P-A4"):
        book = openpyxl.load_workbook(hostile[f"{key}/xlsx"])
        seen: set[str] = set()
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not [c for c in TERMINAL if c in cell.value]
                        seen.add(cell.value)
                        if cell.value.startswith(("=", "+", "-", "@")):
                            assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
        assert SHOWN in seen or any(SHOWN in v for v in seen), key
    book = openpyxl.load_workbook(hostile["portfolio/xlsx"])
    header, rows = xlsx_table(book["Issues and risks"])
    titles = {r[header.index("Title")].value for r in rows}
    owners = {r[header.index("Owner")].value for r in rows}
    assert {FORMULAS[0], FORMULAS[1]} <= titles
    assert {"=cmd()", FORMULAS[3]} <= owners  # the triage owner wins over "-1+1"


def test_json_keeps_the_data_exactly(hostile: dict[str, Any]) -> None:
    data = json.loads(text(hostile["portfolio/json"]))
    name = next(p["name"] for p in data["projects"] if p["project_id"] == "P-A4")
    assert name == HOSTILE  # json is the exact data; its escapes keep terminals safe
    notes = [a["note"] for a in data["activity"] if a["note"]]
    assert NOTE in notes and HOSTILE in notes


def test_html_tables_show_formulas_and_notes_as_text(hostile: dict[str, Any]) -> None:
    page = read_html(text(hostile["project:P-A4/html"]))
    notes = table_titled(page, "Decisions and notes").column("Decision or note")
    assert clean(NOTE, multiline=True) in notes
    page = read_html(text(hostile["portfolio/html"]))
    titles = table_titled(page, "Open issues and risks").column("Title")
    assert FORMULAS[0] in titles and FORMULAS[1] in titles
