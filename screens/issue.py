"""Issue detail (enter on an issue): the decision, the export's fields, the history.

Top to bottom: the current triage state (status, owner, priority, due date,
and what the export says where a decision overrides it), the export's own
fields and description, then the full history of the issue: every field change
and note, who and when, newest first. The view scrolls; ``e`` edits, ``a`` adds
a note, ``o`` opens the issue's project. Other officers' changes appear here
live, like everywhere else.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from pmo_tui.errors import describe
from pmo_tui.screens.base import OpenItem
from pmo_tui.screens.history import history_content
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.triage_actions import WRITE_BINDINGS, TriageActions, pmo_app
from pmo_tui.screens.triage_service import local_time
from pmo_tui.screens.triage_state import OFF, OPEN, TriageView, view_for
from pmo_tui.store import PRIORITY_LABELS, HistoryEntry
from pmo_tui.text import clean, one_line
from pmo_tui.widgets.fmt import Formatter, severity_label

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
#: the export's own values for these (the decision may override them)
FROM_SOURCE = ("status", "owner", "due_date")


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))  # type: ignore[call-overload]


def _text(column: str, value: object, fmt: Formatter) -> str:
    if column == "severity":
        return severity_label(value)
    if column in ("raised_date", "due_date"):
        return fmt.date(value)
    if column in ("age_days", "days_overdue"):
        return "–" if _missing(value) else f"{int(value)} days"  # type: ignore[call-overload]
    if column == "owner" and _missing(value):
        return "— unassigned"
    return "–" if _missing(value) else one_line(value)


def triage_content(
    row: pd.Series, source: pd.Series | None, view: TriageView, fmt: Formatter
) -> Content:
    """The current decision, with the export's value beside each overridden field."""
    issue_id = str(row.get("issue_id"))
    decision = view.decision(issue_id)
    lines: list[Content] = [Content.styled("Triage", "bold")]
    if view.state == OFF:
        lines.append(Content.styled(f"Triage is off: {one_line(view.reason, 200)}", "$text-error"))
    shown = {
        "status": (_text("status", row.get("status"), fmt), decision.status is not None),
        "owner": (_text("owner", row.get("owner"), fmt), decision.owner is not None),
        "priority": (
            PRIORITY_LABELS.get(decision.priority, "–") if decision.priority else "–",
            decision.priority is not None,
        ),
        "due_date": (_text("due_date", row.get("due_date"), fmt), decision.due_date is not None),
    }
    labels = {"status": "Status", "owner": "Owner", "priority": "Priority", "due_date": "Due"}
    for name, (text, decided) in shown.items():
        parts: list[Content | tuple[str, str] | str] = [
            (f"{labels[name]:<12}", "$text-muted"),
            (text, "bold" if decided else ""),
        ]
        if decided and name in FROM_SOURCE and source is not None:
            parts.append((f"   export: {_text(name, source.get(name), fmt)}", "$text-muted"))
        elif not decided and name in FROM_SOURCE:
            parts.append(("   (from the export)", "$text-muted"))
        lines.append(Content.assemble(*parts))
    if decision.version and decision.by:
        notes = (
            f" · {decision.notes} note{'s' if decision.notes != 1 else ''}"
            if decision.notes
            else ""
        )
        lines.append(
            Content.styled(
                f"{'Decided':<12}by {one_line(decision.by, 30)} {local_time(decision.at)} "
                f"(version {decision.version}){notes}",
                "$text-muted",
            )
        )
    elif view.state == OPEN:
        lines.append(Content.styled(f"{'':<12}not triaged yet", "$text-muted"))
    return Content("\n").join(lines)


def issue_content(row: pd.Series, source: pd.Series | None, fmt: Formatter) -> Content:
    """Every field of the export (its own status, owner and due date) and the description."""
    lines: list[Content] = [Content.styled("From the export", "bold")]
    for column, label in FIELDS:
        value = (
            source.get(column) if source is not None and column in FROM_SOURCE else row.get(column)
        )
        lines.append(Content.assemble((f"{label:<12}", "$text-muted"), _text(column, value, fmt)))
    description = row.get("description")
    lines.append(Content(""))
    lines.append(Content.styled("Description", "bold"))
    if _missing(description):
        lines.append(Content.styled("(none)", "$text-muted"))
    else:
        lines.append(Content(clean(description, multiline=True)))
    return Content("\n").join(lines)


