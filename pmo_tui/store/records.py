"""The immutable values the store API hands back (safe to pass between threads)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from pmo_tui.store.values import FIELDS, TriageValue, show


@dataclass(frozen=True, slots=True)
class Officer:
    """Who is writing. ``who`` is authoritative: the OS account on SQLite, the
    database ``session_user`` on PostgreSQL. ``os_user`` is always the OS account
    of the process, so a team sharing one database role stays distinguishable."""

    who: str
    os_user: str

    def __str__(self) -> str:
        return self.who if self.who == self.os_user else f"{self.who} ({self.os_user})"


@dataclass(frozen=True, slots=True)
class Triage:
    """The current triage state of one issue. ``version`` 0 means never triaged."""

    issue_id: str
    status: str | None = None
    owner: str | None = None
    priority: int | None = None
    due_date: date | None = None
    version: int = 0
    updated_by: str | None = None
    updated_at: datetime | None = None  # aware, UTC
    changeset: str | None = None

    def value(self, name: str) -> TriageValue:
        if name not in FIELDS:
            raise KeyError(name)
        value: TriageValue = getattr(self, name)
        return value

    def values(self) -> dict[str, TriageValue]:
        return {name: self.value(name) for name in FIELDS}


@dataclass(frozen=True, slots=True)
class Edit:
    """One issue's requested change: the version the officer started from and the
    fields they set (a field left out stays as it is; ``None`` clears it)."""

    issue_id: str
    base_version: int
    changes: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One changed field: an append-only audit row."""

    id: int
    changeset: str
    kind: str
    item_id: str
    field: str
    old: TriageValue
    new: TriageValue
    version: int | None  # the item's triage version this change produced
    who: str
    os_user: str
    at: datetime  # aware, UTC

    def describe(self) -> str:
        return f"{self.field}: {show(self.field, self.old)} → {show(self.field, self.new)}"


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    kind: str
    item_id: str
    body: str  # verbatim; render as plain text
    who: str
    os_user: str
    at: datetime  # aware, UTC
    changeset: str


@dataclass(frozen=True, slots=True)
class Event:
    """One row added to the store: a changed field (``field`` set) or a note (``field``
    None, and no text: :meth:`~pmo_tui.store.Store.events_since` never reads note bodies).

    ``id`` is the audit row's id for a change and the note's id for a note (two
    separate sequences). ``new`` is the field's new value (``None``: no decision).
    """

    id: int
    changeset: str
    who: str
    os_user: str
    kind: str
    item_id: str
    at: datetime  # aware, UTC
    field: str | None = None
    new: TriageValue = None

    @property
    def is_note(self) -> bool:
        return self.field is None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of an item's history: a field change or a note (newest first)."""

    at: datetime
    who: str
    changeset: str
    change: AuditEntry | None = None
    note: Note | None = None


@dataclass(frozen=True, slots=True)
class Saved:
    """The save committed. ``changed`` may be empty when nothing differed (no write)."""

    triage: Triage
    changeset: str
    changed: tuple[str, ...]
    note: Note | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    """The save was refused: someone saved the issue after ``base_version``.

    ``current`` is the row as it is now (who, when, values); ``theirs`` lists the
    field changes made since ``base_version``, oldest first; ``attempted`` and
    ``note`` are what this officer tried to save, normalised, so nothing typed is lost.
    """

    issue_id: str
    base_version: int
    current: Triage
    attempted: Mapping[str, TriageValue]
    theirs: tuple[AuditEntry, ...] = ()
    note: str | None = None

    @property
    def message(self) -> str:
        who = self.current.updated_by or "someone"
        when = (
            self.current.updated_at.strftime("%Y-%m-%d %H:%M UTC")
            if self.current.updated_at
            else ""
        )
        return (
            f"{self.issue_id} was changed by {who} {when} after you opened it "
            f"(version {self.base_version} → {self.current.version}); nothing was saved"
        ).replace("  ", " ")


@dataclass(frozen=True, slots=True)
class BulkSaved:
    saved: tuple[Saved, ...]
    changeset: str


@dataclass(frozen=True, slots=True)
class BulkConflict:
    """A bulk edit is all-or-nothing: nothing was saved because these rows conflicted."""

    conflicts: tuple[Conflict, ...]
    #: ids of the edits that would have saved
    clean: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Round:
    """An officer's triage round."""

    id: int
    officer: str
    os_user: str
    started_at: datetime
    finished_at: datetime | None = None
