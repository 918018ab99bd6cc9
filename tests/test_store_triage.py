"""Triage, notes, audit trail and history on real SQLite files and a real PostgreSQL."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from store_support import worker_env

from pmo_tui.store import (
    BulkConflict,
    BulkSaved,
    Conflict,
    Edit,
    InvalidValue,
    ReadOnlyStore,
    Saved,
    Store,
    StoreError,
    open_store,
)
from pmo_tui.text import clean

pytest_plugins = ("store_fixtures",)

HOSTILE = [
    "'); DROP TABLE issues;--",
    "[@click=app.quit]x[/]",
    "[WIP] Fix login",
    "x [/",
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil\x07link\x1b]8;;\x07",
    "Robert'); DROP TABLE store_triage;-- \\ % _ \" ` $(rm -rf ~)",
]


def saved(result: object) -> Saved:
    assert isinstance(result, Saved), result
    return result


def test_first_save_creates_version_one_and_audits_every_field(store: Store) -> None:
    assert store.get("ISS-1").version == 0
    result = saved(
        store.save(
            "ISS-1",
            0,
            {
                "status": "In Progress",
                "owner": "  alice ",
                "priority": "high",
                "due_date": "2026-03-31",
            },
        )
    )
    t = result.triage
    assert (t.status, t.owner, t.priority, t.due_date, t.version) == (
        "in progress", "alice", 3, date(2026, 3, 31), 1,
    )  # fmt: skip
    assert result.changed == ("status", "owner", "priority", "due_date")
    assert store.get("ISS-1") == t
    history = store.history("issue", "ISS-1")
    assert [
        (h.change.field, h.change.old, h.change.new) for h in reversed(history) if h.change
    ] == [
        ("status", None, "in progress"),
        ("owner", None, "alice"),
        ("priority", None, 3),
        ("due_date", None, date(2026, 3, 31)),
    ]
    assert {h.changeset for h in history} == {result.changeset}
    assert all(h.who == store.officer.who for h in history)


def test_stale_save_is_refused_with_both_sides_and_the_typed_note(store: Store) -> None:
    mine = store.get("ISS-7").version
    theirs = saved(store.save("ISS-7", mine, {"owner": "bob", "status": "closed"}))
    note = "Spoke to the vendor.\nThey need two more weeks.\n" * 50
    result = store.save("ISS-7", mine, {"owner": "carol"}, note=note)
    assert isinstance(result, Conflict)
    assert result.current == theirs.triage  # who, when and the values now
    assert result.current.updated_by == store.officer.who
    assert result.attempted == {"owner": "carol"}
    assert result.note == note  # the officer's text is kept
    assert [(e.field, e.new) for e in result.theirs] == [("status", "closed"), ("owner", "bob")]
    assert "ISS-7" in result.message and "nothing was saved" in result.message
    # nothing of the refused save landed: no owner change, no note
    assert store.get("ISS-7").owner == "bob"
    assert store.notes("issue", "ISS-7") == ()
    # retrying from the current version works
    again = saved(store.save("ISS-7", result.current.version, result.attempted, note=result.note))
    assert again.triage.owner == "carol" and again.note is not None and again.note.body == note


def test_unchanged_values_write_nothing_and_keep_the_version(store: Store) -> None:
    first = saved(store.save("ISS-2", 0, {"owner": "alice"}))
    again = saved(store.save("ISS-2", 1, {"owner": "alice", "status": None}))
    assert again.changed == () and again.triage.version == 1
    assert len([h for h in store.history("issue", "ISS-2") if h.change]) == 1
    assert first.triage == store.get("ISS-2")


def test_clearing_a_field_is_audited_and_falls_back_to_none(store: Store) -> None:
    saved(store.save("ISS-3", 0, {"owner": "alice", "priority": 4}))
    cleared = saved(store.save("ISS-3", 1, {"priority": None}))
    assert cleared.triage.priority is None and cleared.changed == ("priority",)
    latest = store.history("issue", "ISS-3")[0].change
    assert latest is not None and (latest.field, latest.old, latest.new) == ("priority", 4, None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "accepted"}, "status"),
        ({"priority": 5}, "priority"),
        ({"priority": "urgent"}, "priority"),
        ({"priority": True}, "priority"),
        ({"due_date": "31-02-2026"}, "due_date"),
        ({"owner": "alice\nbob"}, "owner"),
        ({"owner": "x" * 201}, "owner"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(
    store: Store, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValue) as info:
        store.save("ISS-1", 0, changes)
    assert info.value.field == field and field in str(info.value)
    assert store.get("ISS-1").version == 0


def test_bulk_edit_is_one_changeset_in_one_transaction(store: Store) -> None:
    saved(store.save("A", 0, {"owner": "alice"}))
    result = store.save_many(
        [
            Edit("A", 1, {"status": "closed"}),
            Edit("B", 0, {"status": "closed"}),
            Edit("C", 0, {"status": "closed"}),
        ],
        note="closed in the steering committee of 3 March",
    )
    assert isinstance(result, BulkSaved)
    assert [s.triage.version for s in result.saved] == [2, 1, 1]
    assert {s.changeset for s in result.saved} == {result.changeset}
    frame = store.triage_frame(["A", "B", "C"])
    assert frame["status"].tolist() == ["closed"] * 3
    assert frame["notes"].tolist() == [1, 1, 1]
    for issue in "ABC":
        changesets = {h.changeset for h in store.history("issue", issue)}
        assert result.changeset in changesets


def test_bulk_edit_is_all_or_nothing_and_names_every_conflict(store: Store) -> None:
    saved(store.save("A", 0, {"owner": "alice"}))
    saved(store.save("C", 0, {"owner": "carol"}))
    before = store.triage_frame()
    result = store.save_many(
        [
            Edit("A", 0, {"status": "closed"}),
            Edit("B", 0, {"status": "closed"}),
            Edit("C", 0, {"status": "closed"}),
        ],
        note="bulk close",
    )
    assert isinstance(result, BulkConflict)
    assert [c.issue_id for c in result.conflicts] == ["A", "C"]
    assert result.clean == ("B",)
    assert [c.current.owner for c in result.conflicts] == ["alice", "carol"]
    assert all(c.note == "bulk close" for c in result.conflicts)
    after = store.triage_frame()
    assert after.equals(before)  # B was not written either
    assert store.get("B").version == 0 and store.notes("issue", "B") == ()


def test_same_issue_twice_in_one_bulk_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="twice"):
        store.save_many([Edit("A", 0, {"owner": "x"}), Edit("A", 0, {"owner": "y"})])


def test_a_note_alone_never_conflicts(store: Store) -> None:
    saved(store.save("ISS-4", 0, {"owner": "alice"}))
    result = saved(store.save("ISS-4", 0, note="stale screen, but notes are append-only"))
    assert result.changed == () and result.note is not None
    assert store.get("ISS-4").version == 1


def test_notes_on_every_kind_are_verbatim_and_newest_first(store: Store) -> None:
    big = ("Lorem ipsum — ünïcødé ✓ 表 \t tab\r\nCRLF line\n" * 2400)[: 100 * 1024 + 7]
    assert len(big.encode()) > 100 * 1024
    bodies = [*HOSTILE, big, "  leading and trailing spaces kept  \n\n"]
    for body in bodies:
        store.add_note("issue", "ISS-9", body)
    got = store.notes("issue", "ISS-9")
    assert [n.body for n in got] == list(reversed(bodies))
    assert [n.id for n in got] == sorted((n.id for n in got), reverse=True)
    store.add_note("project", "P-1", "project note [b]bold?[/b]")
    store.add_note("milestone", "M-1", "milestone note")
    assert store.notes("project", "P-1")[0].body == "project note [b]bold?[/b]"
    assert store.notes("milestone", "M-1")[0].body == "milestone note"
    assert store.notes("issue", "P-1") == ()  # kinds do not mix


def test_hostile_ids_and_values_are_stored_and_returned_verbatim(store: Store) -> None:
    for n, text in enumerate(HOSTILE):
        issue = f"{text}#{n}"
        result = saved(store.save(issue, 0, {"owner": clean(text)[:200]}, note=text))
        assert store.get(issue) == result.triage
        assert store.notes("issue", issue)[0].body == text
    frame = store.triage_frame()
    assert set(frame.index) == {f"{t}#{n}" for n, t in enumerate(HOSTILE)}
    # the tables are all still there
    inspector = sa.inspect(store.engine)
    assert {"store_triage", "store_note", "store_audit"} <= set(inspector.get_table_names())


@pytest.mark.parametrize("body", ["", "   \n\t", "nul \x00 byte"])
def test_empty_and_nul_notes_are_refused(store: Store, body: str) -> None:
    with pytest.raises(InvalidValue, match="note"):
        store.add_note("issue", "ISS-1", body)


def test_oversized_note_is_refused_with_its_size(store: Store) -> None:
    with pytest.raises(InvalidValue, match="bytes"):
        store.add_note("issue", "ISS-1", "x" * (1024 * 1024 + 1))


def test_unknown_kind_is_refused(store: Store) -> None:
    with pytest.raises(InvalidValue, match="kind"):
        store.add_note("programme", "PG-1", "no")


def test_history_merges_changes_and_notes_newest_first(store: Store) -> None:
    first = saved(store.save("H", 0, {"owner": "alice"}, note="assigned to alice"))
    store.add_note("issue", "H", "chased alice")
    second = saved(store.save("H", 1, {"owner": "bob", "status": "in progress"}))
    history = store.history("issue", "H")
    lines = [(h.change.describe() if h.change else h.note.body if h.note else "") for h in history]
    assert lines == [
        "owner: alice → bob",
        "status: — → in progress",
        "chased alice",
        "owner: — → alice",
        "assigned to alice",
    ]
    assert history[0].changeset == second.changeset and history[-1].changeset == first.changeset
    stamps = [h.at for h in history]
    assert stamps == sorted(stamps, reverse=True)


def test_audit_and_notes_cannot_be_updated_or_deleted(store: Store) -> None:
    saved(store.save("AO", 0, {"owner": "alice"}, note="keep me"))
    for statement in (
        "UPDATE store_audit SET new_value = 'mallory'",
        "DELETE FROM store_audit",
        "UPDATE store_note SET body = 'rewritten'",
        "DELETE FROM store_note",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert store.notes("issue", "AO")[0].body == "keep me"
    assert store.history("issue", "AO")[-1].note is not None


def test_triage_survives_the_item_vanishing_from_an_export(store: Store) -> None:
    saved(store.save("GONE", 0, {"owner": "alice"}, note="watch this"))
    # the next export lacks GONE: asking for the current issues does not show it...
    assert "GONE" not in store.triage_frame(["OTHER"]).index
    # ...and nothing is deleted: when it returns, its triage and notes are back
    back = store.triage_frame(["OTHER", "GONE"])
    assert back.loc["GONE", "owner"] == "alice" and back.loc["GONE", "notes"] == 1
    assert back.loc["OTHER", "version"] == 0


def test_triage_frame_dtypes_and_order(store: Store) -> None:
    saved(store.save("B", 0, {"owner": "bob", "priority": 2, "due_date": date(2026, 5, 1)}))
    store.add_note("issue", "B", "n1")
    store.add_note("issue", "C", "note on an untriaged issue")
    frame = store.triage_frame(["C", "A", "B"])
    assert frame.index.tolist() == ["C", "A", "B"]
    assert str(frame["priority"].dtype) == "Int64"
    assert str(frame["due_date"].dtype) == "datetime64[s]"
    assert frame["version"].tolist() == [0, 0, 1]
    assert frame["notes"].tolist() == [1, 0, 1]
    assert frame.loc["B", "due_date"] == datetime(2026, 5, 1)
    everything = store.triage_frame()
    assert set(everything.index) == {"B", "C"}


def test_read_only_store_refuses_every_write(store_url: str) -> None:
    with open_store(store_url) as writer:
        saved(writer.save("RO", 0, {"owner": "alice"}))
    with open_store(store_url, read_only=True) as reader:
        assert reader.get("RO").owner == "alice"
        writes = [
            lambda: reader.save("RO", 1, {"owner": "bob"}),
            lambda: reader.save_many([Edit("RO", 1, {"owner": "bob"})]),
            lambda: reader.add_note("issue", "RO", "no"),
            lambda: reader.start_round(),
            lambda: reader.finish_round(),
            lambda: reader.observe("issue", ["RO"]),
            lambda: reader.record_forecasts(
                __import__("pandas").DataFrame({"milestone_id": ["M"]}), date.today()
            ),
        ]
        for write in writes:
            with pytest.raises(ReadOnlyStore, match="read-only"):
                write()
        # the database itself refuses too (defence in depth)
        with pytest.raises(sa.exc.DBAPIError), reader.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM store_triage")
    with open_store(store_url) as again:
        assert again.get("RO").owner == "alice"


def test_rounds_and_new_since_last_round(store: Store) -> None:
    assert store.last_round() is None
    assert store.observe("issue", ["A", "B"]) == 2
    assert store.observe("issue", ["A", "B"]) == 0
    assert store.new_since_last_round() == {"A", "B"}  # no round yet: everything is new
    started = store.start_round()
    assert store.current_round() == started and store.last_round() is None
    finished = store.finish_round()
    assert finished is not None and finished.finished_at is not None and finished.id == started.id
    assert store.last_round() == finished
    assert store.observe("issue", ["A", "B", "C"]) == 1
    assert store.new_since_last_round() == {"C"}
    assert store.new_since_last_round(["A", "C", "NEVER-SEEN"]) == {"C", "NEVER-SEEN"}
    assert store.finish_round() is None  # nothing open


def test_who_is_the_os_account_not_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'who.sqlite'}"
    env = worker_env() | {"USER": "mallory", "LOGNAME": "mallory", "USERNAME": "mallory"}
    code = (
        "from pmo_tui.store import open_store\n"
        f"s = open_store({url!r})\n"
        "r = s.save('W', 0, {'owner': 'x'}, note='n')\n"
        "print(r.triage.updated_by, r.note.who)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    me = pwd.getpwuid(os.geteuid()).pw_name
    assert out.stdout.split() == [me, me]
    assert "mallory" not in out.stdout


@pytest.mark.postgres
def test_postgres_who_is_the_session_user_and_others_are_seen(pg_url: str) -> None:
    role = "pmo_officer_" + (sa.make_url(pg_url).database or "x").removeprefix("pmo_test_")
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with open_store(pg_url) as mine:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'officer-pw'")
            conn.exec_driver_sql(
                f'GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{role}"'
            )
            conn.exec_driver_sql(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        try:
            # over TCP with a password (the socket only allows peer authentication)
            other = sa.make_url(pg_url).set(username=role, password="officer-pw", host="127.0.0.1")
            other_url = other.difference_update_query(["host"]).render_as_string(
                hide_password=False
            )
            with open_store(other_url) as theirs:
                assert theirs.officer.who == role
                assert "officer-pw" not in theirs.description
                saved(theirs.save("X-1", 0, {"owner": "alice"}))
                theirs.add_note("issue", "X-2", "from the other officer")
                assert theirs.changed_by_others() == frozenset()
            saved(mine.save("X-3", 0, {"owner": "me"}))
            assert mine.officer.who != role
            assert mine.changed_by_others() == {"X-1", "X-2"}
            assert (
                mine.changed_by_others(since=datetime.now(UTC) + timedelta(minutes=5))
                == frozenset()
            )
            assert mine.get("X-1").updated_by == role
            assert mine.history("issue", "X-1")[0].who == role
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER')
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')
            admin.dispose()


def test_changed_by_others_ignores_my_own_changes(store: Store) -> None:
    saved(store.save("MINE", 0, {"owner": "me"}))
    store.add_note("issue", "MINE", "mine")
    assert store.changed_by_others() == frozenset()


def test_activity_lists_decisions_and_notes_of_a_period(store: Store) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    saved(store.save("ACT", 0, {"status": "closed"}, note="closed: duplicate of ACT-0"))
    store.add_note("project", "P-9", "steering committee moved the gate")
    frame = store.activity(start)
    assert frame["item_id"].tolist() == ["ACT", "ACT", "P-9"]
    assert frame["field"].tolist()[0] == "status" and frame["new"].tolist()[0] == "closed"
    assert frame["note"].tolist()[1:] == [
        "closed: duplicate of ACT-0",
        "steering committee moved the gate",
    ]
    assert (frame["who"] == store.officer.who).all()
    assert store.activity(start, start + timedelta(microseconds=1)).empty
