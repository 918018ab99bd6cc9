"""Every keyboard flow of the TUI, driven with Textual's pilot on a real folder.

Each test does what an officer does, keys only, and asserts what the officer
would see: the screen, the rows of the table, where the cursor is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data, write_fixture

from pmo_tui.screens.help import HelpScreen
from pmo_tui.screens.portfolio import PortfolioScreen
from pmo_tui.screens.problems import ProblemsScreen
from pmo_tui.screens.programme import ProgrammeScreen
from pmo_tui.screens.project import ProjectScreen
from pmo_tui.screens.triage import TriageScreen
from pmo_tui.widgets.grid import Grid


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "portfolio")


def main_grid(app) -> Grid:  # type: ignore[no-untyped-def]
    return app.screen.query_one("#main-grid", Grid)


async def test_drill_down_and_back_keeps_the_cursor(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        assert isinstance(app.screen, PortfolioScreen)
        assert main_grid(app).visible_keys() == ["PRG-A", "PRG-B", "PRG-C"]
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgrammeScreen)
        assert app.screen.programme_id == "PRG-B"
        assert main_grid(app).visible_keys() == ["P-04", "P-05"]
        assert "Buildings" in screen_text(app)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ProjectScreen)
        assert app.screen.project_id == "P-05"
        assert "Sports hall" in screen_text(app).splitlines()[0]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProgrammeScreen)
        assert main_grid(app).cursor_key == "P-05"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        assert main_grid(app).cursor_key == "PRG-B"
        # escape on the portfolio goes nowhere; q there quits
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)


async def test_q_goes_back_then_quits(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgrammeScreen)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_filter_narrows_as_you_type_and_escape_clears_it(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("enter")  # PRG-A: P-01, P-02, P-03
        await pilot.pause()
        grid = main_grid(app)
        assert len(grid.visible_keys()) == 3
        await pilot.press("slash", "f", "i")
        await pilot.pause()
        assert grid.visible_keys() == ["P-02"]  # "[WIP] Fix login"
        await pilot.press("x")
        await pilot.pause()
        assert grid.visible_keys() == ["P-02"]
        await pilot.press("enter")  # keep the filter, back to the table
        await pilot.pause()
        assert app.screen.focused is grid
        assert "filter: fix" in screen_text(app)
        await pilot.press("escape")  # first escape clears the filter ...
        await pilot.pause()
        assert len(grid.visible_keys()) == 3
        assert isinstance(app.screen, ProgrammeScreen)
        await pilot.press("escape")  # ... the next one goes back
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)


async def test_filter_matches_words_anywhere_in_the_row(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await wait_for_data(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        grid = app.screen.query_one(Grid)
        await pilot.press("slash", *"portal", "space", *"vendor")
        await pilot.pause()
        assert grid.visible_keys() == ["I-01"]


async def test_sort_by_a_column_shows_the_indicator_and_reverses(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_data(pilot, app)
        grid = main_grid(app)
        await pilot.press("s")
        await pilot.pause()
        sortable = [c.key for c in grid.columns if c.sortable]
        for _ in range(sortable.index("cpi")):
            await pilot.press("j")
        await pilot.press("enter")
        await pilot.pause()
        assert grid.sort_key == "cpi"
        cpis = [grid.row(k).sort[grid.column_index("cpi")] for k in grid.visible_keys()]
        assert cpis == sorted(cpis, reverse=True)  # numbers: largest first
        header = screen_text(app).splitlines()
        assert any("CPI▼" in line for line in header)
        await pilot.press("S")
        await pilot.pause()
        cpis = [grid.row(k).sort[grid.column_index("cpi")] for k in grid.visible_keys()]
        assert cpis == sorted(cpis)
        assert any("CPI▲" in line for line in screen_text(app).splitlines())


async def test_palette_jumps_to_a_project_by_fuzzy_name(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("colon", *"sprts hal")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ProjectScreen)
        assert app.screen.project_id == "P-05"
        # the stack is portfolio -> programme -> project, so escape goes to its programme
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProgrammeScreen)
        assert app.screen.programme_id == "PRG-B"
        assert main_grid(app).cursor_key == "P-05"


async def test_palette_switches_theme(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        assert app.theme == "pmo-dark"
        await pilot.press("ctrl+p", *"theme contrast")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "pmo-contrast"


async def test_theme_from_the_command_line(folder: Path) -> None:
    app = make_app(folder, theme="pmo-light")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        assert app.theme == "pmo-light"


async def test_help_lists_the_live_keys_and_the_legend(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 60)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for expected in (
            "cursor.down",
            "triage",
            "filter",
            "● RED",
            "◐ AMB",
            "○ GRN",
            "? GRY",
            "watermelon",
        ):
            assert expected in text, expected
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)


async def test_a_key_remapped_in_the_config_works_and_shows_in_help(folder: Path) -> None:
    config = folder / "pmo-tui.toml"
    config.write_text(config.read_text() + '\n[keymap]\ntriage = "ctrl+t"\n', encoding="utf-8")
    app = make_app(folder)
    async with app.run_test(size=(120, 60)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)  # t is no longer bound
        await pilot.press("question_mark")
        await pilot.pause()
        lines = [line for line in screen_text(app).splitlines() if " triage " in f" {line} "]
        assert any("^t" in line for line in lines), lines
        await pilot.press("escape", "ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)


async def test_triage_queue_facets(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        grid = app.screen.query_one(Grid)
        # every open issue, most severe first; the closed I-05 is not in the queue
        assert grid.visible_keys()[:2] in (["I-01", "I-07"], ["I-07", "I-01"])
        assert sorted(grid.visible_keys()) == ["I-01", "I-02", "I-03", "I-04", "I-06", "I-07"]
        await pilot.press("v", "v")  # severity >= high
        await pilot.pause()
        assert sorted(grid.visible_keys()) == ["I-01", "I-02", "I-04", "I-07"]
        await pilot.press("v")  # critical only
        await pilot.pause()
        assert sorted(grid.visible_keys()) == ["I-01", "I-07"]
        assert "severity: critical" in screen_text(app)
        await pilot.press("0", "u")  # clear, then unassigned
        await pilot.pause()
        assert sorted(grid.visible_keys()) == ["I-02", "I-06"]
        await pilot.press("0", "d")  # overdue
        await pilot.pause()
        assert grid.visible_keys() == ["I-01"]
        await pilot.press("0", "n")  # raised in the last 7 days
        await pilot.pause()
        assert sorted(grid.visible_keys()) == ["I-03", "I-07"]
        await pilot.press("0", "o", *"carla")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert grid.visible_keys() == ["I-04"]
        assert "owner: Carla Meijer" in screen_text(app)


async def test_issue_detail_and_jump_to_its_project(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one(Grid).move_to_key("I-03")
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Users cannot log in with eHerkenning." in text
        assert "History (newest first)" in text  # the triage store's audit trail
        await pilot.press("o")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ProjectScreen)
        assert app.screen.project_id == "P-02"
        assert app.screen.query_one("#issue-grid", Grid).cursor_key == "I-03"


async def test_problems_list_opens_from_the_status_bar_key(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        assert "2 problems [p]" in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        grid = app.screen.query_one(Grid)
        assert grid.row_count == 2
        text = screen_text(app)
        assert "milestones.csv" in text and "P-99" in text
        grid.move_to_key(
            next(k for k in grid.visible_keys() if "31-31" in " ".join(grid.row(k).cells))
        )
        await pilot.pause()
        assert "'31-31-2026'" in screen_text(app)  # the full problem, value included


async def test_upcoming_milestone_opens_the_project_on_its_milestone(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        upcoming = app.screen.query_one("#upcoming-grid", Grid)
        assert [k.split("\x1f")[1] for k in upcoming.visible_keys()] == ["M-04", "M-03"]
        upcoming.focus()
        await pilot.press("j", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ProjectScreen)
        assert app.screen.project_id == "P-02"
        milestones = app.screen.query_one("#milestone-grid", Grid)
        assert milestones.cursor_key == "M-03"
        assert app.screen.focused is milestones


async def test_project_tabs_switch_with_number_keys(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_project("P-01", from_root=True)
        await pilot.pause(0.3)
        await pilot.press("3")
        await pilot.pause()
        costs = app.screen.query_one("#cost-grid", Grid)
        assert app.screen.focused is costs
        assert costs.visible_keys()[0] == "2025-01" and costs.visible_keys()[-1] == "2026-06"
        text = screen_text(app)
        assert "€48,000" in text  # one month's total, full figure
        await pilot.press("5")
        await pilot.pause()
        await pilot.pause(0.3)
        assert "Notes on this project, its milestones and its issues" in screen_text(app)


async def test_refresh_picks_up_a_changed_file_and_keeps_the_cursor(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("enter")  # PRG-A
        await pilot.pause()
        grid = main_grid(app)
        await pilot.press("j", "j")
        assert grid.cursor_key == "P-03"
        projects = folder / "projects.csv"
        projects.write_text(
            projects.read_text().replace("Citizen portal", "Citizen portal v2"), encoding="utf-8"
        )
        await pilot.press("r")
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.loading:
                break
        await pilot.pause(0.1)
        assert "Citizen portal v2" in screen_text(app)
        assert grid.cursor_key == "P-03"
        assert "name" in grid.changed_at.get("P-01", {})  # the changed cell is marked


async def test_rapid_refreshes_end_on_the_newest_data(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        projects = folder / "projects.csv"
        projects.write_text(
            projects.read_text().replace("Sports hall", "Sports hall (rebuilt)"), encoding="utf-8"
        )
        await pilot.press("r", "r", "r", "r", "r")
        for _ in range(200):
            await pilot.pause(0.05)
            if not app.loading and not app.workers:
                break
        await pilot.press("j", "enter")
        await pilot.pause()
        assert "Sports hall (rebuilt)" in screen_text(app)
        assert "loading" not in screen_text(app)


async def test_zoom_maximises_the_focused_pane(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("tab")  # the red items
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is not None
        assert "Citizen portal" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.maximized is None
