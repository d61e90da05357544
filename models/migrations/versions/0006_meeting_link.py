"""meeting links for the cohort and each session (issue 21)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 11:40:00

A cohort-wide meeting link and a per-session one that overrides it; both optional.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("meeting_url", sa.String(length=500), nullable=True))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("meeting_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("meeting_url")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("meeting_url")
