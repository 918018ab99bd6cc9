"""Property tests: roll-ups, RAG ordering, row-order independence, incremental = fresh.

Portfolios are generated with hypothesis: a few programmes, projects with or
without dates, budgets (zero included), percent complete (missing included),
statuses, reported forecasts and RAGs, cost and plan lines with cents,
milestones with and without forecasts, issues of every severity.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_metrics_handbuilt import assert_same_figures

from pmo_tui.config import Config, Tolerance, Tolerances
from pmo_tui.metrics import SEVERITY, Metrics, MetricsEngine, compute
from pmo_tui.model import TABLES, Portfolio, TableState, assemble

AS_OF = date(2026, 6, 30)
AT = datetime(2026, 6, 30, 8, 0)
CONFIG = Config(
    tolerances=Tolerances(
        portfolio=Tolerance(0.10, 30),
        programme={"G1": {"cost": 0.2, "time_days": 60}},
        project={"P1": {"cost": 0.05}},
    )
)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

days = st.integers(min_value=-500, max_value=700)  # offsets from 2026-01-01
money = st.integers(min_value=0, max_value=50_000_000).map(lambda c: c / 100)


def _day(offset: int | None) -> pd.Timestamp | None:
    return None if offset is None else pd.Timestamp("2026-01-01") + pd.Timedelta(days=offset)


@st.composite
def portfolios(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    n = draw(st.integers(min_value=1, max_value=7))
    projects: list[dict[str, Any]] = []
    for i in range(n):
        start = draw(st.none() | days)
        length = draw(st.integers(min_value=0, max_value=900))
        no_end = start is None or (draw(st.booleans()) and draw(st.booleans()))
        end = None if no_end else start + length
        projects.append(
            {
                "project_id": f"P{i}",
                "name": draw(
                    st.sampled_from(["Alpha", "[WIP] Fix login", "x [/", "[@click=app.quit]x[/]"])
                ),
                "programme_id": draw(st.sampled_from(["G1", "G2", None])),
                "start_date": _day(start),
                "end_date": _day(end),
                "budget": draw(st.sampled_from([0.0, 1000.0]) | money),
                "percent_complete": draw(st.none() | st.integers(0, 100).map(float)),
                "status": draw(st.sampled_from(["active", "on hold", "closed", None])),
                "forecast_cost": draw(st.none() | money),
                "forecast_end_date": _day(draw(st.none() | days)),
                "reported_rag": draw(
                    st.sampled_from([None, "green", "amber", "red", "amber/green"])
                ),
            }
        )
    ids = [p["project_id"] for p in projects]
    months = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 13)]
    costs = [
        {
            "project_id": draw(st.sampled_from(ids)),
            "period": draw(st.sampled_from(months)),
            "amount": draw(money),
            "category": draw(st.sampled_from(["labour", "kit", None])),
        }
        for _ in range(draw(st.integers(0, 25)))
    ]
    plan = [
        {
            "project_id": draw(st.sampled_from(ids)),
            "period": draw(st.sampled_from(months)),
            "amount": draw(money),
        }
        for _ in range(draw(st.integers(0, 15)))
    ]
    milestones = [
        {
            "milestone_id": f"M{j}",
            "project_id": draw(st.sampled_from(ids)),
            "name": f"Step {j}",
            "baseline_date": _day(draw(days)),
            "forecast_date": _day(draw(st.none() | days)),
            "actual_date": _day(draw(st.none() | days)),
            "key": draw(st.sampled_from([True, False, None])),
        }
        for j in range(draw(st.integers(0, 10)))
    ]
    issues = [
        {
            "issue_id": f"I{j}",
            "project_id": draw(st.sampled_from(ids)),
            "title": "Risk",
            "severity": draw(st.sampled_from([1, 2, 3, 4, None])),
            "status": draw(st.sampled_from(["open", "in progress", "closed", None])),
            "raised_date": _day(draw(st.none() | days)),
            "due_date": _day(draw(st.none() | days)),
        }
        for j in range(draw(st.integers(0, 6)))
    ]
    programmes = [{"programme_id": "G1", "name": "One"}, {"programme_id": "G2", "name": "Two"}]
    return {
        "programmes": _frame(programmes, ["programme_id", "name"]),
        "projects": _frame(projects, list(projects[0])),
        "costs": _frame(costs, ["project_id", "period", "amount", "category"]),
        "plan": _frame(plan, ["project_id", "period", "amount"]),
        "milestones": _frame(
            milestones,
            [
                "milestone_id",
                "project_id",
                "name",
                "baseline_date",
                "forecast_date",
                "actual_date",
                "key",
            ],
        ),
        "issues": _frame(
            issues,
            ["issue_id", "project_id", "title", "severity", "status", "raised_date", "due_date"],
        ),
    }


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    if "period" in frame:
        frame["period"] = pd.to_datetime(frame["period"], format="%Y-%m")
    if "key" in frame:
        frame["key"] = frame["key"].astype("boolean")
    if "severity" in frame:
        frame["severity"] = frame["severity"].astype("Int64")
    return frame


def build(frames: dict[str, pd.DataFrame], previous: Portfolio | None = None) -> Portfolio:
    states = {
        name: TableState.loaded(name, frame, origin=f"{name}.csv", at=AT)
        for name, frame in frames.items()
    }
    return assemble(states, source="generated", previous=previous)


def shuffled(frames: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    return {
        name: frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
        for name, frame in frames.items()
    }


def _close(a: float, b: float) -> bool:
    if (a is None or (isinstance(a, float) and math.isnan(a))) and (
        b is None or (isinstance(b, float) and math.isnan(b))
    ):
        return True
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _rollup_groups(m: Metrics) -> list[tuple[pd.Series, pd.DataFrame]]:
    groups = [(m.portfolio.iloc[0], m.projects)]
    for _, prog in m.programmes.iterrows():
        key = None if pd.isna(prog["programme_id"]) else prog["programme_id"]
        groups.append((prog, m.projects_in(key)))
    return groups


@SETTINGS
@given(portfolios())
def test_roll_up_sums_equal_the_sum_of_the_children(frames: dict[str, pd.DataFrame]) -> None:
    m = compute(build(frames), as_of=AS_OF, config=CONFIG)
    for parent, children in _rollup_groups(m):
        assert parent["projects"] == len(children)
        for col, child_col in (
            ("bac", "bac"),
            ("pv", "pv"),
            ("ev", "ev"),
            ("ac", "ac"),
            ("eac", "eac_rollup"),
            ("forecast", "forecast"),
            ("forecast_cost", "forecast_cost"),
        ):
            known = children[child_col].dropna()
            expected = known.sum() if len(known) else math.nan
            assert _close(parent[col], expected), (col, parent[col], expected)
        for colour in ("red", "amber", "green", "grey"):
            assert parent[f"n_{colour}"] == (children["rag"] == colour).sum()
        assert parent["open_issues"] == children["open_issues"].sum()


@SETTINGS
@given(portfolios())
def test_roll_up_cpi_and_spi_come_from_the_sums(frames: dict[str, pd.DataFrame]) -> None:
    m = compute(build(frames), as_of=AS_OF, config=CONFIG)
    for parent, _ in _rollup_groups(m):
        ev, ac, pv = parent["ev"], parent["ac"], parent["pv"]
        want_cpi = ev / ac if ac and not math.isnan(ac) and not math.isnan(ev) else math.nan
        want_spi = ev / pv if pv and not math.isnan(pv) and not math.isnan(ev) else math.nan
        assert _close(parent["cpi"], want_cpi)
        assert _close(parent["spi"], want_spi)
        if math.isnan(parent["cpi"]):
            assert isinstance(parent["cpi_na"], str) and parent["cpi_na"]


@SETTINGS
@given(portfolios())
def test_a_parent_is_never_better_than_its_worst_child(frames: dict[str, pd.DataFrame]) -> None:
    m = compute(build(frames), as_of=AS_OF, config=CONFIG)
    for parent, children in _rollup_groups(m):
        if children.empty:
            continue
        worst = max(SEVERITY[c] for c in children["rag"])
        assert SEVERITY[parent["rag"]] == worst  # exactly the worst child
        if (children["rag"] == "grey").all():
            assert parent["rag"] == "grey"


@SETTINGS
@given(portfolios(), st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_row_order(frames: dict[str, pd.DataFrame], seed: int) -> None:
    one = compute(build(frames), as_of=AS_OF, config=CONFIG)
    two = compute(build(shuffled(frames, seed)), as_of=AS_OF, config=CONFIG)
    assert_same_figures(one, two)


@SETTINGS
@given(portfolios(), portfolios(), st.sampled_from(TABLES))
def test_incremental_update_equals_a_fresh_compute(
    first: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame], table: str
) -> None:
    """Swap one table for another generated one: the engine must match compute()."""
    before = build(first)
    changed = dict(first)
    replacement = other[table]
    if table in ("costs", "plan", "milestones", "issues") and not replacement.empty:
        known = set(first["projects"]["project_id"])
        replacement = replacement.loc[replacement["project_id"].isin(known)]
    changed[table] = replacement
    after = before.with_tables(
        {table: TableState.loaded(table, replacement, origin=f"{table}.csv", at=AT)}
    )
    engine = MetricsEngine(CONFIG)
    engine.update(before, AS_OF)
    incremental = engine.update(after, AS_OF)
    fresh = compute(after, as_of=AS_OF, config=CONFIG)
    assert_same_figures(incremental, fresh)
    # and a different "today" recomputes the date-dependent stages
    later = engine.update(after, date(2026, 9, 15))
    assert_same_figures(later, compute(after, as_of=date(2026, 9, 15), config=CONFIG))


@SETTINGS
@given(portfolios())
def test_never_inf_and_every_nan_has_a_reason(frames: dict[str, pd.DataFrame]) -> None:
    m = compute(build(frames), as_of=AS_OF, config=CONFIG)
    for frame in (m.projects, m.programmes, m.portfolio, m.milestones, m.issues):
        for col in frame.columns:
            values = frame[col]
            if values.dtype.kind == "f":
                assert not np.isinf(values.to_numpy()).any(), col
            if f"{col}_na" in frame.columns:
                assert frame.loc[values.isna(), f"{col}_na"].notna().all(), col
                assert frame.loc[values.notna(), f"{col}_na"].isna().all(), col
    assert set(m.projects["rag"]) <= {"red", "amber", "green", "grey"}
    assert m.projects["rag_reason"].map(lambda r: isinstance(r, str) and r != "").all()
    curve = m.s_curve()
    assert not np.isinf(curve.select_dtypes("number").to_numpy()).any()


def _edited(previous: Portfolio, table: str, row_id: str, column: str, value: str) -> Portfolio:
    """``previous`` with one cell of one row of ``table`` (found by its id) set to ``value``."""
    frame = previous[table].copy()
    id_column = {"issues": "issue_id", "milestones": "milestone_id"}[table]
    frame.loc[frame[id_column] == row_id, column] = value
    return previous.with_tables(
        {table: TableState.loaded(table, frame, origin=f"{table}.csv", at=AT)}
    )


def _handbuilt_engine() -> tuple[Portfolio, MetricsEngine, Metrics]:
    """The hand-built portfolio, an engine, and that engine's first metrics of it."""
    from test_metrics_handbuilt import _rows, frames_from_rows

    before = build(frames_from_rows(_rows()))
    engine = MetricsEngine(CONFIG)
    return before, engine, engine.update(before, AS_OF)


