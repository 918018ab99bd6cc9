"""What every source (folder, SQLite, PostgreSQL) offers the rest of pmo-tui.

A source produces :class:`~pmo_tui.model.Portfolio` snapshots. ``load`` reads
everything; ``refresh`` re-reads only the tables named in a :class:`Change`
and returns a new snapshot that reuses the rest. ``watch`` blocks in a thread
worker and yields a :class:`Change` whenever the source may have changed, or a
:class:`WatchState` when the watcher's own health changes (live, reconnecting,
failed), so the UI can say so instead of going silently stale.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pmo_tui.config import Config
from pmo_tui.model import Portfolio
from pmo_tui.sources.stability import Hold


class Health(StrEnum):
    LIVE = "live"
    POLLING = "polling"
    RECONNECTING = "reconnecting"
    FAILED = "failed"


@dataclass(frozen=True)
class Change:
    """The source may have changed. ``tables`` empty means "re-check everything"."""

    tables: frozenset[str] = frozenset()
    #: what caused it, for the toast: file names or database tables
    causes: tuple[str, ...] = ()
    #: store-side change (triage/notes), not source data
    store: bool = False
    at: datetime = field(default_factory=datetime.now)
    #: folder sources: the files released, and any released before their quiet time
    #: was over (read them, but trust the read only if they hold still until then)
    holds: tuple[Hold, ...] = ()


@dataclass(frozen=True)
class WatchState:
    """The watcher's own health, shown in the status bar/banner."""

    health: Health
    reason: str = ""
    at: datetime = field(default_factory=datetime.now)


@runtime_checkable
class Source(Protocol):
    #: what the status bar shows (path, or URL without password)
    description: str
    config: Config

    def load(self) -> Portfolio:
        """Read everything. Never raises for bad data: problems go in the snapshot."""
        ...

    def refresh(self, previous: Portfolio, change: Change) -> Portfolio:
        """Re-read what ``change`` names (or everything) and return a new snapshot.

        Tables that fail to read keep their last good rows and are marked stale.
        """
        ...

    def watch(self, stop: threading.Event) -> Iterator[Change | WatchState]:
        """Block until the source may have changed; yield until ``stop`` is set."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Provisional:
    """A refresh that may still hang on files settling (folder sources, ``Change.holds``).

    ``portfolio`` is what was read; ``confirm()`` waits until the held files' quiet
    time is over and returns what may be shown: ``portfolio`` itself when they held
    still, else a snapshot in which their tables keep their last good rows. The
    caller computes the metrics meanwhile, so that work overlaps the wait too.
    """

    portfolio: Portfolio
    confirm: Callable[[], Portfolio]

    @classmethod
    def settled(cls, portfolio: Portfolio) -> Provisional:
        return cls(portfolio, lambda: portfolio)


@runtime_checkable
class RefreshesEarly(Protocol):
    """A source that can hand over a refresh before the files it read have settled."""

    def refresh_early(self, previous: Portfolio, change: Change) -> Provisional: ...


def refresh_early(source: Source, previous: Portfolio, change: Change) -> Provisional:
    """``source.refresh_early`` where the source offers it, else a settled ``refresh``."""
    if isinstance(source, RefreshesEarly):
        return source.refresh_early(previous, change)
    return Provisional.settled(source.refresh(previous, change))
