"""Alembic environment of the database source schema.

Run only through :mod:`pmo_tui.sources.db_migrate`, which hands over an open
connection in ``config.attributes["connection"]``. The version table is
``pmo_source_version``, so the triage store (``pmo_store_version``) can share
the database.
"""

from __future__ import annotations

from alembic import context

VERSION_TABLE = "pmo_source_version"

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("the source schema migrates through pmo_tui.sources.db_migrate.upgrade()")

context.configure(
    connection=connection,
    version_table=VERSION_TABLE,
    transactional_ddl=True,
    target_metadata=None,
)
with context.begin_transaction():
    context.run_migrations()
