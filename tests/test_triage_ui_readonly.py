"""Read-only sessions and unusable stores: every write path is hidden and does nothing."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data
from triage_ui_support import store_of, wait_for_store, wait_until, write_triage_fixture

from pmo_tui.screens.issue import IssueDetail
from pmo_tui.screens.project import ProjectScreen
from pmo_tui.screens.triage import TriageScreen
from pmo_tui.screens.triage_state import OFF
from pmo_tui.widgets.keybar import KeyBar
from pmo_tui.widgets.markgrid import MarkGrid

WRITE_KEYS = ("e", "a", "space", "asterisk", "R")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_triage_fixture(tmp_path / "portfolio")


def toasts(app) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(str(n.message) for n in app._notifications)


def key_bar(app) -> str:  # type: ignore[no-untyped-def]
    bar = app.screen.query_one(KeyBar)
    return " ".join(f"{key} {what}" for key, what, _ in bar.keys())  # noqa: SIM118


async def press_every_write_key(pilot, app) -> None:  # type: ignore[no-untyped-def]
    screen = app.screen
    for key in WRITE_KEYS:
        await pilot.press(key)
        await pilot.pause(0.1)
        assert app.screen is screen, f"{key} opened {app.screen}"


async def test_read_only_shows_decisions_but_writes_nothing(folder: Path) -> None:
    with store_of(folder) as store:
        store.save("I-02", 0, {"owner": "Ann"})
        before = len(store.activity(datetime(2000, 1, 1, tzinfo=UTC)))
    stamp = (folder / ".pmo-tui" / "store.sqlite").stat().st_mtime_ns
    app = make_app(folder, read_only=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        assert app.store is not None and app.store.read_only
        await pilot.press("t")
        await pilot.pause()
        grid = app.screen.query_one(MarkGrid)
        row = grid.row("I-02")
        assert row is not None and row.cells[grid.column_index("owner")] == "Ann"
        bar = key_bar(app)
        assert "Edit" not in bar and "Note" not in bar and "Mark" not in bar
        assert "read-only" in screen_text(app)
        await press_every_write_key(pilot, app)
        assert grid.marked == {}
        assert "read-only" in toasts(app)
        # the issue detail and the project screen: no write keys either
        grid.move_to_key("I-02")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IssueDetail))
        keys = str(app.screen.query_one("#issue-keys").render())
        assert "open project" in keys and "edit" not in keys and "note" not in keys
        await press_every_write_key(pilot, app)
        await pilot.press("escape")
        app.open_project("P-01", tab="issues")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ProjectScreen)
        assert "Note" not in key_bar(app)
        await press_every_write_key(pilot, app)
    # a read-only session does not even record first-seen issues or forecasts (checked
    # before this test opens the store for writing again, which may checkpoint the file)
    assert (folder / ".pmo-tui" / "store.sqlite").stat().st_mtime_ns == stamp
    with store_of(folder) as store:
        assert len(store.activity(datetime(2000, 1, 1, tzinfo=UTC))) == before
        assert store.current_round() is None


async def test_read_only_without_a_store_creates_none(folder: Path) -> None:
    app = make_app(folder, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        await press_every_write_key(pilot, app)
    assert not (folder / ".pmo-tui").exists()


async def test_a_store_that_cannot_be_opened_leaves_the_app_running_read_only(
    folder: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(os.urandom(4096))  # not a database
    app = make_app(folder, store=f"sqlite:///{broken}")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: app.triage_view.state == OFF, what="store refused")
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        text = screen_text(app)
        assert "Triage is off:" in text and "broken.sqlite" in text
        assert "read-only" in text  # the status bar says so too
        assert "Edit" not in key_bar(app)
        await press_every_write_key(pilot, app)
        assert "triage is off" in toasts(app)
        # the data is all there
        assert len(app.screen.query_one(MarkGrid).visible_keys()) == 9
