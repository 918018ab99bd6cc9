"""Issue detail (enter on an issue): every source field, read-only for now.

Triage edits (status, owner, priority, due date), notes and the audit trail
arrive with the triage store; the screen says so instead of pretending.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pmo_tui.screens.base import OpenItem
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.widgets.fmt import Formatter, severity_label
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from pmo_tui.text import clean, one_line

FIELDS: tuple[tuple[str, str], ...] = (
    ("issue_id", "Id"),
    ("project_name", "Project"),
    ("type", "Type"),
    ("severity", "Severity"),
    ("status", "Status"),
    ("owner", "Owner"),
    ("raised_date", "Raised"),
    ("age_days", "Age"),
    ("due_date", "Due"),
    ("days_overdue", "Overdue by"),
)
STORE_NOTE = (
    "Triage (status, owner, priority, due date), notes and the history of changes "
    "arrive with the triage store; this view is read-only until then."
)


def issue_content(row: pd.Series, fmt: Formatter) -> Content:
    lines: list[Content] = [Content.styled(one_line(row.get("title")), "bold")]
    for column, label in FIELDS:
        value = row.get(column)
        missing = value is None or (not isinstance(value, str) and pd.isna(value))
        if column == "severity":
            text = severity_label(value)
        elif column in ("raised_date", "due_date"):
            text = fmt.date(value)
        elif column in ("age_days", "days_overdue"):
            text = "–" if missing or value is None else f"{int(value)} days"
        else:
            text = "–" if missing else one_line(value)
        if column == "owner" and missing:
            text = "— unassigned"
        lines.append(Content.assemble((f"{label:<12}", "$muted"), text))
    description = row.get("description")
    lines.append(Content(""))
    lines.append(Content.styled("Description", "bold"))
    if description is None or (not isinstance(description, str) and pd.isna(description)):
        lines.append(Content.styled("(none)", "$muted"))
    else:
        lines.append(Content(clean(description, multiline=True)))
    lines.append(Content(""))
    lines.append(Content.styled(STORE_NOTE, "$muted italic"))
    return Content("\n").join(lines)


class IssueDetail(ModalScreen[None]):
    """One issue's fields; ``o`` opens its project."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="issue.close"),
        Binding("o", "open_project", "Open project", id="issue.project"),
    ]

    def __init__(self, issue_id: str, snapshot: Snapshot) -> None:
        super().__init__()
        self.issue_id = issue_id
        self.snapshot = snapshot

    def _row(self) -> pd.Series | None:
        issues = self.snapshot.metrics.issues
        hit = issues.loc[issues["issue_id"] == self.issue_id]
        return None if hit.empty else hit.iloc[0]

    def compose(self) -> ComposeResult:
        row = self._row()
        with VerticalScroll(id="issue-box"):
            if row is None:
                yield Static(Content(f"Issue {one_line(self.issue_id)} is no longer in the data."))
            else:
                yield Static(issue_content(row, self.snapshot.fmt), id="issue-body")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open_project(self) -> None:
        row = self._row()
        if row is None:
            return
        project_id = str(row.get("project_id"))
        self.dismiss(None)
        self.app.post_message(OpenItem("project-issues", f"{project_id}\x1f{self.issue_id}"))
