"""Hostile data reaches the screen as plain text and can run nothing.

Names in the export that look like Textual markup (``[@click=app.quit]x[/]``),
Rich markup (``[b]``, ``[link=...]``), broken markup (``x [/``), ANSI escape
sequences, BEL and bidi overrides must show literally (minus the control
characters) in tables, breadcrumbs, detail lines, the palette and the help,
and clicking or pressing on them must not run an action.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data

from pmo_tui.screens.portfolio import PortfolioScreen
from pmo_tui.screens.programme import ProgrammeScreen
from pmo_tui.screens.project import ProjectScreen
from pmo_tui.widgets.grid import Grid

CLICK = "[@click=app.quit]x[/]"
WIP = "[WIP] Fix login"
BROKEN = "x [/"
BOLD = "[b]bold[/b][link=https://e.x]go[/link]"
ESCAPED = "\x1b[31mRED\x1b[0m escape \x1b]0;title\x07"
BELL = "bell\x07ring"
BIDI = "evil\u202etxt.exe\u202c"


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def write_hostile(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pmo-tui.toml").write_text("as_of = 2026-06-30\n", encoding="utf-8")
    (folder / "programmes.csv").write_text(
        f"programme_id,name\nPRG-X,{_csv(CLICK)}\nPRG-Y,{_csv(BROKEN)}\n",
        encoding="utf-8",
    )
    names = [CLICK, WIP, BROKEN, BOLD, ESCAPED, BELL, BIDI]
    rows = [
        "project_id,name,programme_id,manager,start_date,end_date,budget,percent_complete,"
        "status,reported_rag"
    ]
    for n, name in enumerate(names, start=1):
        programme = "PRG-X" if n <= 4 else "PRG-Y"
        rows.append(
            f"H-{n},{_csv(name)},{programme},{_csv(CLICK)},2026-01-01,2026-12-31,"
            f"{100000 * n},50,active,{_csv('[red]green[/red]')}"
        )
    (folder / "projects.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "milestones.csv").write_text(
        "milestone_id,project_id,name,baseline_date,forecast_date\n"
        f"HM-1,H-1,{_csv(CLICK)},2026-07-10,2026-07-12\n",
        encoding="utf-8",
    )
    (folder / "issues.csv").write_text(
        "issue_id,project_id,title,severity,status,owner,raised_date,description\n"
        f"HI-1,H-1,{_csv(CLICK)},critical,open,{_csv(BOLD)},2026-06-01,{_csv(ESCAPED)}\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_hostile(tmp_path / "hostile")


def assert_clean(text: str) -> None:
    for char in ("\x1b", "\x07", "\u202e", "\u202c"):
        assert char not in text, f"{char!r} reached the screen"


async def test_markup_in_names_shows_literally_everywhere(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for_data(pilot, app)
        text = screen_text(app)
        assert_clean(text)
        assert CLICK in text  # programme name in the table
        assert BROKEN in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgrammeScreen)
        text = screen_text(app)
        assert_clean(text)
        assert CLICK in text.splitlines()[0]  # the breadcrumb
        for name in (CLICK, WIP, BROKEN, BOLD):
            # the detail line under the table names the row under the cursor in full
            detail = app.screen.query_one("#detail")
            lines = screen_text(app).splitlines()[detail.region.y : detail.region.bottom]
            assert name in " ".join(line.strip() for line in lines), name
            await pilot.press("j")
            await pilot.pause()
        await pilot.press("escape", "j", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert_clean(text)
        assert "RED escape" in text  # the escape sequences were removed, the words kept
        assert "[31m" not in text
        assert "bellring" in text
        assert "eviltxt.exe" in text


async def test_project_screen_issue_detail_and_palette_show_data_literally(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        app.open_project("H-1", from_root=True)
        await pilot.pause(0.3)
        assert isinstance(app.screen, ProjectScreen)
        text = screen_text(app)
        assert_clean(text)
        assert text.splitlines()[0].count(CLICK) == 2  # programme and project in the crumbs
        assert "[red]green[/red]" not in text or "reported" in text
        await pilot.press("2")  # milestones
        await pilot.pause()
        assert CLICK in screen_text(app)
        await pilot.press("4", "enter")  # the issue, with markup in owner and description
        await pilot.pause()
        text = screen_text(app)
        assert_clean(text)
        assert CLICK in text and BOLD in text and "RED escape" in text
        await pilot.press("escape", "colon", *"click")
        await pilot.pause(0.5)
        text = screen_text(app)
        assert_clean(text)
        assert CLICK in text  # the palette hit is the literal name


async def test_clicking_hostile_text_runs_no_action(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        grid = screen.query_one("#main-grid", Grid)
        # click on every cell of the first row (the programme called [@click=app.quit]x[/])
        for x in range(2, grid.size.width - 1, 5):
            await pilot.click(grid, offset=(x, 1))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert app.screen is screen
        await pilot.press("enter")
        await pilot.pause()
        programme = app.screen
        assert isinstance(programme, ProgrammeScreen)
        crumbs = programme.query_one("#crumbs")
        for x in range(0, crumbs.size.width, 2):
            await pilot.click(crumbs, offset=(x, 0))
        detail = programme.query_one("#detail")
        for x in range(0, detail.size.width, 2):
            await pilot.click(detail, offset=(x, 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert app.screen is programme
