"""Updating a ``Static`` only when what it shows changes."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def show_content(widget: Static, content: Content) -> bool:
    """Put ``content`` in ``widget`` unless it shows the very same (text and styles).

    ``Static.update`` always asks for a layout pass, in case the widget's size
    changes. After a live refresh most headers read as before, and the passes
    they asked for held the changed cells back (~4-6 ms of the UI thread on the
    large demo, before the change reached the terminal). True if it changed.
    """
    old = widget.content
    if isinstance(old, Content) and old.plain == content.plain and old.spans == content.spans:
        return False
    widget.update(content)
    return True
