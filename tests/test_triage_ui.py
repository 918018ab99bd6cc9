"""A triage round in the TUI, keyboard only, on a real folder and a real SQLite store.

Each test presses keys as an officer would and then checks two things: what the
screen shows, and what the store recorded (who, when, old and new values).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data
from textual.widgets import Input
from triage_ui_support import (
    open_queue,
    store_of,
    wait_for_store,
    wait_until,
    write_triage_fixture,
)

from pmo_tui.screens.edit import EditScreen
from pmo_tui.screens.issue import IssueDetail
from pmo_tui.screens.note import NoteScreen
from pmo_tui.screens.project import ProjectScreen
from pmo_tui.screens.triage import TriageScreen
from pmo_tui.store.engine import os_user
from pmo_tui.widgets.grid import Grid
from pmo_tui.widgets.markgrid import MarkGrid


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_triage_fixture(tmp_path / "portfolio")


def queue(app) -> MarkGrid:  # type: ignore[no-untyped-def]
    return app.screen.query_one(MarkGrid)


def cell(grid: Grid, key: str, column: str) -> str:
    row = grid.row(key)
    assert row is not None, key
    return row.cells[grid.column_index(column)]


async def save_owner(pilot, app, owner: str) -> str:  # type: ignore[no-untyped-def]
    """e, tab to the owner, type, enter; returns the issue edited."""
    key = queue(app).cursor_key
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, EditScreen), what="the edit dialog")
    await pilot.press("tab", *owner, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen), what="the save")
    return str(key)


async def test_a_full_triage_round_keyboard_only(folder: Path) -> None:
    app = make_app(folder)
    started = datetime.now(UTC) - timedelta(seconds=1)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        grid = queue(app)
        # unassigned, severity high or worse
        await pilot.press("u", "v", "v")
        await pilot.pause()
        assert sorted(grid.visible_keys()) == ["I-02", "I-08", "I-09", "I-10"]
        assert "owner: unassigned" in screen_text(app)
        grid.move_to_key("I-02")
        # three owners: each saved issue leaves the "unassigned" view, the cursor stays put
        owners = {}
        for name in ("Ann de Vries", "Jan Smit", "Piet Kok"):
            owners[await save_owner(pilot, app, name)] = name
        assert len(owners) == 3
        await wait_until(pilot, lambda: len(grid.visible_keys()) == 1, what="three assigned")
        left = grid.visible_keys()[0]
        assert left not in owners
        # a note on the one that is left
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen), what="the note")
        await pilot.press(*"Vendor asked for a call", "enter", *"on Friday.", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen), what="note saved")
        # everything again; the owners are on screen
        await pilot.press("0")
        await wait_until(pilot, lambda: cell(grid, "I-08", "owner") in owners.values())
        for key, name in owners.items():
            assert cell(grid, key, "owner") == name
        # bulk-close two of them: mark, e, status "closed", enter
        closing = sorted(owners)[:2]
        for key in closing:
            grid.move_to_key(key)
            await pilot.press("space")
        assert list(grid.marked) == closing
        assert "✓ 2 marked" in screen_text(app)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditScreen), what="bulk dialog")
        assert "Edit 2 marked issues" in screen_text(app)
        await pilot.press(*"closed", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen), what="bulk save")
        await wait_until(pilot, lambda: not set(closing) & set(grid.visible_keys()))
        assert grid.marked == {}
        # the project's issue list shows the decision too
        project = "P-03" if "I-08" in closing else "P-01"
        app.open_project(project, tab="issues")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ProjectScreen)
        issues = app.screen.query_one("#issue-grid", Grid)
        shown = next(k for k in closing if k in issues.visible_keys())
        assert cell(issues, shown, "status") == "closed"

    # the store holds exactly these changes, by this officer, with old and new values
    with store_of(folder) as store:
        rows = store.activity(started)
    me = os_user()
    assert set(rows["who"]) == {me} and set(rows["os_user"]) == {me}
    assert rows["at"].min() >= started
    changes = rows[rows["field"].notna()]
    assert sorted(
        zip(changes["item_id"], changes["field"], changes["old"], changes["new"], strict=True)
    ) == sorted(
        [(k, "owner", None, v) for k, v in owners.items()]
        + [(k, "status", None, "closed") for k in closing]
    )
    # the two closings are one change set (one transaction)
    assert changes[changes["field"] == "status"]["changeset"].nunique() == 1
    notes = rows[rows["note"].notna()]
    assert list(zip(notes["item_id"], notes["note"], strict=True)) == [
        (left, "Vendor asked for a call\non Friday.")
    ]


async def test_edit_validates_and_keeps_the_dialog_open(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, app, at="I-04")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditScreen))
        dialog = app.screen
        await pilot.press("tab", "tab", "tab", *"31-31-2026", "enter")
        await pilot.pause()
        assert app.screen is dialog  # not saved
        text = screen_text(app)
        assert "'31-31-2026' is not a date" in text
        assert "Not saved: check due date." in text
        assert app.screen.focused is dialog.query_one("#edit-due_date", Input)
        # day-first dates and "+N days" are understood; the hint says what it means
        due = dialog.query_one("#edit-due_date", Input)
        due.value = ""
        await pilot.press(*"+14")
        await pilot.pause()
        assert "→ Tue 14 Jul 2026, in 14 days" in screen_text(app)
        await pilot.press("shift+tab", *"hi", "enter")  # priority: "hi" -> high
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen))
    with store_of(folder) as store:
        triage = store.get("I-04")
    assert (triage.priority, str(triage.due_date)) == (3, "2026-07-14")
    assert triage.owner is None and triage.status is None  # untouched fields are not saved


async def test_escape_with_typed_text_asks_before_discarding(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditScreen))
        dialog = app.screen
        # nothing typed: escape just closes
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditScreen))
        dialog = app.screen
        await pilot.press("tab", "tab", "tab", "tab", *"A long note typed over a slow link")
        await pilot.press("escape")  # a stray Escape
        await pilot.pause()
        assert "Discard your changes?" in screen_text(app)
        await pilot.press("escape")  # another one: still not discarded
        await pilot.pause()
        assert app.screen is dialog
        assert "A long note typed over a slow link" in dialog.note_text()
        await pilot.press("escape", "n")
        await pilot.pause()
        assert app.screen is dialog and dialog.note_text().startswith("A long note")
        await pilot.press("escape", "y")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen))
        # the note editor asks too
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*"half a thought", "escape")
        await pilot.pause()
        assert "Discard this note?" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
    with store_of(folder) as store:
        assert store.activity(datetime(2000, 1, 1, tzinfo=UTC)).empty  # nothing was saved


async def test_issue_detail_shows_decision_export_value_and_history(folder: Path) -> None:
    with store_of(folder) as store:
        store.save("I-03", 0, {"owner": "Ann", "status": "closed"}, note="Fixed in 2.1")
        store.save("I-03", 1, {"status": "in progress"})
    app = make_app(folder)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        queue(app).move_to_key("I-03")
        assert cell(queue(app), "I-03", "owner") == "Ann"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IssueDetail))
        await wait_until(pilot, lambda: app.screen.history is not None, what="history")
        text = screen_text(app)
        assert "export: Bob Dekker" in text  # the decision, and what the export says
        assert "status: closed → in progress" in text
        assert "owner: — → Ann" in text and "Fixed in 2.1" in text
        newest, oldest = text.index("closed → in progress"), text.index("owner: — → Ann")
        assert newest < oldest  # newest first
        # a note from the detail appears in its history at once
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*"Checked with Bob", "f2")
        await wait_until(pilot, lambda: isinstance(app.screen, IssueDetail))
        await wait_until(pilot, lambda: "Checked with Bob" in screen_text(app), what="note shown")


async def test_project_notes_tab_lists_notes_on_everything_in_the_project(folder: Path) -> None:
    with store_of(folder) as store:
        store.add_note("milestone", "M-01", "Go-live moved by the vendor")
        store.add_note("issue", "I-01", "Escalated to the board")
        store.add_note("project", "P-02", "not this project")
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        app.open_project("P-01", from_root=True)
        await pilot.pause(0.3)
        await pilot.press("5")
        await wait_until(pilot, lambda: "Escalated" in screen_text(app), what="notes")
        text = screen_text(app)
        assert "Go-live moved by the vendor" in text and "milestone M-01 Go-live" in text
        assert "not this project" not in text
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen))
        assert "project P-01 Citizen portal" in screen_text(app)
        await pilot.press(*"Steering committee on 2026-07-10", "ctrl+s")
        await wait_until(pilot, lambda: "Steering committee" in screen_text(app), what="own note")
        # on the milestones tab, a annotates the milestone under the cursor
        await pilot.press("2")
        await pilot.pause()
        app.screen.query_one("#milestone-grid", Grid).move_to_key("M-02")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen))
        assert "milestone M-02 Pilot" in screen_text(app)
    with store_of(folder) as store:
        assert [n.body for n in store.notes("project", "P-01")] == [
            "Steering committee on 2026-07-10"
        ]


async def test_round_start_finish_and_new_since_my_last_round(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        grid = queue(app)
        assert "no round open" in screen_text(app)
        await pilot.press("R")  # start
        await wait_until(pilot, lambda: app.triage_view.open_round is not None)
        await wait_until(pilot, lambda: "round since" in screen_text(app))
        await pilot.press("R")  # finish
        await wait_until(pilot, lambda: app.triage_view.last_round is not None)
        await wait_until(pilot, lambda: view_new(app) is not None)
        # every issue was first seen before that round started: nothing is new any more
        await pilot.press("w")
        await pilot.pause()
        assert grid.visible_keys() == []
        assert "new: since my round" in screen_text(app)


def view_new(app):  # type: ignore[no-untyped-def]
    from pmo_tui.screens.triage_state import view_for

    view = view_for(app.snapshot)
    return None if view.last_round is None else view.new_ids


async def test_a_save_starts_a_round_by_itself(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        await save_owner(pilot, app, "Ann")
        await wait_until(pilot, lambda: "round since" in screen_text(app), what="round")
    with store_of(folder) as store:
        assert store.current_round() is not None


async def test_a_burst_of_keys_lands_in_the_right_fields(folder: Path) -> None:
    """Over SSH keys arrive in bursts: text typed right after tab goes to the next
    field, and a burst that ends in ctrl+s saves every character typed before it."""
    from textual import events

    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        queue(app).move_to_key("I-06")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditScreen))
        # the burst starts once the dialog is up with its first field (status) focused
        await wait_until(
            pilot, lambda: getattr(app.focused, "id", None) == "edit-status", what="focus"
        )
        burst = ["tab", *"Zed", "tab", *"crit", "tab", "tab", *"typed fast"]
        for key in burst:  # posted at once, as a terminal delivers a burst
            char = key if len(key) == 1 else None
            app.post_message(events.Key(key, char))
        app.post_message(events.Key("ctrl+s", None))
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen), what="saved")
    with store_of(folder) as store:
        triage = store.get("I-06")
        assert (triage.owner, triage.priority) == ("Zed", 4)
        assert [n.body for n in store.notes("issue", "I-06")] == ["typed fast"]
