"""The store's read API for incremental readers: events by id, notes of many items,
triage of a few issues (real SQLite files and a real PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pmo_tui.store import Event, InvalidValue, Saved, Store, open_store

pytest_plugins = ("store_fixtures",)

HOSTILE_NOTE = "[@click=app.quit]x[/] \x1b[31mred\x1b[0m\n'); DROP TABLE store_note;--"


def saved(result: object) -> Saved:
    assert isinstance(result, Saved), result
    return result


def test_events_since_returns_what_was_added_after_the_given_ids(
    store: Store, store_url: str
) -> None:
    assert store.last_event_ids() == (0, 0)
    assert store.events_since(0, 0) == ()
    first = saved(store.save("I-1", 0, {"owner": "ana", "priority": "high"}, note="call Dirk"))
    store.add_note("project", "P-1", "budget review moved")

    events = store.events_since(0, 0)
    changes = [e for e in events if not e.is_note]
    notes = [e for e in events if e.is_note]
    assert [(e.kind, e.item_id, e.field, e.new) for e in changes] == [
        ("issue", "I-1", "owner", "ana"),
        ("issue", "I-1", "priority", 3),  # decoded, as the history shows it
    ]
    assert {e.changeset for e in changes} == {first.changeset}
    assert [(e.kind, e.item_id, e.field) for e in notes] == [
        ("issue", "I-1", None),
        ("project", "P-1", None),
    ]
    assert notes[0].changeset == first.changeset  # the note saved with the decision
    assert all(e.who == store.officer.who and e.at.tzinfo is not None for e in events)

    # another copy of pmo-tui saves: asking from the ids seen so far gives only that
    marks = store.last_event_ids()
    assert marks == (max(e.id for e in changes), max(e.id for e in notes))
    with open_store(store_url) as other:
        theirs = saved(other.save("I-1", 1, {"due_date": date(2026, 7, 15), "owner": None}))
    later = store.events_since(*marks)
    assert [(e.field, e.new) for e in later] == [("owner", None), ("due_date", date(2026, 7, 15))]
    assert {e.changeset for e in later} == {theirs.changeset}
    assert store.events_since(*store.last_event_ids()) == ()


def test_events_since_a_window_below_the_top_repeats_rows_for_the_caller_to_skip(
    store: Store,
) -> None:
    for n in range(5):
        store.add_note("issue", f"I-{n}", f"note {n}")
    top_audit, top_note = store.last_event_ids()
    window = store.events_since(top_audit, top_note - 3)
    assert [e.item_id for e in window] == ["I-2", "I-3", "I-4"]
    assert all(isinstance(e, Event) and e.is_note for e in window)


def test_an_audit_value_this_version_cannot_read_is_kept_as_text(store: Store) -> None:
    import sqlalchemy as sa

    from pmo_tui.store.schema import audit

    with store.engine.begin() as conn:  # a row a later pmo-tui might write
        conn.execute(
            sa.insert(audit).values(
                changeset="x" * 32,
                kind="issue",
                item_id="I-9",
                field="priority",
                old_value=None,
                new_value="very high",
                version=1,
                who="eva",
                os_user="eva",
                at=pd.Timestamp("2026-06-30 08:00", tz="UTC").to_pydatetime(),
            )
        )
    (event,) = store.events_since(0, 0)
    assert (event.field, event.new) == ("priority", "very high")


def test_notes_on_gathers_several_items_newest_first_and_verbatim(store: Store) -> None:
    store.add_note("project", "P-1", "kick-off")
    store.add_note("milestone", "M-1", HOSTILE_NOTE)
    store.add_note("project", "P-2", "another project")
    store.add_note("issue", "I-1", "vendor late")
    store.add_note("project", "P-1", "steering committee moved")

    items = [("project", "P-1"), ("milestone", "M-1"), ("issue", "I-1"), ("issue", "I-NONE")]
    notes = store.notes_on([*items, ("project", "P-1")])  # an item listed twice counts once
    assert [(n.kind, n.item_id, n.body) for n in notes] == [
        ("project", "P-1", "steering committee moved"),
        ("issue", "I-1", "vendor late"),
        ("milestone", "M-1", HOSTILE_NOTE),
        ("project", "P-1", "kick-off"),
    ]
    assert store.notes_on([]) == ()
    with pytest.raises(InvalidValue):
        store.notes_on([("programme", "PR-1")])


def test_notes_on_more_items_than_one_query_takes(store: Store) -> None:
    ids = [f"M-{n:04d}" for n in range(1200)]
    store.add_note("milestone", ids[-1], "the last one")
    store.add_note("milestone", ids[0], "the first one")
    notes = store.notes_on(("milestone", i) for i in ids)
    assert [(n.item_id, n.body) for n in notes] == [
        (ids[0], "the first one"),
        (ids[-1], "the last one"),
    ]


def test_triage_of_a_few_issues_equals_the_same_rows_of_a_whole_read(store: Store) -> None:
    for n in range(30):
        saved(store.save(f"I-{n:02d}", 0, {"owner": f"owner {n}", "priority": 1 + n % 4}))
    store.add_note("issue", "I-05", "noted")
    store.add_note("issue", "I-77", "a note on an issue nobody triaged")
    wanted = ["I-77", "I-05", "I-12", "I-NEW", "I-05", "A\x00B"]

    few = store.triage_frame(wanted)  # looked up by id
    many = store.triage_frame(wanted + [f"X-{n}" for n in range(2500)])  # whole-table read
    pd.testing.assert_frame_equal(few, many.iloc[: len(wanted)])
    assert few.index.tolist() == wanted
    assert few.loc["I-12", "owner"] == "owner 12"
    assert few["notes"].tolist() == [1, 1, 0, 0, 1, 0]
    assert few["version"].tolist() == [0, 1, 1, 0, 1, 0]
    assert store.triage_frame([]).empty
