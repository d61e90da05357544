"""welcome, code of conduct, private reports, session threads, Discord scheduled events (issue 16)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # placeholder: the work of this release fills it in


def downgrade() -> None:
    pass
