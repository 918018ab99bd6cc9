"""Programmatic Alembic for the database source schema (``pmo-tui db init``).

The scripts ship in the package (``pmo_tui/sources/migrations``), found through
importlib.resources; no alembic.ini on disk. The version table is
``pmo_source_version``. Upgrading runs in one transaction, under an advisory
lock on PostgreSQL, so two ``db init`` runs at once cannot both create tables.
The source is never migrated implicitly: opening a database whose schema is
missing or behind says to run ``pmo-tui db init``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection, Engine

from pmo_tui.alembic_scripts import Scripts
from pmo_tui.errors import SourceUnavailable
from pmo_tui.sources.db_schema import SCRIPT_LOCATION, VERSION_TABLE, describe

_PG_LOCK_KEY = 0x706D6F5F737263  # "pmo_src": serialises concurrent migrations
_SCRIPTS = Scripts(SCRIPT_LOCATION, VERSION_TABLE)
config = _SCRIPTS.config
head = _SCRIPTS.head
revisions = _SCRIPTS.revisions
current = _SCRIPTS.current


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; returns the revision it was at before."""
    with engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        before = current(conn)
        if before is not None and before not in revisions():
            raise SourceUnavailable(
                f"{describe(engine.url)}: the source schema is at revision {before}, which this "
                f"pmo-tui does not know (it knows up to {head()}); upgrade pmo-tui"
            )
        command.upgrade(config(conn), revision)
    return before


def downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as conn, conn.begin():
        command.downgrade(config(conn), revision)


def require_current(conn: Connection, url: sa.URL) -> None:
    """Refuse a database without the source schema at head, saying what to run."""
    rev = current(conn)
    where = describe(url)
    if rev == head():
        return
    if rev is None:
        raise SourceUnavailable(
            f"{where} has no pmo-tui source tables; create them with: pmo-tui db init URL "
            "(and load a folder with: pmo-tui db import FOLDER URL)"
        )
    if rev not in revisions():
        raise SourceUnavailable(
            f"{where}: the source schema is at revision {rev}, newer than this pmo-tui "
            f"knows ({head()}); upgrade pmo-tui"
        )
    raise SourceUnavailable(
        f"{where}: the source schema is at revision {rev} and needs {head()}; "
        "migrate it with: pmo-tui db init URL"
    )