def test_an_issue_edit_that_moves_no_count_keeps_the_project_table() -> None:
    """A reworded high issue changes no project's counts or RAG: the engine keeps
    the project table and roll-ups (they are what compute() gives); a reworded open
    critical issue is named in its project's RAG reason, so that table is redone,
    but not the roll-ups, which read no reason; a closed critical issue redoes all."""
    before, engine, first = _handbuilt_engine()

    after = _edited(before, "issues", "I-3", "title", "Reworded high issue")
    m = engine.update(after, AS_OF)
    assert engine.recomputed == {"issues"}
    assert m.projects is first.projects and m.portfolio is first.portfolio
    assert_same_figures(m, compute(after, as_of=AS_OF, config=CONFIG))
    assert "Reworded high issue" in set(m.issues["title"])

    critical = _edited(after, "issues", "I-1", "title", "Supplier went bankrupt")
    m = engine.update(critical, AS_OF)
    assert engine.recomputed == {"issues", "projects"}
    assert "Supplier went bankrupt" in m.project("P-A5")["rag_reason"]
    assert m.programmes is first.programmes and m.portfolio is first.portfolio
    assert_same_figures(m, compute(critical, as_of=AS_OF, config=CONFIG))

    closed = _edited(critical, "issues", "I-1", "status", "closed")
    m = engine.update(closed, AS_OF)
    assert engine.recomputed == {"issues", "projects"}
    assert m.programmes is not first.programmes, "a count moved: the roll-ups are redone"
    assert_same_figures(m, compute(closed, as_of=AS_OF, config=CONFIG))


