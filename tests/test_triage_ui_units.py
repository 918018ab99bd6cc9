"""The triage UI's headless parts: reading the form, the overlay, the news lines."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_ui_support import AS_OF, FrozenSource, write_fixture

from pmo_tui.metrics import MetricsEngine, compute
from pmo_tui.report.triage import with_triage
from pmo_tui.screens.triage_form import (
    FieldError,
    parse_due,
    parse_owner,
    parse_priority,
    parse_status,
    read_form,
)
from pmo_tui.screens.triage_news import News
from pmo_tui.screens.triage_overlay import TriageOverlay
from pmo_tui.screens.triage_reader import TriageReader
from pmo_tui.screens.triage_state import read_view
from pmo_tui.store import Edit, open_store
from pmo_tui.store.values import normalize_owner

TODAY = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-14", date(2026, 7, 14)),
        ("2026-7-4", date(2026, 7, 4)),
        ("14-07-2026", date(2026, 7, 14)),
        ("14/07/2026", date(2026, 7, 14)),
        ("4.7.2026", date(2026, 7, 4)),
        ("+14", date(2026, 7, 14)),
        ("+ 2w", date(2026, 7, 14)),
        ("+3d", date(2026, 7, 3)),
        ("today", TODAY),
        (" Tomorrow ", date(2026, 7, 1)),
        ("", None),
    ],
)
def test_due_dates_officers_type(text: str, expected: date | None) -> None:
    assert parse_due(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31-31-2026", "2026-02-30", "next week", "14-07-26", "-3"])
def test_bad_due_dates_say_what_to_type(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_due(text, TODAY)
    assert caught.value.name == "due_date"
    assert "is not a date: type 2026-07-14, 14-07-2026 or +14" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("o", "open"),
        ("Closed", "closed"),
        ("c", "closed"),
        ("i", "in progress"),
        ("ip", "in progress"),
        ("IN_PROGRESS", "in progress"),
        ("in-progress", "in progress"),
        ("", None),
    ],
)
def test_status_words_and_unique_starts(text: str, expected: str | None) -> None:
    assert parse_status(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("4", 4), ("h", 3), ("HIGH", 3), ("crit", 4), ("l", 1), ("m", 2), ("", None)],
)
def test_priorities(text: str, expected: int | None) -> None:
    assert parse_priority(text) == expected


@pytest.mark.parametrize("text", ["5", "0", "urgent", "accepted", "x"])
def test_bad_values_are_refused(text: str) -> None:
    with pytest.raises(FieldError):
        parse_priority(text)
    with pytest.raises(FieldError):
        parse_status(text)


def test_owner_is_one_clean_line() -> None:
    assert parse_owner("  Ann \t de\nVries \x1b[31m ") == "Ann de Vries"
    assert parse_owner("   ") is None
    with pytest.raises(FieldError, match="at most 200"):
        parse_owner("x" * 201)


@given(st.text())
def test_owner_is_always_something_the_store_accepts(text: str) -> None:
    try:
        owner = parse_owner(text)
    except FieldError:
        return
    assert owner is None or normalize_owner(owner) == owner  # one line, stripped, no controls
    assert owner is None or not any(unicodedata.category(c) == "Cc" for c in owner)
    assert owner is None or not set(owner) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067")


def test_single_edit_sends_only_what_changed_and_empty_clears() -> None:
    initial = {"status": "open", "owner": "Bob", "priority": None, "due_date": date(2026, 7, 5)}
    texts = {"status": "open", "owner": "", "priority": "high", "due_date": "2026-07-05"}
    result = read_form(texts, initial, TODAY)
    assert result.ok and result.changes == {"owner": None, "priority": 3}


def test_bulk_edit_leaves_empty_fields_alone_and_dash_clears() -> None:
    texts = {"status": "c", "owner": "", "priority": "-", "due_date": "  "}
    result = read_form(texts, {}, TODAY, bulk=True)
    assert result.changes == {"status": "closed", "priority": None}


def test_every_bad_field_is_reported_at_once() -> None:
    texts = {"status": "done", "owner": "Ann", "priority": "9", "due_date": "soon"}
    result = read_form(texts, {}, TODAY)
    assert set(result.errors) == {"status", "priority", "due_date"}


def test_overlay_gives_the_same_rag_as_the_report(tmp_path: Path) -> None:
    """A critical issue closed by an officer no longer turns its project amber, on
    screen exactly as in the reports (which overlay before computing too)."""
    folder = write_fixture(tmp_path / "portfolio")
    source = FrozenSource(folder)
    raw = source.load()
    with open_store(None, source=str(folder)) as store:
        store.save("I-07", 0, {"status": "closed"})  # P-06's only critical issue
        store.save("I-01", 0, {"owner": "Jan", "due_date": "2026-09-01"})
        view = read_view(store, generation=1, where="")
    overlay = TriageOverlay(MetricsEngine(source.config))
    screen = overlay.metrics(raw, view, AS_OF)
    report = compute(with_triage(raw, view.frame), as_of=AS_OF, config=source.config)
    columns = ["project_id", "rag", "rag_reason", "open_issues", "open_critical"]
    assert screen.projects[columns].equals(report.projects[columns])
    issues = screen.issues.set_index("issue_id")
    assert not bool(issues.loc["I-07", "open"])
    assert issues.loc["I-01", "owner"] == "Jan"
    assert str(issues.loc["I-01", "due_date"].date()) == "2026-09-01"
    # the source portfolio itself is untouched
    assert raw["issues"].set_index("issue_id").loc["I-01", "owner"] == "Ann de Vries"
    # before the decision the project was amber for that critical issue
    plain = compute(raw, as_of=AS_OF, config=source.config).projects.set_index("project_id")
    after = screen.projects.set_index("project_id")
    assert "critical" in str(plain.loc["P-06", "rag_reason"])
    assert "critical" not in str(after.loc["P-06", "rag_reason"])


def test_overlay_versions_never_collide(tmp_path: Path) -> None:
    """Two different decision sets on the same source give two different metrics."""
    folder = write_fixture(tmp_path / "portfolio")
    source = FrozenSource(folder)
    raw = source.load()
    overlay = TriageOverlay(MetricsEngine(source.config))
    with open_store(None, source=str(folder)) as store:
        first = overlay.metrics(raw, read_view(store, generation=1, where=""), AS_OF)
        store.save("I-07", 0, {"status": "closed"})
        second = overlay.metrics(raw, read_view(store, generation=2, where=""), AS_OF)
        store.save("I-07", 1, {"status": None})  # decision cleared: the export's "open"
        third = overlay.metrics(raw, read_view(store, generation=3, where=""), AS_OF)

    def is_open(metrics):  # type: ignore[no-untyped-def]
        return bool(metrics.issues.set_index("issue_id").loc["I-07", "open"])

    assert [is_open(first), is_open(second), is_open(third)] == [True, False, True]


def test_a_refresh_that_finds_no_new_decision_keeps_the_metrics(tmp_path: Path) -> None:
    """After an export's issues change the app reads the store again; when no decision
    moved, the metrics (and every view built from them) are kept, not recomputed."""
    folder = write_fixture(tmp_path / "portfolio")
    source = FrozenSource(folder)
    raw = source.load()
    engine = MetricsEngine(source.config)
    overlay = TriageOverlay(engine)
    with open_store(None, source=str(folder)) as store:
        store.save("I-07", 0, {"status": "closed"})
        reader = TriageReader()
        first_view, _ = reader.read(store, generation=1, where="")
        first = overlay.metrics(raw, first_view, AS_OF)
        again_view, _ = reader.read(store, generation=2, where="", observe=True)
        again = overlay.metrics(raw, again_view, AS_OF)
        assert again is first and engine.recomputed == frozenset()
        store.save("I-07", 1, {"status": None})  # a decision moved: recomputed
        moved_view, _ = reader.read(store, generation=3, where="")
        moved = overlay.metrics(raw, moved_view, AS_OF)
    assert moved is not first and "issues" in engine.recomputed

    def is_open(metrics):  # type: ignore[no-untyped-def]
        return bool(metrics.issues.set_index("issue_id").loc["I-07", "open"])

    assert [is_open(first), is_open(again), is_open(moved)] == [False, False, True]


def test_news_names_who_changed_what_once(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    url = None
    with open_store(url, source=str(folder)) as mine, open_store(url, source=str(folder)) as theirs:
        theirs.save("I-01", 0, {"owner": "Old"})
        reader, news = TriageReader(), News()
        reader.prime(mine)
        assert reader.events(mine) == []  # what was there before is not news
        who = theirs.officer.who
        theirs.save("I-01", 1, {"owner": "Jan", "priority": "high"})
        theirs.add_note("project", "P-02", "[@click=app.quit]x[/]")
        own = mine.save("I-02", 0, {"status": "closed"})
        news.own.add(own.changeset)  # type: ignore[union-attr]
        assert news.lines(reader.events(mine)) == [
            f"{who} changed I-01: owner → Jan, priority → high",
            f"{who} added a note to project P-02",
        ]
        assert reader.events(mine) == []  # never twice
        theirs.save_many(
            [Edit("I-03", 0, {"status": "closed"}), Edit("I-04", 0, {"status": "closed"})]
        )
        assert news.lines(reader.events(mine)) == [f"{who} changed 2 issues: status → closed"]


def test_the_reader_patches_what_changed_and_equals_a_full_read(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    url = None
    with open_store(url, source=str(folder)) as mine, open_store(url, source=str(folder)) as theirs:
        theirs.save("I-01", 0, {"owner": "Ann"})
        reader = TriageReader()
        first, _ = reader.read(mine, generation=1, where="")
        assert first.decision("I-01").owner == "Ann"
        theirs.save("I-01", 1, {"owner": None, "due_date": "2026-09-01"})
        theirs.save("I-02", 0, {"priority": 4})
        theirs.add_note("issue", "I-03", "only a note")
        patched, events = reader.read(mine, generation=2, where="")
        assert len(events) == 4
        full = read_view(mine, generation=3, where="")
    assert dict(patched.decisions) == dict(full.decisions)
    assert patched.frame is not None and full.frame is not None
    assert patched.frame.sort_index().equals(full.frame.sort_index())
    assert patched.changed_ids == full.changed_ids  # the same officer here: none


def test_updating_the_queue_rows_equals_rebuilding_them(tmp_path: Path) -> None:
    """The incremental queue (only changed rows rebuilt) is the same as a full rebuild."""
    from pmo_tui.screens.snapshot import Snapshot
    from pmo_tui.screens.triage import build_triage, update_triage
    from pmo_tui.screens.triage_state import bind
    from pmo_tui.widgets.fmt import Formatter

    folder = write_fixture(tmp_path / "portfolio")
    source = FrozenSource(folder)
    raw = source.load()
    overlay = TriageOverlay(MetricsEngine(source.config))

    def snapshot(view):  # type: ignore[no-untyped-def]
        metrics = overlay.metrics(raw, view, AS_OF)
        snap = Snapshot(raw, metrics, source.config, AS_OF, Formatter(), raw.data_as_of)  # type: ignore[arg-type]
        bind(snap, view)
        return snap

    with open_store(None, source=str(folder)) as store:
        store.save("I-02", 0, {"owner": "Ann"})
        before = snapshot(read_view(store, generation=1, where=""))
        previous = build_triage(before)
        store.save("I-02", 1, {"owner": "Jan", "priority": 4})  # changed
        store.save("I-07", 0, {"status": "closed"})  # leaves the queue
        store.save("I-05", 0, {"status": "open"})  # closed in the export: back in the queue
        store.add_note("issue", "I-01", "a note")  # a flag
        after = snapshot(read_view(store, generation=2, where=""))
    updated, rebuilt = update_triage(previous, after), build_triage(after)
    assert sorted(updated.rows, key=lambda r: r.key) == sorted(rebuilt.rows, key=lambda r: r.key)
    assert updated.facts == rebuilt.facts and updated.owners == rebuilt.owners
    keys = {r.key for r in updated.rows}
    assert "I-07" not in keys and "I-05" in keys
