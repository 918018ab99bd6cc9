"""The store API: triage, notes, audit trail, rounds, queue lookups and MTA.

Every method is blocking and thread-safe; the UI calls them from thread workers.
Writes run in one short transaction each, retried with backoff when the
database is busy, and are refused on a read-only store. See ``docs/store.md``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NoReturn, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from pmo_tui.errors import redact
from pmo_tui.sources.base import Change, WatchState
from pmo_tui.store import engine as engines
from pmo_tui.store import events, migrate, mta, watching
from pmo_tui.store.batches import batches
from pmo_tui.store.errors import (
    FolderGone,
    ReadOnlyStore,
    SchemaMismatch,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)
from pmo_tui.store.events import note_of
from pmo_tui.store.location import Location, resolve
from pmo_tui.store.records import (
    AuditEntry,
    BulkConflict,
    BulkSaved,
    Conflict,
    Edit,
    Event,
    HistoryEntry,
    Note,
    Officer,
    Round,
    Saved,
    Triage,
)
from pmo_tui.store.retry import Transient, backoff, classify
from pmo_tui.store.schema import audit, forecast, note, round_, seen, triage
from pmo_tui.store.values import (
    FIELDS,
    TriageValue,
    check_item_id,
    check_kind,
    decode,
    encode,
    normalize_changes,
    normalize_note,
)

T = TypeVar("T")
#: ``triage_frame(ids)`` with more ids than this reads the whole table (one query)
_WHOLE_TABLE_AFTER = 2000
TRIAGE_COLUMNS = (
    "status",
    "owner",
    "priority",
    "due_date",
    "version",
    "updated_by",
    "updated_at",
    "notes",
    "last_note_at",
)


@dataclass(frozen=True, slots=True)
class _Stamp:
    changeset: str
    at: datetime
    officer: Officer


class _Refused(Exception):
    """Roll the transaction back and hand this result to the caller."""

    def __init__(self, result: BulkConflict) -> None:
        super().__init__("refused")
        self.result = result


def _triage_of(row: Any) -> Triage:
    return Triage(
        issue_id=row.issue_id,
        status=row.status,
        owner=row.owner,
        priority=row.priority,
        due_date=row.due_date,
        version=row.version,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        changeset=row.changeset,
    )


def _audit_of(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        changeset=row.changeset,
        kind=row.kind,
        item_id=row.item_id,
        field=row.field,
        old=decode(row.field, row.old_value),
        new=decode(row.field, row.new_value),
        version=row.version,
        who=row.who,
        os_user=row.os_user,
        at=row.at,
    )


def _round_of(row: Any) -> Round:
    return Round(row.id, row.officer, row.os_user, row.started_at, row.finished_at)


def local_midnight(now: datetime | None = None) -> datetime:
    """The start of the local calendar day, as an aware UTC datetime."""
    local = (now or datetime.now(UTC)).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


class Store:
    """The triage and annotation store. Open it with :func:`open_store`."""

    #: seconds a write keeps retrying while the database is busy
    retry_deadline = 15.0

    def __init__(
        self,
        engine: Engine,
        location: Location,
        *,
        read_only: bool,
        notice: str | None = None,
        stand_in: bool = False,
    ) -> None:
        self.engine = engine
        self.location = location
        self.read_only = read_only
        #: an empty read-only stand-in for a store not created yet (see ``watch``)
        self.stand_in = stand_in
        self.notice = notice if notice is not None else location.notice
        user = engines.os_user()
        self.officer = Officer(engines.session_user(engine) or user, user)
        self._own = watching.OwnChanges()
        #: the SQLite file the engine works on (None for PostgreSQL and memory)
        self._file = location.path if engine.url.database not in (None, "", ":memory:") else None
        #: reads and writes under way; close() waits for them (an in-memory store shares
        #: one connection between threads: closing it under a reader crashed sqlite3)
        self._users = 0
        self._closed = False
        self._use = threading.Condition()

    # -- identity --------------------------------------------------------------

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def description(self) -> str:
        """What the status bar shows: the file, or the URL without a password."""
        if self.location.missing:
            return f"{self.location.path} (not created yet)"
        if self.location.path is not None:
            return str(self.location.path)
        return redact(self.location.url.render_as_string(hide_password=True))

    def close(self, timeout: float = 5.0) -> None:
        """Close the connections once the reads and writes under way have ended
        (waiting at most ``timeout`` seconds); later ones raise :class:`StoreError`."""
        with self._use:
            self._closed = True
            self._use.wait_for(lambda: self._users == 0, timeout)
        self.engine.dispose()

    @contextmanager
    def _in_use(self) -> Iterator[None]:
        with self._use:
            if self._closed:
                raise StoreError(f"the store ({self.description}) is closed")
            self._users += 1
        try:
            yield
        finally:
            with self._use:
                self._users -= 1
                self._use.notify_all()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------

    def _require_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyStore(
                "the store is open read-only (--read-only or --kiosk): nothing can be saved"
            )

    def _require_file(self, doing: str) -> None:
        """Refuse to go on when the store's SQLite file was moved away or deleted."""
        if self._file is None or self._file.exists():
            return
        tail = "" if doing == "read" else "; nothing was saved"
        raise StoreError(
            f"the triage store's database {self._file} no longer exists "
            f"(moved or deleted while pmo-tui runs){tail}"
        )

    def _fail(self, exc: sa.exc.DBAPIError, doing: str) -> NoReturn:
        self._require_file(doing)
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise StoreError(
            redact(f"the store ({self.description}) could not {doing}: {detail}")
        ) from exc

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One consistent snapshot for several queries."""
        with self._in_use(), self.engine.connect() as plain:
            conn = plain
            if self.dialect == "postgresql":
                conn = plain.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def _read(self, work: Callable[[Connection], T]) -> T:
        attempt = 0
        deadline = time.monotonic() + self.retry_deadline
        while True:
            attempt += 1
            try:
                with self._reading() as conn:
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                if classify(exc) is None:
                    self._fail(exc, "read")
                if time.monotonic() > deadline:
                    raise StoreBusy(
                        f"the store ({self.description}) stayed busy; try again"
                    ) from exc
                time.sleep(backoff(attempt))

    def _write(
        self,
        work: Callable[[Connection, _Stamp], T],
        *,
        recover: Callable[[Connection, str], T | None] | None = None,
        doing: str = "save",
    ) -> T:
        """Run ``work`` in one write transaction, retrying while the database is busy.

        After a broken connection the commit may have landed; ``recover`` looks
        for the changeset and returns the result instead of writing twice.
        """
        self._require_writable()
        changeset = uuid.uuid4().hex
        self._own.add(changeset)  # before commit, so our own watcher never reports it
        attempt = 0
        deadline = time.monotonic() + self.retry_deadline
        disconnected = False
        while True:
            attempt += 1
            try:
                with self._in_use(), engines.writer(self.engine) as conn:
                    if disconnected and recover is not None:
                        with conn.begin():
                            done = recover(conn, changeset)
                        if done is not None:
                            return done
                    with conn.begin():
                        done = work(conn, _Stamp(changeset, engines.now(conn), self.officer))
                        # a file deleted during the transaction: roll back, say so
                        self._require_file(doing)
                        return done
            except sa.exc.DBAPIError as exc:
                kind = classify(exc)
                if kind is None:
                    self._fail(exc, doing)
                disconnected = disconnected or kind is Transient.DISCONNECT
                if time.monotonic() > deadline:
                    raise StoreBusy(
                        f"the store ({self.description}) stayed busy for "
                        f"{self.retry_deadline:.0f} s; nothing was saved, try again"
                    ) from exc
                time.sleep(backoff(attempt))

    # -- triage: reading -----------------------------------------------------------

    def get(self, issue_id: str) -> Triage:
        """The issue's triage state; ``version`` 0 when it was never triaged."""
        issue_id = check_item_id(issue_id)
        return self._read(lambda conn: self._current(conn, [issue_id], lock=False)[issue_id])

    def _current(self, conn: Connection, ids: Sequence[str], *, lock: bool) -> dict[str, Triage]:
        found: dict[str, Triage] = {}
        for chunk in batches(sorted(set(ids))):
            query = (
                sa.select(triage).where(triage.c.issue_id.in_(chunk)).order_by(triage.c.issue_id)
            )
            if lock and conn.dialect.name == "postgresql":
                query = query.with_for_update()
            found.update((r.issue_id, _triage_of(r)) for r in conn.execute(query))
        return {i: found.get(i) or Triage(i) for i in ids}

    def triage_frame(self, issue_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Current triage of every triaged issue, indexed by ``issue_id``.

        Columns: status, owner (str), priority (Int64 1–4), due_date
        (datetime64[s]), version (int64, 0 = never triaged), updated_by (str),
        updated_at (UTC), notes (int64 count) and last_note_at (UTC). With
        ``issue_ids``, exactly those rows in that order (untriaged ones empty);
        a few ids are looked up by id, so re-reading the issues a colleague just
        changed costs milliseconds however large the store is.
        """
        ids = None if issue_ids is None else [str(i) for i in issue_ids]
        wanted = None
        if ids is not None and len(ids) <= _WHOLE_TABLE_AFTER:
            # an id with NUL cannot be in the store (saves refuse it), nor sent to PostgreSQL
            wanted = sorted({i for i in ids if "\x00" not in i})
        columns = (
            triage.c.issue_id,
            triage.c.status,
            triage.c.owner,
            triage.c.priority,
            triage.c.due_date,
            triage.c.version,
            triage.c.updated_by,
            triage.c.updated_at,
        )
        counts = (note.c.item_id, sa.func.count(), sa.func.max(note.c.at))

        def work(conn: Connection) -> tuple[list[Any], list[Any]]:
            if wanted is None:
                rows = list(conn.execute(sa.select(*columns)).all())
                notes = list(
                    conn.execute(
                        sa.select(*counts).where(note.c.kind == "issue").group_by(note.c.item_id)
                    ).all()
                )
                return rows, notes
            rows, notes = [], []
            for chunk in batches(wanted):
                rows += conn.execute(sa.select(*columns).where(triage.c.issue_id.in_(chunk))).all()
                notes += conn.execute(
                    sa.select(*counts)
                    .where(note.c.kind == "issue", note.c.item_id.in_(chunk))
                    .group_by(note.c.item_id)
                ).all()
            return rows, notes

        rows, notes = self._read(work)
        return _triage_frame(rows, notes, ids)

    # -- triage: writing -----------------------------------------------------------

    def save(
        self,
        issue_id: str,
        base_version: int,
        changes: Mapping[str, object] | None = None,
        *,
        note: str | None = None,
    ) -> Saved | Conflict:
        """Save the officer's triage changes (and optional note) made from ``base_version``.

        Returns :class:`Saved`, or :class:`Conflict` (nothing written, the note
        text kept in it) when someone saved the issue after ``base_version``.
        A note alone never conflicts: notes are append-only.
        """
        result = self.save_many([Edit(issue_id, base_version, changes or {})], note=note)
        if isinstance(result, BulkConflict):
            return result.conflicts[0]
        return result.saved[0]

    def save_many(
        self, edits: Iterable[Edit], *, note: str | None = None
    ) -> BulkSaved | BulkConflict:
        """Apply several issues' edits in one transaction, all or nothing.

        If any edit's ``base_version`` is stale, nothing is written and
        :class:`BulkConflict` lists every conflicting issue (with its current row and
        the attempted values) and the ids that would have saved. ``note``, if given,
        is added to every edited issue under the same changeset.
        """
        prepared = []
        seen_ids: set[str] = set()
        for edit in edits:
            issue_id = check_item_id(edit.issue_id)
            if issue_id in seen_ids:
                raise StoreError(f"issue {issue_id!r} is listed twice in one bulk edit")
            seen_ids.add(issue_id)
            prepared.append((issue_id, int(edit.base_version), normalize_changes(edit.changes)))
        body = normalize_note(note) if note is not None else None
        if not prepared:
            return BulkSaved((), "")
        if body is None and not any(changes for _, _, changes in prepared):
            current = self._read(
                lambda conn: self._current(conn, [p[0] for p in prepared], lock=False)
            )
            return BulkSaved(tuple(Saved(current[p[0]], "", ()) for p in prepared), "")

        def work(conn: Connection, stamp: _Stamp) -> BulkSaved:
            return self._apply(conn, stamp, prepared, body)

        def recover(conn: Connection, changeset: str) -> BulkSaved | None:
            return self._recover(conn, changeset, [p[0] for p in prepared])

        try:
            return self._write(work, recover=recover)
        except _Refused as refused:
            return refused.result

    def _apply(
        self,
        conn: Connection,
        stamp: _Stamp,
        edits: list[tuple[str, int, dict[str, TriageValue]]],
        body: str | None,
    ) -> BulkSaved:
        current = self._current(conn, [e[0] for e in edits], lock=True)
        conflicts = [
            Conflict(
                issue_id=issue_id,
                base_version=base,
                current=current[issue_id],
                attempted=changes,
                theirs=self._since(conn, issue_id, base),
                note=body,
            )
            for issue_id, base, changes in edits
            if changes and current[issue_id].version != base
        ]
        if conflicts:
            bad = {c.issue_id for c in conflicts}
            raise _Refused(
                BulkConflict(tuple(conflicts), tuple(e[0] for e in edits if e[0] not in bad))
            )
        who = stamp.officer
        audit_rows: list[dict[str, Any]] = []
        saved = []
        for issue_id, _base, changes in edits:
            cur = current[issue_id]
            diffs = {f: v for f, v in changes.items() if cur.value(f) != v}
            new = cur
            if diffs:
                values = cur.values() | diffs
                row: dict[str, Any] = {
                    **values,
                    "version": cur.version + 1,
                    "changeset": stamp.changeset,
                    "updated_by": who.who,
                    "updated_os_user": who.os_user,
                    "updated_at": stamp.at,
                }
                if cur.version == 0:
                    conn.execute(sa.insert(triage).values(issue_id=issue_id, **row))
                else:
                    done = conn.execute(
                        sa.update(triage)
                        .where(triage.c.issue_id == issue_id, triage.c.version == cur.version)
                        .values(**row)
                    )
                    if done.rowcount != 1:  # impossible while we hold the row lock
                        raise StoreError(
                            f"issue {issue_id!r} changed under a held lock; nothing saved"
                        )
                new = Triage(
                    issue_id,
                    status=row["status"],
                    owner=row["owner"],
                    priority=row["priority"],
                    due_date=row["due_date"],
                    version=cur.version + 1,
                    updated_by=who.who,
                    updated_at=stamp.at,
                    changeset=stamp.changeset,
                )
                audit_rows.extend(
                    {
                        "changeset": stamp.changeset,
                        "kind": "issue",
                        "item_id": issue_id,
                        "field": name,
                        "old_value": encode(name, cur.value(name)),
                        "new_value": encode(name, diffs[name]),
                        "version": cur.version + 1,
                        "who": who.who,
                        "os_user": who.os_user,
                        "at": stamp.at,
                    }
                    for name in FIELDS
                    if name in diffs
                )
            added = (
                self._insert_note(conn, stamp, "issue", issue_id, body)
                if body is not None
                else None
            )
            saved.append(Saved(new, stamp.changeset, tuple(f for f in FIELDS if f in diffs), added))
        if audit_rows:
            conn.execute(sa.insert(audit), audit_rows)
        return BulkSaved(tuple(saved), stamp.changeset)

    def _recover(self, conn: Connection, changeset: str, ids: list[str]) -> BulkSaved | None:
        changed: dict[str, list[str]] = {}
        for row in conn.execute(
            sa.select(audit.c.item_id, audit.c.field).where(audit.c.changeset == changeset)
        ):
            changed.setdefault(row.item_id, []).append(row.field)
        notes = {
            r.item_id: note_of(r)
            for r in conn.execute(sa.select(note).where(note.c.changeset == changeset))
        }
        if not changed and not notes:
            return None
        current = self._current(conn, ids, lock=False)
        saved = tuple(
            Saved(
                current[i],
                changeset,
                tuple(f for f in FIELDS if f in changed.get(i, ())),
                notes.get(i),
            )
            for i in ids
        )
        return BulkSaved(saved, changeset)

    def _since(self, conn: Connection, issue_id: str, base: int) -> tuple[AuditEntry, ...]:
        rows = conn.execute(
            sa.select(audit)
            .where(audit.c.kind == "issue", audit.c.item_id == issue_id, audit.c.version > base)
            .order_by(audit.c.id)
        )
        return tuple(_audit_of(r) for r in rows)

    # -- notes ---------------------------------------------------------------------

    def _insert_note(
        self, conn: Connection, stamp: _Stamp, kind: str, item_id: str, body: str
    ) -> Note:
        who = stamp.officer
        new_id = conn.execute(
            sa.insert(note)
            .values(
                kind=kind,
                item_id=item_id,
                body=body,
                changeset=stamp.changeset,
                who=who.who,
                os_user=who.os_user,
                at=stamp.at,
            )
            .returning(note.c.id)
        ).scalar_one()
        return Note(new_id, kind, item_id, body, who.who, who.os_user, stamp.at, stamp.changeset)

    def add_note(self, kind: str, item_id: str, body: str) -> Note:
        """Add a timestamped note to an issue, project or milestone. Kept verbatim."""
        kind = check_kind(kind)
        item_id = check_item_id(item_id)
        body = normalize_note(body)

        def recover(conn: Connection, changeset: str) -> Note | None:
            row = conn.execute(sa.select(note).where(note.c.changeset == changeset)).first()
            return None if row is None else note_of(row)

        return self._write(
            lambda conn, stamp: self._insert_note(conn, stamp, kind, item_id, body),
            recover=recover,
            doing="save the note",
        )

    def notes(self, kind: str, item_id: str) -> tuple[Note, ...]:
        """The item's notes, newest first."""
        kind, item_id = check_kind(kind), check_item_id(item_id)
        query = (
            sa.select(note)
            .where(note.c.kind == kind, note.c.item_id == item_id)
            .order_by(note.c.id.desc())
        )
        return self._read(lambda conn: tuple(note_of(r) for r in conn.execute(query)))

    def notes_on(self, items: Iterable[tuple[str, str]]) -> tuple[Note, ...]:
        """Every note on several items, given as ``(kind, id)`` pairs, newest first.

        For a view that gathers the notes of a project, its milestones and its
        issues: one snapshot, a query per kind and 500 ids. Items without notes,
        or missing from the store, simply contribute nothing.
        """
        by_kind = events.group_items(items)
        if not by_kind:
            return ()
        return self._read(lambda conn: events.notes_on(conn, by_kind))

    # -- what was added, by id (for incremental readers) -------------------------------

    def last_event_ids(self) -> tuple[int, int]:
        """The highest audit id and note id now (0 when none): where a reader that
        only wants what comes next starts from (see :meth:`events_since`)."""
        return self._read(events.last_ids)

    def events_since(self, audit_id: int = 0, note_id: int = 0) -> tuple[Event, ...]:
        """Field changes with an audit id above ``audit_id``, then notes with an id
        above ``note_id``, each oldest first, read in one snapshot.

        Ids are monotonic, so no clock can hide a change. On PostgreSQL a
        transaction that took its ids earlier may commit later: a reader should
        ask again from a little below the highest id it has seen and skip the ids
        it already has. Our own changes are included (unlike :meth:`watch`).
        Note text is not read (``Event.field`` is None for a note).
        """
        after_audit, after_note = int(audit_id), int(note_id)
        return self._read(lambda conn: events.since(conn, after_audit, after_note))

    # -- history and activity --------------------------------------------------------

    def history(self, kind: str, item_id: str) -> tuple[HistoryEntry, ...]:
        """Every field change and note of one item, newest first."""
        kind, item_id = check_kind(kind), check_item_id(item_id)

        def work(conn: Connection) -> tuple[list[AuditEntry], list[Note]]:
            changes = conn.execute(
                sa.select(audit).where(audit.c.kind == kind, audit.c.item_id == item_id)
            )
            notes = conn.execute(
                sa.select(note).where(note.c.kind == kind, note.c.item_id == item_id)
            )
            return [_audit_of(r) for r in changes], [note_of(r) for r in notes]

        changes, notes = self._read(work)
        entries = [HistoryEntry(c.at, c.who, c.changeset, change=c) for c in changes]
        entries += [HistoryEntry(n.at, n.who, n.changeset, note=n) for n in notes]
        # newest first; within one changeset field changes come before the note
        entries.sort(
            key=lambda e: (
                e.at,
                1 if e.change else 0,
                e.change.id if e.change else e.note.id if e.note else 0,
            ),
            reverse=True,
        )
        return tuple(entries)

    def activity(self, since: datetime, until: datetime | None = None) -> pd.DataFrame:
        """Triage decisions and notes in ``[since, until)``, oldest first (for reports).

        Columns: at (UTC), who, os_user, kind, item_id, field (None for a note),
        old, new (as audit text), note (the body, verbatim), changeset.
        """

        def period(column: sa.ColumnElement[datetime]) -> sa.ColumnElement[bool]:
            if until is None:
                return column >= since
            return sa.and_(column >= since, column < until)

        def work(conn: Connection) -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            for r in conn.execute(sa.select(audit).where(period(audit.c.at)).order_by(audit.c.id)):
                rows.append(
                    {
                        "at": r.at,
                        "who": r.who,
                        "os_user": r.os_user,
                        "kind": r.kind,
                        "item_id": r.item_id,
                        "field": r.field,
                        "old": r.old_value,
                        "new": r.new_value,
                        "note": None,
                        "changeset": r.changeset,
                    }
                )
            for r in conn.execute(sa.select(note).where(period(note.c.at)).order_by(note.c.id)):
                rows.append(
                    {
                        "at": r.at,
                        "who": r.who,
                        "os_user": r.os_user,
                        "kind": r.kind,
                        "item_id": r.item_id,
                        "field": None,
                        "old": None,
                        "new": None,
                        "note": r.body,
                        "changeset": r.changeset,
                    }
                )
            return rows

        columns = [
            "at",
            "who",
            "os_user",
            "kind",
            "item_id",
            "field",
            "old",
            "new",
            "note",
            "changeset",
        ]
        frame = pd.DataFrame(self._read(work), columns=columns)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame.sort_values("at", kind="stable").reset_index(drop=True)

    # -- rounds and the queue --------------------------------------------------------

    def start_round(self) -> Round:
        """Start a triage round for this officer."""

        def work(conn: Connection, stamp: _Stamp) -> Round:
            values = {
                "officer": stamp.officer.who,
                "os_user": stamp.officer.os_user,
                "started_at": stamp.at,
            }
            new_id = conn.execute(
                sa.insert(round_).values(**values).returning(round_.c.id)
            ).scalar_one()
            return Round(new_id, stamp.officer.who, stamp.officer.os_user, stamp.at)

        return self._write(work, doing="start the round")

    def _mine(self) -> sa.ColumnElement[bool]:
        return sa.and_(
            round_.c.officer == self.officer.who, round_.c.os_user == self.officer.os_user
        )

    def finish_round(self) -> Round | None:
        """Finish this officer's latest open round (None if none is open)."""

        def work(conn: Connection, stamp: _Stamp) -> Round | None:
            row = conn.execute(
                sa.select(round_)
                .where(self._mine(), round_.c.finished_at.is_(None))
                .order_by(round_.c.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            conn.execute(
                sa.update(round_).where(round_.c.id == row.id).values(finished_at=stamp.at)
            )
            return Round(row.id, row.officer, row.os_user, row.started_at, stamp.at)

        return self._write(work, doing="finish the round")

    def last_round(self) -> Round | None:
        """This officer's latest finished round."""
        query = (
            sa.select(round_)
            .where(self._mine(), round_.c.finished_at.is_not(None))
            .order_by(round_.c.id.desc())
            .limit(1)
        )

        def work(conn: Connection) -> Round | None:
            row = conn.execute(query).first()
            return None if row is None else _round_of(row)

        return self._read(work)

    def current_round(self) -> Round | None:
        """This officer's open round, if one is running."""
        query = (
            sa.select(round_)
            .where(self._mine(), round_.c.finished_at.is_(None))
            .order_by(round_.c.id.desc())
            .limit(1)
        )

        def work(conn: Connection) -> Round | None:
            row = conn.execute(query).first()
            return None if row is None else _round_of(row)

        return self._read(work)

    def observe(self, kind: str, item_ids: Iterable[str]) -> int:
        """Record when items were first seen (for "new since my last round").

        Call it with every id of a freshly loaded table. Only ids the store has never
        seen are written, so repeating it costs one read. Returns how many were new.
        """
        kind = check_kind(kind)
        self._require_writable()
        ids = {check_item_id(i) for i in item_ids}
        known_query = sa.select(seen.c.item_id).where(seen.c.kind == kind)
        known = self._read(lambda conn: {r[0] for r in conn.execute(known_query)})
        fresh = sorted(ids - known)
        if not fresh:
            return 0

        def work(conn: Connection, stamp: _Stamp) -> int:
            insert_fn = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            rows = [{"kind": kind, "item_id": i, "first_seen_at": stamp.at} for i in fresh]
            for start in range(0, len(rows), 5000):  # 3 parameters a row
                stmt = insert_fn(seen).values(rows[start : start + 5000])
                conn.execute(
                    stmt.on_conflict_do_nothing(index_elements=[seen.c.kind, seen.c.item_id])
                )
            return len(fresh)

        return self._write(work, doing="record new items")

    def new_since_last_round(self, issue_ids: Iterable[str] | None = None) -> frozenset[str]:
        """Issues first seen since the start of this officer's last finished round.

        With no finished round yet, every issue is new. With ``issue_ids``, the answer
        is limited to them, and ids the store has never seen count as new.
        """
        last = self.last_round()
        query = sa.select(seen.c.item_id).where(seen.c.kind == "issue")
        known = self._read(lambda conn: {r[0] for r in conn.execute(query)})
        if last is None:
            fresh = known
        else:
            newer = query.where(seen.c.first_seen_at >= last.started_at)
            fresh = self._read(lambda conn: {r[0] for r in conn.execute(newer)})
        if issue_ids is None:
            return frozenset(fresh)
        wanted = set(issue_ids)
        return frozenset((wanted & fresh) | (wanted - known))

    def changed_by_others(self, since: datetime | None = None) -> frozenset[str]:
        """Issues whose triage or notes another officer changed since ``since``
        (default: local midnight today)."""
        since = since or local_midnight()
        others_audit = sa.or_(
            audit.c.who != self.officer.who, audit.c.os_user != self.officer.os_user
        )
        others_note = sa.or_(note.c.who != self.officer.who, note.c.os_user != self.officer.os_user)
        query = sa.union(
            sa.select(audit.c.item_id).where(
                audit.c.kind == "issue", audit.c.at >= since, others_audit
            ),
            sa.select(note.c.item_id).where(
                note.c.kind == "issue", note.c.at >= since, others_note
            ),
        )
        return self._read(lambda conn: frozenset(r[0] for r in conn.execute(query)))

    # -- milestone trend analysis ----------------------------------------------------

    def record_forecasts(self, milestones: pd.DataFrame, report_date: date) -> int:
        """Snapshot each milestone's dates for ``report_date`` (at most one row per
        milestone per day: the day's row is updated). Returns the rows written;
        0 when nothing changed, in which case nothing is written at all."""
        self._require_writable()
        rows = mta.snapshot_rows(milestones)
        if not rows:
            return 0
        changed = self._read(lambda conn: mta.changed_rows(conn, rows, report_date))
        if not changed:
            return 0

        def work(conn: Connection, stamp: _Stamp) -> int:
            return mta.upsert(
                conn, mta.changed_rows(conn, changed, report_date), report_date, stamp.at
            )

        return self._write(work, doing="record milestone forecasts")

    def backfill(self, snapshots: Iterable[tuple[date, pd.DataFrame]]) -> int:
        """Record dated snapshots (``--history``, ``db import``); one transaction each.

        A snapshot for a date that already has rows updates them. Returns rows written.
        """
        return sum(self.record_forecasts(frame, day) for day, frame in snapshots)

    def forecast_history(
        self,
        project_id: str | None = None,
        milestone_ids: Iterable[str] | None = None,
        *,
        since: date | None = None,
    ) -> pd.DataFrame:
        """Snapshots for one project and/or milestones: report_date, milestone_id,
        project_id, baseline_date, forecast_date, actual_date, slip_days."""
        ids = None if milestone_ids is None else list(milestone_ids)
        return self._read(lambda conn: mta.history(conn, project_id, ids, since))

    def report_dates(self) -> list[date]:
        """Every date with a forecast snapshot, oldest first."""
        query = sa.select(forecast.c.report_date).distinct().order_by(forecast.c.report_date)
        return self._read(lambda conn: [r[0] for r in conn.execute(query)])

    # -- propagation -----------------------------------------------------------------

    def watch(
        self, stop: threading.Event, *, interval: float = 0.05, poll: float | None = None
    ) -> Iterator[Change | WatchState | watching.Created]:
        """Block (in a thread worker) and yield when another process commits to the store.

        ``stop`` is a ``threading.Event``. Yields ``Change(store=True, ...)`` for
        changes and ``WatchState`` for the watcher's health; see ``watching``. A
        :attr:`stand_in` yields ``Created`` once the real store exists, and ends.
        ``poll`` (seconds) forces the polling fallback.
        """
        if self.stand_in:  # until the real store exists: then the caller opens it again
            return watching.watch_until_created(self.location.url, self.location.path, stop)
        if self.dialect == "sqlite" and self.location.path is None:
            return _idle(stop)
        if poll is not None:
            return watching.watch_polling(self.engine, stop, interval=poll)
        if self.dialect == "sqlite":
            assert self.location.path is not None
            return watching.watch_sqlite(self.location.path, self._own, stop, interval)
        return watching.watch_postgres(self.location.url, self.engine, self._own, stop)


def _idle(stop: threading.Event) -> Iterator[Change | WatchState]:
    """An empty store never changes: block until stopped."""
    stop.wait()
    yield from ()


def _triage_frame(rows: Sequence[Any], notes: Sequence[Any], ids: list[str] | None) -> pd.DataFrame:
    names = [
        "issue_id",
        "status",
        "owner",
        "priority",
        "due_date",
        "version",
        "updated_by",
        "updated_at",
    ]
    raw = pd.DataFrame([tuple(r) for r in rows], columns=names)
    frame = pd.DataFrame(
        {
            "status": raw["status"].astype("str"),
            "owner": raw["owner"].astype("str"),
            "priority": raw["priority"].astype("Int64"),
            "due_date": pd.to_datetime(raw["due_date"]).astype("datetime64[s]"),
            "version": raw["version"].astype("int64"),
            "updated_by": raw["updated_by"].astype("str"),
            "updated_at": pd.to_datetime(raw["updated_at"], utc=True),
        },
    )
    frame.index = pd.Index(raw["issue_id"].astype("str"), name="issue_id")
    counts = pd.DataFrame([tuple(n) for n in notes], columns=["issue_id", "notes", "last_note_at"])
    counts = counts.set_index(counts["issue_id"].astype("str")).drop(columns="issue_id")
    counts.index.name = "issue_id"
    frame = frame.join(counts, how="outer")
    frame["version"] = frame["version"].fillna(0).astype("int64")
    frame["notes"] = frame["notes"].fillna(0).astype("int64")
    frame["last_note_at"] = pd.to_datetime(frame["last_note_at"], utc=True)
    if ids is not None:
        frame = frame.reindex(pd.Index(ids, dtype="str", name="issue_id"))
        frame["version"] = frame["version"].fillna(0).astype("int64")
        frame["notes"] = frame["notes"].fillna(0).astype("int64")
    return frame[list(TRIAGE_COLUMNS)]


def open_store(
    url: str | None = None, *, source: str | None = None, read_only: bool = False
) -> Store:
    """Open (creating and migrating as needed) the store for ``source``.

    ``url`` is ``--store`` and wins; otherwise the store lives in the source
    database (database mode) or in ``<folder>/.pmo-tui/store.sqlite``; the
    bundled demo and unwritable folders get a per-user file (``Store.notice``
    says so). Raises :class:`~pmo_tui.store.errors.StoreError` (a PmoError)
    with a one-line reason when it cannot.
    """
    location = resolve(url, source=source, read_only=read_only)
    if location.missing:
        return _empty(location, f"no triage yet: {location.path} does not exist (read-only)")
    if location.path is not None and not read_only and not location.existing:
        try:
            if location.within is not None and not location.within.is_dir():
                raise FolderGone(f"the data folder {location.within} is gone")
            # never the data folder itself: only the store's own directory inside it
            location.path.parent.mkdir(parents=location.within is None, exist_ok=True)
        except FileNotFoundError:
            gone = location.within or location.path.parent
            raise FolderGone(f"the data folder {gone} is gone") from None
        except OSError as exc:
            raise StoreError(f"cannot create {location.path.parent}: {exc.strerror}") from None
    engine = engines.create(location.url, read_only=read_only, create_file=not location.existing)
    try:
        if read_only:
            rev = migrate.status(engine)
            if rev is None:
                engine.dispose()
                return _empty(location, "no triage yet: the store database has no store tables")
            if rev != migrate.head():
                raise SchemaMismatch(
                    f"the store's schema (revision {rev}) needs upgrading to {migrate.head()}; "
                    "open it once without --read-only"
                )
        else:
            migrate.upgrade(engine)
        return Store(engine, location, read_only=read_only)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        where = location.path or location.url.render_as_string(hide_password=True)
        message = redact(f"cannot open the triage store {where}: {detail}")
        if _transient(exc, engine):
            raise StoreUnavailable(message) from None
        raise StoreError(message) from None
    except BaseException:
        engine.dispose()
        raise


def _transient(exc: sa.exc.DBAPIError, engine: sa.Engine) -> bool:
    """Worth opening again later: SQLite locked past the busy timeout, or any PostgreSQL
    connection failure (a refused login included: from outside it looks like a server
    still starting, and a retry every 30 s costs nothing)."""
    if not isinstance(exc, sa.exc.OperationalError):
        return False
    if engine.dialect.name == "sqlite":  # sqlite3 reports a missing table the same way
        return "locked" in str(exc.orig) or "busy" in str(exc.orig)
    return True


def _empty(location: Location, notice: str) -> Store:
    """A read-only, empty in-memory store: the UI works, nothing is triaged."""
    engine = engines.create(sa.make_url("sqlite://"), read_only=False)
    migrate.upgrade(engine)
    return Store(engine, location, read_only=True, notice=notice, stand_in=True)
