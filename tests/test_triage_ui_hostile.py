"""Hostile notes, titles and owners are shown literally, run nothing, and break nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data
from textual import events
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
from pmo_tui.screens.owner import OwnerPicker
from pmo_tui.screens.triage import TriageScreen
from pmo_tui.widgets.markgrid import MarkGrid
from pmo_tui.widgets.plaintext import PlainTextArea

MARKUP = "[@click=app.quit]x[/]"
SQL = "'); DROP TABLE issues;--"
OSC_LINK = "\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07"
CLEAR_SCREEN = "\x1b[2J\x1b[H"
BIG = ("A long report line with [b]markup[/b] and 'quotes'.\n" * 2000)[:100_000]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_triage_fixture(tmp_path / "portfolio")


def rendered_links(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Any hyperlink or click action in what is on screen."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is not None and (style.link or (style.meta or {}).get("@click")):
                found.append(segment.text)
    return found


async def test_hostile_notes_and_titles_show_literally(folder: Path) -> None:
    with store_of(folder) as store:
        store.add_note("issue", "I-09", BIG)  # oldest: at the bottom of the history
        store.save("I-09", 0, {"owner": f"{MARKUP} {SQL}"[:200]}, note=f"{MARKUP}\n{SQL}")
        store.add_note("issue", "I-09", f"before {OSC_LINK} after {CLEAR_SCREEN}end")
    app = make_app(folder)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        grid = app.screen.query_one(MarkGrid)
        row = grid.row("I-09")
        assert row is not None
        assert row.cells[grid.column_index("title")] == f"{MARKUP} {SQL}"
        assert row.cells[grid.column_index("owner")].startswith(MARKUP)
        grid.move_to_key("I-09")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IssueDetail))
        await wait_until(pilot, lambda: app.screen.history is not None)
        await pilot.pause(0.2)
        text = screen_text(app)
        assert MARKUP in text and SQL in text
        assert "before click me after end" in text  # escape sequences removed, text kept
        assert "\x1b" not in text
        assert rendered_links(app) == []
        # the 100 KB note is there, in full, and the screen still scrolls and closes
        await pilot.press("end")
        await pilot.pause(0.2)
        assert "A long report line with [b]markup[/b] and 'quotes'." in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen))
        assert app.is_running
    with store_of(folder) as store:
        bodies = [n.body for n in store.notes("issue", "I-09")]
        assert BIG in bodies and f"{MARKUP}\n{SQL}" in bodies  # kept verbatim
        assert len(store.triage_frame()) >= 1  # no table was dropped


async def test_typed_and_pasted_hostile_text_is_saved_as_plain_text(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, app, at="I-06")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen))
        editor = app.screen.query_one(PlainTextArea)
        await pilot.press(*MARKUP)
        app.post_message(events.Paste(f" {OSC_LINK}{CLEAR_SCREEN} {SQL}"))  # as a terminal would
        await pilot.pause()
        assert "\x1b" not in editor.text
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen))
        # an owner with markup and a pasted escape sequence
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditScreen))
        await pilot.press("tab")
        app.post_message(events.Paste(f"  [b]Boss[/b]\x1b[31m   {SQL}  "))
        await pilot.pause()
        assert "\x1b" not in app.screen.query_one("#edit-owner", Input).value
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen))
        assert app.is_running
    with store_of(folder) as store:
        note = store.notes("issue", "I-06")[0].body
        assert note == f"{MARKUP} click me {SQL}"
        assert store.get("I-06").owner == f"[b]Boss[/b] {SQL}"


async def test_a_pasted_escape_sequence_in_the_owner_picker_is_plain_text(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot, app)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, OwnerPicker))
        app.post_message(events.Paste(f"\x1b[31mAnn{CLEAR_SCREEN}"))
        await pilot.pause()
        assert app.screen.query_one(Input).value == "Ann"
        assert "Ann de Vries" in screen_text(app)  # the list narrowed on the plain text
