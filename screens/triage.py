"""The triage queue (``t``): every open issue across the portfolio, triaged from the keyboard.

Sort with ``s`` on any column, filter live with ``/`` (words match anywhere:
title, owner, project, id), and narrow with the facet keys shown on the facet
line: severity, owner (or unassigned), due date, age, new since your last
round, changed by another officer today. ``e`` edits the issue under the
cursor (or every marked one), ``a`` adds a note, ``space`` marks rows for a
bulk edit, ``R`` starts or finishes your triage round.

The rows show the *current decision*: the store's status, owner and due date
over the export's (the issue detail shows both). The queue is a virtual grid:
10,000 issues paint and scroll instantly, and the cursor, filter, facets, marks
and sort survive every refresh, including other officers' changes arriving live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar

import pandas as pd
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Static

from pmo_tui.metrics.na import days
from pmo_tui.screens.base import DataScreen, OpenItem
from pmo_tui.screens.frame_memo import FrameMemo
from pmo_tui.screens.owner import UNASSIGNED, OwnerPicker
from pmo_tui.screens.rows import RowMemo, issue_rows, objects
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.triage_actions import MARK_BINDINGS, WRITE_BINDINGS, TriageActions
from pmo_tui.screens.triage_service import local_time
from pmo_tui.screens.triage_state import OFF, OPENING, Decision, TriageView, view_for
from pmo_tui.store import PRIORITY_LABELS
from pmo_tui.text import one_line
from pmo_tui.widgets.grid import Grid, GridColumn, GridRow
from pmo_tui.widgets.markgrid import MARK_COLUMN, MarkGrid
from pmo_tui.widgets.pane import Pane

SEVERITY_STEPS: tuple[tuple[int, str], ...] = (
    (0, "any"),
    (2, "≥ medium"),
    (3, "≥ high"),
    (4, "critical"),
)
DUE_STEPS: tuple[str, ...] = ("any", "overdue", "due ≤ 14 days", "no due date")
AGE_STEPS: tuple[str, ...] = ("any", "new ≤ 7 days", "older than 30 days", "older than 90 days")

FLAG_NEW, FLAG_OTHERS, FLAG_NOTES = "N", "±", "✎"
PRIORITY_TONES = {4: "red", 3: "amber", 2: "", 1: "dim"}

TRIAGE_COLUMNS: tuple[GridColumn, ...] = (
    MARK_COLUMN,
    GridColumn("severity", "Severity", 10, min_width=10),
    GridColumn("title", "Title", 30, flex=True, min_width=14),
    GridColumn("owner", "Owner", 14, priority=1, min_width=8),
    GridColumn("due", "Due", 10, priority=1, min_width=10),
    GridColumn(
        "flags",
        "New",
        3,
        priority=1,
        min_width=3,
        title="N new since your last round, ± changed by another officer today, ✎ notes",
    ),
    GridColumn("priority", "Prio", 8, priority=2, title="Priority (the officers' decision)"),
    GridColumn("age", "Age", 5, align="right", priority=3, title="Age in days"),
    GridColumn("overdue", "Late", 5, align="right", priority=3, title="Days overdue"),
    GridColumn("status", "Status", 11, priority=3),
    GridColumn("project", "Project", 18, flex=True, priority=2, min_width=10),
    GridColumn("changed", "Triaged", 17, priority=4, title="Last triage change: who, when"),
    GridColumn("type", "Type", 10, priority=5),
    GridColumn("id", "ID", 8, priority=5, title="Issue id"),
)
#: positions of the cells :func:`issue_rows` builds (ISSUE_COLUMNS order)
_SEV, _TITLE, _OWNER, _AGE, _DUE, _LATE, _STATUS, _TYPE, _PROJECT, _ID = range(10)


@dataclass(frozen=True)
class Facets:
    """The triage queue's narrowing, on top of the text filter."""

    severity: int = 0  # index into SEVERITY_STEPS
    due: int = 0  # index into DUE_STEPS
    age: int = 0  # index into AGE_STEPS
    owner: str | None = None  # an owner name, UNASSIGNED, or None for everyone
    new: bool = False  # only issues new since my last round
    others: bool = False  # only issues another officer changed today

    @property
    def active(self) -> bool:
        return bool(
            self.severity
            or self.due
            or self.age
            or self.owner is not None
            or self.new
            or self.others
        )

    def describe(self) -> list[tuple[str, str, str]]:
        """(binding id, facet, value) for the facet line."""
        owner = (
            "all"
            if self.owner is None
            else ("unassigned" if self.owner == UNASSIGNED else one_line(self.owner, 24))
        )
        return [
            ("triage.severity", "severity", SEVERITY_STEPS[self.severity][1]),
            ("triage.owner", "owner", owner),
            ("triage.due", "due", DUE_STEPS[self.due]),
            ("triage.age", "age", AGE_STEPS[self.age]),
            ("triage.new", "new", "since my round" if self.new else "any"),
            ("triage.others", "by others", "today" if self.others else "any"),
        ]


