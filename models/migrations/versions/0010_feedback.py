"""grading seeds, recognised mistakes, hints (issue 22)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 11:40:00

Submissions' seeds become 62-bit (a grade reports its seed and `studybot grade --seed N`
reproduces it); the hints each member has taken; a cohort's policy for model solutions.
Recognised mistakes live in each submission's result JSON, so they need no column.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.alter_column(
            "seed", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )
    op.create_table(
        "hint_uses",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_hint_uses_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_hint_uses_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", "member_id", "exercise_id", name=op.f("pk_hint_uses")),
    )
    op.create_table(
        "exercise_settings",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("solutions", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_exercise_settings_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", name=op.f("pk_exercise_settings")),
    )


def downgrade() -> None:
    op.drop_table("exercise_settings")
    op.drop_table("hint_uses")
    with op.batch_alter_table("submissions") as batch:
        batch.alter_column(
            "seed", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
