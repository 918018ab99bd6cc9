"""Snapshots of every screen at 80×24 and 160×50 (pytest-textual-snapshot).

The data is the fixed fixture portfolio with ``as_of = 2026-06-30`` and a frozen
clock for "data as of" and "last checked", so the pictures only change when the
screens do. Update with ``pytest tests/test_snapshots_screens.py --snapshot-update``
after looking at the new SVGs: a snapshot that shows a broken layout is a bug.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from test_ui_support import make_app, wait_for_data, write_fixture
from textual.pilot import Pilot

SIZES = [(80, 24), (160, 50)]
Steps = Callable[[Pilot], Awaitable[None]]


def steps(*keys: str, project: str | None = None, settle: float = 0.3) -> Steps:
    async def run(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for_data(pilot, app)  # type: ignore[arg-type]
        if project is not None:
            app.open_project(project, from_root=True)  # type: ignore[attr-defined]
            await pilot.pause(0.3)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.1)
        await pilot.pause(settle)

    return run


SCREENS: dict[str, Steps] = {
    "portfolio": steps(),
    "programme": steps("enter"),
    "project-overview": steps(project="P-01"),
    "project-milestones": steps("2", project="P-01"),
    "project-costs": steps("3", project="P-01"),
    "project-issues": steps("4", project="P-01"),
    "project-notes": steps("5", project="P-01"),
    "triage": steps("t"),
    "problems": steps("p"),
    "help": steps("question_mark"),
    "chart": steps("c"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(
    screen: str, size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    app = make_app(write_fixture(tmp_path / "portfolio"))
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])


def test_high_contrast_theme_snapshot(tmp_path: Path, snap_compare: Callable[..., bool]) -> None:
    app = make_app(write_fixture(tmp_path / "portfolio"), theme="pmo-contrast")
    assert snap_compare(app, terminal_size=(120, 36), run_before=steps())


def test_light_theme_snapshot(tmp_path: Path, snap_compare: Callable[..., bool]) -> None:
    app = make_app(write_fixture(tmp_path / "portfolio"), theme="pmo-light")
    assert snap_compare(app, terminal_size=(120, 36), run_before=steps("enter"))
