"""What other officers just did, in words for a toast (pure Python, no textual).

The store's watcher says *that* something changed; :class:`News` reads the
audit trail and notes added since it last looked and writes one short line per
change set: ``ana changed I-00042: owner → Jan`` or ``bob added a note to
project P-007``. It goes by the rows' ids, not their times, so a colleague's
clock (or a late commit) never hides a change; the ids of a recent window are
remembered, so a row that committed out of id order is still reported once.
Everything is plain text (``one_line``): a hostile owner name is never markup
and never an escape sequence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from pmo_tui.store import Store
from pmo_tui.store.schema import audit, note
from pmo_tui.store.values import decode, show
from pmo_tui.text import one_line

#: ids this far below the highest seen are read again (commits out of id order)
WINDOW = 500
FIELD_WORDS = {"status": "status", "owner": "owner", "priority": "priority", "due_date": "due"}
MAX_LINES = 3


@dataclass(frozen=True, slots=True)
class Event:
    """One audit row (``field`` set) or one note (``field`` None)."""

    changeset: str
    who: str
    kind: str
    item_id: str
    field: str | None = None
    new: str | None = None


def _item(kind: str, item_id: str) -> str:
    ident = one_line(item_id, 24)
    return ident if kind == "issue" else f"{kind} {ident}"


def _change_text(field: str, new: str | None) -> str:
    try:
        value = show(field, decode(field, new))
    except (TypeError, ValueError):
        value = str(new)
    return f"{FIELD_WORDS.get(field, field)} → {one_line(value, 30)}"


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


class _Cursor:
    """The ids of one table seen so far (the highest, and a window below it)."""

    def __init__(self) -> None:
        self.top = 0
        self.seen: set[int] = set()

    def fresh(self, ids: Iterable[int]) -> set[int]:
        new = {i for i in ids if i not in self.seen}
        self.seen |= new
        self.top = max([self.top, *new])
        floor = self.top - WINDOW
        self.seen = {i for i in self.seen if i > floor}
        return new

    @property
    def floor(self) -> int:
        return max(0, self.top - WINDOW)


class News:
    """Reads what changed in the store since the last read; never reports a change twice."""

    def __init__(self) -> None:
        self._audit = _Cursor()
        self._notes = _Cursor()
        #: change sets this app saved itself (never announced back)
        self.own: set[str] = set()

    def prime(self, store: Store) -> None:
        """Mark what is already there as seen (at start: nothing is news yet)."""
        with store.engine.connect() as conn:
            top_audit = conn.execute(sa.select(sa.func.max(audit.c.id))).scalar() or 0
            top_note = conn.execute(sa.select(sa.func.max(note.c.id))).scalar() or 0
            conn.rollback()
        self._audit.top, self._notes.top = int(top_audit), int(top_note)
        self.read(store)  # the window below the top counts as seen

    def read(self, store: Store) -> list[str]:
        columns = (audit.c.id, audit.c.changeset, audit.c.who, audit.c.kind, audit.c.item_id)
        with store.engine.connect() as conn:
            changes = conn.execute(
                sa.select(*columns, audit.c.field, audit.c.new_value)
                .where(audit.c.id > self._audit.floor)
                .order_by(audit.c.id)
            ).all()
            notes = conn.execute(
                sa.select(note.c.id, note.c.changeset, note.c.who, note.c.kind, note.c.item_id)
                .where(note.c.id > self._notes.floor)
                .order_by(note.c.id)
            ).all()
            conn.rollback()
        new_changes = self._audit.fresh(r.id for r in changes)
        new_notes = self._notes.fresh(r.id for r in notes)
        events = [
            Event(r.changeset, r.who, r.kind, r.item_id, r.field, r.new_value)
            for r in changes
            if r.id in new_changes and r.changeset not in self.own
        ]
        events += [
            Event(r.changeset, r.who, r.kind, r.item_id)
            for r in notes
            if r.id in new_notes and r.changeset not in self.own
        ]
        return describe(events)
