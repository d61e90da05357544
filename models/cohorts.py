"""Cohort queries: the default cohort, channel bindings, and dating the session plan."""

from __future__ import annotations

import datetime as dt
import itertools
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
            local = start.astimezone(ZoneInfo(cohort.timezone))
            raise RescheduleError(
                f"session {session.number} would move to {local:%Y-%m-%d %H:%M} "
                f"{local.tzname()}, which has already passed"
            )
        session.starts_at = start
        moved.append(session)
    return moved


def skip_day(cohort: Cohort, day: dt.date, now: dt.datetime) -> list[Session]:
    """Skip a local date: the session on it and every later one move one cadence later,
    keeping their local time; sessions an organizer pinned stay (issue 21). What moved is
    recorded in `skip_moves`, for `unskip_day`. Raises RescheduleError, changing nothing,
    for a past date, a day without a session, or a move that breaks the sessions' order."""
    zone = ZoneInfo(cohort.timezone)
    key = day.isoformat()
    if day < now.astimezone(zone).date():
        raise RescheduleError(f"{key} has already passed")
    if key in (cohort.skipped_dates or []):
        raise RescheduleError(f"{key} is already skipped")
    future = sorted((s for s in cohort.sessions if s.starts_at > now), key=lambda s: s.number)
    on_day = next((s for s in future if s.starts_at.astimezone(zone).date() == day), None)
    if on_day is None:
        raise RescheduleError(f"no session takes place on {key} ({cohort.timezone})")
    later = [s for s in future if s.number > on_day.number and not s.pinned]
    moves = {s: shift_days(s.starts_at, cohort.cadence_days, zone) for s in [on_day, *later]}
    _check_order(cohort, moves)
    for session, start in moves.items():
        session.starts_at = start
    cohort.skipped_dates = sorted({*(cohort.skipped_dates or []), key})
    cohort.skip_moves = {
        **(cohort.skip_moves or {}),
        key: {str(s.number): s.starts_at.isoformat() for s in moves},
    }
    return list(moves)


def unskip_day(cohort: Cohort, day: dt.date, now: dt.datetime) -> list[Session]:
    """Undo `skip_day`: the sessions it moved go back one cadence, unless they have taken
    place or an organizer has moved them since. Raises RescheduleError if `day` isn't
    skipped or a move back would break the order or land in the past."""
    zone = ZoneInfo(cohort.timezone)
    key = day.isoformat()
    if key not in (cohort.skipped_dates or []):
        raise RescheduleError(f"{key} is not a skipped date")
    recorded = (cohort.skip_moves or {}).get(key, {})
    moves: dict[Session, dt.datetime] = {}
    for session in cohort.sessions:
        after_skip = recorded.get(str(session.number))
        if after_skip is None or session.starts_at <= now:
            continue
        if session.starts_at != dt.datetime.fromisoformat(after_skip):
            continue  # re-dated by hand since: the organizer's newer plan stands
        start = shift_days(session.starts_at, -cohort.cadence_days, zone)
        if start <= now:
            local = start.astimezone(zone)
            raise RescheduleError(
                f"session {session.number} would move back to {local:%Y-%m-%d %H:%M} "
                f"{local.tzname()}, which has already passed"
            )
        moves[session] = start
    _check_order(cohort, moves)
    for session, start in moves.items():
        session.starts_at = start
    cohort.skipped_dates = [d for d in cohort.skipped_dates if d != key]
    cohort.skip_moves = {d: m for d, m in (cohort.skip_moves or {}).items() if d != key}
    return list(moves)


def shift_days(start: dt.datetime, days: int, zone: ZoneInfo) -> dt.datetime:
    """`days` later in the cohort's calendar, at the same local time (across DST)."""
    local = start.astimezone(zone)
    moved = dt.datetime.combine(local.date() + dt.timedelta(days=days), local.time(), zone)
    return moved.astimezone(dt.UTC)


def _check_order(cohort: Cohort, moves: dict[Session, dt.datetime]) -> None:
    starts = [(s.number, moves.get(s, s.starts_at)) for s in cohort.sessions]
    starts.sort()
    for (number, start), (_, following) in itertools.pairwise(starts):
        if start >= following:
            raise RescheduleError(
                f"session {number} would no longer come before session {number + 1}; "
                f"move session {number + 1} (`admin session {number + 1} date …`) first"
            )


def session_length(cohort: Cohort) -> dt.timedelta:
    """How long the cohort's sessions last (`admin cohort length`, 90 minutes by default)."""
    return dt.timedelta(minutes=cohort.session_minutes or 90)


def meeting_link(cohort: Cohort, session: Session | None = None) -> str | None:
    """Where members join a session: the session's own link, else the cohort's (or None)."""
    return (session.meeting_url if session is not None else None) or cohort.meeting_url
