"""Programmatic Alembic for the store: no alembic.ini on disk, applied on open.

The scripts ship in the package (``pmo_tui/store/migrations``) and are found
with importlib.resources (``script_location = "pmo_tui.store:migrations"``).
The version table is ``pmo_store_version``. Migrating runs in one write
transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so
two officers starting pmo-tui at the same moment cannot both create the schema.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy.engine import Engine

from pmo_tui.alembic_scripts import Scripts
from pmo_tui.store import engine as engines
from pmo_tui.store.errors import SchemaMismatch

SCRIPT_LOCATION = "pmo_tui.store:migrations"
VERSION_TABLE = "pmo_store_version"
_PG_LOCK_KEY = 0x706D6F5F73746F  # "pmo_sto": serialises concurrent migrations
_SCRIPTS = Scripts(SCRIPT_LOCATION, VERSION_TABLE)
config = _SCRIPTS.config
head = _SCRIPTS.head
revisions = _SCRIPTS.revisions
current = _SCRIPTS.current


def _check_known(rev: str | None) -> None:
    if rev is not None and rev not in revisions():
        raise SchemaMismatch(
            f"the store's schema is at revision {rev}, which this pmo-tui does not know "
            f"(it knows up to {head()}); upgrade pmo-tui"
        )


def status(engine: Engine) -> str | None:
    """The store's current revision (None when it has no schema yet)."""
    with engine.connect() as conn:
        rev = current(conn)
        conn.rollback()
    _check_known(rev)
    return rev


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store to ``revision`` (default: head). Cheap when already there."""
    target = head() if revision == "head" else revision
    if revision == "head" and status(engine) == target:
        return
    with engines.writer(engine) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        _check_known(current(conn))
        command.upgrade(config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Step the schema back (for tests and emergencies; notes and audit are dropped)."""
    with engines.writer(engine) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        command.downgrade(config(conn), revision)
