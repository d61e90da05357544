"""Queries on what joining the group leaves behind (issue 16) that other commands read."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.joining_tables import DiscordEvent


async def interested_count(db: AsyncSession, session_id: int) -> int | None:
    """How many people pressed "Interested" on the session's Discord events (all servers),
    or None where no event exists or no count has been read yet."""
    total: int | None = await db.scalar(
        select(func.sum(DiscordEvent.interested)).where(
            DiscordEvent.session_id == session_id,
            DiscordEvent.status == "scheduled",
            DiscordEvent.interested.is_not(None),
        )
    )
    return None if total is None else int(total)
