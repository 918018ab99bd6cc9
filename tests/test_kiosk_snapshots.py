"""Snapshots of the wall display at 200x60 and 80x24 (pytest-textual-snapshot).

The fixture portfolio with its frozen clock (08:15, data as of 2026-06-30 08:15):
the portfolio overview, the red projects and the top risks, and the alarm of a
stale table. Update with ``--snapshot-update`` only after looking at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_ui_support import make_app, wait_for_data, write_fixture
from textual.pilot import Pilot

from pmo_tui.sources.base import Change

SIZES = [(200, 60), (80, 24)]


def view(name: str, *, corrupt: bool = False) -> Callable[[Pilot], object]:
    async def run(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for_data(pilot, app)  # type: ignore[arg-type]
        if corrupt:
            folder = Path(app.options.source or "")  # type: ignore[attr-defined]
            (folder / "costs.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
            app.request_refresh(Change(tables=frozenset({"costs"}), causes=("costs.csv",)))  # type: ignore[attr-defined]
            while not app.snapshot.portfolio.stale:  # type: ignore[attr-defined]
                await pilot.pause(0.05)
        wall = app.screen
        while wall.current != name:  # type: ignore[attr-defined]
            wall.next_view()  # type: ignore[attr-defined]
        await pilot.pause(0.3)
        app.clear_notifications()

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["portfolio", "red", "risks"])
def test_kiosk_view_snapshot(
    name: str, size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    app = make_app(write_fixture(tmp_path / "portfolio"), kiosk=True, read_only=True, interval=3600)
    assert snap_compare(app, terminal_size=size, run_before=view(name))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_kiosk_alarm_snapshot(
    size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    app = make_app(write_fixture(tmp_path / "portfolio"), kiosk=True, read_only=True, interval=3600)
    assert snap_compare(app, terminal_size=size, run_before=view("red", corrupt=True))
