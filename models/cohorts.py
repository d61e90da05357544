"""Cohort queries: the default cohort, channel bindings, and dating the session plan."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models.tables import Cohort, PlatformBinding, Session
from quizzes.curriculum import Curriculum, session_starts


async def first_cohort(db: AsyncSession) -> Cohort | None:
    result = await db.execute(
        select(Cohort).options(selectinload(Cohort.sessions)).order_by(Cohort.id).limit(1)
    )
    return result.scalar_one_or_none()


async def create_cohort(
    db: AsyncSession,
    *,
    name: str,
    timezone: str,
    first_session: dt.date,
    session_time: dt.time,
    cadence_days: int,
    session_count: int,
    curriculum: Curriculum,
    now: dt.datetime,
    quiz_pass_mark: float = 0.6,
) -> Cohort:
    """A cohort with its sessions taken from the curriculum and dated by the cadence."""
    cohort = Cohort(
        name=name,
        timezone=timezone,
        first_session=first_session,
        session_time=session_time,
        cadence_days=cadence_days,
        pass_threshold=0.8,
        quiz_pass_mark=quiz_pass_mark,
        skipped_dates=[],
        announce_days_before=3,
        reminder_offsets=[1440, 60],
        assignment_offsets=[2880, 120],
        created_at=now,
    )
    planned = curriculum.sessions[:session_count]
    starts = session_starts(first_session, session_time, timezone, cadence_days, len(planned))
    cohort.sessions = [
        Session(
            number=plan.number,
            starts_at=start,
            title=plan.title,
            chapters=list(plan.chapters),
            sections=list(plan.sections),
            link=str(plan.link),
            prepare=plan.prepare,
            pinned=False,
        )
        for plan, start in zip(planned, starts, strict=True)
    ]
    db.add(cohort)
    await db.flush()
    return cohort


async def cohort_for_channel(
    db: AsyncSession, platform: str, workspace_id: str, channel_id: str
) -> Cohort | None:
    """The cohort bound to this channel, else the first cohort (a single-cohort bot).
    One query: every command starts here."""
    bound_here = (
        (PlatformBinding.cohort_id == Cohort.id)
        & (PlatformBinding.platform == platform)
        & (PlatformBinding.workspace_id == workspace_id)
        & (PlatformBinding.channel_id == channel_id)
    )
    result = await db.execute(
        select(Cohort)
        .outerjoin(PlatformBinding, bound_here)
        .order_by(PlatformBinding.id.is_(None), Cohort.id)  # the bound cohort first
        .limit(1)
        .options(selectinload(Cohort.sessions))
    )
    return result.scalar_one_or_none()


async def bind(
    db: AsyncSession,
    cohort_id: int,
    platform: str,
    workspace_id: str,
    channel_id: str,
    now: dt.datetime,
) -> PlatformBinding:
    """Bind a channel to a cohort; a channel already bound keeps its binding."""
    existing = await db.scalar(
        select(PlatformBinding).where(
            PlatformBinding.platform == platform,
            PlatformBinding.workspace_id == workspace_id,
            PlatformBinding.channel_id == channel_id,
        )
    )
    if existing is not None:
        return existing
    binding = PlatformBinding(
        cohort_id=cohort_id,
        platform=platform,
        workspace_id=workspace_id,
        channel_id=channel_id,
        created_at=now,
    )
    db.add(binding)
    await db.flush()
    return binding


class RescheduleError(ValueError):
    """A schedule change would move a future session into the past."""


def reschedule(cohort: Cohort, now: dt.datetime) -> list[Session]:
    """Re-date the sessions that haven't started yet from the cohort's settings.

    Before the first session, the plan runs from the start date. Once sessions have taken
    place they keep their dates, and the later ones follow the last of them by the cadence,
    at the cohort's time of day in its zone. Sessions an organizer pinned keep their dates.
    Returns the sessions that moved; raises RescheduleError if one would land in the past.
    """
    sessions = sorted(cohort.sessions, key=lambda s: s.number)
    past = [s for s in sessions if s.starts_at <= now]
    future = [s for s in sessions if s.starts_at > now]
    first = cohort.first_session
    if past:
        last_local = past[-1].starts_at.astimezone(ZoneInfo(cohort.timezone)).date()
        first = last_local + dt.timedelta(days=cohort.cadence_days)
    skipped = [dt.date.fromisoformat(day) for day in cohort.skipped_dates or []]
    starts = session_starts(
        first, cohort.session_time, cohort.timezone, cohort.cadence_days, len(future), skipped
    )
    moved: list[Session] = []
    for session, start in zip(future, starts, strict=True):
        if session.pinned or session.starts_at == start:
            continue
        if start <= now:
            raise RescheduleError(
                f"session {session.number} would move to {start:%Y-%m-%d %H:%M} UTC, "
                "which has already passed"
            )
        session.starts_at = start
        moved.append(session)
    return moved


def meeting_link(cohort: Cohort, session: Session | None = None) -> str | None:
    """Where members join a session: the session's own link, else the cohort's (or None)."""
    return (session.meeting_url if session is not None else None) or cohort.meeting_url
