"""The metrics engine: one pure computation, cached per table version.

``compute(portfolio, as_of=..., config=...)`` gives a :class:`Metrics`.
``MetricsEngine(config).update(portfolio, as_of)`` gives exactly the same
result, but keeps the intermediate results of the previous call and redoes only
the stages whose inputs changed (``Portfolio.table_versions``):

==================  ===========================================
stage               depends on
==================  ===========================================
``costs``           the cost cube: costs
``plan``            the plan cube: plan
``tolerances``      projects (the config is fixed per engine)
``milestones``      milestones, projects, as-of
``issues``          issues, projects, as-of
``money``           EVM, burn, cost RAG: projects, costs, plan, as-of
``schedule``        time RAG: projects, the milestones' per-project summary, as-of (a
                    milestones change that leaves every summary value as it was keeps it)
``project-columns`` the project table but its RAG and issue counts: the stages above but
                    issues, programmes
``projects``        the overall RAG, the issue counts, the roll-ups: everything (redone unless
                    only issues changed and no project's counts or critical issue moved;
                    the roll-ups are kept when only a critical issue's title moved)
==================  ===========================================

A change to the issues table therefore never re-aggregates 480,000 cost lines.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from pmo_tui.config import Config
from pmo_tui.metrics.cube import MonthlyCube
from pmo_tui.metrics.issues import IssueStage, IssueSummary, issue_stage
from pmo_tui.metrics.milestones import MilestoneStage, milestone_stage
from pmo_tui.metrics.project_table import (
    MoneyStage,
    ProjectColumns,
    ScheduleStage,
    money_stage,
    project_columns,
    schedule_stage,
    with_issues,
)
from pmo_tui.metrics.result import Metrics
from pmo_tui.metrics.rollup import rollup_tables
from pmo_tui.metrics.tolerance import ProjectTolerances, resolve
from pmo_tui.model import Portfolio

__all__ = ["Metrics", "MetricsEngine", "compute"]

T = TypeVar("T")


@dataclass
class _Cache:
    key: Any = None
    value: Any = None


class MetricsEngine:
    """Recompute metrics incrementally: only stages whose inputs changed.

    Thread-safe: one engine may be fed from a worker thread while another
    thread reads the returned (immutable) :class:`Metrics`.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._caches: dict[str, _Cache] = {}
        self._last: Metrics | None = None
        self._last_key: Any = None
        #: the stages the last update recomputed (for tests and benchmarks)
        self.recomputed: frozenset[str] = frozenset()
        #: the frame each cube was built from (a splice must start from that frame)
        self._cube_frames: dict[str, pd.DataFrame] = {}
        #: cubes updated by swapping the changed lines (for tests and benchmarks)
        self.spliced_cubes = 0
        #: what the last project table and roll-ups were made from, and they
        self._last_projects: (
            tuple[
                ProjectColumns,
                IssueSummary,
                pd.DataFrame,
                date,
                tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
            ]
            | None
        ) = None

    def update(self, portfolio: Portfolio, as_of: date) -> Metrics:
        """Metrics for ``portfolio`` with "today" = ``as_of``; equal to :func:`compute`."""
        with self._lock:
            return self._update(portfolio, as_of)

    def _update(self, portfolio: Portfolio, as_of: date) -> Metrics:
        v = portfolio.table_versions
        cost_present = portfolio.states["costs"].present
        plan_present = portfolio.states["plan"].present
        key_all = (tuple(sorted(v.items())), as_of, cost_present, plan_present)
        if self._last is not None and key_all == self._last_key:
            self.recomputed = frozenset()
            if self._last.portfolio_version == portfolio.version:
                return self._last
            return replace(self._last, portfolio_version=portfolio.version)

        done: set[str] = set()
        projects = portfolio["projects"]
        cost: MonthlyCube = self._stage(
            "costs",
            (v.get("costs"), cost_present),
            done,
            lambda: self._cube("costs", portfolio, cost_present),
        )
        plan: MonthlyCube = self._stage(
            "plan",
            (v.get("plan"), plan_present),
            done,
            lambda: self._cube("plan", portfolio, plan_present),
        )
        tol: ProjectTolerances = self._stage(
            "tolerances",
            v.get("projects"),
            done,
            lambda: resolve(
                self.config.tolerances, projects["project_id"], projects["programme_id"]
            ),
        )
        cached = self._caches.get("milestones")
        before = cached.value if cached is not None else None
        ms: MilestoneStage = self._stage(
            "milestones",
            (v.get("milestones"), v.get("projects"), as_of),
            done,
            lambda: milestone_stage(
                portfolio["milestones"],
                projects,
                tol.time_days,
                as_of,
                self.config.display.upcoming_days,
                project_rows=portfolio.project_rows.get("milestones"),
            ),
        )
        if "milestones" in done and isinstance(before, MilestoneStage):
            ms = self._keep_summary(before, ms)
        iss: IssueStage = self._stage(
            "issues",
            (v.get("issues"), v.get("projects"), as_of),
            done,
            lambda: issue_stage(
                portfolio["issues"],
                projects,
                as_of,
                project_rows=portfolio.project_rows.get("issues"),
            ),
        )
        money: MoneyStage = self._stage(
            "money",
            (v.get("projects"), v.get("costs"), v.get("plan"), cost_present, plan_present, as_of),
            done,
            lambda: money_stage(
                projects,
                cost=cost,
                plan=plan,
                tol=tol,
                as_of=as_of,
                currency=self.config.display.currency,
            ),
        )
        schedule: ScheduleStage = self._stage(
            "schedule",
            (v.get("projects"), ms.summary, as_of),
            done,
            lambda: schedule_stage(projects, tol, ms.summary, as_of),
            same=_same_schedule_key,
        )
        programmes_frame = portfolio["programmes"]
        # the same objects as last time (the stages above keep theirs while their
        # inputs hold): an issues change reuses every column but the RAG and the counts
        base: ProjectColumns = self._stage(
            "project-columns",
            (projects, programmes_frame, money, schedule, cost_present, tol, ms.summary),
            done,
            lambda: project_columns(
                projects,
                programmes_frame,
                money=money,
                schedule=schedule,
                costs_present=cost_present,
                tol=tol,
                ms=ms.summary,
            ),
            same=_all_same,
        )
        table, programmes, whole = self._projects(base, iss.summary, programmes_frame, as_of, done)
        metrics = Metrics(
            as_of=as_of,
            portfolio_version=portfolio.version,
            table_versions=MappingProxyType(dict(v)),
            currency=self.config.display.currency,
            upcoming_days=self.config.display.upcoming_days,
            projects=table,
            programmes=programmes,
            portfolio=whole,
            milestones=ms.frame,
            issues=iss.frame,
            cost_cube=cost,
            plan_cube=plan,
            cost_lines=portfolio["costs"],
        )
        self._last, self._last_key = metrics, key_all
        self.recomputed = frozenset(done)
        return metrics

    def _cube(self, name: str, portfolio: Portfolio, present: bool) -> MonthlyCube:
        """The monthly cube of ``costs`` or ``plan``: the previous one with the changed
        lines swapped when the source re-read only those (``TableState.spliced``) from
        the very frame that cube was built from, else built from every line."""
        state, frame = portfolio.states[name], portfolio[name]
        splice, before = state.spliced, self._caches.get(name)
        cube = None
        if (
            splice is not None
            and frame is state.frame  # no rows dropped since (an unknown project)
            and before is not None
            and isinstance(before.value, MonthlyCube)
            and before.value.present == present
            and self._cube_frames.get(name) is splice.base
        ):
            cube = before.value.spliced(
                splice.base, frame, splice.keep_to, splice.inserted, splice.keep_from
            )
        if cube is not None:
            self.spliced_cubes += 1
        else:
            cube = MonthlyCube.build(
                frame,
                present=present,
                project_rows=portfolio.project_rows.get(name),
                project_ids=portfolio["projects"]["project_id"],
            )
        self._cube_frames[name] = frame
        return cube

    def _keep_summary(self, before: MilestoneStage, now: MilestoneStage) -> MilestoneStage:
        """``now`` with ``before``'s per-project summary when every value of it is the
        same (a renamed or re-described milestone that is nobody's worst, overdue or
        next one): the time RAG, the project columns and the roll-ups that hang on
        the summary's identity are then kept, not redone (~10 ms on 2,000 projects)."""
        if now.summary is before.summary or not _same_values(before.summary, now.summary):
            return now
        kept = MilestoneStage(now.frame, before.summary)
        self._caches["milestones"].value = kept
        return kept

    def _projects(
        self,
        base: ProjectColumns,
        summary: IssueSummary,
        programmes: pd.DataFrame,
        as_of: date,
        done: set[str],
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The project table with the overall RAG and issue counts, and the roll-ups.

        Redone unless only issues changed and every project's counts and first open
        critical issue are what they were (a title, an owner, a description edited):
        then the previous tables are exactly what it would give (~8 ms of 2,000
        projects' RAG and roll-ups saved on such an issues change). When only such
        an issue's title moved, the project table is redone (its RAG reason quotes
        the title) and the roll-ups, which read no reason, are kept (~4 ms)."""
        last = self._last_projects
        same_inputs = (
            last is not None and last[0] is base and last[2] is programmes and last[3] == as_of
        )
        if same_inputs and last is not None and _same_summary(last[1], summary):
            return last[4]
        table = with_issues(base, summary)
        if same_inputs and last is not None and _same_but_titles(last[1], summary):
            result = (table, last[4][1], last[4][2])
        else:
            result = (table, *rollup_tables(table, programmes, as_of))
        self._last_projects = (base, summary, programmes, as_of, result)
        done.add("projects")
        return result

    def _stage(
        self,
        name: str,
        key: Any,
        done: set[str],
        make: Callable[[], T],
        same: Callable[[Any, Any], bool] = operator.eq,
    ) -> T:
        cache = self._caches.setdefault(name, _Cache())
        if cache.value is None or not same(cache.key, key):
            cache.value = make()
            cache.key = key
            done.add(name)
        return cache.value


def _same_summary(old: IssueSummary, new: IssueSummary) -> bool:
    """Whether two issue summaries give every project the same counts and reason."""
    return old is new or _same_values(old, new)


def _same_but_titles(old: IssueSummary, new: IssueSummary) -> bool:
    """Whether two issue summaries differ at most in the critical issues' titles: the
    projects' RAG, attention and counts, all the roll-ups read, are then the same."""
    return all(
        _same_values(getattr(old, f.name), getattr(new, f.name))
        for f in fields(old)
        if f.name != "critical_title"
    )


def _same_values(old: object, new: object) -> bool:
    """Whether two per-project summaries (dataclasses of arrays and dicts of arrays)
    hold the very same values; a NaN in a text column counts as a difference."""
    if old is new:
        return True
    if is_dataclass(old) and is_dataclass(new) and type(old) is type(new):
        return all(_same_values(getattr(old, f.name), getattr(new, f.name)) for f in fields(old))
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same_values(old[k], new[k]) for k in old)
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray):
        if old.dtype != new.dtype or old.shape != new.shape:
            return False
        if old.dtype == object:
            return bool(old.tolist() == new.tolist())
        if old.dtype.kind in "mM":
            return bool(np.array_equal(old.view(np.int64), new.view(np.int64)))
        return bool(np.array_equal(old, new, equal_nan=old.dtype.kind in "fc"))
    return bool(old == new)


def _same_schedule_key(old: tuple[Any, ...] | None, new: tuple[Any, ...]) -> bool:
    """The schedule stage's key: the projects' version, the very same milestone
    summary, the same as-of date."""
    return old is not None and old[0] == new[0] and old[1] is new[1] and old[2] == new[2]


def _all_same(old: tuple[Any, ...] | None, new: tuple[Any, ...]) -> bool:
    """Whether two keys hold the very same objects (frames compare by identity)."""
    if old is None or len(old) != len(new):
        return False
    return all(a is b for a, b in zip(old, new, strict=True))


def compute(portfolio: Portfolio, *, as_of: date, config: Config) -> Metrics:
    """Every metric for ``portfolio`` with "today" = ``as_of``. Pure; never raises for data."""
    return MetricsEngine(config).update(portfolio, as_of)