def test_a_milestone_edit_that_moves_no_project_figure_keeps_the_time_rag() -> None:
    """Renaming a done milestone changes the milestones table but no project's worst,
    overdue or next milestone: the time RAG, the project columns and the roll-ups
    are kept (and equal compute()). Renaming a project's next key milestone is in
    its row and its RAG reason, so those are redone."""
    before, engine, first = _handbuilt_engine()

    # a done milestone: nobody's next or worst
    after = _edited(before, "milestones", "M-A1-1", "name", "Design signed off")
    m = engine.update(after, AS_OF)
    assert engine.recomputed == {"milestones"}
    assert m.projects is first.projects
    assert "Design signed off" in set(m.milestones["name"])
    assert_same_figures(m, compute(after, as_of=AS_OF, config=CONFIG))

    next_one = _edited(after, "milestones", "M-A1-2", "name", "Go-live (phase 1)")
    m = engine.update(next_one, AS_OF)
    assert {"milestones", "schedule", "project-columns", "projects"} <= engine.recomputed
    assert m.project("P-A1")["next_milestone"] == "Go-live (phase 1)"
    assert "Go-live (phase 1)" in m.project("P-A1")["rag_reason"]
    assert_same_figures(m, compute(next_one, as_of=AS_OF, config=CONFIG))


