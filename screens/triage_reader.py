"""Reading the store's triage state for the screens, incrementally (pure Python, no textual).

The first read takes everything (``Store.triage_frame()``: ≈ 0.1 s for 10,000
decided issues). After that, every refresh reads only the audit and note rows
added since the last one (``Store.events_since``: by id, so no clock can hide a
change), fetches just the decisions of the issues they name
(``Store.triage_frame(ids)``), and patches the previous frame: a colleague's
save costs a few milliseconds however large the store is. The same events say
what happened for the toast (:mod:`pmo_tui.screens.triage_news`) and which
issues another officer touched today.

Events are read again from a window below the highest id seen, so a transaction
that committed out of id order (PostgreSQL sequences) is still seen, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

import pandas as pd

from pmo_tui.screens.triage_state import OPEN, Decision, TriageView, decisions_of

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported when it opens, after the paint
    from pmo_tui.store import Event, Store

__all__ = ["FULL_AFTER", "WINDOW", "TriageReader"]

#: ids this far below the highest seen are read again (commits out of id order)
WINDOW = 500
#: with more changed issues than this, one full read is cheaper than patching
FULL_AFTER = 2000


class _Cursor:
    """The ids of one table seen so far: the highest, and those in a window below it."""

    def __init__(self) -> None:
        self.top = 0
        self.seen: set[int] = set()

    @property
    def floor(self) -> int:
        return max(0, self.top - WINDOW)

    def fresh(self, ids: Iterable[int]) -> set[int]:
        new = {i for i in ids if i not in self.seen}
        self.seen |= new
        self.top = max([self.top, *new])
        floor = self.floor
        self.seen = {i for i in self.seen if i > floor}
        return new


class TriageReader:
    """The app's reader of the store (one refresh at a time: not thread-safe)."""

    def __init__(self) -> None:
        self._audit = _Cursor()
        self._notes = _Cursor()
        self._primed = False
        self.frame: pd.DataFrame | None = None
        self.decisions: dict[str, Decision] = {}
        self._new: frozenset[str] | None = None
        self._new_key: object = None
        self._others: set[str] = set()
        self._day: date | None = None

    # -- the rows added since the last read ------------------------------------------------
    def prime(self, store: Store) -> None:
        """Start from what is in the store now: nothing before this is an event."""
        self._audit.top, self._notes.top = store.last_event_ids()
        self._primed = True
        self.events(store)  # the window below the top counts as seen

    def events(self, store: Store) -> list[Event]:
        """Audit and note rows added since the last call (each returned once)."""
        found = store.events_since(self._audit.floor, self._notes.floor)
        fresh_changes = self._audit.fresh(e.id for e in found if not e.is_note)
        fresh_notes = self._notes.fresh(e.id for e in found if e.is_note)
        return [e for e in found if (e.id in fresh_notes if e.is_note else e.id in fresh_changes)]

    # -- the view ------------------------------------------------------------------------------
    def read(
        self,
        store: Store,
        *,
        generation: int,
        where: str,
        issue_ids: Sequence[str] | None = None,
        observe: bool = False,
        full: bool = False,
        now: datetime | None = None,
    ) -> tuple[TriageView, list[Event]]:
        """The current view, and what happened since the last read."""
        writable = not store.read_only
        observed = False
        if observe and writable and issue_ids:
            store.observe("issue", issue_ids)
            observed = True
        if not self._primed:
            self.prime(store)
            full = True
        events = self.events(store)
        changed = {e.item_id for e in events if e.kind == "issue"}
        if full or self.frame is None or len(changed) > FULL_AFTER:
            self.frame = store.triage_frame()
            self.decisions = decisions_of(self.frame)
        elif changed:
            self._patch(store, sorted(changed))
        last, current = store.last_round(), store.current_round()
        new_key = (last.id if last else None, last.finished_at if last else None)
        if full or observed or self._new is None or new_key != self._new_key:
            self._new = store.new_since_last_round(issue_ids)
            self._new_key = new_key
        self._others_update(store, events, full, now)
        view = TriageView(
            generation=generation,
            state=OPEN,
            reason=store.notice or "",
            where=where,
            officer=str(store.officer),
            writable=writable,
            decisions=MappingProxyType(dict(self.decisions)),
            frame=self.frame,
            new_ids=self._new,
            changed_ids=frozenset(self._others),
            open_round=current,
            last_round=last,
        )
        return view, events

    def _patch(self, store: Store, ids: list[str]) -> None:
        """Replace the decisions of ``ids`` in the frame with what the store holds now."""
        part = store.triage_frame(ids)
        # every id here has an audit row or a note, so it has a row in a full read too;
        # keep the frame exactly what a full read gives (nothing for untouched ids)
        part = part[(part["version"] > 0) | (part["notes"] > 0)]
        assert self.frame is not None
        kept = self.frame.drop(index=[i for i in ids if i in self.frame.index])
        self.frame = pd.concat([kept, part]) if len(part) else kept
        for issue_id in ids:
            self.decisions.pop(issue_id, None)
        self.decisions.update(decisions_of(part))

    def _others_update(
        self, store: Store, events: list[Event], full: bool, now: datetime | None
    ) -> None:
        """Issues another officer changed or annotated since local midnight."""
        from pmo_tui.store import local_midnight

        midnight = local_midnight(now)
        day = midnight.date()
        if full or day != self._day:
            self._others = set(store.changed_by_others(midnight))
            self._day = day
            return
        me = store.officer
        for event in events:
            mine = event.who == me.who and event.os_user == me.os_user
            if event.kind == "issue" and not mine and event.at >= midnight:
                self._others.add(event.item_id)
