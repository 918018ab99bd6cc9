"""Merge changes that arrive while a refresh is still running into one.

The watcher yields as soon as something is ready; the app refreshes in a worker
and must not queue one refresh per change (a hundred saves are one reload). It
keeps at most one pending :class:`~pmo_tui.sources.base.Change` and folds every
new one into it with :func:`merge`.
"""

from __future__ import annotations

from pmo_tui.sources.base import Change


def merge(pending: Change | None, new: Change) -> Change:
    """One change covering both: the union of tables (empty, i.e. everything, wins),
    the causes of both without repeats, store-only only if both are, the latest time,
    and for each file the latest release (its :class:`~pmo_tui.sources.stability.Hold`)."""
    if pending is None:
        return new
    if not pending.tables and not pending.store:
        tables: frozenset[str] = frozenset()
    elif not new.tables and not new.store:
        tables = frozenset()
    else:
        tables = pending.tables | new.tables
    causes = tuple(dict.fromkeys((*pending.causes, *new.causes)))
    return Change(
        tables=tables,
        causes=causes,
        store=pending.store and new.store,
        at=max(pending.at, new.at),
        holds=tuple({h.name: h for h in (*pending.holds, *new.holds)}.values()),
    )
