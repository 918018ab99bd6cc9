"""Alembic migration scripts that ship inside the package (no alembic.ini on disk).

The source schema (``pmo_tui/sources/migrations``, ``pmo-tui db init``) and the
triage store (``pmo_tui/store/migrations``, applied on open) each have one
:class:`Scripts`: where the scripts are (found with importlib.resources) and
the name of the version table, so the two never read each other's version.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

if TYPE_CHECKING:  # Alembic (~11 MiB, ~60 ms) is imported only when it is used
    from alembic.config import Config
    from alembic.script import ScriptDirectory


class Scripts:
    """One packaged migration history."""

    def __init__(self, location: str, version_table: str) -> None:
        self.location = location  # e.g. "pmo_tui.store:migrations"
        self.version_table = version_table

    def config(self, connection: Connection | None = None) -> Config:
        """An Alembic config whose env.py runs on ``connection``."""
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", self.location)
        cfg.attributes["connection"] = connection
        return cfg

    @cached_property
    def _directory(self) -> ScriptDirectory:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config())

    def head(self) -> str:
        rev = self._directory.get_current_head()
        assert rev is not None
        return rev

    def revisions(self) -> list[str]:
        """Every revision, oldest first."""
        return [s.revision for s in reversed(list(self._directory.walk_revisions()))]

    def current(self, conn: Connection) -> str | None:
        """The revision the database is at (None: no schema yet)."""
        from alembic.runtime.migration import MigrationContext

        ctx = MigrationContext.configure(conn, opts={"version_table": self.version_table})
        return ctx.get_current_revision()
