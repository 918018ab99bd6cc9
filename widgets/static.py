"""Updating a ``Static`` only when what it shows changes."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def show_content(widget: Static, content: Content, *, layout: bool = True) -> bool:
    """Put ``content`` in ``widget`` unless it shows the very same (text and styles).

    ``Static.update`` always asks for a layout pass, in case the widget's size
    changes (``layout=False``: a widget of fixed size, repainted only), and a
    repaint. After a live refresh most headers read as before, and the passes
    they asked for held the changed cells back (~4-6 ms of the UI thread on the
    large demo, before the change reached the terminal); the repaints rewrote
    their lines on the terminal. True if it changed.
    """
    old = widget.content
    if isinstance(old, Content) and old.plain == content.plain and old.spans == content.spans:
        return False
    widget.update(content, layout=layout)
    return True
