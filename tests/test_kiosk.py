"""The wall display (``--kiosk``): views cycle by themselves, big and legible, no way out.

Driven with Textual's pilot on the fixed fixture portfolio (tests/test_ui_support.py):
what a person three metres away sees (words on the screen), what happens with
no key pressed, and that no key, click or markup in the data gets anyone out
of the kiosk or writes anything.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data, write_fixture
from textual.pilot import Pilot

from pmo_tui.app import PmoApp
from pmo_tui.screens.kiosk import KioskScreen
from pmo_tui.widgets.wall import WallHeader

VIEW_TEXT = {
    # view -> words only that view shows (with the fixture's data)
    "portfolio": ("PORTFOLIO", "Programmes, worst first", "Energy transition"),
    "red": ("2 red projects", "watermelon: reports green", "Heat transition"),
    "milestones": ("2 milestones due in the next 30 days", "Login fix deployed", "AT RISK"),
    "risks": ("6 open risks and issues", "Vendor late", "UNASSIGNED"),
    "burn": ("PV planned", "run-out", "today"),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "portfolio")


def kiosk_app(folder: Path, **options: object) -> PmoApp:
    return make_app(folder, kiosk=True, read_only=True, **options)


async def wait_until(pilot: Pilot, check: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("the screen did not get there in time")
        await pilot.pause(0.05)


def kiosk(app: PmoApp) -> KioskScreen:
    screen = app.screen
    assert isinstance(screen, KioskScreen)
    return screen


async def test_views_cycle_by_themselves(folder: Path) -> None:
    app = kiosk_app(folder, interval=0.8)
    order = ["portfolio", "red", "milestones", "risks", "burn"]
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        wall = kiosk(app)
        seen = [wall.current]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while len(seen) < 6 and loop.time() < deadline:
            await pilot.pause(0.05)
            if wall.current != seen[-1]:
                seen.append(wall.current)
                # the view on screen is the one the header names, with its data
                await pilot.pause(0.05)
                text = screen_text(app)
                for word in VIEW_TEXT[wall.current]:
                    assert word in text, (wall.current, word)
        assert len(seen) == 6, seen  # no key was pressed: a full round and back
        for before, after in itertools.pairwise(seen):
            assert order.index(after) == (order.index(before) + 1) % 5, seen


@pytest.mark.parametrize("size", [(200, 60), (80, 24)], ids=["200x60", "80x24"])
async def test_every_view_shows_its_data_clock_and_data_as_of(
    folder: Path, size: tuple[int, int]
) -> None:
    app = kiosk_app(folder, interval=3600)
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        wall = kiosk(app)
        for view in ("portfolio", "red", "milestones", "risks", "burn"):
            assert wall.current == view
            await pilot.pause(0.1)
            text = screen_text(app)
            for word in VIEW_TEXT[view]:
                assert word in text, (view, word)
            header = "\n".join(text.splitlines()[:3])
            # data as of and the clock (the frozen clock: 08:15) are always on screen
            assert "06-30 08:15" in header
            if size[1] >= 36:
                assert "DATA AS OF" in header
            else:
                assert "08:15" in header.splitlines()[0].split("06-30 08:15", 1)[1]
            assert "read-only" in text or size[0] < 100
            wall.next_view()
        assert wall.current == "portfolio"


async def test_big_words_on_a_wall_sized_terminal(folder: Path) -> None:
    app = kiosk_app(folder, interval=3600, cycle=("red", "portfolio"))
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        text = screen_text(app)
        lines = text.splitlines()
        # RED, three rows high, in the view title and beside each of the two red projects
        assert sum(1 for line in lines if "┏━┓ ┏━╸ ┳━┓" in line) == 3
        assert "┏━┓ ┏━╸ ┳━┓    ┏━┓ ┏━┓ ┏━┓   ╻ ┏━╸ ┏━╸ ╺┳╸ ┏━╸" in lines[0]  # RED PROJECTS
        app.screen.next_view()  # type: ignore[attr-defined]
        await pilot.pause(0.1)
        text = screen_text(app)
        # the portfolio's RAG word and the KPI values are three rows high too
        assert "PORTFOLIO ┏━┓ ┏━╸ ┳━┓" in text
        assert "BAC BUDGET" in text and "€6,500,000" in text


async def test_cycle_and_interval_from_the_options(folder: Path) -> None:
    app = kiosk_app(folder, cycle=("burn", "risks"), interval=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        wall = kiosk(app)
        assert wall.cycle == ("burn", "risks")
        # each view shows its content while it is up (checked together: under load the
        # one-second cycle may move on between two separate looks)
        await wait_until(pilot, lambda: wall.current == "burn" and "PV planned" in screen_text(app))
        await wait_until(
            pilot, lambda: wall.current == "risks" and "Vendor late" in screen_text(app)
        )
        await wait_until(pilot, lambda: wall.current == "burn")
        wall.index = 0
        header = app.screen.query_one(WallHeader)
        assert header.state.position == 1 and header.state.count == 2


async def test_no_key_gets_out_or_writes(folder: Path, tmp_path: Path) -> None:
    app = kiosk_app(folder, interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        wall = kiosk(app)
        keys = [
            "ctrl+q",
            "ctrl+c",
            "q",
            "ctrl+z",
            "escape",
            "ctrl+p",
            "colon",
            "ctrl+s",
            "question_mark",
            "f1",
            "t",
            "p",
            "e",
            "a",
            "x",
            "c",
            "enter",
            "slash",
            "s",
            "z",
            "1",
            "ctrl+backslash",
        ]
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.05)
            assert app.is_running and app.return_code is None, key
            assert app.screen is wall and app.screen_stack[-1] is wall, key
        # actions asked for by name are refused too (markup in data would ask this way)
        for action in (
            "app.quit",
            "app.command_palette",
            "app.screenshot",
            "app.suspend_process",
            "app.help",
            "app.triage",
            "app.push_screen('pmo-project')",
            "app.toggle_dark",
            "app.simulate_key('ctrl+q')",
        ):
            assert await app.run_action(action) is False, action
        await pilot.pause(0.1)
        assert app.is_running and app.screen is wall
        assert await app.run_action("screen.copy_text", wall) is False  # ctrl+c's screen action
        assert app.use_command_palette is False
        assert not list(tmp_path.rglob("*.svg"))  # no screenshot was written
        assert app.options.read_only
        # the arrows still flip views (reading only)
        before = wall.index
        await pilot.press("right")
        await pilot.pause(0.05)
        assert wall.index == (before + 1) % 5
        await pilot.press("left", "left")
        await pilot.pause(0.05)
        assert wall.index == (before - 1) % 5


HOSTILE = "[@click=app.quit]x[/]"


def _find_all(line: str, word: str) -> list[int]:
    found, at = [], line.find(word)
    while at >= 0:
        found.append(at)
        at = line.find(word, at + 1)
    return found


def write_hostile_wall(folder: Path) -> Path:
    """Every view gets a name that looks like markup, and escape sequences."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pmo-tui.toml").write_text("as_of = 2026-06-30\n", encoding="utf-8")
    q = f'"{HOSTILE}"'
    (folder / "programmes.csv").write_text(f"programme_id,name\nPRG-X,{q}\n", encoding="utf-8")
    (folder / "projects.csv").write_text(
        "project_id,name,programme_id,start_date,end_date,budget,percent_complete,"
        "forecast_cost,reported_rag\n"
        f"H-1,{q},PRG-X,2026-01-01,2026-12-31,100000,50,150000,green\n"
        'H-2,"x [/ \x1b[31mred\x1b[0m",PRG-X,2026-01-01,2026-12-31,100000,50,180000,amber\n',
        encoding="utf-8",
    )
    (folder / "milestones.csv").write_text(
        "milestone_id,project_id,name,baseline_date,forecast_date\n"
        f"HM-1,H-1,{q},2026-07-10,2026-07-12\n",
        encoding="utf-8",
    )
    (folder / "issues.csv").write_text(
        "issue_id,project_id,title,severity,status,owner,raised_date\n"
        f"HI-1,H-1,{q},critical,open,{q},2026-06-01\n",
        encoding="utf-8",
    )
    return folder


