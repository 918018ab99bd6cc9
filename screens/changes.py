"""What a refresh changed, in the words of a toast (pure Python: no textual here).

``summarize(before, after, change)`` compares two snapshots' metrics and says
which projects' figures changed, which projects turned red, amber or green,
which issues are new or closed, which milestones moved, and which tables
became stale or recovered. ``ChangeSummary.merge`` folds a burst of refreshes
into one summary (the app shows at most one toast every couple of seconds),
and ``text()`` writes it as one plain line:

    costs.csv reloaded: 3 projects changed, P-042 now red

The comparison is vectorised over the metrics frames and skipped for frames a
refresh reused (the metrics engine keeps unchanged stages as the same objects).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pmo_tui.sources.base import Change
from pmo_tui.text import one_line

#: project columns whose change means "this project's figures changed"
PROJECT_FIGURES = (
    "name",
    "status",
    "percent_complete",
    "bac",
    "pv",
    "ev",
    "ac",
    "eac",
    "cpi",
    "spi",
    "vac",
    "forecast_cost",
    "forecast_end_date",
    "end_slip_days",
    "rag",
    "reported_rag",
    "open_issues",
    "milestones_late",
    "next_milestone_date",
)
ISSUE_FIELDS = ("title", "type", "severity", "status", "owner", "due_date", "project_id")
MILESTONE_FIELDS = ("name", "baseline_date", "forecast_date", "actual_date", "status", "project_id")
#: most serious first, for the order of "now red/amber/green" in the toast
RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "grey": 3}
#: how many ids a toast names before it counts the rest
NAMED = 3


@dataclass(frozen=True)
class ChangeSummary:
    """What one refresh (or a burst of them, merged) changed."""

    #: portfolio version of the newest snapshot summarised
    version: int = 0
    #: files or database tables the watcher named
    causes: tuple[str, ...] = ()
    #: the refresh key was pressed
    manual: bool = False
    #: a full re-check (after a watcher restart or reconnect)
    full: bool = False
    #: tables whose data changed
    tables: frozenset[str] = frozenset()
    #: projects whose figures changed (not counting new ones)
    projects: tuple[str, ...] = ()
    #: (project id, RAG before, RAG after)
    rag: tuple[tuple[str, str, str], ...] = ()
    new_projects: tuple[str, ...] = ()
    removed_projects: tuple[str, ...] = ()
    new_issues: tuple[str, ...] = ()
    closed_issues: tuple[str, ...] = ()
    changed_issues: tuple[str, ...] = ()
    milestones: tuple[str, ...] = ()
    #: milestones whose slip grew
    slipped: tuple[str, ...] = ()
    #: table -> (what to call it, why it is stale): newly stale tables
    stale: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: tables that read again after being stale (what to call them)
    recovered: tuple[str, ...] = ()

    @property
    def figures_changed(self) -> bool:
        return bool(
            self.projects
            or self.rag
            or self.new_projects
            or self.removed_projects
            or self.new_issues
            or self.closed_issues
            or self.changed_issues
            or self.milestones
        )

    @property
    def worth_a_toast(self) -> bool:
        """Whether the officer should be told (a refresh that changed nothing is not,
        unless they asked for it with the refresh key)."""
        return self.manual or self.figures_changed or bool(self.stale or self.recovered)

    @property
    def severity(self) -> str:
        if self.stale:
            return "error"
        if any(after == "red" for _, _, after in self.rag):
            return "warning"
        return "information"

    def merge(self, later: ChangeSummary) -> ChangeSummary:
        """One summary for this refresh followed by ``later``."""
        first, second = (self, later) if self.version <= later.version else (later, self)
        moves: dict[str, tuple[str, str]] = {}
        for project, before, after in (*first.rag, *second.rag):
            start = moves[project][0] if project in moves else before
            moves[project] = (start, after)
        stale = {k: v for k, v in first.stale.items() if v[0] not in second.recovered}
        stale.update(second.stale)
        recovered_names = {v[0] for v in second.stale.values()}
        recovered = tuple(
            name
            for name in _union(first.recovered, second.recovered)
            if name not in recovered_names
        )
        return ChangeSummary(
            version=second.version,
            causes=_union(first.causes, second.causes),
            manual=first.manual or second.manual,
            full=first.full or second.full,
            tables=first.tables | second.tables,
            projects=_union(first.projects, second.projects),
            rag=tuple((p, b, a) for p, (b, a) in moves.items() if b != a),
            new_projects=_union(first.new_projects, second.new_projects),
            removed_projects=_union(first.removed_projects, second.removed_projects),
            new_issues=_union(first.new_issues, second.new_issues),
            closed_issues=_union(first.closed_issues, second.closed_issues),
            changed_issues=_union(first.changed_issues, second.changed_issues),
            milestones=_union(first.milestones, second.milestones),
            slipped=_union(first.slipped, second.slipped),
            stale=stale,
            recovered=recovered,
        )

    def text(self) -> str:
        """One plain line: ``costs.csv reloaded: 3 projects changed, P-042 now red``."""
        if self.manual and not self.causes:
            head = "Refreshed"
        elif self.causes:
            head = f"{_names(self.causes, 2)} reloaded"
        elif self.full:
            head = "Source re-read"
        else:
            head = "Refreshed"
        parts: list[str] = []
        if self.projects:
            parts.append(_count(len(self.projects), "project") + " changed")
        moves = sorted(self.rag, key=lambda m: (RAG_ORDER.get(m[2], 9), m[0]))
        parts.extend(f"{one_line(p, 40)} now {after}" for p, _, after in moves[:NAMED])
        if len(moves) > NAMED:
            parts.append(f"{len(moves) - NAMED} more RAG changes")
        if self.new_projects:
            parts.append(_count(len(self.new_projects), "new project"))
        if self.removed_projects:
            parts.append(_count(len(self.removed_projects), "project") + " gone")
        if self.new_issues:
            parts.append(_count(len(self.new_issues), "new issue"))
        if self.closed_issues:
            parts.append(_count(len(self.closed_issues), "issue") + " closed")
        if self.changed_issues:
            parts.append(_count(len(self.changed_issues), "issue") + " updated")
        if self.slipped:
            parts.append(_count(len(self.slipped), "milestone") + " slipped")
        moved = len(set(self.milestones) - set(self.slipped))
        if moved:
            parts.append(_count(moved, "milestone") + " changed")
        for name, reason in self.stale.values():
            parts.append(
                f"{one_line(name, 40)} unreadable ({one_line(reason, 80)}), last good rows kept"
            )
        if self.recovered:
            parts.append(f"{_names(self.recovered, 2)} readable again")
        if not parts:
            parts.append("nothing changed" if not self.tables else "no figures changed")
        return f"{head}: {', '.join(parts)}"


def summarize(before: Any, after: Any, change: Change | None) -> ChangeSummary:
    """Compare two :class:`~pmo_tui.screens.snapshot.Snapshot` objects (``after`` newer)."""
    change = change or Change()
    manual = "refresh key" in change.causes
    causes = tuple(c for c in change.causes if c != "refresh key")
    old, new = before.portfolio, after.portfolio
    tables = new.changed_since(old)
    stale, recovered = _stale_changes(old, new)
    summary = ChangeSummary(
        version=new.version,
        causes=causes,
        manual=manual,
        full=not change.tables and not manual,
        tables=tables,
        stale=stale,
        recovered=recovered,
    )
    if not tables:
        return summary
    m0, m1 = before.metrics, after.metrics
    projects, rag, added, removed = _projects(m0.projects, m1.projects)
    new_issues, closed, changed_issues = _issues(m0.issues, m1.issues)
    milestones, slipped = _milestones(m0.milestones, m1.milestones)
    return ChangeSummary(
        version=summary.version,
        causes=causes,
        manual=manual,
        full=summary.full,
        tables=tables,
        projects=projects,
        rag=rag,
        new_projects=added,
        removed_projects=removed,
        new_issues=new_issues,
        closed_issues=closed,
        changed_issues=changed_issues,
        milestones=milestones,
        slipped=slipped,
        stale=stale,
        recovered=recovered,
    )


# -- helpers -----------------------------------------------------------------------


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _names(names: Sequence[str], limit: int) -> str:
    shown = ", ".join(one_line(n, 40) for n in names[:limit])
    return shown + (f" +{len(names) - limit} more" if len(names) > limit else "")


def _stale_changes(old: Any, new: Any) -> tuple[dict[str, tuple[str, str]], tuple[str, ...]]:
    before: dict[str, str] = old.stale
    after: dict[str, str] = new.stale
    stale = {
        table: (new.states[table].origin or table, reason)
        for table, reason in after.items()
        if before.get(table) != reason
    }
    recovered = tuple(
        new.states[table].origin or table for table in sorted(before) if table not in after
    )
    return stale, recovered


def _keyed(frame: pd.DataFrame, key: str, columns: Iterable[str]) -> pd.DataFrame:
    cols = [c for c in columns if c in frame.columns]
    keyed = frame.drop_duplicates(key, keep="last").set_index(key)
    return keyed[cols]


def _differs(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Per row of two aligned frames: does any shared column differ (NA equals NA)?"""
    out = np.zeros(len(a), dtype=bool)
    for column in a.columns:
        if column not in b.columns:
            continue
        x, y = a[column], b[column]
        try:
            same = (x == y).to_numpy(dtype=bool, na_value=False)
        except (TypeError, ValueError):
            same = (x.astype(object) == y.astype(object)).to_numpy(dtype=bool, na_value=False)
        both_missing = (x.isna() & y.isna()).to_numpy(dtype=bool)
        out |= ~(same | both_missing)
    return out


