"""Alembic environment of the triage store.

Run only through :mod:`pmo_tui.store.migrate`, which hands over an open
connection (already inside a write transaction holding the migration lock) in
``config.attributes["connection"]``. The version table is ``pmo_store_version``
so the store can share a database with the source schema (``pmo_source_version``).
"""

from __future__ import annotations

from alembic import context

VERSION_TABLE = "pmo_store_version"

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("the store's migrations run through pmo_tui.store.migrate.upgrade()")

context.configure(
    connection=connection,
    version_table=VERSION_TABLE,
    transactional_ddl=True,
    render_as_batch=True,
    target_metadata=None,
)
with context.begin_transaction():
    context.run_migrations()
