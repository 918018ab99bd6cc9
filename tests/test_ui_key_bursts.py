"""Keys that arrive in one burst (a paste of keystrokes over a slow SSH link) apply in
the order they were typed: corrections inside a field, keys after enter, and keys
right after one that opens a dialog or the filter line.

Textual types a printable key in the field's own handler but sends a bound key
(backspace, ctrl+u, the arrows, enter) up to the app first (Textual issue #6605),
and it sends each key to the widget focused when the app reads it, before a key
read earlier has opened the dialog it was meant for. Without
:mod:`pmo_tui.screens.keyqueue`, ``Jna⌫⌫an`` was saved as ``Jna`` and ``/risk``
refreshed, sorted and moved up. Each burst here is posted at once, as a terminal
delivers it, and the test checks what the store saved or what the screen shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data
from textual import events
from textual.widgets import TabbedContent
from triage_ui_support import open_queue, store_of, wait_until, write_triage_fixture

from pmo_tui.app import PmoApp
from pmo_tui.screens.edit import EditScreen
from pmo_tui.screens.project import ProjectScreen
from pmo_tui.screens.triage import TriageScreen
from pmo_tui.widgets.markgrid import MarkGrid


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_triage_fixture(tmp_path / "portfolio")


def burst(app: PmoApp, *keys: str) -> None:
    """Post every key at once, without waiting for any of them to be handled."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def open_edit(pilot, app: PmoApp, issue_id: str) -> None:  # type: ignore[no-untyped-def]
    await open_queue(pilot, app, at=issue_id)
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, EditScreen), what="edit dialog")
    await wait_until(pilot, lambda: getattr(app.focused, "id", None) == "edit-status", what="focus")


async def test_corrections_typed_in_a_burst_are_saved_as_corrected(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_edit(pilot, app, "I-06")
        burst(app, "tab", "ctrl+u", *"Jna", "backspace", "backspace", *"an")
        burst(app, "tab", *"hgih", "ctrl+u", *"hgh", "left", "left", "i", "end")
        burst(app, "tab", "tab", *"Nte", "left", "left", "o", "end", *" ok")
        burst(app, "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen), what="saved")
    with store_of(folder) as store:
        triage = store.get("I-06")
        assert (triage.owner, triage.priority) == ("Jan", 3)  # "high"
        assert [n.body for n in store.notes("issue", "I-06")] == ["Note ok"]


async def test_keys_after_enter_in_the_same_burst_are_not_saved(folder: Path) -> None:
    """``Ann⏎j``: the owner saved is the one in the field when enter was pressed."""
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_edit(pilot, app, "I-06")
        burst(app, "tab", "ctrl+u", *"Ann", "enter", "j")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen), what="saved")
    with store_of(folder) as store:
        assert store.get("I-06").owner == "Ann"


async def test_filter_keeps_what_was_typed_before_enter_and_the_rest_moves_the_grid(
    folder: Path,
) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await open_queue(pilot, app)
        first = grid.visible_keys()
        await pilot.press("slash")
        burst(app, *"rsk", "left", "left", "i", "backspace", "backspace", "r", "i")
        burst(app, "end", "enter", "j")
        await wait_until(pilot, lambda: app.focused is grid, what="back in the grid")
        await pilot.pause()
        assert grid.filter_text == "risk"
        risks = grid.visible_keys()
        assert 1 < len(risks) < len(first)
        assert grid.cursor_key == risks[1]  # the "j" after enter moved down one row
        assert "filter: risk" in screen_text(app)
        await pilot.press("slash")
        burst(app, *"ris", "escape", "k")
        await wait_until(pilot, lambda: grid.filter_text == "", what="filter cleared")
        await pilot.pause()
        assert grid.visible_keys() == first
        # the cursor stays on its row when the filter clears; the "k" moved it up one
        assert grid.cursor_key == first[first.index(risks[1]) - 1]


async def test_a_burst_that_opens_the_filter_line_types_into_it(folder: Path) -> None:
    """``/risk⏎j`` in one go: ``/`` opens the filter line before ``r`` is read (it would
    refresh), ``s`` (sort) and ``k`` (up) are typed, and ``j`` moves down after enter."""
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await open_queue(pilot, app)
        burst(app, "slash", *"risk", "enter", "j")
        await wait_until(pilot, lambda: grid.filter_text == "risk", what="filtered")
        await wait_until(pilot, lambda: app.focused is grid, what="back in the grid")
        await pilot.pause()
        risks = grid.visible_keys()
        assert len(risks) > 1 and grid.cursor_key == risks[1]
        assert isinstance(app.screen, TriageScreen)  # no sort dialog, no other screen


async def test_a_burst_that_opens_the_edit_dialog_fills_it(folder: Path) -> None:
    """``e``, tab, owner, priority, ctrl+s in one go: every key after ``e`` goes to the
    dialog, and the ``j`` typed while it saves does not reach the saved fields."""
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, app, at="I-06")
        burst(app, "e", "tab", "ctrl+u", *"Ann", "tab", *"low", "ctrl+s", "j")

        def owner_shown() -> str | None:
            if not isinstance(app.screen, TriageScreen):
                return None
            grid = app.screen.query_one(MarkGrid)
            row = grid.row("I-06")
            return None if row is None else row.cells[grid.column_index("owner")]

        await wait_until(pilot, lambda: owner_shown() == "Ann", what="saved and shown")
    with store_of(folder) as store:
        triage = store.get("I-06")
        assert (triage.owner, triage.priority) == ("Ann", 1)


async def _drill(folder: Path, *, at_once: bool) -> tuple[str, str, str]:
    """Portfolio → first programme → its first project → issues tab → down one."""
    keys = ("enter", "enter", "4", "j")
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        if at_once:
            burst(app, *keys)
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, ProjectScreen)
                    and app.screen.query_one(TabbedContent).active == "issues"
                ),
                what="the project's issues tab",
            )
            await pilot.pause(0.3)
        else:
            await pilot.press(*keys)
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProjectScreen)
        focused = app.focused
        return (
            screen.project_id,
            screen.query_one(TabbedContent).active,
            f"{getattr(focused, 'id', None)}:{getattr(focused, 'cursor_key', None)}",
        )


async def test_a_drill_down_typed_in_one_burst_ends_where_typed_slowly(folder: Path) -> None:
    """Enter on a grid opens the next screen through several hops (grid → screen →
    app → new screen): the keys after it wait for that screen and its focus."""
    slow = await _drill(folder, at_once=False)
    fast = await _drill(folder, at_once=True)
    assert slow == ("P-01", "issues", "issue-grid:I-02")
    assert fast == slow
