"""Add a timestamped note (``a``) to an issue, a project or a milestone.

A multi-line editor; ``ctrl+s`` (or ``f2``) saves, ``escape`` cancels and asks
first when something was typed. The note is stored exactly as typed (pasted
escape sequences and control characters are removed on the way in) and is
always shown as plain text: ``[@click=app.quit]x[/]`` reads as exactly that
and runs nothing, and a URL is never a link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from pmo_tui.errors import describe
from pmo_tui.screens.confirm import ConfirmDiscard
from pmo_tui.store import Note
from pmo_tui.text import one_line
from pmo_tui.widgets.plaintext import PlainTextArea
from pmo_tui.widgets.workers import thread_work

if TYPE_CHECKING:
    from pmo_tui.app import PmoApp


def item_label(app: PmoApp, kind: str, item_id: str) -> str:
    """``issue I-02 Scope creep`` / ``project P-01 Citizen portal`` from the snapshot."""
    snapshot = app.snapshot
    name = ""
    if snapshot is not None:
        table, column = {
            "issue": ("issues", "title"),
            "project": ("projects", "name"),
            "milestone": ("milestones", "name"),
        }[kind]
        frame = snapshot.portfolio[table]
        id_column = f"{kind}_id"
        hit = frame.loc[frame[id_column].astype("str") == item_id, column]
        if len(hit):
            name = one_line(hit.iloc[0], 60)
    return f"{kind} {one_line(item_id, 24)} {name}".strip()


def open_note_editor(app: PmoApp, kind: str, item_id: str) -> None:
    def done(note: Note | None) -> None:
        if note is not None:
            app.after_write(note, f"note added to {kind} {one_line(item_id, 24)}")

    app.push_screen(NoteScreen(kind, item_id, item_label(app, kind, item_id)), done)


class NoteSaved(Message):
    def __init__(self, note: Note) -> None:
        super().__init__()
        self.note = note


class NoteFailed(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class NoteScreen(ModalScreen[Note | None]):
    """Write one note; returns the saved :class:`~pmo_tui.store.Note` or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # not a priority binding: the key reaches the focused field after the keys typed
        # before it, so a burst ending in ctrl+s saves every character of the burst
        Binding("ctrl+s,f2", "save", "Save", id="note.save"),
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
    ]

    def __init__(self, kind: str, item_id: str, label: str) -> None:
        super().__init__()
        self.kind = kind
        self.item_id = item_id
        self.label = label
        self.saving = False

    @property
    def pmo(self) -> PmoApp:
        from pmo_tui.screens.triage_actions import pmo_app

        return pmo_app(self)

    def compose(self) -> ComposeResult:
        save = self.pmo.key_for_screen("note.save", type(self))
        with Vertical(id="note-box", classes="triage-dialog"):
            yield Static(
                Content.assemble(("Note on ", ""), (one_line(self.label, 90), "bold")),
                classes="modal-title",
            )
            yield Static(
                Content(
                    f"as {one_line(self.pmo.officer_name, 30)}, timestamped when saved; "
                    "notes cannot be edited later (add another to correct one)"
                ),
                classes="dialog-muted",
            )
            yield PlainTextArea(id="note-text", classes="dialog-note note-editor")
            yield Static(id="note-status", classes="dialog-status")
            yield Static(
                Content.assemble(
                    (save, "bold"),
                    " save   ",
                    ("enter", "bold"),
                    " new line   ",
                    ("esc", "bold"),
                    " cancel",
                ),
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self.query_one("#note-status", Static).display = False
        self.query_one(PlainTextArea).focus()

    def _status(self, text: str, style: str = "") -> None:
        status = self.query_one("#note-status", Static)
        status.display = bool(text)
        status.update(Content.styled(text, style))

    def action_save(self) -> None:
        if self.saving:
            return
        body = self.query_one(PlainTextArea).text
        if not body.strip():
            self._status("The note is empty: type something, or escape to cancel.", "bold $error")
            return
        self.saving = True
        self.query_one(PlainTextArea).read_only = True
        self._status("saving…", "bold $text-accent")
        self._save(body)

    @thread_work(group="save", exclusive=True, description="save")
    def _save(self, body: str) -> None:
        app = self.pmo
        store = app.store
        if store is None:
            self.post_message(NoteFailed(app.write_refusal() or "the store is not open"))
            return
        try:
            note = store.add_note(self.kind, self.item_id, body)
            app.mark_own(note)
        except Exception as exc:
            app._log_exception(exc)
            self.post_message(NoteFailed(describe(exc)))
            return
        self.post_message(NoteSaved(note))

    def on_note_saved(self, message: NoteSaved) -> None:
        self.dismiss(message.note)

    def on_note_failed(self, message: NoteFailed) -> None:
        self.saving = False
        self.query_one(PlainTextArea).read_only = False
        self._status(f"Nothing was saved: {one_line(message.reason, 200)}", "bold $error")

    def action_cancel(self) -> None:
        if self.saving:
            return
        if not self.query_one(PlainTextArea).text.strip():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDiscard("this note"), answered)
