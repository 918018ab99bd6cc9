"""r2: officer rounds, first-seen items, milestone forecast history (MTA).

Also indexes the audit trail by time for "changed by others today".

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_store_audit_at", "store_audit", ["at"])
    op.create_table(
        "store_round",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("officer", sa.String, nullable=False),
        sa.Column("os_user", sa.String, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_store_round_officer", "store_round", ["officer", "os_user", "id"])
    op.create_table(
        "store_seen",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("item_id", sa.String, primary_key=True),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_store_seen_first", "store_seen", ["kind", "first_seen_at"])
    op.create_table(
        "store_forecast",
        sa.Column("milestone_id", sa.String, primary_key=True),
        sa.Column("report_date", sa.Date, primary_key=True),
        sa.Column("project_id", sa.String),
        sa.Column("baseline_date", sa.Date),
        sa.Column("forecast_date", sa.Date),
        sa.Column("actual_date", sa.Date),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_store_forecast_project", "store_forecast", ["project_id", "report_date"])
    op.create_index("ix_store_forecast_day", "store_forecast", ["report_date"])
    op.create_index("ix_store_forecast_recorded", "store_forecast", ["recorded_at"])

    if op.get_bind().dialect.name == "postgresql":
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER store_forecast_notify_{event.lower()} AFTER {event} "
                "ON store_forecast REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT "
                "EXECUTE FUNCTION pmo_store_notify('forecasts', 'milestone_id', 'NULL::text')"
            )


def downgrade() -> None:
    op.drop_table("store_forecast")
    op.drop_table("store_seen")
    op.drop_table("store_round")
    op.drop_index("ix_store_audit_at", table_name="store_audit")
