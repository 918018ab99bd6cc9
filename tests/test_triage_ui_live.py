"""Two officers, two running apps, one store: a change in one appears in the other.

Both apps run in this process with their own ``Store`` (their own connections
and watcher), exactly as two pmo-tui processes would; the store's watcher only
stays quiet about changes made through the *same* ``Store`` object.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_support import make_app, screen_text, wait_for_data
from triage_ui_support import wait_for_store, wait_until, write_triage_fixture

from pmo_tui.app import PmoApp
from pmo_tui.screens.edit import EditScreen
from pmo_tui.screens.issue import IssueDetail
from pmo_tui.screens.note import NoteScreen
from pmo_tui.screens.triage import TriageScreen
from pmo_tui.widgets.markgrid import MarkGrid


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_triage_fixture(tmp_path / "portfolio")


def owner_of(app: PmoApp, key: str) -> str:
    grid = app.screen.query_one(MarkGrid)
    row = grid.row(key)
    return "" if row is None else row.cells[grid.column_index("owner")]


def toasts(app: PmoApp) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def two_officers(folder: Path, **options: object) -> None:
    one, two = make_app(folder, **options), make_app(folder, **options)
    async with one.run_test(size=(160, 50)) as p1, two.run_test(size=(160, 50)) as p2:
        for pilot, app in ((p1, one), (p2, two)):
            await wait_for_data(pilot, app)
            await wait_for_store(pilot, app)
            await pilot.press("t")
            await pilot.pause()
        # officer one assigns I-02 ...
        one.screen.query_one(MarkGrid).move_to_key("I-02")
        two.screen.query_one(MarkGrid).move_to_key("I-06")
        two.screen.query_one(MarkGrid).set_filter("")
        await p1.press("e")
        await wait_until(p1, lambda: isinstance(one.screen, EditScreen))
        await p1.press("tab", *"Zed Officer", "enter")
        await wait_until(p1, lambda: isinstance(one.screen, TriageScreen))
        # ... and officer two sees it (benchmarks/store.py times it), cursor untouched, a toast
        await wait_until(p2, lambda: owner_of(two, "I-02") == "Zed Officer", 10.0, "propagation")
        assert two.screen.query_one(MarkGrid).cursor_key == "I-06"
        await wait_until(p2, lambda: "I-02: owner → Zed Officer" in toasts(two), 5.0, "toast")
        assert "changed I-02: owner → Zed Officer" in toasts(two)
        assert "changed I-02" not in toasts(one)  # one's own save is confirmed, not announced
        assert "I-02: owner → Zed Officer" in toasts(one)
        # officer one reads the issue; officer two adds a note: it appears in one's detail
        await p1.press("enter")
        await wait_until(p1, lambda: isinstance(one.screen, IssueDetail))
        two.screen.query_one(MarkGrid).move_to_key("I-02")
        await p2.press("a")
        await wait_until(p2, lambda: isinstance(two.screen, NoteScreen))
        await p2.press(*"Zed confirmed by phone", "ctrl+s")
        await wait_until(p2, lambda: isinstance(two.screen, TriageScreen))
        await wait_until(
            p1, lambda: "Zed confirmed by phone" in screen_text(one), 5.0, "note in the detail"
        )
        await wait_until(p1, lambda: "added a note to I-02" in toasts(one), 5.0, "note toast")


async def test_two_apps_on_one_sqlite_store(folder: Path) -> None:
    await two_officers(folder)


async def test_two_apps_on_one_postgresql_store(folder: Path, pg_url: str) -> None:
    await two_officers(folder, store=pg_url)


async def test_a_read_only_copy_started_before_the_store_existed_follows_it(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wall display (read-only) opened on a folder nobody has triaged yet: once the
    first officer saves, the decision reaches it without a restart."""
    from pmo_tui.store import open_store, watching

    monkeypatch.setattr(watching, "CREATED_POLL", 0.2)
    wall = make_app(folder, read_only=True)
    async with wall.run_test(size=(160, 50)) as pilot:
        await wait_for_data(pilot, wall)
        await wait_until(pilot, lambda: wall.store is not None, 20.0, "the stand-in store")
        assert wall.store is not None and wall.store.stand_in
        assert "no triage yet" in (wall.store.notice or "")
        assert not (folder / ".pmo-tui").exists()  # a read-only copy creates nothing
        with open_store(None, source=str(folder)) as officer:
            officer.save("I-02", 0, {"owner": "Zed Officer"})
        await wait_until(
            pilot,
            lambda: wall.triage_view.decision("I-02").owner == "Zed Officer",
            10.0,
            "the first decision on the wall",
        )
        assert wall.store is not None and not wall.store.stand_in
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(wall.screen, TriageScreen))
        await wait_until(pilot, lambda: owner_of(wall, "I-02") == "Zed Officer", 5.0, "the row")
