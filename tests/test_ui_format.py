"""How figures, dates and statuses are written on screen."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from pmo_tui.screens.rows import squeeze_timeline, timeline
from pmo_tui.widgets.fmt import (
    Formatter,
    milestone_label,
    rag_label,
    reported_rag_label,
    severity_label,
)

EUR = Formatter()


def test_money_full_and_compact() -> None:
    assert EUR.money(1234567.89) == "€1,234,568"
    assert EUR.money(1234567.891, cents=True) == "€1,234,567.89"
    assert EUR.money(-12.4) == "-€12"
    assert EUR.money(-0.2) == "€0"  # no "-€0"
    assert EUR.money_compact(1_234_567) == "€1.2M"
    assert EUR.money_compact(999_600) == "€1.0M"
    assert EUR.money_compact(345_000) == "€345k"
    assert EUR.money_compact(12_300_000_000) == "€12.3bn"
    assert EUR.money_compact(-45_200) == "-€45.2k"
    assert EUR.money_compact(950) == "€950"


def test_missing_or_undefined_figures_read_na() -> None:
    for value in (None, math.nan, math.inf, pd.NA, pd.NaT):
        assert EUR.money(value) == "n/a"
        assert EUR.ratio(value) == "n/a"
        assert EUR.percent(value) == "n/a"
    assert EUR.date(None) == "–" and EUR.date(pd.NaT) == "–"


def test_other_currencies_and_separators() -> None:
    dutch = Formatter(currency="€ ", thousands=".", decimal=",")
    assert dutch.money(1234567.5, cents=True) == "€ 1.234.567,50"
    assert dutch.ratio(0.934) == "0,93"
    assert Formatter(currency="$").money_compact(2_500_000) == "$2.5M"


def test_dates_are_iso_and_days_signed() -> None:
    assert EUR.date(pd.Timestamp("2026-11-30 13:45")) == "2026-11-30"
    assert EUR.date(date(2026, 1, 2)) == "2026-01-02"
    assert EUR.month(datetime(2026, 3, 1)) == "2026-03"
    assert EUR.days(12) == "+12d" and EUR.days(-3) == "-3d" and EUR.days(0) == "0d"


def test_statuses_are_words_and_symbols() -> None:
    assert rag_label("red") == "● RED"
    assert rag_label("AMBER") == "◐ AMB"
    assert rag_label(None) == "? GRY"
    assert rag_label("nonsense") == "? GRY"
    assert reported_rag_label("amber/green") == "◐ AMB/GRN"
    assert reported_rag_label("[red]x[/red]") == "? [red]x[/red]"  # unknown: shown as text
    assert reported_rag_label(None) == "–"
    assert severity_label(4) == "▲ critical" and severity_label(pd.NA) == "? unknown"
    assert milestone_label("late") == "✗ late" and milestone_label(None) == "? no data"


def test_timeline_marks_baseline_forecast_slip_and_today() -> None:
    start = date(2026, 1, 1)
    line = timeline(date(2026, 3, 1), date(2026, 6, 1), start, 365, date(2026, 12, 31))
    assert len(line) == 20
    assert line.index("◇") < line.index("◆")
    assert "─" in line[line.index("◇") : line.index("◆")]
    assert line.endswith("┆")
    short = squeeze_timeline(line, 8)
    assert len(short) == 8 and "◇" in short and "◆" in short


def test_a_live_change_reformats_only_the_changed_issue_and_shows_it(tmp_path: Path) -> None:
    """The triage queue reuses the rows of issues that did not change (a 10,000-issue
    queue would otherwise be formatted again on every save of issues.csv), and what
    it shows is exactly what a build from nothing shows."""
    from test_ui_support import AS_OF, write_fixture

    from pmo_tui.metrics import compute
    from pmo_tui.screens.snapshot import Snapshot
    from pmo_tui.screens.triage import _build, _open, build_triage
    from pmo_tui.screens.triage_state import view_for
    from pmo_tui.sources.base import Change
    from pmo_tui.sources.folder import FolderSource
    from pmo_tui.widgets.fmt import Formatter

    folder = write_fixture(tmp_path / "data")
    source = FolderSource(folder)
    fmt = Formatter()

    def snapshot_of(portfolio):  # type: ignore[no-untyped-def]
        metrics = compute(portfolio, as_of=AS_OF, config=source.config)
        return Snapshot(portfolio, metrics, source.config, AS_OF, fmt, datetime(2026, 6, 30))

    before = build_triage(snapshot_of(portfolio := source.load()))
    issues = folder / "issues.csv"
    issues.write_text(
        issues.read_text(encoding="utf-8")
        .replace("Scope creep", "Scope creep [@click=app.quit]")
        .replace("Supplier bankrupt,issue,critical", "Supplier bankrupt,issue,low"),
        encoding="utf-8",
    )
    changed = source.refresh(portfolio, Change(tables=frozenset({"issues"})))
    after = build_triage(snapshot_of(changed))

    old, new = {r.key: r for r in before.rows}, {r.key: r for r in after.rows}
    assert new["I-02"].cells[2] == "Scope creep [@click=app.quit]"
    assert old["I-02"] is not new["I-02"]
    changed_keys = {"I-02", "I-07"}
    assert all(new[k] is old[k] for k in new if k not in changed_keys)  # not reformatted
    # the severity facet sees the new severity; the other issues' facts are reused
    assert (before.facts["I-07"].severity, after.facts["I-07"].severity) == (4, 1)
    assert all(after.facts[k] is before.facts[k] for k in new if k not in changed_keys)
    # the same as a queue built from nothing (a part build never reads the memo)
    again = snapshot_of(source.load())
    fresh_rows, fresh_facts = _build(
        _open(again.metrics.issues), again, view_for(again), whole=False
    )
    assert [(r.key, r.cells, r.tones, r.sort) for r in fresh_rows] == [
        (r.key, r.cells, r.tones, r.sort) for r in after.rows
    ]
    assert fresh_facts == after.facts


def test_a_drill_down_before_the_views_are_prepared_builds_only_its_programme(
    tmp_path: Path,
) -> None:
    """Right after the start (before the worker prepared every project row) a drill-down
    formats only its programme's projects on the UI thread, and shows exactly the rows
    the prepared views hold."""
    from test_ui_support import AS_OF, write_fixture

    from pmo_tui.metrics import compute
    from pmo_tui.screens import views
    from pmo_tui.screens.snapshot import Snapshot
    from pmo_tui.sources.folder import FolderSource

    folder = write_fixture(tmp_path / "data")
    source = FolderSource(folder)
    portfolio = source.load()
    metrics = compute(portfolio, as_of=AS_OF, config=source.config)

    def snapshot() -> Snapshot:
        return Snapshot(portfolio, metrics, source.config, AS_OF, EUR, datetime(2026, 6, 30))

    early = snapshot()
    rows = views.programme_project_rows(early, "PRG-A")
    assert [r.key for r in rows] == ["P-01", "P-02", "P-03"]
    assert early.peek("project-rows") is None  # not the whole portfolio's rows
    prepared = snapshot()
    views.prepare(prepared)
    assert prepared.peek("project-rows") is not None
    later = views.programme_project_rows(prepared, "PRG-A")
    assert [(r.key, r.cells, r.tones, r.sort) for r in rows] == [
        (r.key, r.cells, r.tones, r.sort) for r in later
    ]


def test_rows_of_a_project_keep_the_file_order_and_skip_rows_without_a_project() -> None:
    from pmo_tui.screens.snapshot import _positions

    frame = pd.DataFrame(
        {
            "project_id": pd.array(["P-2", None, "P-1", "P-2", None, "P-3", "P-1"], dtype="str"),
            "n": range(7),
        }
    )
    found = _positions(frame, "project_id")
    assert list(found) == ["P-2", "P-1", "P-3"]  # first seen first
    assert {k: v.tolist() for k, v in found.items()} == {"P-2": [0, 3], "P-1": [2, 6], "P-3": [5]}
    assert _positions(frame.iloc[0:0], "project_id") == {}


def test_a_project_record_holds_the_row_as_plain_python_values(tmp_path: Path) -> None:
    """Every figure of a project's row, as ``to_dict("records")`` gives it (the screens
    format Python ints, floats, Timestamps and missing values, not numpy scalars)."""
    from test_ui_support import AS_OF, write_fixture

    from pmo_tui.metrics import compute
    from pmo_tui.screens import views
    from pmo_tui.screens.snapshot import Snapshot
    from pmo_tui.sources.folder import FolderSource

    source = FolderSource(write_fixture(tmp_path / "data"))
    portfolio = source.load()
    metrics = compute(portfolio, as_of=AS_OF, config=source.config)
    snapshot = Snapshot(portfolio, metrics, source.config, AS_OF, Formatter(), datetime.now())
    expected = metrics.projects.to_dict("records")
    assert len(expected) == 7
    for row in expected:
        record = views.project_record(snapshot, row["project_id"])
        assert record is not None and list(record) == list(row)
        for column, value in row.items():
            got = record[column]
            assert type(got) is type(value), column
            assert got is value or got == value or (pd.isna(got) and pd.isna(value)), column
    assert views.project_record(snapshot, "P-99") is None
