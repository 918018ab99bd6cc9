"""A live refresh keeps what the unchanged tables gave the screens, and rebuilds the rest.

Rebuilding a project's cost rows, milestone rows and S-curve after every save of
issues.csv was most of a refresh's screen work on the large demo; the next snapshot
takes them over (``Snapshot.inherit``). What it shows must still be exactly what a
build from nothing shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from test_ui_support import AS_OF, write_fixture

from pmo_tui.metrics import MetricsEngine
from pmo_tui.model import Portfolio
from pmo_tui.screens import views
from pmo_tui.screens.project import ProjectTables, project_tables
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.sources.base import Change
from pmo_tui.sources.folder import FolderSource
from pmo_tui.widgets.fmt import Formatter
from pmo_tui.widgets.grid import GridRow

PROJECT = "P-01"


def shown(rows: list[GridRow]) -> list[tuple[object, ...]]:
    return [(r.key, r.cells, r.tones, r.sort) for r in rows]


def same_view(a: ProjectTables, b: ProjectTables) -> bool:
    return (
        shown(a.milestones) == shown(b.milestones)
        and shown(a.costs) == shown(b.costs)
        and a.cost_columns == b.cost_columns
        and a.cost_total == b.cost_total
        and shown(a.issues) == shown(b.issues)
    )


class Live:
    """The app's way of making snapshots: one incremental metrics engine, one formatter."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.source = FolderSource(folder)
        self.engine = MetricsEngine(self.source.config)
        self.fmt = Formatter()
        self.portfolio = self.source.load()

    def snapshot(self, previous: Snapshot | None = None, as_of=AS_OF) -> Snapshot:  # type: ignore[no-untyped-def]
        snapshot = Snapshot(
            self.portfolio,
            self.engine.update(self.portfolio, as_of),
            self.source.config,
            as_of,
            self.fmt,
            datetime(2026, 6, 30),
        )
        snapshot.inherit(previous)
        return snapshot

    def from_nothing(self, as_of=AS_OF) -> Snapshot:  # type: ignore[no-untyped-def]
        """What a fresh start on the same files shows."""
        portfolio: Portfolio = FolderSource(self.folder).load()
        metrics = MetricsEngine(self.source.config).update(portfolio, as_of)
        return Snapshot(portfolio, metrics, self.source.config, as_of, self.fmt, datetime.now())

    def edit(self, name: str, old: str, new: str, table: str) -> None:
        path = self.folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        self.portfolio = self.source.refresh(self.portfolio, Change(tables=frozenset({table})))


def test_a_new_issues_export_rebuilds_the_issue_rows_only(tmp_path: Path) -> None:
    live = Live(write_fixture(tmp_path / "data"))
    first = live.snapshot()
    before = project_tables(first, PROJECT)
    curve = first.curve("project", PROJECT)
    assert curve is not None and before.costs and before.milestones and before.issues

    live.edit("issues.csv", "Scope creep", "Scope creep [WIP]", "issues")
    second = live.snapshot(first)
    after = project_tables(second, PROJECT)

    assert any("Scope creep [WIP]" in r.cells for r in after.issues)
    assert same_view(after, project_tables(live.from_nothing(), PROJECT))
    # what issues cannot change was not built again
    assert after.costs is before.costs and after.milestones is before.milestones
    assert second.curve("project", PROJECT) is curve
    assert after.issues is not before.issues


def test_a_new_costs_export_rebuilds_the_cost_rows_and_the_curve(tmp_path: Path) -> None:
    live = Live(write_fixture(tmp_path / "data"))
    first = live.snapshot()
    before = project_tables(first, PROJECT)
    curve = first.curve("project", PROJECT)
    record = views.project_record(first, PROJECT)
    assert record is not None

    live.edit("costs.csv", f"{PROJECT},2025-01,24000.00", f"{PROJECT},2025-01,124000.00", "costs")
    second = live.snapshot(first)
    after = project_tables(second, PROJECT)

    assert after.cost_total == before.cost_total + 100_000
    assert same_view(after, project_tables(live.from_nothing(), PROJECT))
    assert after.issues is before.issues and after.milestones is before.milestones
    new_curve = second.curve("project", PROJECT)
    assert new_curve is not curve and new_curve is not None
    assert new_curve["ac"].max() == curve["ac"].max() + 100_000
    new_record = views.project_record(second, PROJECT)
    assert new_record is not None and new_record["ac"] == record["ac"] + 100_000


def test_a_new_day_or_a_new_formatter_builds_everything_again(tmp_path: Path) -> None:
    live = Live(write_fixture(tmp_path / "data"))
    first = live.snapshot()
    before = project_tables(first, PROJECT)
    tomorrow = AS_OF + timedelta(days=1)
    later = live.snapshot(first, as_of=tomorrow)
    after = project_tables(later, PROJECT)
    assert after.costs is not before.costs and after.milestones is not before.milestones
    assert same_view(after, project_tables(live.from_nothing(tomorrow), PROJECT))

    live.fmt = Formatter(currency="$")
    dollars = live.snapshot(later, as_of=tomorrow)
    assert project_tables(dollars, PROJECT).costs is not after.costs
