"""the web pages: leaderboard opt-in and what the pages need (issue 17)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # placeholder: the work of this release fills it in


def downgrade() -> None:
    pass
