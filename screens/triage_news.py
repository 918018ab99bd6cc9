"""What other officers just did, in words for a toast (pure Python, no textual).

The store's watcher says *that* something changed; the reader
(:mod:`pmo_tui.screens.triage_reader`) returns the store's events
(``Store.events_since``: audit and note rows) added since it last looked, and
:func:`describe` writes one short line per change set: ``ana changed I-00042:
owner → Jan`` or ``bob added a note to project P-007``. Everything is plain
text (``one_line``): a hostile owner name is never markup and never an escape
sequence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pmo_tui.text import one_line

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported when it opens, after the paint
    from pmo_tui.store import Event, TriageValue

FIELD_WORDS = {"status": "status", "owner": "owner", "priority": "priority", "due_date": "due"}
MAX_LINES = 3


def _item(kind: str, item_id: str) -> str:
    ident = one_line(item_id, 24)
    return ident if kind == "issue" else f"{kind} {ident}"


def _change_text(field: str, new: TriageValue) -> str:
    from pmo_tui.store import show_value

    return f"{FIELD_WORDS.get(field, field)} → {one_line(show_value(field, new), 30)}"


def describe(events: Iterable[Event]) -> list[str]:
    """One line per change set, in the order the change sets first appear."""
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event.changeset, []).append(event)
    lines: list[str] = []
    for group in groups.values():
        who = one_line(group[0].who, 24)
        changes = {e.field: e.new for e in group if e.field is not None}
        has_note = any(e.field is None for e in group)
        items = list(dict.fromkeys((e.kind, e.item_id) for e in group))
        parts = [_change_text(f, n) for f, n in changes.items()]
        if len(items) == 1:
            target = _item(*items[0])
            if parts and has_note:
                lines.append(f"{who} changed {target}: {', '.join(parts)} (with a note)")
            elif parts:
                lines.append(f"{who} changed {target}: {', '.join(parts)}")
            else:
                lines.append(f"{who} added a note to {target}")
        else:
            what = ", ".join(parts) if parts else "a note"
            lines.append(f"{who} changed {len(items)} issues: {what}")
    return lines


def summarise(lines: list[str]) -> str:
    """At most three lines, then ``… and N more``."""
    if len(lines) <= MAX_LINES:
        return "\n".join(lines)
    shown = lines[-MAX_LINES:]
    return "\n".join([*shown, f"… and {len(lines) - MAX_LINES} more changes"])


class News:
    """Turns the reader's events into toast lines; never announces this app's own saves."""

    def __init__(self) -> None:
        #: change sets this app saved itself
        self.own: set[str] = set()

    def lines(self, events: Iterable[Event]) -> list[str]:
        return describe(e for e in events if e.changeset not in self.own)
