"""``x`` in the TUI: a report of the scope on screen, in every format, with the screen's figures.

The officer opens a project, reads BAC, EAC, CPI and the RAG on screen, presses
``x``, picks a format and presses enter twice; the file appears under the
default name. Each format must carry the figures the screen shows (and the
json report's, to the cent).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from test_ui_support import make_app, screen_text, wait_for_data, write_fixture
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from pmo_tui.app import PmoApp
from pmo_tui.report.fmt import Formatter as ReportFormatter
from pmo_tui.screens.export import ExportDialog
from pmo_tui.screens.project import ProjectScreen
from pmo_tui.widgets.figures import FigureBlock

FORMATS = ["md", "html", "xlsx", "json"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)  # the default file name is relative to where pmo-tui runs
    return write_fixture(tmp_path / "portfolio")


async def wait_until(pilot: Pilot, check: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("not in time")
        await pilot.pause(0.05)


async def export(pilot: Pilot, fmt: str, *, confirm: bool = False) -> Path:
    """Press x, pick ``fmt``, accept the default name; the file written."""
    app = pilot.app
    await pilot.press("x")
    await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
    for _ in range(FORMATS.index(fmt)):
        await pilot.press("down")
    await pilot.press("enter")  # the format; on to the file name
    await pilot.pause(0.05)
    path = Path.cwd() / app.screen.query_one(Input).value
    await pilot.press("enter")
    if confirm:
        await pilot.pause(0.1)
        await pilot.press("enter")
    await wait_until(pilot, lambda: path.exists() and not isinstance(app.screen, ExportDialog))
    await wait_until(pilot, lambda: not [w for w in app.workers if w.group == "export"])
    return path


def screen_figures(app: PmoApp) -> dict[str, str]:
    """BAC, EAC, CPI as the project's overview shows them, and its RAG word."""
    block = app.screen.query_one("#evm", FigureBlock)
    figures = {f.label: f.value for f in block.figures}
    header = screen_text(app).splitlines()[1]
    rag = re.search(r"[●◐○?] (RED|AMB|GRN|GRY)", header)
    assert rag is not None, header
    return {"BAC": figures["BAC"], "EAC": figures["EAC"], "CPI": figures["CPI"], "RAG": rag[1]}


def dialog_message(app: PmoApp) -> str:
    return str(app.screen.query_one("#export-message", Static).content)


def money(text: str) -> float:
    return float(text.replace("€", "").replace(",", ""))


async def test_every_format_shows_the_figures_on_screen(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        app.open_project("P-01", from_root=True)
        await pilot.pause(0.3)
        assert isinstance(app.screen, ProjectScreen)
        shown = screen_figures(app)
        paths = {fmt: await export(pilot, fmt) for fmt in FORMATS}
    assert {fmt: p.name for fmt, p in paths.items()} == {
        fmt: f"pmo-report-project-P-01-2026-06-30.{fmt}" for fmt in FORMATS
    }
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert report["scope"]["level"] == "project" and report["scope"]["id"] == "P-01"
    summary = report["summary"]
    # the screen and the json report: the same figures (the screen rounds to whole euros)
    assert money(shown["BAC"]) == round(summary["bac"])
    assert money(shown["EAC"]) == round(summary["eac"])
    assert shown["CPI"] == f"{summary['cpi']:.2f}"
    assert {"RED": "red", "AMB": "amber", "GRN": "green", "GRY": "grey"}[shown["RAG"]] == summary[
        "rag"
    ]
    # markdown and html write the json figures as text
    fmt = ReportFormatter()
    for name in ("md", "html"):
        text = paths[name].read_text(encoding="utf-8")
        for key, kind in (("bac", "money"), ("eac", "money"), ("cpi", "ratio")):
            assert fmt(summary[key], kind) in text, (name, key)
        assert "RED" in text
    # xlsx holds them as numbers
    budget = CalamineWorkbook.from_path(str(paths["xlsx"])).get_sheet_by_name("Budget")
    cells = {row[0]: row[1] for row in budget.to_python() if row and isinstance(row[0], str)}
    assert cells["BAC (budget)"] == pytest.approx(summary["bac"])
    assert cells["EAC (BAC / CPI)"] == pytest.approx(summary["eac"])
    assert cells["CPI (EV / AC)"] == pytest.approx(summary["cpi"])


async def test_an_existing_file_is_not_overwritten_without_asking(folder: Path) -> None:
    target = Path.cwd() / "pmo-report-portfolio-2026-06-30.md"
    target.write_text("the steering committee's annotated copy", encoding="utf-8")
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.press("enter", "enter")  # md, then the default name
        await pilot.pause(0.2)
        assert isinstance(app.screen, ExportDialog)
        assert "exists. Press enter again to overwrite" in dialog_message(app)
        assert target.read_text(encoding="utf-8") == "the steering committee's annotated copy"
        await pilot.press("escape")  # cancel: nothing written
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ExportDialog)
        assert target.read_text(encoding="utf-8") == "the steering committee's annotated copy"
        path = await export(pilot, "md", confirm=True)  # asked, and said yes
    assert path == target
    assert "Highlight report" in target.read_text(encoding="utf-8")


async def test_scope_follows_the_screen_and_the_name_follows_the_format(folder: Path) -> None:
    app = make_app(folder, read_only=True)  # a report is not a write to the data
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("enter")  # the first programme, PRG-A
        await pilot.pause(0.2)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        field = app.screen.query_one(Input)
        assert field.value == "./pmo-report-programme-PRG-A-2026-06-30.md"
        await pilot.press("down", "down")
        await pilot.pause(0.05)
        assert field.value == "./pmo-report-programme-PRG-A-2026-06-30.xlsx"
        await pilot.press("enter")
        await pilot.pause(0.05)
        assert app.screen.focused is field
        field.value = "./steering/pack.md"
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ExportDialog)  # no such folder: it stays open and says so
        assert "steering does not exist" in dialog_message(app)
        await pilot.press("escape")
        await pilot.pause(0.1)
        path = await export(pilot, "json")
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["scope"] == {**report["scope"], "level": "programme", "id": "PRG-A"}


async def test_hostile_names_in_the_dialog_and_a_safe_file_name(tmp_path: Path) -> None:
    from test_kiosk import HOSTILE, write_hostile_wall

    folder = write_hostile_wall(tmp_path / "hostile")
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_project("H-1", from_root=True)
        await pilot.pause(0.3)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert HOSTILE in screen_text(app)  # the title, literally
        assert app.screen.query_one(Input).value == "./pmo-report-project-H-1-2026-06-30.md"
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.is_running


async def test_a_pasted_file_name_is_written_as_plain_text(folder: Path) -> None:
    """A file name pasted with escape sequences (copied from a coloured terminal)
    names the file without them."""
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.press("enter")  # md; on to the file name
        await pilot.pause(0.05)
        field = app.screen.query_one(Input)
        field.value = ""
        app.post_message(events.Paste("\x1b[1;32mweekly\x1b[0m.md\x1b]0;title\x07"))
        await pilot.pause()
        assert field.value == "weekly.md"
        await pilot.press("enter")
        await wait_until(pilot, lambda: (Path.cwd() / "weekly.md").exists())
    assert "Highlight report" in (Path.cwd() / "weekly.md").read_text(encoding="utf-8")
