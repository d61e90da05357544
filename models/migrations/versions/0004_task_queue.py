"""task queue: procrastinate's schema (PostgreSQL only) for the grading jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 18:30:00

procrastinate ships its schema as one SQL script; it is applied here so that `studybot
migrate` prepares everything. A later procrastinate release that changes the schema gets a
migration of ours that runs the release's own migration scripts. On SQLite grading runs in
the bot's process on procrastinate's in-memory connector, so there is nothing to create.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_only

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run_script(script: str) -> None:
    # Several statements with $$ bodies: asyncpg's simple-query protocol takes them as one
    # script, which a prepared statement (SQLAlchemy's execute) would not.
    raw = op.get_bind().connection.driver_connection
    assert raw is not None
    await_only(raw.execute(script))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(
        """
        DO $$
        DECLARE item record;
        BEGIN
            FOR item IN SELECT tablename FROM pg_tables
                WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%'
            LOOP EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.tablename); END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'
            LOOP EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', item.signature); END LOOP;
            FOR item IN SELECT t.typname FROM pg_type t
                JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
                  AND t.typtype IN ('e', 'c')
            LOOP EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname); END LOOP;
        END $$;
        """
    )
