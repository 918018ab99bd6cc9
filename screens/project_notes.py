"""The project screen's notes tab and its triage keys.

The tab lists every note on the project, its milestones and its issues, newest
first, with who wrote it, when and what it is about. ``a`` adds a note to what
is selected: the issue or milestone under the cursor on those tabs, else the
project. ``e`` edits the issue under the cursor on the issues tab.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static, TabbedContent

from pmo_tui.errors import describe
from pmo_tui.screens.history import notes_content
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.screens.triage_actions import TriageActions, pmo_app
from pmo_tui.screens.triage_state import OFF
from pmo_tui.store import Note, Store
from pmo_tui.text import one_line
from pmo_tui.widgets.grid import Grid
from pmo_tui.widgets.static import show_content
from pmo_tui.widgets.workers import thread_work

Item = tuple[str, str]  # (kind, id)


def notes_about(store: Store, items: Mapping[Item, str]) -> list[tuple[Note, str]]:
    """Every note on ``items`` (kind, id) with its label, newest first (a few queries)."""
    return [(note, items[(note.kind, note.item_id)]) for note in store.notes_on(items)]


def project_items(snapshot: Snapshot, project_id: str) -> dict[Item, str]:
    """The project, its milestones and its issues, with how the notes tab names them."""
    items: dict[Item, str] = {("project", project_id): "the project"}
    milestones = snapshot.rows_for_project("milestones", project_id)
    for ident, name in zip(milestones["milestone_id"], milestones["name"], strict=True):
        items[("milestone", str(ident))] = f"milestone {one_line(ident, 20)} {one_line(name, 50)}"
    issues = snapshot.rows_for_project("issues", project_id)
    for ident, title in zip(issues["issue_id"], issues["title"], strict=True):
        items[("issue", str(ident))] = f"issue {one_line(ident, 20)} {one_line(title, 50)}"
    return items


class NotesLoaded(Message):
    def __init__(self, project_id: str, notes: Sequence[tuple[Note, str]] | None, error: str = ""):
        super().__init__()
        self.project_id = project_id
        self.notes = notes
        self.error = error


class ProjectNotes(VerticalScroll):
    """The notes of one project and everything in it, newest first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=True)
        self.project_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Loading the notes…", "$text-muted"), id="notes-list")

    def load(self, snapshot: Snapshot, project_id: str) -> None:
        if project_id != self.project_id:
            self.query_one("#notes-list", Static).update(
                Content.styled("Loading the notes…", "$text-muted")
            )
        self.project_id = project_id
        self._load(snapshot, project_id)

    # description: never let Textual repr() the Snapshot argument on the UI thread (≈70 ms)
    @thread_work(group="notes", exclusive=True, description="notes")
    def _load(self, snapshot: Snapshot, project_id: str) -> None:
        app = pmo_app(self)
        store = app.store
        if store is None:
            view = app.triage_view
            reason = view.reason if view.state == OFF else "the triage store is still opening"
            self.post_message(NotesLoaded(project_id, None, reason))
            return
        try:
            notes = notes_about(store, project_items(snapshot, project_id))
        except Exception as exc:
            app._log_exception(exc)
            self.post_message(NotesLoaded(project_id, None, describe(exc)))
            return
        self.post_message(NotesLoaded(project_id, notes))

    def on_notes_loaded(self, message: NotesLoaded) -> None:
        if message.project_id != self.project_id:
            return
        widget = self.query_one("#notes-list", Static)
        app = pmo_app(self)
        key = app.key_for_screen("triage.note", type(self.screen))
        if message.notes is None:
            widget.update(
                Content.styled(f"Notes cannot be shown: {one_line(message.error, 200)}", "$muted")
            )
            return
        hint = Content.styled(
            f"Notes on this project, its milestones and its issues, newest first. "
            f"{key}: add a note (to the project here; to the issue or milestone under the "
            "cursor on those tabs).",
            "$muted",
        )
        if app.triage_read_only:
            hint = Content.styled(
                "Notes on this project, its milestones and its issues, newest first.", "$muted"
            )
        show_content(widget, Content("\n\n").join([hint, notes_content(message.notes)]))


class ProjectTriage(TriageActions):
    """The triage keys on the project screen (mixed into ``ProjectScreen``)."""

    if TYPE_CHECKING:  # provided by ProjectScreen
        project_id: str
        snapshot: Snapshot | None

        def query_one(self, *args: Any, **kwargs: Any) -> Any: ...

    def _active_tab(self) -> str:
        active: str = self.query_one(TabbedContent).active
        return active

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "triage_edit" and self._active_tab() != "issues":
            return False  # e edits issues: only offered on the issues tab
        return super().check_action(action, parameters)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # Textual calls this and ProjectScreen's own handler (every class in the MRO)
        refresh: Any = getattr(self, "refresh_bindings", None)
        if callable(refresh):
            refresh()

    def triage_grid(self) -> Grid | None:
        if self._active_tab() == "issues":
            grid: Grid = self.query_one("#issue-grid", Grid)
            return grid
        return None

    def note_target(self) -> tuple[str, str] | None:
        tab = self._active_tab()
        if tab in ("issues", "milestones"):
            grid: Grid = self.query_one(f"#{tab[:-1]}-grid", Grid)
            key = grid.cursor_key
            if key is not None:
                return (tab[:-1], key)
        return ("project", self.project_id)

    def reload_notes(self) -> None:
        if self.snapshot is not None:
            self.query_one(ProjectNotes).load(self.snapshot, self.project_id)

    def triage_changed(self) -> None:
        self.reload_notes()
