"""Member queries: identities on each platform, enrolment and roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Enrollment, Identity, Member


async def member_for_identity(
    db: AsyncSession,
    *,
    platform: str,
    workspace_id: str,
    user_id: str,
    display_name: str,
    now: dt.datetime,
) -> Member:
    """The member behind a platform identity, created on first contact."""
    result = await db.execute(
        select(Member)
        .join(Identity, Identity.member_id == Member.id)
        .where(
            Identity.platform == platform,
            Identity.workspace_id == workspace_id,
            Identity.user_id == user_id,
        )
    )
    member = result.scalar_one_or_none()
    if member is not None:
        return member
    name = (display_name.strip() or user_id)[:100]
    member = Member(display_name=name, created_at=now)
    db.add(member)
    await db.flush()
    db.add(
        Identity(
            member_id=member.id,
            platform=platform,
            workspace_id=workspace_id,
            user_id=user_id,
            display_name=name,
            created_at=now,
        )
    )
    await db.flush()
    return member


async def enroll(
    db: AsyncSession,
    *,
    cohort_id: int,
    member_id: int,
    now: dt.datetime,
    organizer: bool = False,
) -> Enrollment:
    """The member's enrolment in the cohort; the cohort's first member becomes an organizer."""
    existing = await db.scalar(
        select(Enrollment).where(
            Enrollment.cohort_id == cohort_id, Enrollment.member_id == member_id
        )
    )
    if existing is not None:
        if organizer and existing.role != "organizer":
            existing.role = "organizer"
        return existing
    count = await db.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == cohort_id)
    )
    role = "organizer" if organizer or not count else "member"
    enrollment = Enrollment(cohort_id=cohort_id, member_id=member_id, role=role, joined_at=now)
    db.add(enrollment)
    await db.flush()
    return enrollment


def named_in(configured: Iterable[str], platform: str, user_id: str, name: str) -> bool:
    """Whether a settings list of organizers names this person (by `platform:id` or name)."""
    wanted = {entry.strip().lower() for entry in configured}
    return f"{platform}:{user_id}".lower() in wanted or name.strip().lower() in wanted
