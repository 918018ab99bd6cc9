"""The audit trail and notes as plain text on screen (who, when, what; newest first).

Everything typed by officers or coming from the store is shown through
``Content`` built from :func:`pmo_tui.text.clean` / ``one_line``: never markup,
never an escape sequence, never a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from textual.content import Content

from pmo_tui.screens.triage_service import local_time
from pmo_tui.store import AuditEntry, HistoryEntry, Note, show_value
from pmo_tui.text import clean, one_line

INDENT = "    "
FIELD_WORDS = {"status": "status", "owner": "owner", "priority": "priority", "due_date": "due date"}


def change_text(entry: AuditEntry) -> str:
    """``owner: — → Ann`` (``—``: no decision), in the officer's words."""
    name = FIELD_WORDS.get(entry.field, entry.field)
    old, new = show_value(entry.field, entry.old), show_value(entry.field, entry.new)
    return one_line(f"{name}: {old} → {new}", 120)


def note_body(body: str) -> Content:
    """A note's text, indented, line breaks kept, nothing interpreted."""
    text = clean(body, multiline=True)
    return Content("\n".join(INDENT + line for line in text.split("\n")))


def _head(at: datetime | None, who: str) -> list[Content | tuple[str, str] | str]:
    return [(local_time(at), "$text-muted"), "  ", (one_line(who, 24), "bold")]


def history_content(entries: Sequence[HistoryEntry]) -> Content:
    """One block per change set, newest first: field changes on one line, then the note."""
    if not entries:
        return Content.styled("No changes or notes yet.", "$text-muted")
    blocks: list[Content] = []
    groups: list[list[HistoryEntry]] = []
    for entry in entries:
        if groups and groups[-1][0].changeset == entry.changeset:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    for group in groups:
        first = group[0]
        changes = [e.change for e in group if e.change is not None]
        notes = [e.note for e in group if e.note is not None]
        parts = _head(first.at, first.who)
        if changes:
            parts += ["  ", " · ".join(change_text(c) for c in reversed(changes))]
            version = changes[0].version
            if version:
                parts.append((f"  (v{version})", "$text-muted"))
        elif notes:
            parts += ["  ", ("note", "$text-accent")]
        lines = [Content.assemble(*parts)]
        for note in notes:
            lines.append(note_body(note.body))
        blocks.append(Content("\n").join(lines))
    return Content("\n").join(blocks)


def notes_content(notes: Iterable[tuple[Note, str]]) -> Content:
    """Notes with what they are about (``issue I-01 Vendor late``), newest first."""
    blocks: list[Content] = []
    for note, about in notes:
        head = Content.assemble(
            *_head(note.at, note.who), ("  on ", "$text-muted"), (one_line(about, 80), "")
        )
        blocks.append(Content("\n").join([head, note_body(note.body)]))
    if not blocks:
        return Content.styled("No notes yet.", "$text-muted")
    return Content("\n\n").join(blocks)
