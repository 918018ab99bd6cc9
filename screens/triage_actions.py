"""The triage keys shared by the queue, the project's issue list and the issue detail.

``e`` edits the selected issue (or every marked one), ``a`` adds a note to the
selected issue, project or milestone, ``space`` marks rows for a bulk edit.
In a read-only session (``--read-only``, ``--kiosk``, or a store that could not
be opened) these keys are hidden from the key bar and pressing one only says
why nothing can be changed: each write binding has a twin with the same id and
key that is active exactly when the write one is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

from pmo_tui.widgets.grid import Grid
from pmo_tui.widgets.markgrid import MarkGrid

if TYPE_CHECKING:
    from pmo_tui.app import PmoApp

WRITE_ACTIONS = frozenset({"triage_edit", "triage_note", "triage_mark", "round"})

WRITE_BINDINGS: list[BindingType] = [
    Binding("e", "triage_edit", "Edit", id="triage.edit"),
    Binding("e", "refuse_write", "Edit", show=False, id="triage.edit"),
    Binding("a", "triage_note", "Note", id="triage.note"),
    Binding("a", "refuse_write", "Note", show=False, id="triage.note"),
]
MARK_BINDINGS: list[BindingType] = [
    Binding("space", "triage_mark", "Mark", id="triage.mark"),
    Binding("space", "refuse_write", "Mark", show=False, id="triage.mark"),
    Binding("asterisk", "mark_all", "Mark all shown", show=False, id="triage.mark_all"),
    Binding("M", "clear_marks", "Clear marks", show=False, id="triage.unmark"),
]


def pmo_app(node: Any) -> PmoApp:
    from pmo_tui.app import PmoApp

    app = node.app
    assert isinstance(app, PmoApp)
    return app


class TriageActions:
    """Mixin for screens with the triage keys. Subclasses say what is selected."""

    app: Any

    def triage_grid(self) -> Grid | None:
        """The grid whose cursor (and marks) ``e`` acts on."""
        return None

    def edit_targets(self) -> list[str]:
        """Issue ids ``e`` edits: the marked rows, else the row under the cursor."""
        grid = self.triage_grid()
        if grid is None:
            return []
        if isinstance(grid, MarkGrid) and grid.marked:
            return list(grid.marked)
        key = grid.cursor_key
        return [] if key is None else [key]

    def note_target(self) -> tuple[str, str] | None:
        """(kind, id) that ``a`` annotates: an issue, a project or a milestone."""
        return None

    # -- key state ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS or action == "refuse_write":
            read_only = pmo_app(self).triage_read_only
            return read_only if action == "refuse_write" else not read_only
        if action in ("mark_all", "clear_marks"):
            return not pmo_app(self).triage_read_only
        parent: Any = super()
        result: bool | None = parent.check_action(action, parameters)
        return result

    # -- actions -------------------------------------------------------------------------
    def action_refuse_write(self) -> None:
        pmo_app(self).refuse_write()

    def action_triage_edit(self) -> None:
        from pmo_tui.screens.edit import open_editor

        app = pmo_app(self)
        if app.write_refusal():
            app.refuse_write()
            return
        ids = self.edit_targets()
        if not ids:
            app.notify_plain("No issue selected.", severity="warning", timeout=3)
            return
        grid = self.triage_grid()
        open_editor(app, ids, on_saved=self._after_bulk if len(ids) > 1 else None, grid=grid)

    def _after_bulk(self) -> None:
        grid = self.triage_grid()
        if isinstance(grid, MarkGrid):
            grid.clear_marks()

    def action_triage_note(self) -> None:
        from pmo_tui.screens.note import open_note_editor

        app = pmo_app(self)
        if app.write_refusal():
            app.refuse_write()
            return
        target = self.note_target()
        if target is None:
            app.notify_plain("Nothing selected to add a note to.", severity="warning", timeout=3)
            return
        open_note_editor(app, *target)

    def action_triage_mark(self) -> None:
        grid = self.triage_grid()
        if isinstance(grid, MarkGrid) and grid.cursor_key is not None:
            grid.toggle_mark()
            grid.action_cursor_down()

    def action_mark_all(self) -> None:
        grid = self.triage_grid()
        if isinstance(grid, MarkGrid):
            shown = grid.visible_keys()
            every = all(key in grid.marked for key in shown)
            grid.mark_keys(shown, marked=not every)

    def action_clear_marks(self) -> None:
        grid = self.triage_grid()
        if isinstance(grid, MarkGrid):
            grid.clear_marks()
