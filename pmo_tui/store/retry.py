"""Which database errors are worth retrying, and how long to wait between tries."""

from __future__ import annotations

import random
import sqlite3
from enum import Enum

import sqlalchemy as sa

SQLITE_BUSY, SQLITE_LOCKED = 5, 6
#: PostgreSQL SQLSTATEs: serialization failure, deadlock, lock_timeout, unique violation
PG_RETRY = {"40001", "40P01", "55P03", "23505"}


class Transient(Enum):
    BUSY = "busy"  # locked, deadlock, serialization failure, insert race: simply retry
    DISCONNECT = "disconnect"  # the connection broke: the commit may or may not have landed


def classify(exc: BaseException) -> Transient | None:
    """A transient failure of a write transaction, or None for a real error."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return None
    if exc.connection_invalidated:
        return Transient.DISCONNECT
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
            return Transient.BUSY
        text = str(orig).lower()
        return Transient.BUSY if "locked" in text or "busy" in text else None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in PG_RETRY:
        return Transient.BUSY
    if isinstance(sqlstate, str) and sqlstate.startswith("08"):
        return Transient.DISCONNECT
    return None


def backoff(attempt: int, base: float = 0.01, cap: float = 0.5) -> float:
    """Exponential backoff with full jitter: attempt 1 waits up to 10 ms, then 20, 40, ..."""
    return random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))
