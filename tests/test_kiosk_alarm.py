"""The wall's alarm: a source error, a stale table, old data, a lost watcher: impossible to miss.

Each test breaks something for real (a source that raises, a corrupt file on
disk, a clock that moved on, the watcher's own health message) and checks
what the wall shows at 200x60 and 80x24: a full-width bar with the reason, on
every view, that goes away again when the data is good.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_ui_support import FROZEN, FrozenSource, screen_text, wait_for_data, write_fixture
from textual.pilot import Pilot

from pmo_tui.app import PmoApp
from pmo_tui.model import Portfolio
from pmo_tui.options import Options
from pmo_tui.screens.kiosk import KioskScreen
from pmo_tui.screens.live import WatchHealth
from pmo_tui.sources.base import Change, Health, WatchState
from pmo_tui.widgets.alarm import WallAlarm
from pmo_tui.widgets.bigtext import big_lines

SIZES = [(200, 60), (80, 24)]


class BreakableSource(FrozenSource):
    """The fixture folder; ``broken`` makes every refresh raise (a lost database)."""

    broken: str | None = None

    def refresh(self, previous: Portfolio, change: Change) -> Portfolio:
        if self.broken:
            raise ConnectionError(self.broken)
        return super().refresh(previous, change)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def wall_app(
    folder: Path, source: FrozenSource | None = None, clock: Clock | None = None
) -> PmoApp:
    return PmoApp(
        Options(source=str(folder), kiosk=True, read_only=True, interval=3600),
        source or FrozenSource(folder),
        clock=clock or Clock(FROZEN),
        error_log=folder.parent / "errors.log",
    )


async def wait_until(pilot: Pilot, check: Callable[[], bool], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("not in time")
        await pilot.pause(0.05)


def alarm_lines(app: PmoApp) -> list[str]:
    alarm = app.screen.query_one(WallAlarm)
    if not alarm.display or alarm.region.height == 0:
        return []
    lines = screen_text(app).splitlines()
    return lines[alarm.region.y : alarm.region.bottom]


async def assert_alarm_on_every_view(
    pilot: Pilot, app: PmoApp, level: str, words: tuple[str, ...], size: tuple[int, int]
) -> None:
    """The alarm bar spans the screen on every view, says ``level`` and ``words``."""
    wall = app.screen
    assert isinstance(wall, KioskScreen)
    for _ in wall.cycle:
        await pilot.pause(0.05)
        alarm = wall.query_one(WallAlarm)
        assert alarm.region.width == size[0]  # full width
        lines = alarm_lines(app)
        text = " ".join(line.strip() for line in lines)
        for word in words:
            assert word in text, (wall.current, word, lines)
        if size[1] >= 36:  # the level three rows high
            glyphs = big_lines(level)
            assert glyphs is not None
            for row, line in zip(glyphs, lines, strict=False):
                assert row in line, (wall.current, level, lines)
        else:
            assert f"⚠ {level}:" in lines[0]
        wall.next_view()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_source_error_raises_the_alarm_and_recovery_clears_it(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    source = BreakableSource(folder)
    app = wall_app(folder, source)
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        assert alarm_lines(app) == []
        source.broken = "server closed the connection unexpectedly"
        app.request_refresh(Change(causes=("test",)))
        await wait_until(pilot, lambda: bool(alarm_lines(app)))
        await assert_alarm_on_every_view(
            pilot, app, "ALARM", ("SOURCE ERROR", "server closed the connection"), size
        )
        # the last good figures stay on screen meanwhile
        await pilot.pause(0.05)
        assert app.screen.current == "portfolio"  # type: ignore[attr-defined]
        assert "Energy transition" in screen_text(app)
        source.broken = None
        app.request_refresh(Change(causes=("test",)))
        await wait_until(pilot, lambda: not alarm_lines(app))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_corrupt_file_marks_its_table_stale(tmp_path: Path, size: tuple[int, int]) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    app = wall_app(folder)
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        good = (folder / "costs.csv").read_bytes()
        (folder / "costs.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
        app.request_refresh(Change(tables=frozenset({"costs"}), causes=("costs.csv",)))
        await wait_until(pilot, lambda: bool(alarm_lines(app)))
        await assert_alarm_on_every_view(pilot, app, "ALARM", ("STALE costs",), size)
        (folder / "costs.csv").write_bytes(good)
        app.request_refresh(Change(tables=frozenset({"costs"}), causes=("costs.csv",)))
        await wait_until(pilot, lambda: not alarm_lines(app))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_old_data_raises_a_warning_without_any_new_snapshot(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    clock = Clock(FROZEN)
    app = wall_app(folder, clock=clock)
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        assert alarm_lines(app) == []
        clock.now = FROZEN + timedelta(hours=25)  # [display] stale_after is 24 h
        app.screen.tick()  # type: ignore[attr-defined]  # the minute tick
        await pilot.pause(0.1)
        await assert_alarm_on_every_view(pilot, app, "WARNING", ("DATA IS OLD", "25 h"), size)
        header = screen_text(app).splitlines()[: 3 if size[1] >= 36 else 1]
        if size[0] >= 100:
            assert "25 h old" in " ".join(header)  # the age beside "data as of"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_lost_watcher_shows_reconnecting(tmp_path: Path, size: tuple[int, int]) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    app = wall_app(folder)
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        app.post_message(
            WatchHealth(WatchState(Health.RECONNECTING, "the folder was moved away; retrying"))
        )
        await wait_until(pilot, lambda: bool(alarm_lines(app)))
        await assert_alarm_on_every_view(
            pilot, app, "WARNING", ("RECONNECTING", "folder was moved away"), size
        )
        app.post_message(WatchHealth(WatchState(Health.LIVE, "")))
        await wait_until(pilot, lambda: not alarm_lines(app))


async def test_no_data_at_all_says_so(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path / "portfolio")

    class Unreadable(FrozenSource):
        def load(self) -> Portfolio:
            raise PermissionError("permission denied: projects.csv")

    app = wall_app(folder, Unreadable(folder))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(alarm_lines(app)))
        text = screen_text(app)
        assert "SOURCE ERROR" in text and "permission denied" in text
        assert "no data loaded" in text
        assert "no data yet" in text  # where "data as of" would be
        assert app.is_running
