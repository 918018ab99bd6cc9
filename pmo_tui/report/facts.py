"""What a report reads from the triage store, read once and handed to the report tree.

:class:`StoreFacts` holds the store's triage overlay, the period's decisions and
notes (``Store.activity``) and the milestone forecast history (MTA) for the
scope. :func:`read_store` reads them from an open :class:`~pmo_tui.store.Store`;
:func:`open_and_read` opens the store read-only for ``pmo-tui report`` and turns
every failure into a note, because a report without its decisions section is
still a report: it says why the section is empty instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from pmo_tui.text import one_line

if TYPE_CHECKING:
    from pmo_tui.options import Options
    from pmo_tui.store import Store


@dataclass(frozen=True, eq=False)
class StoreFacts:
    """The store's contribution to one report (all optional)."""

    #: the store file or URL (no password); None when no store was looked at
    description: str | None = None
    #: True when the store was read; False: ``note`` says why not
    available: bool = False
    #: the store's own notice ("no triage yet ..."), or why it could not be read
    note: str | None = None
    #: ``Store.triage_frame()`` for the scope's issues (index issue_id)
    triage: pd.DataFrame | None = None
    #: ``Store.activity(period)``: decisions and notes of the reporting period
    activity: pd.DataFrame | None = None
    #: ``Store.forecast_history(...)`` for the scope's milestones (MTA)
    history: pd.DataFrame | None = None

    @classmethod
    def unavailable(cls, note: str, description: str | None = None) -> StoreFacts:
        return cls(description=description, available=False, note=note)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end + 1 day 00:00)`` in local time, as aware datetimes."""
    since = datetime.combine(start, time.min).astimezone()
    until = datetime.combine(end + timedelta(days=1), time.min).astimezone()
    return since, until


def read_store(
    store: Store,
    *,
    issue_ids: Sequence[str],
    period: tuple[date, date],
    mta_project: str | None = None,
    mta_milestones: Sequence[str] | None = None,
) -> StoreFacts:
    """Read the triage overlay, the period's activity and the MTA history.

    ``mta_project`` reads one project's history; else ``mta_milestones`` those
    milestones' history; with neither, no history is read (portfolio scope).
    Raises the store's errors; :func:`open_and_read` catches them.
    """
    since, until = period_bounds(*period)
    triage = store.triage_frame(list(issue_ids))
    activity = store.activity(since, until)
    history: pd.DataFrame | None = None
    if mta_project is not None:
        history = store.forecast_history(project_id=mta_project)
    elif mta_milestones:
        history = store.forecast_history(milestone_ids=list(mta_milestones))
    return StoreFacts(
        description=store.description,
        available=True,
        note=store.notice,
        triage=triage,
        activity=activity,
        history=history,
    )


def open_and_read(
    options: Options,
    *,
    issue_ids: Sequence[str],
    period: tuple[date, date],
    mta_project: str | None = None,
    mta_milestones: Sequence[str] | None = None,
) -> StoreFacts:
    """Open the store read-only (``--store`` else the source's default), read, close.

    Never raises for a store problem: a missing, locked, corrupt, newer or
    unreachable store gives facts with ``available=False`` and the reason.
    """
    from pmo_tui.store import open_store

    try:
        store = open_store(options.store, source=options.source, read_only=True)
    except store_errors() as exc:
        return StoreFacts.unavailable(f"the triage store could not be opened: {failure(exc)}")
    try:
        return read_store(
            store,
            issue_ids=issue_ids,
            period=period,
            mta_project=mta_project,
            mta_milestones=mta_milestones,
        )
    except store_errors() as exc:
        return StoreFacts.unavailable(
            f"the triage store could not be read: {failure(exc)}", store.description
        )
    finally:
        store.close()


def store_errors() -> tuple[type[BaseException], ...]:
    """What opening or reading a store can raise for a store problem (not a bug):
    the store's own errors, OS errors, database errors, a bad URL, a missing driver."""
    import sqlalchemy as sa

    from pmo_tui.errors import PmoError

    return (PmoError, OSError, sa.exc.SQLAlchemyError, ValueError, ImportError)


def failure(exc: BaseException) -> str:
    """One line for the report, passwords redacted."""
    from pmo_tui.errors import describe, redact

    return one_line(redact(describe(exc)), 300)
