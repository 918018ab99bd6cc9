"""Text fields that only ever hold plain, printable text.

Typing cannot produce control characters, but a paste can: a bracketed paste
of ``\\x1b]8;;http://…`` or ``\\x1b[2J`` would otherwise sit in the note and,
worse, in the editor's own lines on screen. Pasted text is cleaned with
:func:`pmo_tui.text.clean` (``multiline``: line breaks and tabs kept).
"""

from __future__ import annotations

from textual import events
from textual.document._document import Location
from textual.document._edit import EditResult
from textual.widgets import Input, TextArea

from pmo_tui.text import clean, one_line


class PlainTextArea(TextArea):
    """``TextArea`` without escape sequences or control characters; tab moves focus."""

    DEFAULT_CSS = """
    PlainTextArea { height: 6; }
    """

    def __init__(self, text: str = "", *, id: str | None = None, classes: str | None = None):
        super().__init__(
            clean(text, multiline=True),
            id=id,
            classes=classes,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
        )

    def _replace_via_keyboard(
        self, insert: str, start: Location, end: Location
    ) -> EditResult | None:
        return super()._replace_via_keyboard(clean(insert, multiline=True), start, end)


class PlainInput(Input):
    """``Input`` whose pastes are cleaned to one plain line (no escape sequences)."""

    def _on_paste(self, event: events.Paste) -> None:
        text = event.text.splitlines()[0] if event.text else ""
        super()._on_paste(events.Paste(one_line(text)))
        event.prevent_default()  # Input's own handler would insert the raw text again
        event.stop()
