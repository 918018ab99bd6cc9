"""s1: the six canonical source tables, per-table change counters, change triggers.

Revision ID: s0001
Revises:
Create Date: 2026-11-26

Tables mirror ``pmo_tui.model.SCHEMAS`` as of this revision (frozen here on
purpose: a migration must not change when the model does; tests compare the
migrated schema with the model). Ids and text are TEXT, dates DATE (months are
the first day of the month), money and percent DOUBLE PRECISION, severity
INTEGER 1-4, key BOOLEAN. Required values are NOT NULL, except a project's
budget and a milestone's baseline date, which the folder loader also accepts
blank (with a warning). ``costs`` and ``plan`` have a surrogate ``id``: many
lines per project and month are fine, they are summed.

Change detection:

* ``pmo_table_version`` holds one counter per table, bumped by triggers on every
  insert, update, delete (and truncate on PostgreSQL). The SQLite watcher reads
  it when ``PRAGMA data_version`` moves; the PostgreSQL watcher polls it as a
  fallback and after reconnecting.
* On PostgreSQL a statement-level trigger also sends ``NOTIFY pmo_source`` with a
  JSON payload of the table, the operation and the changed ids (the table's id
  column; ``project_id`` for costs and plan), at most 200 ids and well under the
  8,000-byte payload cap; beyond that only the table is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "s0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("programmes", "projects", "milestones", "costs", "plan", "issues")
ID_COLUMN = {
    "programmes": "programme_id",
    "projects": "project_id",
    "milestones": "milestone_id",
    "costs": "project_id",
    "plan": "project_id",
    "issues": "issue_id",
}
COUNTERS = "pmo_table_version"
CHANNEL = "pmo_source"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION pmo_source_changed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    ids json;
    picked text;
    payload text;
BEGIN
    IF TG_OP <> 'TRUNCATE' THEN
        picked := CASE TG_OP
            WHEN 'INSERT' THEN format('SELECT %1$I::text AS id FROM new_rows', TG_ARGV[0])
            WHEN 'DELETE' THEN format('SELECT %1$I::text AS id FROM old_rows', TG_ARGV[0])
            ELSE format('SELECT %1$I::text AS id FROM new_rows '
                        'UNION ALL SELECT %1$I::text FROM old_rows', TG_ARGV[0])
        END;
        EXECUTE format('SELECT json_agg(id ORDER BY id) FROM '
                       '(SELECT DISTINCT id FROM (%s) u WHERE id IS NOT NULL LIMIT 201) d',
                       picked) INTO ids;
        IF ids IS NULL THEN
            RETURN NULL;  -- the statement changed no rows
        END IF;
    END IF;
    UPDATE {COUNTERS} SET version = version + 1 WHERE table_name = TG_TABLE_NAME;
    payload := json_build_object('table', TG_TABLE_NAME, 'op', lower(TG_OP), 'ids', ids)::text;
    IF ids IS NULL OR json_array_length(ids) > 200 OR octet_length(payload) > 7000 THEN
        payload := json_build_object('table', TG_TABLE_NAME, 'op', lower(TG_OP))::text;
    END IF;
    PERFORM pg_notify('{CHANNEL}', payload);
    RETURN NULL;
END
$fn$
"""

_PG_TRIGGERS = {
    "ins": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows",
    "upd": "AFTER UPDATE ON {t} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "del": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows",
    "trunc": "AFTER TRUNCATE ON {t}",
}
_SQLITE_TRIGGERS = {"ins": "INSERT", "upd": "UPDATE", "del": "DELETE"}


def _money() -> sa.types.TypeEngine[Any]:
    return sa.Double()


def _columns(table: str) -> list[sa.Column[Any]]:
    text, date, money = sa.Text, sa.Date, _money
    key = ID_COLUMN[table]
    if table == "programmes":
        return [
            sa.Column("programme_id", text, primary_key=True),
            sa.Column("name", text),
            sa.Column("portfolio", text),
            sa.Column("manager", text),
        ]
    if table == "projects":
        return [
            sa.Column("project_id", text, primary_key=True),
            sa.Column("name", text, nullable=False),
            sa.Column("programme_id", text),
            sa.Column("programme", text),
            sa.Column("portfolio", text),
            sa.Column("manager", text),
            sa.Column("start_date", date),
            sa.Column("end_date", date),
            sa.Column("budget", money()),
            sa.Column("percent_complete", money()),
            sa.Column("status", text),
            sa.Column("phase", text),
            sa.Column("forecast_cost", money()),
            sa.Column("forecast_end_date", date),
            sa.Column("reported_rag", text),
        ]
    if table == "milestones":
        return [
            sa.Column("milestone_id", text, primary_key=True),
            sa.Column("project_id", text, nullable=False),
            sa.Column("name", text, nullable=False),
            sa.Column("baseline_date", date),
            sa.Column("forecast_date", date),
            sa.Column("actual_date", date),
            sa.Column("key", sa.Boolean),
        ]
    surrogate = sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        sa.Identity(),
        primary_key=True,
    )
    if table == "costs":
        return [
            surrogate,
            sa.Column(key, text, nullable=False),
            sa.Column("period", date, nullable=False),
            sa.Column("amount", money(), nullable=False),
            sa.Column("category", text),
        ]
    if table == "plan":
        return [
            surrogate,
            sa.Column(key, text, nullable=False),
            sa.Column("period", date, nullable=False),
            sa.Column("amount", money(), nullable=False),
        ]
    return [
        sa.Column("issue_id", text, primary_key=True),
        sa.Column("project_id", text, nullable=False),
        sa.Column("title", text, nullable=False),
        sa.Column("type", text),
        sa.Column("severity", sa.Integer),
        sa.Column("status", text),
        sa.Column("owner", text),
        sa.Column("raised_date", date),
        sa.Column("due_date", date),
        sa.Column("description", text),
    ]


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    counters = op.create_table(
        COUNTERS,
        sa.Column("table_name", sa.Text, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.bulk_insert(counters, [{"table_name": t, "version": 0} for t in TABLES])
    for table in TABLES:
        op.create_table(table, *_columns(table))
        if table not in ("programmes", "projects"):
            op.create_index(f"ix_{table}_project_id", table, ["project_id"])
    op.create_index("ix_projects_programme_id", "projects", ["programme_id"])

    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
        for table in TABLES:
            quoted = '"' + table + '"'
            for name, when in _PG_TRIGGERS.items():
                op.execute(
                    f"CREATE TRIGGER pmo_source_{name} {when.format(t=quoted)} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION pmo_source_changed('{ID_COLUMN[table]}')"
                )
    elif dialect == "sqlite":
        for table in TABLES:
            for name, event in _SQLITE_TRIGGERS.items():
                op.execute(
                    f'CREATE TRIGGER pmo_source_{table}_{name} AFTER {event} ON "{table}" '
                    f"BEGIN UPDATE {COUNTERS} SET version = version + 1 "
                    f"WHERE table_name = '{table}'; END"
                )
    else:
        raise RuntimeError(f"the source schema supports SQLite and PostgreSQL, not {dialect}")


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    for table in reversed(TABLES):
        op.drop_table(table)  # drops its triggers with it
    op.drop_table(COUNTERS)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS pmo_source_changed()")