class HistoryLoaded(Message):
    def __init__(self, entries: tuple[HistoryEntry, ...] | None, error: str = "") -> None:
        super().__init__()
        self.entries = entries
        self.error = error


class IssueDetail(TriageActions, ModalScreen[None]):
    """One issue: decision, export fields, history. ``e``/``a`` write, ``o`` opens the project."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="issue.close"),
        Binding("o", "open_project", "Open project", id="issue.project"),
        *WRITE_BINDINGS,
    ]

    def __init__(self, issue_id: str, snapshot: Snapshot) -> None:
        super().__init__()
        self.issue_id = issue_id
        self.snapshot = snapshot
        self.history: tuple[HistoryEntry, ...] | None = None

    def _row(self) -> pd.Series | None:
        issues = self.snapshot.metrics.issues
        hit = issues.loc[issues["issue_id"] == self.issue_id]
        return None if hit.empty else hit.iloc[0]

    def _source(self) -> pd.Series | None:
        issues = self.snapshot.portfolio["issues"]
        hit = issues.loc[issues["issue_id"] == self.issue_id]
        return None if hit.empty else hit.iloc[-1]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="issue-box"):
            yield Static(id="issue-title", classes="modal-title")
            yield Static(id="issue-triage")
            yield Static(id="issue-body")
            yield Static(Content.styled("History (newest first)", "bold"), id="issue-history-title")
            yield Static(Content.styled("Loading the history…", "$text-muted"), id="issue-history")
            yield Static(self._keys(), id="issue-keys", classes="dialog-keys")

    def on_mount(self) -> None:
        self.render_issue()
        self.load_history()

    def _keys(self) -> Content:
        app = pmo_app(self)
        parts: list[Content | tuple[str, str] | str] = []
        keys = [("issue.project", "open project"), ("issue.close", "close")]
        if not app.triage_read_only:
            keys = [("triage.edit", "edit"), ("triage.note", "note"), *keys]
        for binding_id, what in keys:
            parts += [(app.key_for_screen(binding_id, type(self)), "bold"), f" {what}   "]
        return Content.assemble(*parts)

    def render_issue(self) -> None:
        row = self._row()
        title = self.query_one("#issue-title", Static)
        if row is None:
            title.update(Content(f"Issue {one_line(self.issue_id)} is no longer in the data."))
            self.query_one("#issue-triage", Static).update(Content(""))
            self.query_one("#issue-body", Static).update(Content(""))
            return
        fmt = self.snapshot.fmt
        source = self._source()
        title.update(
            Content.assemble(
                (one_line(self.issue_id, 24), "bold"), "  ", (one_line(row.get("title")), "bold")
            )
        )
        self.query_one("#issue-triage", Static).update(
            triage_content(row, source, view_for(self.snapshot), fmt)
        )
        self.query_one("#issue-body", Static).update(issue_content(row, source, fmt))
        self.query_one("#issue-keys", Static).update(self._keys())

    @work(thread=True, exclusive=True, group="history", exit_on_error=False, description="history")
    def load_history(self) -> None:
        app = pmo_app(self)
        store = app.store
        if store is None:
            view = app.triage_view
            reason = view.reason if view.state == OFF else "the triage store is still opening"
            self.post_message(HistoryLoaded(None, reason))
            return
        try:
            entries = store.history("issue", self.issue_id)
        except Exception as exc:
            app._log_exception(exc)
            self.post_message(HistoryLoaded(None, describe(exc)))
            return
        self.post_message(HistoryLoaded(entries))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        widget = self.query_one("#issue-history", Static)
        if message.entries is None:
            widget.update(
                Content.styled(f"No history: {one_line(message.error, 200)}", "$text-muted")
            )
            return
        self.history = message.entries
        widget.update(history_content(message.entries))

    def triage_changed(self) -> None:
        """Another officer (or this one) changed something: show the latest."""
        latest = pmo_app(self).snapshot
        if latest is not None:
            self.snapshot = latest
        self.render_issue()
        self.load_history()

    # -- the triage keys -----------------------------------------------------------------
    def edit_targets(self) -> list[str]:
        return [self.issue_id] if self._row() is not None else []

    def note_target(self) -> tuple[str, str] | None:
        return ("issue", self.issue_id)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open_project(self) -> None:
        row = self._row()
        if row is None:
            return
        project_id = str(row.get("project_id"))
        self.dismiss(None)
        self.app.post_message(OpenItem("project-issues", f"{project_id}\x1f{self.issue_id}"))
