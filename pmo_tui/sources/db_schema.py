"""The database source's schema as SQLAlchemy sees it, and its URLs.

The tables are created by the Alembic migration in ``migrations/`` (frozen per
revision); :data:`METADATA` is the same schema derived from
``pmo_tui.model.SCHEMAS`` for writing (``db import``) and for the test that the
migrated database matches the model. See ``docs/database.md``.
"""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa

from pmo_tui.errors import SourceUnavailable, redact
from pmo_tui.model import SCHEMAS, TABLES, Column

VERSION_TABLE = "pmo_source_version"
COUNTERS = "pmo_table_version"
CHANNEL = "pmo_source"
SCRIPT_LOCATION = "pmo_tui.sources:migrations"
#: the id each change notification carries, per table
ID_COLUMN: dict[str, str] = {
    "programmes": "programme_id",
    "projects": "project_id",
    "milestones": "milestone_id",
    "costs": "project_id",
    "plan": "project_id",
    "issues": "issue_id",
}
#: tables without a natural key get a surrogate ``id``; their lines are summed
LINE_TABLES: dict[str, tuple[str, ...]] = {
    "costs": ("project_id", "period", "category"),
    "plan": ("project_id", "period"),
}
#: required columns the folder loader accepts blank (with a warning), so nullable here
SOFT_REQUIRED: dict[str, frozenset[str]] = {
    "projects": frozenset({"budget"}),
    "milestones": frozenset({"baseline_date"}),
}
SUPPORTED = ("sqlite", "postgresql")


def not_null(table: str, column: Column) -> bool:
    return column.required and column.name not in SOFT_REQUIRED.get(table, frozenset())


def sql_type(column: Column) -> sa.types.TypeEngine[Any]:
    kind = column.kind
    if kind in ("date", "month"):
        return sa.Date()
    if kind in ("money", "percent"):
        return sa.Double()
    if kind == "int":
        return sa.Integer()
    if kind == "bool":
        return sa.Boolean()
    return sa.Text()


def _table(metadata: sa.MetaData, name: str) -> sa.Table:
    columns: list[sa.Column[Any]] = []
    if name in LINE_TABLES:
        columns.append(
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                sa.Identity(),
                primary_key=True,
            )
        )
    key = {
        "programmes": "programme_id",
        "projects": "project_id",
        "milestones": "milestone_id",
        "issues": "issue_id",
    }.get(name)
    for col in SCHEMAS[name]:
        columns.append(
            sa.Column(
                col.name,
                sql_type(col),
                primary_key=col.name == key,
                nullable=not not_null(name, col) and col.name != key,
            )
        )
    return sa.Table(name, metadata, *columns)


METADATA = sa.MetaData()
TABLE: dict[str, sa.Table] = {name: _table(METADATA, name) for name in TABLES}


def parse_url(url: str) -> sa.URL:
    """An SQLAlchemy URL for SQLite or PostgreSQL (psycopg 3), or a clear error."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise SourceUnavailable(f"not a database URL: {redact(url)}") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED:
        raise SourceUnavailable(
            f"{describe(parsed)}: the database source supports SQLite and PostgreSQL, not {backend}"
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "postgresql" and importlib.util.find_spec("psycopg") is None:
        raise SourceUnavailable("PostgreSQL needs psycopg 3: pip install 'pmo-tui[postgres]'")
    if backend == "sqlite" and (not parsed.database or parsed.database == ":memory:"):
        raise SourceUnavailable(
            "an in-memory SQLite database cannot be a source; give a file: sqlite:///path.db"
        )
    return parsed


def describe(url: sa.URL) -> str:
    """The URL as the status bar and messages show it: never with a password."""
    return redact(unquote(url.render_as_string(hide_password=True)))
