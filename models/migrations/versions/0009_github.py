"""GitHub sync state (issue 20)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 11:40:00

Per cohort, whether it publishes to a GitHub repository and the schedule file's planned
version; per session, the Discussion that announces it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "github_sync",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("repo", sa.String(length=140), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("schedule_path", sa.String(length=200), nullable=False),
        sa.Column("schedule_hash", sa.String(length=64), nullable=True),
        sa.Column("schedule_version", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("last_sync", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_github_sync_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", name=op.f("pk_github_sync")),
    )
    op.create_table(
        "github_discussions",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("announced_start", sa.DateTime(), nullable=False),
        sa.Column("edits", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_github_discussions_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_github_discussions_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_github_discussions")),
    )
    with op.batch_alter_table("github_discussions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_github_discussions_cohort_id"), ["cohort_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("github_discussions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_github_discussions_cohort_id"))
    op.drop_table("github_discussions")
    op.drop_table("github_sync")
