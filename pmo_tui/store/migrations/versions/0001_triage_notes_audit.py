"""r1: triage state, notes and the append-only audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CHECK = "kind IN ('issue', 'project', 'milestone')"
APPEND_ONLY = ("store_audit", "store_note")

# A statement-level trigger with a transition table sends one NOTIFY per
# statement on channel pmo_store. The payload is JSON with ids only:
# {"t": table, "ids": [...], "cs": [changesets], "more": bool}. Ids are cut off
# at 6,000 bytes of JSON ("more": true), well under PostgreSQL's 8,000-byte cap.
PG_NOTIFY = """
CREATE OR REPLACE FUNCTION pmo_store_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    payload text;
BEGIN
    EXECUTE format($q$
        SELECT json_build_object(
            't', %L,
            'ids', coalesce(json_agg(id ORDER BY id) FILTER (WHERE total <= 6000), '[]'::json),
            'cs', coalesce((SELECT to_json((array_agg(DISTINCT cs))[1:20])
                            FROM (SELECT %s AS cs FROM changed_rows) c WHERE cs IS NOT NULL),
                           '[]'::json),
            'more', coalesce(bool_or(total > 6000), false)
        )::text
        FROM (SELECT id, sum(octet_length(to_json(id)::text) + 1) OVER (ORDER BY id) AS total
              FROM (SELECT DISTINCT %s AS id FROM changed_rows) d) s
        HAVING count(*) > 0
    $q$, TG_ARGV[0], TG_ARGV[2], TG_ARGV[1]) INTO payload;
    IF payload IS NOT NULL THEN
        PERFORM pg_notify('pmo_store', payload);
    END IF;
    RETURN NULL;
END
$fn$
"""

PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION pmo_store_append_only() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'pmo-tui: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$
"""


def _pg_notify_trigger(table: str, event: str, name: str, id_expr: str, cs_expr: str) -> str:
    return (
        f"CREATE TRIGGER {table}_notify_{event.lower()} AFTER {event} ON {table} "
        "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION pmo_store_notify('{name}', '{id_expr}', '{cs_expr}')"
    )


def upgrade() -> None:
    op.create_table(
        "store_triage",
        sa.Column("issue_id", sa.String, primary_key=True),
        sa.Column("status", sa.String(20)),
        sa.Column("owner", sa.String(200)),
        sa.Column("priority", sa.SmallInteger),
        sa.Column("due_date", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changeset", sa.String(32), nullable=False),
        sa.Column("updated_by", sa.String, nullable=False),
        sa.Column("updated_os_user", sa.String, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('open', 'in progress', 'closed')",
            name="ck_store_triage_status",
        ),
        sa.CheckConstraint(
            "priority IS NULL OR priority BETWEEN 1 AND 4", name="ck_store_triage_priority"
        ),
        sa.CheckConstraint("version >= 1", name="ck_store_triage_version"),
    )
    op.create_table(
        "store_note",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("item_id", sa.String, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("changeset", sa.String(32), nullable=False),
        sa.Column("who", sa.String, nullable=False),
        sa.Column("os_user", sa.String, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.CheckConstraint(KIND_CHECK, name="ck_store_note_kind"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_store_note_item", "store_note", ["kind", "item_id", "id"])
    op.create_table(
        "store_audit",
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
        sa.Column("at", sa.DateTime, nullable=False),
        sa.CheckConstraint(KIND_CHECK, name="ck_store_audit_kind"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_store_audit_item", "store_audit", ["kind", "item_id", "id"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'pmo-tui: {table} is append-only'); END"
                )
    elif dialect == "postgresql":
        op.execute(PG_APPEND_ONLY)
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION pmo_store_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION pmo_store_append_only()"
            )
        op.execute(PG_NOTIFY)
        for event in ("INSERT", "UPDATE"):
            op.execute(_pg_notify_trigger("store_triage", event, "triage", "issue_id", "changeset"))
        op.execute(
            _pg_notify_trigger(
                "store_note", "INSERT", "notes", "kind || '':'' || item_id", "changeset"
            )
        )


def downgrade() -> None:
    op.drop_table("store_audit")
    op.drop_table("store_note")
    op.drop_table("store_triage")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS pmo_store_notify()")
        op.execute("DROP FUNCTION IF EXISTS pmo_store_append_only()")