def _aligned(
    before: pd.DataFrame, after: pd.DataFrame, key: str, columns: Iterable[str]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str]]:
    b = _keyed(before, key, columns)
    a = _keyed(after, key, columns)
    common = a.index.intersection(b.index, sort=False)
    added = [str(k) for k in a.index.difference(b.index, sort=False)]
    removed = [str(k) for k in b.index.difference(a.index, sort=False)]
    return b.loc[common], a.loc[common], added, removed


def _projects(
    before: pd.DataFrame, after: pd.DataFrame
) -> tuple[tuple[str, ...], tuple[tuple[str, str, str], ...], tuple[str, ...], tuple[str, ...]]:
    if before is after:
        return (), (), (), ()
    b, a, added, removed = _aligned(before, after, "project_id", PROJECT_FIGURES)
    changed = _differs(a, b)
    ids = [str(k) for k in a.index[changed]]
    moves: list[tuple[str, str, str]] = []
    if "rag" in a.columns and "rag" in b.columns:
        old_rag = b["rag"].astype(object).where(b["rag"].notna(), "grey")
        new_rag = a["rag"].astype(object).where(a["rag"].notna(), "grey")
        moved = (old_rag != new_rag).to_numpy(dtype=bool)
        moves = [
            (str(k), str(o), str(n))
            for k, o, n in zip(a.index[moved], old_rag[moved], new_rag[moved], strict=True)
        ]
    return tuple(ids), tuple(moves), tuple(added), tuple(removed)


