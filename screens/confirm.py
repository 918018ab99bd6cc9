""" "Discard your changes? y/n": the step between a stray Escape and lost work."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmDiscard(ModalScreen[bool]):
    """``y`` discards (True); ``n`` or another Escape goes back to editing (False)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Discard", id="discard.yes"),
        Binding("n,escape", "answer(False)", "Keep editing", id="discard.no"),
    ]

    def __init__(self, what: str = "your changes") -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="triage-dialog"):
            yield Static(Content(f"Discard {self.what}?"), classes="modal-title")
            yield Static(
                Content.assemble(
                    ("y", "bold"),
                    " discard    ",
                    ("n", "bold"),
                    " / ",
                    ("esc", "bold"),
                    " keep editing",
                ),
                classes="dialog-keys",
            )

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)
