"""The triage queue (``t``): every open issue across the portfolio.

Sort with ``s`` on any column, filter live with ``/`` (words match anywhere:
title, owner, project, id), and narrow with the facet keys shown on the facet
line: severity, owner (or unassigned), due date and age. The queue is a
virtual grid: 10,000 issues paint and scroll instantly, and the cursor,
filter, facets and sort survive every refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar

from pmo_tui.screens.base import DataScreen, OpenItem
from pmo_tui.screens.owner import UNASSIGNED, OwnerPicker
from pmo_tui.screens.rows import ISSUE_COLUMNS, issue_rows
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.widgets.grid import Grid, GridRow
from pmo_tui.widgets.pane import Pane
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Static

from pmo_tui.text import one_line

SEVERITY_STEPS: tuple[tuple[int, str], ...] = (
    (0, "any"),
    (2, "≥ medium"),
    (3, "≥ high"),
    (4, "critical"),
)
DUE_STEPS: tuple[str, ...] = ("any", "overdue", "due ≤ 14 days", "no due date")
AGE_STEPS: tuple[str, ...] = ("any", "new ≤ 7 days", "older than 30 days", "older than 90 days")


@dataclass(frozen=True)
class Facets:
    """The triage queue's narrowing, on top of the text filter."""

    severity: int = 0  # index into SEVERITY_STEPS
    due: int = 0  # index into DUE_STEPS
    age: int = 0  # index into AGE_STEPS
    owner: str | None = None  # an owner name, UNASSIGNED, or None for everyone

    @property
    def active(self) -> bool:
        return bool(self.severity or self.due or self.age or self.owner is not None)

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
        ]


@dataclass(frozen=True, slots=True)
class IssueFacts:
    """What the facets test, per issue (kept beside the grid rows)."""

    severity: int
    owner: str
    due: date | None
    age: float | None
    overdue: bool


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
        return not (facets.age == 3 and (fact.age is None or fact.age <= 90))

    return keep


@dataclass(frozen=True)
class TriageData:
    rows: list[GridRow]
    facts: dict[str, IssueFacts]
    owners: list[tuple[str, int]]


def build_triage(snapshot: Snapshot) -> TriageData:
    """Rows and facet facts for every open issue (cached on the snapshot)."""
    issues = snapshot.metrics.issues
    open_issues = issues.loc[issues["open"].fillna(True)] if "open" in issues else issues
    rows = issue_rows(open_issues, snapshot.fmt)
    facts: dict[str, IssueFacts] = {}
    owners: dict[str, int] = {}
    sev = open_issues["severity"].to_numpy(dtype=object, na_value=None)
    own = open_issues["owner"].to_numpy(dtype=object, na_value=None)
    ages = open_issues["age_days"].to_numpy(dtype=object, na_value=None)
    over = open_issues["overdue"].to_numpy(dtype=bool, na_value=False)
    dues = open_issues["due_date"].to_numpy(dtype=object, na_value=None)
    for row, s, o, a, late, d in zip(rows, sev, own, ages, over, dues, strict=True):
        owner = one_line(o) if o is not None else ""
        due = d.date() if hasattr(d, "date") else d
        facts[row.key] = IssueFacts(
            int(s) if s is not None else 0, owner, due, None if a is None else float(a), bool(late)
        )
        owners[owner] = owners.get(owner, 0) + 1
    ranked = sorted(owners.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    return TriageData(rows, facts, ranked)


class TriageScreen(DataScreen):
    """Every open issue, with facets."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "severity", "Severity", id="triage.severity"),
        Binding("o", "owner", "Owner", id="triage.owner"),
        Binding("u", "unassigned", "Unassigned", show=False, id="triage.unassigned"),
        Binding("d", "due", "Due", id="triage.due"),
        Binding("n", "age", "Age", id="triage.age"),
        Binding("0", "clear_facets", "Clear facets", show=False, id="triage.clear"),
    ]

    crumbs = ("Portfolio", "Triage queue")

    def __init__(self) -> None:
        super().__init__(id="triage")
        self.facets = Facets()
        self.data: TriageData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="facets", classes="facet-line")
        grid = Grid(ISSUE_COLUMNS, id="triage-grid", empty_text="Loading the open issues…")
        yield Pane("Open issues", grid, hint="enter: details", id="triage-pane")
        yield Static(id="issue-detail", classes="detail-line")

    def on_mount(self) -> None:
        grid = self.query_one(Grid)
        grid.sort_by("severity")
        grid.focus()
        self.update_facet_line()

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        self.data = snapshot.cached("triage", lambda: build_triage(snapshot))
        grid = self.query_one(Grid)
        grid.empty_text = "No open issue matches." if self.data.rows else "No open issues."
        grid.set_predicate(
            predicate(self.facets, self.data.facts, snapshot.as_of) if self.facets.active else None
        )
        grid.set_rows(self.data.rows)

    # -- facets ---------------------------------------------------------------------
    def set_facets(self, facets: Facets) -> None:
        self.facets = facets
        grid = self.query_one(Grid)
        if self.data is not None and self.snapshot is not None:
            grid.set_predicate(
                predicate(facets, self.data.facts, self.snapshot.as_of) if facets.active else None
            )
        self.update_facet_line()

    def update_facet_line(self) -> None:
        parts: list[Content | tuple[str, str] | str] = []
        app = self.pmo
        for binding_id, name, value in self.facets.describe():
            key = app.key_for_screen(binding_id, type(self))
            style = "bold $rag-amber" if value not in ("any", "all") else "bold"
            parts += [(f"[{key}] ", "$accent"), (f"{name}: ", "$muted"), (value, style), "  "]
        if self.facets.active:
            parts += [
                (f"[{app.key_for_screen('triage.clear', type(self))}] ", "$accent"),
                ("clear", "$muted"),
            ]
        self.query_one("#facets", Static).update(Content.assemble(*parts), layout=False)

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

    def action_clear_facets(self) -> None:
        self.set_facets(Facets())

    def action_owner(self) -> None:
        if self.data is None:
            return

        def picked(owner: str | None) -> None:
            if owner is not None:
                self.set_facets(replace(self.facets, owner=None if owner == "" else owner))
            self.query_one(Grid).focus()

        self.app.push_screen(OwnerPicker(self.data.owners, self.facets.owner), picked)

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
        detail.update(
            Content.assemble((ident, "bold"), " ", title, ("  in ", "$muted"), (project, "bold")),
            layout=False,
        )

    def on_grid_selected(self, event: Grid.Selected) -> None:
        event.stop()
        self.post_message(OpenItem("issue", event.key))
