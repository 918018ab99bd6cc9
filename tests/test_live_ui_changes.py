"""What a toast says after a refresh, and what the banner says when data cannot be trusted.

Snapshots are real: the fixture folder is loaded, a file is edited on disk, the
folder source refreshes it, and the metrics are computed as the app does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_live_ui import set_p02_forecast, toasts, until
from test_ui_support import AS_OF, make_app, write_fixture

from pmo_tui.metrics import MetricsEngine
from pmo_tui.screens.changes import ChangeSummary, summarize
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.sources.base import Change
from pmo_tui.sources.folder import FolderSource
from pmo_tui.widgets.fmt import Formatter
from pmo_tui.widgets.status import StatusInfo, age_text


class Pipeline:
    """The app's load path without the UI: source -> metrics -> snapshot."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.source = FolderSource(folder)
        self.engine = MetricsEngine(self.source.config)
        self.snapshot = self._snap(self.source.load())

    def _snap(self, portfolio: object) -> Snapshot:
        metrics = self.engine.update(portfolio, AS_OF)  # type: ignore[arg-type]
        return Snapshot(
            portfolio=portfolio,  # type: ignore[arg-type]
            metrics=metrics,
            config=self.source.config,
            as_of=AS_OF,
            fmt=Formatter(),
            received_at=datetime.now(),
        )

    def refresh(self, *tables: str) -> tuple[ChangeSummary, Snapshot]:
        change = Change(frozenset(tables), causes=tuple(f"{t}.csv" for t in tables))
        before = self.snapshot
        self.snapshot = self._snap(self.source.refresh(before.portfolio, change))
        return summarize(before, self.snapshot, change), self.snapshot


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return Pipeline(write_fixture(tmp_path / "portfolio"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_project_turning_red_is_named(pipeline: Pipeline) -> None:
    set_p02_forecast(pipeline.folder, 300000)
    summary, _ = pipeline.refresh("projects")
    assert summary.projects == ("P-02",)
    assert summary.rag == (("P-02", "green", "red"),)
    assert summary.text() == "projects.csv reloaded: 1 project changed, P-02 now red"
    assert summary.severity == "warning"


def test_costs_change_counts_the_projects_whose_figures_moved(pipeline: Pipeline) -> None:
    # double one month of spend for P-03 and P-07 (AC, CPI, burn move; nothing else)
    edit(pipeline.folder / "costs.csv", "P-03,2026-06,6000.00", "P-03,2026-06,12000.00")
    edit(pipeline.folder / "costs.csv", "P-07,2026-06,5500.00", "P-07,2026-06,11000.00")
    summary, _ = pipeline.refresh("costs")
    assert set(summary.projects) == {"P-03", "P-07"}
    assert summary.text().startswith("costs.csv reloaded: 2 projects changed")
    assert not summary.new_issues and not summary.milestones


def test_issues_new_closed_and_updated(pipeline: Pipeline) -> None:
    issues = pipeline.folder / "issues.csv"
    edit(issues, "I-02,P-01,Scope creep,risk,high,open", "I-02,P-01,Scope creep,risk,high,closed")
    edit(
        issues, "Key person leaving,risk,medium,open,,", "Key person leaving,risk,medium,open,Ann,"
    )
    text = issues.read_text(encoding="utf-8")
    issues.write_text(
        text + "I-08,P-03,Licence audit,risk,critical,open,,2026-06-29,,\n", encoding="utf-8"
    )
    summary, _ = pipeline.refresh("issues")
    assert summary.new_issues == ("I-08",)
    assert summary.closed_issues == ("I-02",)
    assert summary.changed_issues == ("I-06",)
    # an open critical issue makes P-03 amber
    assert ("P-03", "green", "amber") in summary.rag
    text = summary.text()
    assert text.startswith("issues.csv reloaded: ")
    assert "P-03 now amber" in text and "1 new issue" in text
    assert "1 issue closed" in text and "1 issue updated" in text


def test_a_slipping_milestone_is_counted(pipeline: Pipeline) -> None:
    edit(
        pipeline.folder / "milestones.csv",
        "M-05,P-05,Permit granted,2026-07-25,2026-08-20",
        "M-05,P-05,Permit granted,2026-07-25,2026-09-30",
    )
    summary, _ = pipeline.refresh("milestones")
    assert summary.milestones == ("M-05",)
    assert summary.slipped == ("M-05",)
    assert "1 milestone slipped" in summary.text()


def test_an_unreadable_file_and_its_recovery(pipeline: Pipeline) -> None:
    costs = pipeline.folder / "costs.csv"
    good = costs.read_bytes()
    costs.write_bytes(b"\x00\x01binary\xff" * 50)
    summary, _ = pipeline.refresh("costs")
    assert list(summary.stale) == ["costs"]
    assert summary.severity == "error"
    assert "costs.csv unreadable (" in summary.text() and "last good rows kept" in summary.text()
    assert not summary.projects  # the last good rows are still in use
    costs.write_bytes(good)
    summary, _ = pipeline.refresh("costs")
    assert summary.recovered == ("costs.csv",)
    assert summary.text() == "costs.csv reloaded: costs.csv readable again"


def test_a_save_that_changes_nothing_is_not_worth_a_toast(pipeline: Pipeline) -> None:
    path = pipeline.folder / "issues.csv"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    summary, _ = pipeline.refresh("issues")
    assert not summary.worth_a_toast


def test_a_burst_merges_into_one_summary(pipeline: Pipeline) -> None:
    set_p02_forecast(pipeline.folder, 300000)
    first, _ = pipeline.refresh("projects")
    set_p02_forecast(pipeline.folder, 205000)  # back to green
    edit(pipeline.folder / "issues.csv", "Vendor late", "Vendor very late")
    second, _ = pipeline.refresh("projects", "issues")
    merged = first.merge(second)
    assert merged.causes == ("projects.csv", "issues.csv")
    assert merged.rag == ()  # green -> red -> green is no change of colour
    assert merged.projects == ("P-02",) and merged.changed_issues == ("I-01",)
    assert merged.text() == (
        "projects.csv, issues.csv reloaded: 1 project changed, 1 issue updated"
    )
    assert second.merge(first) == merged  # order is taken from the versions


def test_many_rag_moves_are_named_up_to_three() -> None:
    moves = tuple((f"P-{n}", "green", "red" if n % 2 else "amber") for n in range(6))
    summary = ChangeSummary(
        version=2, causes=("projects.csv",), rag=moves, tables=frozenset({"projects"})
    )
    assert summary.text() == (
        "projects.csv reloaded: P-1 now red, P-3 now red, P-5 now red, 3 more RAG changes"
    )


def test_hostile_names_stay_one_plain_line() -> None:
    summary = ChangeSummary(
        version=2,
        causes=("[@click=app.quit]x[/].csv", "\x1b[31mred.csv"),
        rag=(("P-1\x1b]8;;http://evil\x07", "green", "red"),),
        tables=frozenset({"projects"}),
    )
    assert summary.text() == "[@click=app.quit]x[/].csv, red.csv reloaded: P-1 now red"


# -- the alarm ---------------------------------------------------------------------

NOW = datetime(2026, 6, 30, 12, 0)


def info(**fields: object) -> StatusInfo:
    base: dict[str, object] = {
        "data_as_of": NOW - timedelta(minutes=5),
        "health": "live",
        "age": timedelta(minutes=5),
        "stale_after": timedelta(hours=24),
    }
    base.update(fields)
    return StatusInfo(**base)  # type: ignore[arg-type]


def test_all_well_means_no_alarm() -> None:
    assert info().alarm is None and info().alarm_level == ""
    assert info(health="polling").alarm is None


def test_alarms_say_why_most_serious_first() -> None:
    failed = info(
        health="failed",
        health_reason="permission denied: /data/pmo",
        stale={"costs": "costs.csv: is binary data, not a CSV export"},
    )
    assert failed.alarm_level == "error"
    assert failed.alarm == (
        "⚠ NOT WATCHING: permission denied: /data/pmo; changes are not shown, retrying"
        " · STALE costs, last good rows shown: costs.csv: is binary data, not a CSV export"
    )
    reconnecting = info(health="reconnecting", health_reason="connection lost")
    assert reconnecting.alarm_level == "warning"
    assert reconnecting.alarm == (
        "⚠ RECONNECTING: connection lost; data as of 2026-06-30 11:55 may be out of date"
    )
    old = info(age=timedelta(hours=30))
    assert old.alarm == "⚠ DATA IS OLD: last read 30 h ago (alarm after 24 h)"
    error = info(load_error="cannot read db: connection refused", data_as_of=None, age=None)
    assert error.alarm == "⚠ SOURCE ERROR: cannot read db: connection refused (no data loaded)"


def test_alarm_text_is_plain_even_for_hostile_reasons() -> None:
    hostile = info(stale={"issues": "[@click=app.quit]x[/]\x1b[2J\nsecond line"})
    alarm = hostile.alarm or ""
    assert "\x1b" not in alarm and "\n" not in alarm
    assert "[@click=app.quit]x[/]" in alarm


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5 s"),
        (600, "10 min"),
        (3600 * 5 + 1200, "5 h 20 min"),
        (3600 * 30, "30 h"),
        (3600 * 24 * 3 + 3600 * 4, "3 d 4 h"),
    ],
)
def test_age_text(seconds: int, text: str) -> None:
    assert age_text(timedelta(seconds=seconds)) == text


# -- toasts in the app -------------------------------------------------------------


async def test_a_burst_of_refreshes_is_at_most_one_toast_per_gap(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    app = make_app(folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and not app.loading)

        def one(version: int, cause: str) -> ChangeSummary:
            return ChangeSummary(
                version=version,
                causes=(cause,),
                projects=(f"P-{version}",),
                tables=frozenset({"projects"}),
            )

        app.offer_toast(one(10, "a.csv"))
        app.offer_toast(one(11, "b.csv"))
        app.offer_toast(one(12, "c.csv"))
        await pilot.pause(0.1)
        assert toasts(app) == ["a.csv reloaded: 1 project changed"]
        await until(pilot, lambda: len(toasts(app)) == 2, 5)
        assert toasts(app)[1] == "b.csv, c.csv reloaded: 2 projects changed"
        await pilot.pause(2.5)
        assert len(toasts(app)) == 2