@dataclass(frozen=True, slots=True)
class IssueFacts:
    """What the facets test, per issue (kept beside the grid rows)."""

    severity: int
    owner: str
    due: date | None
    age: float | None
    overdue: bool
    new: bool = False
    others: bool = False


def predicate(
    facets: Facets, facts: dict[str, IssueFacts], today: date
) -> Callable[[GridRow], bool]:
    minimum = SEVERITY_STEPS[facets.severity][0]

    def keep(row: GridRow) -> bool:
        fact = facts.get(row.key)
        if fact is None:
            return False
        if minimum and fact.severity < minimum:
            return False
        if facets.owner is not None:
            if facets.owner == UNASSIGNED:
                if fact.owner:
                    return False
            elif fact.owner != facets.owner:
                return False
        if facets.due == 1 and not fact.overdue:
            return False
        if facets.due == 2 and (
            fact.due is None or (fact.due - today).days > 14 or fact.due < today
        ):
            return False
        if facets.due == 3 and fact.due is not None:
            return False
        if facets.age == 1 and (fact.age is None or fact.age > 7):
            return False
        if facets.age == 2 and (fact.age is None or fact.age <= 30):
            return False
        if facets.age == 3 and (fact.age is None or fact.age <= 90):
            return False
        if facets.new and not fact.new:
            return False
        return not (facets.others and not fact.others)

    return keep


@dataclass(frozen=True)
class TriageData:
    rows: list[GridRow]
    facts: dict[str, IssueFacts]
    owners: list[tuple[str, int]]
    view: TriageView


def _flags(new: bool, others: bool, notes: int) -> str:
    return (
        (FLAG_NEW if new else " ")
        + (FLAG_OTHERS if others else " ")
        + (FLAG_NOTES if notes else "")
    ).rstrip()


#: the queue's issue rows of the last build: a live change reformats only what changed
_BASE_ROWS: FrameMemo[GridRow] = FrameMemo()


def _open(issues: pd.DataFrame) -> pd.DataFrame:
    return issues.loc[issues["open"].fillna(True)] if "open" in issues else issues


def _build(
    open_issues: pd.DataFrame, snapshot: Snapshot, view: TriageView, *, whole: bool = True
) -> tuple[list[GridRow], dict[str, IssueFacts]]:
    """Rows and facet facts for ``open_issues`` with ``view``'s decisions and flags.

    For the ``whole`` queue, a row whose issue row, decision and flags are the
    ones of the last whole build is reused (see ``RowMemo``); a part of the
    queue is built afresh and leaves the memo alone."""
    base = issue_rows(open_issues, snapshot.fmt, memo=_BASE_ROWS if whole else None)
    layout = (snapshot.fmt,)
    before = _QUEUE_ROWS.previous(layout) if whole else {}
    built: dict[str, _QueueEntry] = {}
    rows: list[GridRow] = []
    facts: dict[str, IssueFacts] = {}
    sev = objects(open_issues["severity"])
    own = objects(open_issues["owner"])
    ages = objects(open_issues["age_days"])
    over = objects(open_issues["overdue"])
    dues = days(open_issues["due_date"])
    owners: dict[object, str] = {None: ""}  # a few dozen officers own thousands of issues
    for row, s, o, a, late, d in zip(base, sev, own, ages, over, dues, strict=True):
        key = row.key
        decision = view.decision(key)
        new = view.is_new(key)
        others = key in view.changed_ids
        inputs = (s, o, a, late, d)
        entry = before.get(key)
        if entry is None or not entry.same(row, decision, new, others, inputs):
            owner = owners.get(o)
            if owner is None:
                owner = owners[o] = one_line(o)
            fact = IssueFacts(
                int(s) if s is not None else 0,
                owner,
                d.date() if hasattr(d, "date") else d,
                None if a is None else float(a),
                bool(late),
                new,
                others,
            )
            entry = _QueueEntry(
                row, decision, new, others, inputs, fact, _queue_row(row, decision, new, others)
            )
        built[key] = entry
        facts[key] = entry.facts
        rows.append(entry.row)
    if whole:
        _QUEUE_ROWS.keep(layout, built)
    return rows, facts


