"""Reading what was added to the store by id: the audit trail and the notes.

Audit and note ids are monotonic, so a reader that remembers the highest ids it
has seen can ask for everything after them (:meth:`Store.events_since
<pmo_tui.store.Store.events_since>`) without trusting any clock. Note bodies
are never read here: an event says *that* a note was added, not what it says.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pmo_tui.store.batches import batches
from pmo_tui.store.records import Event, Note
from pmo_tui.store.schema import audit, note
from pmo_tui.store.values import TriageValue, check_item_id, check_kind, decode


def last_ids(conn: Connection) -> tuple[int, int]:
    """The highest audit id and note id (0 for an empty table)."""
    top_audit = conn.execute(sa.select(sa.func.max(audit.c.id))).scalar()
    top_note = conn.execute(sa.select(sa.func.max(note.c.id))).scalar()
    return int(top_audit or 0), int(top_note or 0)


def _value(field: str, text: str | None) -> TriageValue:
    """The audit text decoded; a value this version cannot decode is kept as text."""
    try:
        return decode(field, text)
    except (TypeError, ValueError):
        return text


def since(conn: Connection, audit_id: int, note_id: int) -> tuple[Event, ...]:
    """Audit rows after ``audit_id``, then notes after ``note_id``, each in id order."""
    changes = conn.execute(
        sa.select(
            audit.c.id,
            audit.c.changeset,
            audit.c.who,
            audit.c.os_user,
            audit.c.kind,
            audit.c.item_id,
            audit.c.at,
            audit.c.field,
            audit.c.new_value,
        )
        .where(audit.c.id > audit_id)
        .order_by(audit.c.id)
    ).all()
    notes = conn.execute(
        sa.select(
            note.c.id,
            note.c.changeset,
            note.c.who,
            note.c.os_user,
            note.c.kind,
            note.c.item_id,
            note.c.at,
        )
        .where(note.c.id > note_id)
        .order_by(note.c.id)
    ).all()
    out = [
        Event(
            r.id,
            r.changeset,
            r.who,
            r.os_user,
            r.kind,
            r.item_id,
            r.at,
            r.field,
            _value(r.field, r.new_value),
        )
        for r in changes
    ]
    out += [Event(r.id, r.changeset, r.who, r.os_user, r.kind, r.item_id, r.at) for r in notes]
    return tuple(out)


def note_of(row: Any) -> Note:
    return Note(
        id=row.id,
        kind=row.kind,
        item_id=row.item_id,
        body=row.body,
        who=row.who,
        os_user=row.os_user,
        at=row.at,
        changeset=row.changeset,
    )


def group_items(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """``(kind, id)`` pairs checked and grouped by kind (each id once, in first order)."""
    by_kind: dict[str, dict[str, None]] = {}
    for kind, item_id in items:
        by_kind.setdefault(check_kind(kind), {})[check_item_id(item_id)] = None
    return {kind: list(ids) for kind, ids in by_kind.items()}


def notes_on(conn: Connection, by_kind: dict[str, list[str]]) -> tuple[Note, ...]:
    """Every note on the grouped items, newest first (by time, then id)."""
    found: list[Note] = []
    for kind, ids in by_kind.items():
        for chunk in batches(ids):
            query = sa.select(note).where(note.c.kind == kind, note.c.item_id.in_(chunk))
            found.extend(note_of(r) for r in conn.execute(query))
    found.sort(key=lambda n: (n.at, n.id), reverse=True)
    return tuple(found)
