"""The wall display leaks nothing per refresh (the CI-sized part of the soak).

``benchmarks/soak.py`` runs 10,000 refreshes and reports RSS growth and idle CPU
(docs/kiosk.md has the figures). Here, a few hundred refreshes with changing
data and views cycling: the number of live widgets and timers must not move
after warm-up, no error may be logged, and the screen must still show the
latest data. A per-refresh leak (a widget mounted per refresh, a watcher or
timer left behind) shows up as a count that grows with every cycle.
"""

from __future__ import annotations

import gc
import shutil
from dataclasses import replace
from pathlib import Path

from test_ui_support import (
    FROZEN,
    FrozenSource,
    make_app,
    screen_text,
    wait_for_data,
    write_fixture,
)
from textual.timer import Timer
from textual.widget import Widget

from pmo_tui.metrics import compute
from pmo_tui.screens.kiosk import KioskScreen
from pmo_tui.screens.snapshot import Snapshot

CYCLES = 240
WARM = 40


def live_counts() -> tuple[int, int]:
    gc.collect()
    widgets = timers = 0
    for obj in gc.get_objects():
        if isinstance(obj, Widget):
            widgets += 1
        elif isinstance(obj, Timer):
            timers += 1
    return widgets, timers


def changed_copy(folder: Path, target: Path) -> Path:
    """The same portfolio with other figures: costs up, an issue closed, a project renamed."""
    shutil.copytree(folder, target)
    costs = (target / "costs.csv").read_text(encoding="utf-8").replace("48000.00", "61000.00")
    (target / "costs.csv").write_text(costs.replace("24000.00", "30500.00"), encoding="utf-8")
    issues = (target / "issues.csv").read_text(encoding="utf-8")
    (target / "issues.csv").write_text(issues.replace("critical,open", "critical,closed", 1))
    projects = (target / "projects.csv").read_text(encoding="utf-8")
    (target / "projects.csv").write_text(projects.replace("Heat transition", "Heat grid"))
    return target


async def test_refreshes_leave_no_widgets_timers_or_errors_behind(tmp_path: Path) -> None:
    folder_a = write_fixture(tmp_path / "a")
    folder_b = changed_copy(folder_a, tmp_path / "b")
    data = []
    for folder in (folder_a, folder_b):
        source = FrozenSource(folder)
        portfolio = source.load()
        data.append((portfolio, compute(portfolio, as_of=FROZEN.date(), config=source.config)))
    app = make_app(folder_a, kiosk=True, read_only=True, interval=3600)
    counts: list[tuple[int, int]] = []
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        wall = app.screen
        assert isinstance(wall, KioskScreen)
        for n in range(CYCLES):
            if n == WARM:
                counts.append(live_counts())
            portfolio, metrics = data[n % 2]  # A, B, A, ... B (CYCLES is even)
            current = app.snapshot
            assert current is not None
            app.apply_snapshot(
                Snapshot(
                    portfolio=replace(portfolio, version=current.portfolio.version + 1),
                    metrics=metrics,
                    config=app.config,
                    as_of=app.as_of,
                    fmt=app.fmt,
                    received_at=FROZEN,
                )
            )
            if n % 4 == 0:
                wall.next_view()
            await pilot.pause()
        counts.append(live_counts())
        # the last snapshot applied was B's: the screen shows B's data, on any view
        while wall.current != "red":
            wall.next_view()
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "Heat grid" in text and "Heat transition" not in text
        assert app.is_running
    assert counts[0] == counts[1], f"after warm-up {counts[0]}, at the end {counts[1]}"
    log = folder_a.parent / "pmo-tui-errors.log"
    assert not log.exists() or not log.read_text(encoding="utf-8").strip()