@dataclass(frozen=True, slots=True)
class _QueueEntry:
    """A queue row and its facts, and what they were made from (the issue row is
    compared by identity)."""

    base: GridRow
    decision: Decision
    new: bool
    others: bool
    #: what the facts were made from (severity, owner, age, overdue, due)
    inputs: tuple[Any, ...]
    facts: IssueFacts
    row: GridRow

    def same(
        self, base: GridRow, decision: Decision, new: bool, others: bool, inputs: tuple[Any, ...]
    ) -> bool:
        return (
            self.base is base
            and self.new == new
            and self.others == others
            # the view keeps its Decision objects, so identity settles nearly every row
            and (self.decision is decision or self.decision == decision)
            and self.inputs == inputs
        )


#: the queue rows of the last build, by issue id
_QUEUE_ROWS: RowMemo[str, _QueueEntry] = RowMemo()


def _queue_row(row: GridRow, decision: Decision, new: bool, others: bool) -> GridRow:
    """The triage queue's row for one issue: its issue row plus the triage columns."""
    key = row.key
    c, t, srt = row.cells, row.tones, row.sort
    level = decision.priority
    changed = (
        f"{one_line(decision.by, 8)} {local_time(decision.at)[5:]}"
        if decision.by and decision.at
        else ""
    )
    return GridRow(
        key=key,
        cells=(
            "",
            c[_SEV],
            c[_TITLE],
            c[_OWNER],
            c[_DUE],
            _flags(new, others, decision.notes),
            PRIORITY_LABELS.get(level, "") if level else "",
            c[_AGE],
            c[_LATE],
            c[_STATUS],
            c[_PROJECT],
            changed,
            c[_TYPE],
            c[_ID],
        ),
        tones=(
            "accent",
            t[_SEV],
            t[_TITLE],
            t[_OWNER],
            t[_DUE],
            "accent",
            PRIORITY_TONES.get(level or 0, ""),
            t[_AGE],
            t[_LATE],
            t[_STATUS],
            t[_PROJECT],
            "dim",
            t[_TYPE],
            t[_ID],
        ),
        sort=(
            True,
            srt[_SEV],
            srt[_TITLE],
            srt[_OWNER],
            srt[_DUE],
            (not new, not others, -decision.notes),
            -level if level else None,
            srt[_AGE],
            srt[_LATE],
            srt[_STATUS],
            srt[_PROJECT],
            decision.at,
            srt[_TYPE],
            srt[_ID],
        ),
        row_tone=row.row_tone,
        search_extra=f"{row.search_extra} {changed}",
    )


def _owners(facts: dict[str, IssueFacts]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for fact in facts.values():
        counts[fact.owner] = counts.get(fact.owner, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))


def build_triage(snapshot: Snapshot) -> TriageData:
    """Rows and facet facts for every open issue, with the decisions (cached per snapshot)."""
    view = view_for(snapshot)
    rows, facts = _build(_open(snapshot.metrics.issues), snapshot, view)
    return TriageData(rows, facts, _owners(facts), view)


#: with more changed issues than this, rebuilding every row is as quick
REBUILD_AFTER = 1000


def update_triage(previous: TriageData, snapshot: Snapshot) -> TriageData:
    """``previous`` with only the rows whose decision or flags changed rebuilt.

    For a snapshot with the *same source data and as-of date* as the one
    ``previous`` was built from, where only the store's decisions moved: a
    colleague's save then costs a few rows, not the whole queue.
    """
    view = view_for(snapshot)
    old = previous.view
    if (old.new_ids is None) != (view.new_ids is None):
        return build_triage(snapshot)
    keys = set(old.decisions) | set(view.decisions)
    changed = {k for k in keys if old.decisions.get(k) != view.decisions.get(k)}
    changed |= old.changed_ids ^ view.changed_ids
    if old.new_ids is not None and view.new_ids is not None:
        changed |= old.new_ids ^ view.new_ids
    if not changed:
        return TriageData(previous.rows, previous.facts, previous.owners, view)
    if len(changed) > REBUILD_AFTER:
        return build_triage(snapshot)
    issues = snapshot.metrics.issues
    subset = _open(issues.loc[issues["issue_id"].astype("str").isin(changed)])
    part_rows, part_facts = _build(subset, snapshot, view, whole=False)
    fresh = {row.key: row for row in part_rows}
    rows = [
        fresh.pop(row.key, row)
        for row in previous.rows
        if row.key not in changed or row.key in fresh
    ]
    rows.extend(fresh.values())  # issues that are open again
    facts = {k: v for k, v in previous.facts.items() if k not in changed}
    facts.update(part_facts)
    return TriageData(rows, facts, _owners(facts), view)