def test_engine_recomputes_only_what_depends_on_the_changed_table() -> None:
    from test_metrics_handbuilt import _rows, frames_from_rows

    frames = frames_from_rows(_rows())
    before = build(frames)
    engine = MetricsEngine(CONFIG)
    engine.update(before, AS_OF)
    assert engine.recomputed == {
        "costs",
        "plan",
        "tolerances",
        "milestones",
        "issues",
        "money",
        "schedule",
        "project-columns",
        "projects",
    }
    issues = frames["issues"].copy()
    issues.loc[0, "status"] = "closed"
    after = before.with_tables(
        {"issues": TableState.loaded("issues", issues, origin="i.csv", at=AT)}
    )
    m = engine.update(after, AS_OF)
    # never the 480k-line cost cube, nor EVM, nor the project columns the issues leave alone
    assert engine.recomputed == {"issues", "projects"}
    assert m.project("P-A5")["rag"] == "green"  # the critical issue is closed now
    engine.update(after, AS_OF)
    assert engine.recomputed == frozenset()  # nothing changed, nothing redone
    engine.update(after, date(2026, 7, 31))
    # "today" moved: everything that depends on the date, but not the cubes
    assert engine.recomputed == {
        "milestones",
        "issues",
        "money",
        "schedule",
        "project-columns",
        "projects",
    }
    with pytest.raises(ValueError, match="read-only"):
        m.projects["bac"].to_numpy()[0] = 1.0  # results are frozen