async def test_markup_in_data_shows_literally_and_runs_nothing(tmp_path: Path) -> None:
    folder = write_hostile_wall(tmp_path / "hostile")
    app = kiosk_app(folder, interval=3600)
    texts: dict[str, str] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        wall = kiosk(app)
        for view in ("portfolio", "red", "milestones", "risks"):
            assert wall.current == view
            await pilot.pause(0.1)
            texts[view] = text = screen_text(app)
            # click on every character of every hostile name on screen: nothing happens
            spots = [
                (x + dx, y)
                for y, line in enumerate(text.splitlines())
                for x in _find_all(line, HOSTILE)
                for dx in range(0, len(HOSTILE), 3)
            ]
            assert spots, view
            for spot in spots:
                await pilot.click(offset=spot)
            assert app.is_running and app.return_code is None, view
            assert app.screen is wall
            wall.next_view()
    for view, text in texts.items():
        assert HOSTILE in text, view
        assert "\x1b" not in text and "[31m" not in text, view
    assert "x [/ red" in texts["red"]  # escape sequences gone, the words kept


async def test_views_off_screen_catch_up_when_they_come_round(folder: Path) -> None:
    app = kiosk_app(folder, interval=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        wall = kiosk(app)
        first = app.snapshot
        assert first is not None
        red = wall.query_one("#kiosk-red")
        assert red.snapshot is None  # type: ignore[attr-defined]  # not shown yet: not built
        # a refresh arrives while the portfolio view is on screen
        app.request_refresh(app_change())
        await wait_until(pilot, lambda: app.snapshot is not first)
        assert wall.current_view().snapshot is app.snapshot
        wall.next_view()
        await pilot.pause(0.05)
        assert red.snapshot is app.snapshot  # type: ignore[attr-defined]


def app_change():  # type: ignore[no-untyped-def]
    from pmo_tui.sources.base import Change

    return Change(tables=frozenset({"issues"}), causes=("test",))


# -- the command line ----------------------------------------------------------------------


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from pmo_tui.cli import main

    code = main(args)
    return code, capsys.readouterr().err


def test_unknown_views_are_a_usage_error_naming_the_valid_ones(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_cli([str(folder), "--kiosk", "--cycle", "portfolio,budget,red,gantt"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")  # one line, no traceback
    assert "'budget', 'gantt'" in err
    assert "portfolio, red, milestones, risks, burn" in err


def test_unknown_views_in_the_config_name_the_file(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = folder / "pmo-tui.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[kiosk]\ncycle = ["red", "velocity"]\n',
        encoding="utf-8",
    )
    code, err = run_cli([str(folder), "--kiosk"], capsys)
    assert code == 2
    assert "[kiosk] cycle" in err and "pmo-tui.toml" in err and "'velocity'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kiosk", "--interval", "0.5"], "at least 2 seconds"),
        (["--cycle", "red"], "only apply with --kiosk"),
        (["--interval", "30"], "only apply with --kiosk"),
        (["--kiosk", "--interval", "0"], "must be more than 0"),
    ],
)
def test_kiosk_options_that_cannot_work_exit_2(
    folder: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, err = run_cli([str(folder), *args], capsys)
    assert code == 2
    assert message in err
