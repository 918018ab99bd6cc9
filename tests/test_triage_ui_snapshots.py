"""Snapshots of the triage dialogs and the issue history at 80×24 and 160×50.

Deterministic: the fixture portfolio with a fixed as-of and a frozen clock, a
store whose history was written with fixed officers (ana, jan, piet) and fixed
times, times shown in UTC (``TZ=UTC``), and the officer saving shown as "ana".
Update with ``--snapshot-update`` only after looking at the new SVGs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from test_ui_support import make_app, wait_for_data
from textual.pilot import Pilot
from triage_ui_support import (
    seed_history,
    seed_their_change,
    wait_for_store,
    wait_until,
    write_triage_fixture,
)

from pmo_tui.app import PmoApp
from pmo_tui.screens.edit import EditScreen
from pmo_tui.widgets.markgrid import MarkGrid

SIZES = [(80, 24), (160, 50)]
Steps = Callable[[Pilot], Awaitable[None]]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def to_issue(pilot: Pilot, key: str) -> None:
    app = pilot.app
    assert isinstance(app, PmoApp)
    await wait_for_data(pilot, app)
    await wait_for_store(pilot, app)
    await pilot.press("t")
    await pilot.pause(0.2)
    app.screen.query_one(MarkGrid).move_to_key(key)
    await pilot.pause(0.1)


async def edit_dialog(pilot: Pilot) -> None:
    await to_issue(pilot, "I-04")
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, EditScreen))
    await pilot.press("tab", *"Eva Hoek", "tab", "tab", *"+14", "tab")
    await pilot.press(*"Dirk is ill; Eva covers.")
    await pilot.pause(0.3)


async def conflict_view(pilot: Pilot) -> None:
    await edit_dialog(pilot)
    app = pilot.app
    assert isinstance(app, PmoApp)
    seed_their_change(Path(app.options.source or ""))
    # the other officer's change arrives through the watcher (and its toast) first
    await wait_until(pilot, lambda: app.triage_view.decision("I-04").owner == "Eva Hoek")
    await wait_until(pilot, lambda: any("piet" in str(n.message) for n in app._notifications))
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "ConflictScreen")
    await pilot.pause(0.3)


async def issue_history(pilot: Pilot) -> None:
    await to_issue(pilot, "I-04")
    await pilot.press("enter")
    await wait_until(pilot, lambda: getattr(pilot.app.screen, "history", None) is not None)
    await pilot.pause(0.3)


SCREENS: dict[str, Steps] = {
    "edit": edit_dialog,
    "conflict": conflict_view,
    "issue-history": issue_history,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_triage_snapshot(
    screen: str, size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    folder = write_triage_fixture(tmp_path / "portfolio")
    seed_history(folder)
    app = make_app(folder)
    app.display_officer = "ana"
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
