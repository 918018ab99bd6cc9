"""A quiet but healthy source still shows a recent "checked" time.

The watcher reports each periodic rescan (or poll) that found nothing as a
heartbeat; the status bar's "checked" time moves with it, so a wall display
whose data simply did not change does not look forgotten.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from test_ui_support import FROZEN, screen_text, write_fixture
from textual.pilot import Pilot

from pmo_tui.app import PmoApp
from pmo_tui.options import Options
from pmo_tui.sources.folder import FolderSource


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def until(pilot: Pilot, check: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "not in time"
        await pilot.pause(0.05)


async def test_checked_time_moves_while_nothing_changes(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    clock = Clock(FROZEN)
    source = FolderSource(folder, poll=0.3)  # a poll every 0.3 s, as on a network share
    app = PmoApp(
        Options(source=str(folder), poll=0.3),
        source,
        clock=clock,
        error_log=tmp_path / "errors.log",
    )
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and not app.loading)
        await pilot.pause(0.5)
        refreshes = app.refresh_count
        later = FROZEN + timedelta(minutes=47)
        clock.now = later
        await until(pilot, lambda: app.last_checked == later)
        assert app.refresh_count == refreshes, "a heartbeat is not a reload"
        shown = re.compile(rf"(checked|chk) {later:%H:%M:%S}")  # "chk" when the bar is narrow
        await until(pilot, lambda: bool(shown.search(screen_text(app))))
        source.close()
