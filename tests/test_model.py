"""The snapshot model: incremental reloads reuse what did not change, and the
shortcuts it hands to the metrics never change a figure."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmo_tui.data import demo_folder
from pmo_tui.metrics import compute
from pmo_tui.model import TableState, assemble
from pmo_tui.sources.folder import FolderSource

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def demo() -> FolderSource:
    return FolderSource(demo_folder(), demo=True)


def test_project_row_shortcut_gives_identical_metrics(demo: FolderSource) -> None:
    """``Portfolio.project_rows`` only saves hashing ids: every figure is the same without it."""
    portfolio = demo.load()
    assert portfolio.project_rows, "the snapshot should carry the shortcut"
    fast = compute(portfolio, as_of=AS_OF, config=demo.config)
    slow = compute(dataclasses.replace(portfolio, project_rows={}), as_of=AS_OF, config=demo.config)
    for name in ("projects", "programmes", "portfolio", "milestones", "issues"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name)
    for cube in ("cost_cube", "plan_cube"):
        a, b = getattr(fast, cube), getattr(slow, cube)
        assert list(a.keys) == list(b.keys) and a.first == b.first
        np.testing.assert_array_equal(a.cents, b.cents)


def _state(name: str, frame: pd.DataFrame, rows: list[int] | None = None) -> TableState:
    return TableState.loaded(name, frame, origin=f"{name}.csv", at=datetime(2026, 1, 1), rows=rows)


def test_replacing_one_table_reuses_the_others_and_bumps_only_its_version() -> None:
    projects = _state(
        "projects",
        pd.DataFrame({"project_id": ["P1", "P2"], "name": ["a", "b"], "budget": [1.0, 2.0]}),
    )
    issues = _state(
        "issues", pd.DataFrame({"issue_id": ["I1"], "project_id": ["P1"], "title": ["t"]})
    )
    first = assemble({"projects": projects, "issues": issues}, source="test")
    changed = _state(
        "issues",
        pd.DataFrame({"issue_id": ["I1", "I2"], "project_id": ["P1", "P2"], "title": ["t", "u"]}),
    )
    second = first.with_tables({"issues": changed})
    assert second.changed_since(first) == {"issues"}
    assert second["projects"] is first["projects"]
    assert second.table_versions["issues"] == second.version == first.version + 1

    same = _state(
        "issues",
        pd.DataFrame({"issue_id": ["I1", "I2"], "project_id": ["P1", "P2"], "title": ["t", "u"]}),
    )
    third = second.with_tables({"issues": same})
    assert third.changed_since(second) == frozenset(), "identical content is not a change"


def test_unknown_project_rows_are_dropped_with_their_source_row(tmp_path: Path) -> None:
    projects = _state(
        "projects", pd.DataFrame({"project_id": ["P1"], "name": ["a"], "budget": [1.0]})
    )
    milestones = _state(
        "milestones",
        pd.DataFrame(
            {
                "milestone_id": ["M1", "M2"],
                "project_id": ["P1", "P9"],
                "name": ["x", "y"],
                "baseline_date": pd.to_datetime(["2026-01-01", "2026-02-01"]),
            }
        ),
        rows=[2, 3],
    )
    snapshot = assemble({"projects": projects, "milestones": milestones}, source="test")
    assert list(snapshot["milestones"]["milestone_id"]) == ["M1"]
    (problem,) = [p for p in snapshot.problems if p.rule == "unknown-reference"]
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "milestones.csv",
        3,
        "project_id",
        "P9",
    )


def test_without_a_projects_table_other_rows_are_not_flooded_with_reference_errors() -> None:
    costs = _state(
        "costs",
        pd.DataFrame(
            {
                "project_id": ["P1"] * 3,
                "period": pd.to_datetime(["2026-01-01"] * 3),
                "amount": [1.0, 2.0, 3.0],
            }
        ),
    )
    snapshot = assemble({"costs": costs}, source="test")
    assert not [p for p in snapshot.problems if p.rule == "unknown-reference"]