def _issues(
    before: pd.DataFrame, after: pd.DataFrame
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(new issues, issues closed or gone while open, other issues whose fields changed)."""
    if before is after:
        return (), (), ()
    if "issue_id" not in before.columns or "issue_id" not in after.columns:
        return (), (), ()
    b, a, added, removed = _aligned(before, after, "issue_id", (*ISSUE_FIELDS, "open"))
    closed_now = _open(b) & ~_open(a)
    closed = [str(k) for k in a.index[closed_now]]
    if removed:
        gone = _keyed(before, "issue_id", ("open",)).loc[removed]
        closed += [str(k) for k in gone.index[_open(gone)]]
    fields = [c for c in a.columns if c != "open"]
    changed = _differs(a[fields], b[fields]) & ~closed_now
    return tuple(added), tuple(closed), tuple(str(k) for k in a.index[changed])


def _open(frame: pd.DataFrame) -> np.ndarray:
    if "open" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    return frame["open"].to_numpy(dtype=bool, na_value=True)


def _milestones(
    before: pd.DataFrame, after: pd.DataFrame
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if before is after:
        return (), ()
    if "milestone_id" not in before.columns or "milestone_id" not in after.columns:
        return (), ()
    b, a, added, _ = _aligned(before, after, "milestone_id", (*MILESTONE_FIELDS, "slip_days"))
    changed = _differs(a, b)
    slipped: list[str] = []
    if "slip_days" in a.columns:
        old = pd.to_numeric(b["slip_days"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        new = pd.to_numeric(a["slip_days"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        grew = np.nan_to_num(new, nan=-np.inf) > np.nan_to_num(old, nan=np.inf)
        grew &= ~np.isnan(new)
        slipped = [str(k) for k in a.index[grew & ~np.isnan(old)]]
    ids = [str(k) for k in a.index[changed]] + added
    return tuple(ids), tuple(slipped)
