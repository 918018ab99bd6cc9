"""No lost updates on screen: another officer saves first, the dialog keeps what was typed.

The "other officer" is a second handle on the same SQLite store file (and, for
PostgreSQL, on the same database): exactly what another pmo-tui process does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data
from triage_ui_support import store_of, wait_for_store, wait_until, write_triage_fixture

from pmo_tui.screens.conflict import BulkConflictScreen, ConflictScreen
from pmo_tui.screens.edit import EditScreen
from pmo_tui.screens.triage import TriageScreen
from pmo_tui.store import Store, open_store
from pmo_tui.widgets.markgrid import MarkGrid

NOTE = "Carla is on leave until August;\nEva takes the permit objection over."


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_triage_fixture(tmp_path / "portfolio")


async def open_dialog(pilot, app, key: str) -> EditScreen:  # type: ignore[no-untyped-def]
    await pilot.press("t")
    await pilot.pause()
    app.screen.query_one(MarkGrid).move_to_key(key)
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, EditScreen), what="dialog")
    screen = app.screen
    assert isinstance(screen, EditScreen)
    return screen


async def type_mine(pilot) -> None:  # type: ignore[no-untyped-def]
    """Owner Eva, priority high, and a two-line note; then enter."""
    await pilot.press("tab", *"Eva Hoek", "tab", *"high", "tab", "tab")
    await pilot.press(*NOTE.split("\n", maxsplit=1)[0], "enter", *NOTE.split("\n")[1])
    await pilot.press("ctrl+s")


async def conflict_then(folder: Path, other: Store, choice: str) -> tuple[Store, str]:
    app = make_app(folder)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        dialog = await open_dialog(pilot, app, "I-04")
        # the other officer saves the same issue while the dialog is open
        other.save("I-04", 0, {"owner": "Dirk Laan", "due_date": "2026-09-01"})
        await type_mine(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen), what="conflict")
        text = screen_text(app)
        # theirs: who, and what they changed; mine: what I typed, and my note
        assert f"Theirs: {other.officer.who}" in text
        assert "owner: — → Dirk Laan" in text and "due date: — → 2026-09-01" in text
        assert "Eva Hoek" in text and "Carla is on leave until August;" in text
        assert "nothing was saved" in text
        with store_of(folder) as check:
            assert check.get("I-04").owner == "Dirk Laan"  # nothing of mine yet
        await pilot.press(choice)
        if choice == "e":
            await wait_until(pilot, lambda: app.screen is dialog, what="back in the dialog")
            assert dialog.note_text() == NOTE  # the typed text is kept
            assert "editing on top of" in screen_text(app).lower()
            await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen), what="closed")
        grid = app.screen.query_one(MarkGrid)
        await wait_until(pilot, lambda: grid.row("I-04") is not None)
        owner = grid.row("I-04").cells[grid.column_index("owner")]  # type: ignore[union-attr]
        return store_of(folder), owner


async def test_conflict_edit_again_keeps_the_text_and_saves_on_top(folder: Path) -> None:
    with store_of(folder) as other:
        store, owner = await conflict_then(folder, other, "e")
    with store:
        triage = store.get("I-04")
        assert (triage.owner, triage.priority, str(triage.due_date)) == (
            "Eva Hoek",
            3,
            "2026-09-01",
        )
        assert triage.version == 2  # theirs, then mine on top: nothing lost
        assert [n.body for n in store.notes("issue", "I-04")] == [NOTE]
    assert owner == "Eva Hoek"


async def test_conflict_reapply_mine(folder: Path) -> None:
    with store_of(folder) as other:
        store, owner = await conflict_then(folder, other, "m")
    with store:
        triage = store.get("I-04")
        assert (triage.owner, triage.version) == ("Eva Hoek", 2)
        history = [e.change.describe() for e in store.history("issue", "I-04") if e.change]
        assert "owner: Dirk Laan → Eva Hoek" in history  # the audit shows both
    assert owner == "Eva Hoek"


async def test_conflict_keep_theirs_still_saves_my_note(folder: Path) -> None:
    with store_of(folder) as other:
        store, owner = await conflict_then(folder, other, "t")
    with store:
        triage = store.get("I-04")
        assert (triage.owner, triage.priority, triage.version) == ("Dirk Laan", None, 1)
        assert [n.body for n in store.notes("issue", "I-04")] == [NOTE]
    assert owner == "Dirk Laan"


async def test_bulk_conflict_lists_the_rows_and_saves_nothing_until_asked(folder: Path) -> None:
    app = make_app(folder)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, app)
        await wait_for_store(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        grid = app.screen.query_one(MarkGrid)
        for key in ("I-01", "I-02", "I-04"):
            grid.move_to_key(key)
            await pilot.press("space")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditScreen))
        with store_of(folder) as other:
            other.save("I-02", 0, {"priority": "critical"})
            other.save("I-04", 0, {"owner": "Dirk Laan"})
            who = other.officer.who
        await pilot.press("tab", "tab", *"2")  # priority: medium for all three
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, BulkConflictScreen))
        text = screen_text(app)
        assert "Nothing was saved: 2 of the 3 marked issues were changed" in text
        assert "I-02" in text and "priority: — → critical" in text
        assert "I-04" in text and "owner: — → Dirk Laan" in text and who in text
        assert "save the 1 others only" in text
        with store_of(folder) as check:
            assert check.get("I-01").version == 0  # all or nothing
        await pilot.press("c")  # save the clean one only
        await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen))
        await wait_until(pilot, lambda: not grid.marked, what="marks cleared after the save")
    with store_of(folder) as store:
        assert store.get("I-01").priority == 2
        assert store.get("I-02").priority == 4  # theirs, kept
        assert (store.get("I-04").owner, store.get("I-04").priority) == ("Dirk Laan", None)


async def test_conflict_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    folder = write_triage_fixture(tmp_path / "portfolio")
    with open_store(pg_url) as other:
        app = make_app(folder, store=pg_url)
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for_data(pilot, app)
            await wait_for_store(pilot, app)
            assert app.store is not None and app.store.dialect == "postgresql"
            dialog = await open_dialog(pilot, app, "I-04")
            other.save("I-04", 0, {"owner": "Dirk Laan"})
            await type_mine(pilot)
            await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen))
            assert "owner: — → Dirk Laan" in screen_text(app)
            await pilot.press("e")
            await wait_until(pilot, lambda: app.screen is dialog)
            assert dialog.note_text() == NOTE
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, TriageScreen))
        triage = other.get("I-04")
        assert (triage.owner, triage.version) == ("Eva Hoek", 2)