class TriageScreen(TriageActions, DataScreen):
    """Every open issue, with facets, marks and the triage keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # the facet keys are shown on the facet line; the key bar keeps the triage keys
        Binding("v", "severity", "Severity", show=False, id="triage.severity"),
        Binding("o", "owner", "Owner", show=False, id="triage.owner"),
        Binding("u", "unassigned", "Unassigned", show=False, id="triage.unassigned"),
        Binding("d", "due", "Due", show=False, id="triage.due"),
        Binding("n", "age", "Age", show=False, id="triage.age"),
        Binding("w", "new", "New", show=False, id="triage.new"),
        Binding("c", "others", "By others", show=False, id="triage.others"),
        Binding("0", "clear_facets", "Clear facets", show=False, id="triage.clear"),
        *WRITE_BINDINGS,
        *MARK_BINDINGS,
        Binding("R", "round", "Round", show=False, id="triage.round"),
        Binding("R", "refuse_write", "Round", show=False, id="triage.round"),
    ]

    crumbs = ("Portfolio", "Triage queue")

    def __init__(self) -> None:
        super().__init__(id="triage")
        self.facets = Facets()
        self.data: TriageData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="facets", classes="facet-line")
        yield Static(id="triage-banner", classes="facet-line")
        grid = MarkGrid(TRIAGE_COLUMNS, id="triage-grid", empty_text="Loading the open issues…")
        yield Pane("Open issues", grid, hint="enter: details", id="triage-pane")
        yield Static(id="issue-detail", classes="detail-line")

    def on_mount(self) -> None:
        grid = self.query_one(MarkGrid)
        grid.sort_by("severity")
        grid.focus()
        self.update_facet_line()
        self.update_banner()

    def warm(self, snapshot: Snapshot) -> None:
        snapshot.cached("triage", lambda: build_triage(snapshot))

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        self.data = snapshot.cached("triage", lambda: build_triage(snapshot))
        grid = self.query_one(MarkGrid)
        grid.empty_text = "No open issue matches." if self.data.rows else "No open issues."
        grid.set_predicate(
            predicate(self.facets, self.data.facts, snapshot.as_of) if self.facets.active else None
        )
        grid.set_rows(self.data.rows)
        self.update_banner()

    def triage_changed(self) -> None:
        self.update_banner()

    # -- what the triage keys act on -----------------------------------------------------
    def triage_grid(self) -> MarkGrid:
        return self.query_one(MarkGrid)

    def note_target(self) -> tuple[str, str] | None:
        key = self.query_one(MarkGrid).cursor_key
        return None if key is None else ("issue", key)

    # -- facets ---------------------------------------------------------------------
    def set_facets(self, facets: Facets) -> None:
        self.facets = facets
        grid = self.query_one(MarkGrid)
        if self.data is not None and self.snapshot is not None:
            grid.set_predicate(
                predicate(facets, self.data.facts, self.snapshot.as_of) if facets.active else None
            )
        self.update_facet_line()

    def update_facet_line(self) -> None:
        """``[v] severity: any  [o] owner: all ...``; narrow: ``[v]severity`` for inactive ones."""
        parts: list[Content | tuple[str, str] | str] = []
        app = self.pmo
        compact = app.size.width < 140
        for binding_id, name, value in self.facets.describe():
            key = app.key_for_screen(binding_id, type(self))
            active = value not in ("any", "all")
            if compact and not active:
                parts += [(f"[{key}]", "$accent"), (name, "$muted"), " "]
                continue
            style = "bold $rag-amber" if active else "bold"
            parts += [(f"[{key}] ", "$accent"), (f"{name}: ", "$muted"), (value, style), "  "]
        if self.facets.active:
            parts += [
                (f"[{app.key_for_screen('triage.clear', type(self))}] ", "$accent"),
                ("clear", "$muted"),
            ]
        self.query_one("#facets", Static).update(Content.assemble(*parts), layout=False)

    def update_banner(self) -> None:
        """Where the store is, who saves, the round, the marks; or why triage is off."""
        app = self.pmo
        view = app.triage_view
        banner = self.query_one("#triage-banner", Static)
        marked = len(self.query_one(MarkGrid).marked)
        round_key = app.key_for_screen("triage.round", type(self))
        parts: list[Content | tuple[str, str] | str] = []
        if app.options.read_only:
            parts.append(("read-only: triage keys are off", "bold $rag-amber"))
        elif view.state == OFF:
            parts.append((f"Triage is off: {one_line(view.reason, 150)}", "bold $rag-red"))
        elif view.state == OPENING:
            parts.append(("opening the triage store…", "$muted"))
        elif view.open_round is not None:
            parts += [
                ("round since ", "$muted"),
                (local_time(view.open_round.started_at), "bold"),
                (f" [{round_key}]", "$accent"),
                ("finish", "$muted"),
            ]
        else:
            last = view.last_round
            parts += [
                ("no round open", "$muted"),
                (f" [{round_key}]", "$accent"),
                ("start", "$muted"),
            ]
            if last is not None and last.finished_at is not None:
                parts += [("  last ", "$muted"), (local_time(last.finished_at), "")]
        if app.store_health:
            parts += [("  ", ""), (one_line(app.store_health, 60), "$rag-amber")]
        if view.where:
            parts += [("  store: ", "$muted"), (one_line(view.where, 60), "")]
        banner.update(Content.assemble(*parts), layout=False)
        hint = f"✓ {marked} marked: e edits them all" if marked else "enter: details"
        self.query_one("#triage-pane", Pane).set_hint(hint)

    def on_mark_grid_marks_changed(self, event: MarkGrid.MarksChanged) -> None:
        self.update_banner()

    def action_severity(self) -> None:
        self.set_facets(
            replace(self.facets, severity=(self.facets.severity + 1) % len(SEVERITY_STEPS))
        )

    def action_due(self) -> None:
        self.set_facets(replace(self.facets, due=(self.facets.due + 1) % len(DUE_STEPS)))

    def action_age(self) -> None:
        self.set_facets(replace(self.facets, age=(self.facets.age + 1) % len(AGE_STEPS)))

    def action_unassigned(self) -> None:
        owner = None if self.facets.owner == UNASSIGNED else UNASSIGNED
        self.set_facets(replace(self.facets, owner=owner))

    def action_new(self) -> None:
        self.set_facets(replace(self.facets, new=not self.facets.new))

    def action_others(self) -> None:
        self.set_facets(replace(self.facets, others=not self.facets.others))

    def action_clear_facets(self) -> None:
        self.set_facets(Facets())

    def action_owner(self) -> None:
        if self.data is None:
            return

        def picked(owner: str | None) -> None:
            if owner is not None:
                self.set_facets(replace(self.facets, owner=None if owner == "" else owner))
            self.query_one(MarkGrid).focus()

        self.app.push_screen(OwnerPicker(self.data.owners, self.facets.owner), picked)

    def action_round(self) -> None:
        self.pmo.toggle_round()

    # -- detail -----------------------------------------------------------------------
    def on_grid_highlighted(self, event: Grid.Highlighted) -> None:
        detail = self.query_one("#issue-detail", Static)
        row = event.grid.cursor_row
        if row is None:
            detail.update(Content(""), layout=False)
            return
        grid = event.grid
        title = row.cells[grid.column_index("title")]
        project = row.cells[grid.column_index("project")]
        ident = row.cells[grid.column_index("id")]
        changed = row.cells[grid.column_index("changed")]
        parts: list[Content | tuple[str, str] | str] = [
            (ident, "bold"),
            " ",
            title,
            ("  in ", "$muted"),
            (project, "bold"),
        ]
        if changed:
            parts += [("  triaged by ", "$muted"), changed]
        detail.update(Content.assemble(*parts), layout=False)

    def on_grid_selected(self, event: Grid.Selected) -> None:
        event.stop()
        self.post_message(OpenItem("issue", event.key))
