# ruff: noqa: E501  (CSV fixture lines are kept one record per line)
"""Helpers for the triage UI tests: a fixture with more unassigned issues, a wait loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from test_ui_support import wait_for_data, write_fixture

from pmo_tui.app import PmoApp
from pmo_tui.store import Store, open_store, schema
from pmo_tui.widgets.markgrid import MarkGrid

#: issues added to the UI fixture: more unassigned high-severity work, one hostile title
EXTRA_ISSUES = """I-08,P-03,Budget cut,risk,high,open,,2026-06-01,2026-07-20,Finance may cut 10%.
I-09,P-05,"[@click=app.quit]x[/] '); DROP TABLE issues;--",issue,critical,open,,2026-06-10,,\x1b[31mred\x1b[0m text
I-10,P-07,Licence audit,issue,high,open,,2026-06-15,2026-08-15,
"""


def write_triage_fixture(folder: Path) -> Path:
    """The UI fixture plus I-08..I-10 (unassigned, high or critical)."""
    write_fixture(folder)
    issues = folder / "issues.csv"
    issues.write_text(issues.read_text(encoding="utf-8") + EXTRA_ISSUES, encoding="utf-8")
    return folder


def store_of(folder: Path) -> Store:
    """A second handle on the app's store (the file inside the data folder)."""
    return open_store(None, source=str(folder))


async def wait_until(
    pilot: object, check: Callable[[], object], timeout: float = 10.0, what: str = ""
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


async def wait_for_store(pilot: object, app: PmoApp) -> None:
    """The store is open and the snapshot on screen carries its decisions."""
    from pmo_tui.screens.triage_state import OPEN, view_for

    def ready() -> bool:
        view = view_for(app.snapshot)
        return (
            app.store is not None
            and app.triage_view.state == OPEN
            and view.state == OPEN
            and view.generation == app.triage_view.generation
        )

    try:
        await wait_until(pilot, ready, 20.0, "the triage store")
    except AssertionError as exc:  # say where it stuck: a flaky start must be diagnosable
        view, shown = app.triage_view, view_for(app.snapshot)
        raise AssertionError(
            f"{exc}: store={app.store is not None} state={view.state} reason={view.reason!r} "
            f"generation={view.generation}, on screen: state={shown.state} "
            f"generation={shown.generation}"
        ) from None
    await pilot.pause(0.1)  # type: ignore[attr-defined]


async def open_queue(pilot: object, app: PmoApp, at: str | None = None) -> MarkGrid:
    """The triage queue on screen once data and store are in, its cursor on ``at``."""
    await wait_for_data(pilot, app)
    await wait_for_store(pilot, app)
    await pilot.press("t")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    grid = app.screen.query_one(MarkGrid)
    if at is not None:
        grid.move_to_key(at)
    return grid


# -- a store with a fixed history (for deterministic screenshots) ---------------------

SEEDED_NOTE = (
    "Carla is on leave until August.\nDirk takes the permit objection over: [@click=app.quit]x[/]"
)


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


def seed_history(folder: Path) -> None:
    """I-04 triaged twice by two officers (ana, jan) at fixed times, with a note.

    Written with plain inserts so who and when are fixed; the store's own API
    always stamps the real OS user and the real time.
    """
    with store_of(folder) as store, store.engine.begin() as conn:
        conn.execute(
            sa.insert(schema.triage).values(
                issue_id="I-04",
                status="in progress",
                owner="Dirk Laan",
                priority=3,
                due_date=date(2026, 7, 15),
                version=2,
                changeset="c2",
                updated_by="jan",
                updated_os_user="jan",
                updated_at=_at(30, 7, 45),
            )
        )
        rows = [
            ("c1", "owner", None, "Dirk Laan", 1, "ana", _at(29, 9, 10)),
            ("c1", "priority", None, "3", 1, "ana", _at(29, 9, 10)),
            ("c2", "status", None, "in progress", 2, "jan", _at(30, 7, 45)),
            ("c2", "due_date", None, "2026-07-15", 2, "jan", _at(30, 7, 45)),
        ]
        conn.execute(
            sa.insert(schema.audit),
            [
                {
                    "changeset": cs,
                    "kind": "issue",
                    "item_id": "I-04",
                    "field": field,
                    "old_value": old,
                    "new_value": new,
                    "version": version,
                    "who": who,
                    "os_user": who,
                    "at": at,
                }
                for cs, field, old, new, version, who, at in rows
            ],
        )
        conn.execute(
            sa.insert(schema.note).values(
                kind="issue",
                item_id="I-04",
                body=SEEDED_NOTE,
                changeset="c1",
                who="ana",
                os_user="ana",
                at=_at(29, 9, 10),
            )
        )


def seed_their_change(folder: Path) -> None:
    """piet sets I-04's owner to Eva Hoek (version 3) at a fixed time."""
    with store_of(folder) as store, store.engine.begin() as conn:
        conn.execute(
            sa.update(schema.triage)
            .where(schema.triage.c.issue_id == "I-04")
            .values(
                owner="Eva Hoek",
                version=3,
                changeset="c3",
                updated_by="piet",
                updated_os_user="piet",
                updated_at=_at(30, 8, 5),
            )
        )
        conn.execute(
            sa.insert(schema.audit).values(
                changeset="c3",
                kind="issue",
                item_id="I-04",
                field="owner",
                old_value="Dirk Laan",
                new_value="Eva Hoek",
                version=3,
                who="piet",
                os_user="piet",
                at=_at(30, 8, 5),
            )
        )
