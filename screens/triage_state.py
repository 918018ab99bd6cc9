"""What the screens know about triage: the store's decisions, rounds and flags.

Pure Python (no textual), built in a thread worker from one
:class:`~pmo_tui.store.Store` read and handed to the screens as one immutable
:class:`TriageView`. Each snapshot carries the view its metrics were computed
with (:func:`view_for`), so a screen never mixes the decisions of one moment
with the issue rows of another.
"""

from __future__ import annotations

import contextlib
import math
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from pmo_tui.screens.snapshot import Snapshot

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported when it opens, after the paint
    from pmo_tui.store import Round, Store

#: the store is being opened / open / unavailable (refused, broken, none)
OPENING, OPEN, OFF = "opening", "open", "off"


@dataclass(frozen=True, slots=True)
class Decision:
    """One issue's triage in the store (``version`` 0: never triaged)."""

    status: str | None = None
    owner: str | None = None
    priority: int | None = None
    due_date: date | None = None
    version: int = 0
    by: str | None = None
    at: datetime | None = None  # aware UTC
    notes: int = 0
    last_note_at: datetime | None = None

    @property
    def decided(self) -> bool:
        return any(v is not None for v in (self.status, self.owner, self.priority, self.due_date))


NO_DECISION = Decision()


@dataclass(frozen=True, eq=False)
class TriageView:
    """The triage state at one moment, as the screens show it."""

    #: increases with every read; a snapshot with an older view is refreshed
    generation: int = 0
    state: str = OPENING
    #: why triage is off, or what the officer should know (per-user demo store, ...)
    reason: str = ""
    #: where the store lives, as shown to the officer
    where: str = ""
    #: who saves: the store's officer ("root", or "pmo (jan)" on a shared role)
    officer: str = ""
    writable: bool = False
    decisions: Mapping[str, Decision] = field(default_factory=lambda: MappingProxyType({}))
    #: ``Store.triage_frame()`` for the overlay (None: no store)
    frame: pd.DataFrame | None = None
    #: issues first seen since this officer's last finished round (None: unknown)
    new_ids: frozenset[str] | None = None
    #: issues another officer changed or annotated today
    changed_ids: frozenset[str] = frozenset()
    open_round: Round | None = None
    last_round: Round | None = None

    def decision(self, issue_id: str) -> Decision:
        return self.decisions.get(issue_id, NO_DECISION)

    def is_new(self, issue_id: str) -> bool:
        return self.new_ids is not None and issue_id in self.new_ids

    @property
    def available(self) -> bool:
        return self.state == OPEN


def _value(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _day(value: Any) -> date | None:
    value = _value(value)
    if value is None:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _when(value: Any) -> datetime | None:
    value = _value(value)
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value if isinstance(value, datetime) else None


def decisions_of(frame: pd.DataFrame) -> dict[str, Decision]:
    """``Store.triage_frame()`` as one :class:`Decision` per issue id."""
    from pmo_tui.store import TRIAGE_COLUMNS

    out: dict[str, Decision] = {}
    if frame.empty:
        return out
    # the frame's columns in Store.triage_frame()'s order, which the unpacking follows
    arrays = [frame[c].to_numpy(dtype=object) for c in TRIAGE_COLUMNS]
    for issue_id, *values in zip(frame.index, *arrays, strict=True):
        status, owner, priority, due, version, by, at, notes, last_note = (
            _value(v) for v in values
        )
        out[str(issue_id)] = Decision(
            status=str(status) if status is not None else None,
            owner=str(owner) if owner is not None else None,
            priority=int(priority) if priority is not None else None,
            due_date=_day(due),
            version=int(version or 0),
            by=str(by) if by is not None else None,
            at=_when(at),
            notes=int(notes or 0),
            last_note_at=_when(last_note),
        )
    return out


def read_view(
    store: Store,
    *,
    generation: int,
    where: str,
    issue_ids: Iterable[str] | None = None,
    observe: bool = False,
) -> TriageView:
    """Everything the screens need from the store, in a few short reads (worker thread).

    With ``observe``, the ids of the current issues are recorded as seen first
    (only unseen ones are written), so "new since my last round" knows them.
    """
    ids = None if issue_ids is None else list(issue_ids)
    writable = not store.read_only
    if observe and writable and ids:
        store.observe("issue", ids)
    frame = store.triage_frame()
    return TriageView(
        generation=generation,
        state=OPEN,
        reason=store.notice or "",
        where=where,
        officer=str(store.officer),
        writable=writable,
        decisions=MappingProxyType(decisions_of(frame)),
        frame=frame,
        new_ids=store.new_since_last_round(ids),
        changed_ids=store.changed_by_others(),
        open_round=store.current_round(),
        last_round=store.last_round(),
    )


# -- which view a snapshot was computed with ---------------------------------------

_BY_METRICS: weakref.WeakKeyDictionary[Any, TriageView] = weakref.WeakKeyDictionary()
NO_VIEW = TriageView()


def remember(metrics: Any, view: TriageView) -> None:
    """Record that ``metrics`` were computed with ``view``'s decisions."""
    with contextlib.suppress(TypeError):  # not weak-referenceable: nothing to remember
        _BY_METRICS[metrics] = view


def bind(snapshot: Snapshot, view: TriageView) -> None:
    """Tie ``view`` to ``snapshot`` (before any screen reads it)."""
    snapshot.cached("triage-view", lambda: view)


def view_for(snapshot: Snapshot | None) -> TriageView:
    """The triage view ``snapshot`` was computed with (an empty one if none)."""
    if snapshot is None:
        return NO_VIEW
    try:
        found = _BY_METRICS.get(snapshot.metrics)
    except TypeError:
        found = None
    view: TriageView = snapshot.cached("triage-view", lambda: found or NO_VIEW)
    return view
