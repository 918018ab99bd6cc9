"""Programmatic Alembic for the store: no alembic.ini on disk, applied on open.

The scripts ship in the package (``pmo_tui/store/migrations``) and are found
with importlib.resources (``script_location = "pmo_tui.store:migrations"``).
The version table is ``pmo_store_version``. Migrating runs in one write
transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so
two officers starting pmo-tui at the same moment cannot both create the schema.

Opening a store that is already at :data:`HEAD` (every start but the first)
reads the version table with plain SQL and never imports Alembic (~11 MiB and
~60 ms); a test keeps :data:`HEAD` equal to the scripts' head.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pmo_tui.alembic_scripts import Scripts
from pmo_tui.store import engine as engines
from pmo_tui.store.errors import SchemaMismatch

SCRIPT_LOCATION = "pmo_tui.store:migrations"
VERSION_TABLE = "pmo_store_version"
_PG_LOCK_KEY = 0x706D6F5F73746F  # "pmo_sto": serialises concurrent migrations
#: the newest revision in ``migrations/versions`` (tests/test_store_migrations.py checks it)
HEAD = "0002"
_SCRIPTS = Scripts(SCRIPT_LOCATION, VERSION_TABLE)
config = _SCRIPTS.config
revisions = _SCRIPTS.revisions


def head() -> str:
    """The revision this pmo-tui migrates a store to."""
    return HEAD


def current(conn: Connection) -> str | None:
    """The revision the store is at (None: no schema yet), without Alembic when it can."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    stamped = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(stamped) == 1:
        return str(stamped[0])
    return _SCRIPTS.current(conn)  # no row, or branches: let Alembic say


def _check_known(rev: str | None) -> None:
    if rev is not None and rev != HEAD and rev not in revisions():
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
        from alembic import command

        command.upgrade(config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Step the schema back (for tests and emergencies; notes and audit are dropped)."""
    with engines.writer(engine) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        from alembic import command

        command.downgrade(config(conn), revision)
