"""certificate names, the organizer's plan kept across skips (issue 21)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:40:00

`cohorts.skip_moves` records what each `admin skip` moved, so `admin unskip` moves exactly
those sessions back; `cohorts.session_minutes` is how long a session lasts (90 by default);
`members.certificate_name` is the name a member set with `d2l name`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("skip_moves", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("session_minutes", sa.Integer(), nullable=False, server_default="90")
        )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("certificate_name", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("certificate_name")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("session_minutes")
        batch.drop_column("skip_moves")
