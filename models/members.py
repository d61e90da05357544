"""Member queries: identities on each platform, enrolment and roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
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
    """The member behind a platform identity, created on first contact.

    Two first messages of a new person may arrive at once: the identity's unique key lets
    one of them create the member, and the other finds it.
    """
    known = (
        select(Member)
        .join(Identity, Identity.member_id == Member.id)
        .where(
            Identity.platform == platform,
            Identity.workspace_id == workspace_id,
            Identity.user_id == user_id,
        )
    )
    member = await db.scalar(known)
    if member is not None:
        return member
    name = (display_name.strip() or user_id)[:100]
    try:
        async with db.begin_nested():
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
    except IntegrityError:
        member = await db.scalar(known)
        if member is None:
            raise
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
    mine = select(Enrollment).where(
        Enrollment.cohort_id == cohort_id, Enrollment.member_id == member_id
    )
    existing = await db.scalar(mine)
    if existing is not None:
        if organizer and existing.role != "organizer":
            existing.role = "organizer"
        return existing
    count = await db.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == cohort_id)
    )
    role = "organizer" if organizer or not count else "member"
    try:
        async with db.begin_nested():  # two first messages at once: one enrols, one finds it
            enrollment = Enrollment(
                cohort_id=cohort_id, member_id=member_id, role=role, joined_at=now
            )
            db.add(enrollment)
            await db.flush()
    except IntegrityError:
        found = await db.scalar(mine)
        if found is None:
            raise
        return found
    return enrollment


def named_in(configured: Iterable[str], platform: str, user_id: str, name: str) -> bool:
    """Whether a settings list of organizers names this person (by `platform:id` or name)."""
    wanted = {entry.strip().lower() for entry in configured}
    return f"{platform}:{user_id}".lower() in wanted or name.strip().lower() in wanted
