"""The loader's problems: file, row, column, value, rule and message, one per line.

Opened from the status bar's key (``p`` by default). The line under the table
shows the full message of the row under the cursor, because messages and
values are often longer than a column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from pmo_tui.problems import Problem, Severity
from pmo_tui.screens.base import DataScreen
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.text import one_line
from pmo_tui.widgets.grid import Grid, GridColumn, GridRow
from pmo_tui.widgets.pane import Pane

COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("severity", "Sev", 7, priority=2, title="Severity"),
    GridColumn("file", "File", 24, priority=0, min_width=10),
    GridColumn("row", "Row", 6, align="right", priority=0, min_width=4),
    GridColumn("column", "Column", 16, priority=1, min_width=8),
    GridColumn("value", "Value", 18, priority=3, min_width=8),
    GridColumn("rule", "Rule", 18, priority=2, min_width=8),
    GridColumn("message", "Message", 40, flex=True, min_width=16),
)


def problem_rows(problems: Sequence[Problem]) -> list[GridRow]:
    rows = []
    for n, problem in enumerate(problems):
        error = problem.severity is Severity.ERROR
        rows.append(
            GridRow(
                key=str(n),
                cells=(
                    "error" if error else "warning",
                    one_line(problem.file),
                    "" if problem.row is None else str(problem.row),
                    one_line(problem.column or ""),
                    one_line(problem.value or ""),
                    one_line(problem.rule),
                    one_line(problem.message),
                ),
                tones=("red" if error else "amber", "", "", "", "", "dim", ""),
                sort=(
                    0 if error else 1,
                    one_line(problem.file).casefold(),
                    problem.row,
                    one_line(problem.column or "").casefold(),
                    one_line(problem.value or ""),
                    problem.rule,
                    one_line(problem.message).casefold(),
                ),
                search_extra=one_line(problem.table or ""),
            )
        )
    return rows


class ProblemsScreen(DataScreen):
    """Every problem the loader reported, sortable and filterable."""

    crumbs = ("Portfolio", "Loader problems")

    BINDINGS: ClassVar = []

    def __init__(self) -> None:
        super().__init__(id="problems")
        self._problems: tuple[Problem, ...] = ()

    def compose_body(self) -> ComposeResult:
        grid = Grid(
            COLUMNS,
            id="problems-grid",
            empty_text="No problems: every row loaded.",
            selectable=False,
        )
        yield Pane("Loader problems", grid, hint="the full text is below", id="problems-pane")
        yield Static(id="problem-detail", classes="detail-line")

    def on_mount(self) -> None:
        self.query_one(Grid).focus()

    def show(self, snapshot: Snapshot) -> None:
        super().show(snapshot)
        self._problems = snapshot.portfolio.problems
        self.query_one(Grid).set_rows(problem_rows(self._problems))

    def on_grid_highlighted(self, event: Grid.Highlighted) -> None:
        detail = self.query_one("#problem-detail", Static)
        if event.key is None or not event.key.isdigit() or int(event.key) >= len(self._problems):
            detail.update(Content(""), layout=False)
            return
        detail.update(Content(one_line(str(self._problems[int(event.key)]))), layout=False)
