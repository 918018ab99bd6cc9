"""The store's tables as SQLAlchemy Core metadata (the head revision).

The migrations in ``migrations/versions`` create exactly this; they do not import
it, so old revisions stay frozen. Every table is prefixed ``store_`` because in
database mode the store shares the database with the source schema.

Timestamps are naive UTC in the database (``TIMESTAMP WITHOUT TIME ZONE`` on
PostgreSQL, ISO text on SQLite) and aware UTC in Python (:class:`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def _sqlite_autoincrement() -> dict[str, Any]:
    return {"sqlite_autoincrement": True}


triage = sa.Table(
    "store_triage",
    metadata,
    sa.Column("issue_id", sa.String, primary_key=True),
    sa.Column("status", sa.String(20)),
    sa.Column("owner", sa.String(200)),
    sa.Column("priority", sa.SmallInteger),
    sa.Column("due_date", sa.Date),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("changeset", sa.String(32), nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
    sa.Column("updated_os_user", sa.String, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(
        "status IS NULL OR status IN ('open', 'in progress', 'closed')",
        name="ck_store_triage_status",
    ),
    sa.CheckConstraint(
        "priority IS NULL OR priority BETWEEN 1 AND 4", name="ck_store_triage_priority"
    ),
    sa.CheckConstraint("version >= 1", name="ck_store_triage_version"),
)

note = sa.Table(
    "store_note",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("item_id", sa.String, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("changeset", sa.String(32), nullable=False),
    sa.Column("who", sa.String, nullable=False),
    sa.Column("os_user", sa.String, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_store_note_item", "kind", "item_id", "id"),
    sa.CheckConstraint("kind IN ('issue', 'project', 'milestone')", name="ck_store_note_kind"),
    **_sqlite_autoincrement(),
)

audit = sa.Table(
    "store_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("changeset", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("item_id", sa.String, nullable=False),
    sa.Column("field", sa.String(20), nullable=False),
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("version", sa.Integer),
    sa.Column("who", sa.String, nullable=False),
    sa.Column("os_user", sa.String, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_store_audit_item", "kind", "item_id", "id"),
    sa.Index("ix_store_audit_at", "at"),  # r2
    sa.CheckConstraint("kind IN ('issue', 'project', 'milestone')", name="ck_store_audit_kind"),
    **_sqlite_autoincrement(),
)

# -- r2 ----------------------------------------------------------------------

round_ = sa.Table(
    "store_round",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("officer", sa.String, nullable=False),
    sa.Column("os_user", sa.String, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Index("ix_store_round_officer", "officer", "os_user", "id"),
    **_sqlite_autoincrement(),
)

seen = sa.Table(
    "store_seen",
    metadata,
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("item_id", sa.String, primary_key=True),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Index("ix_store_seen_first", "kind", "first_seen_at"),
)

forecast = sa.Table(
    "store_forecast",
    metadata,
    sa.Column("milestone_id", sa.String, primary_key=True),
    sa.Column("report_date", sa.Date, primary_key=True),
    sa.Column("project_id", sa.String),
    sa.Column("baseline_date", sa.Date),
    sa.Column("forecast_date", sa.Date),
    sa.Column("actual_date", sa.Date),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Index("ix_store_forecast_project", "project_id", "report_date"),
    sa.Index("ix_store_forecast_day", "report_date"),
    sa.Index("ix_store_forecast_recorded", "recorded_at"),
)

#: the tables ``watch`` reports, by the name it uses in ``Change.tables``
WATCHED = {"triage": triage, "notes": note, "forecasts": forecast}
