"""What a person is told when they become a member (by `d2l join` or by recording work), and
the welcome direct message sent once to everyone who joins the group or its channels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conduct_text import AGREE, conduct_text
from handlers.context import Services
from handlers.text import when
from handlers.types import Choice, Invocation, Reply
from models.conduct import agreed_at
from models.members import MEMBER, Joined, enroll, member_for_identity, named_in
from models.outbox import Planned, enqueue
from models.tables import Cohort, Enrollment, OutboxMessage, PlatformBinding, Session


def welcome_text(cohort_name: str, joined: Joined) -> str:
    """The notice, said once: when the membership starts."""
    text = (
        f"You've joined {cohort_name}; `d2l leave` to stop. Members get assignment reminders "
        "and progress nudges by direct message (`d2l remind` chooses which)."
    )
    if joined.made_organizer:
        text += (
            " You're its first member and no organizer is configured, so you are an organizer "
            "now: `d2l admin organizers add @someone` adds others."
        )
    return text


# The welcome direct message: one per person and cohort, whatever the platform they arrive
# on (the key names the member, and linked accounts are one member), even across restarts.
WELCOME_KIND = "welcome"
JOIN = Choice("Join", "join")


async def queue_welcome(
    db: AsyncSession,
    cohort: Cohort,
    member_id: int,
    *,
    platform: str,
    workspace_id: str,
    user_id: str,
    now: dt.datetime,
    conduct_file: Path | None,
) -> None:
    """Queue the welcome DM to this identity unless the member already has one."""
    message = Planned(
        key=f"welcome:{cohort.id}:{member_id}",
        kind=WELCOME_KIND,
        platform=platform,
        workspace_id=workspace_id,
        target=user_id,
        payload={
            "member_id": member_id,
            "direct": True,
            "conduct_file": str(conduct_file) if conduct_file else None,
        },
        due_at=now,
        cohort_id=cohort.id,
    )
    await enqueue(db, [message], now, reschedule=False)


async def welcome_member(
    db: AsyncSession,
    cohort: Cohort,
    member_id: int,
    invocation: Invocation,
    now: dt.datetime,
    conduct_file: Path | None,
) -> None:
    """What joining sets going: the welcome DM where the member spoke, and their own
    reminders planned at once rather than by the next sweep."""
    # Imported here: planning imports the command modules, which import this one.
    from handlers.planning import plan_member

    await plan_member(db, cohort, member_id, now)
    await queue_welcome(
        db,
        cohort,
        member_id,
        platform=invocation.platform,
        workspace_id=invocation.workspace_id,
        user_id=invocation.user_id,
        now=now,
        conduct_file=conduct_file,
    )


async def render_welcome(db: AsyncSession, message: OutboxMessage, now: dt.datetime) -> Reply:
    """Written when it goes out: the next session and the buttons are current then."""
    conduct_file = message.payload.get("conduct_file")
    cohort = await db.get(Cohort, message.cohort_id)
    if cohort is None:
        raise LookupError("the cohort no longer exists")
    member_id = int(message.payload["member_id"])
    status = await db.scalar(
        select(Enrollment.status).where(
            Enrollment.cohort_id == cohort.id, Enrollment.member_id == member_id
        )
    )
    upcoming = await db.scalar(
        select(Session)
        .where(Session.cohort_id == cohort.id, Session.starts_at > now)
        .order_by(Session.starts_at)
        .limit(1)
    )
    agreed = await agreed_at(db, cohort.id, member_id)
    next_line = (
        f"Session {upcoming.number}, {upcoming.title}: {when(upcoming.starts_at)}."
        if upcoming is not None
        else "No session is planned yet."
    )
    joined = status == MEMBER
    start = (
        "`d2l help` lists everything; `d2l next` shows the next session in full; "
        "`d2l exercises` lists the PyTorch exercises graded in a sandbox; "
        "`d2l quiz` starts a private quiz."
    )
    if not joined:
        start += (
            " Press Join (or type `d2l join`) to get reminders and count toward the certificate."
        )
    conduct = await conduct_text(db, cohort.id, Path(conduct_file) if conduct_file else None)
    agreement = (
        f"You agreed on {when(agreed, 'f')}."
        if agreed is not None
        else "Press “I agree” (or type `d2l conduct agree`) to accept it."
    )
    choices = (() if joined else (JOIN,)) + (() if agreed is not None else (AGREE,))
    return Reply(
        title=f"Welcome to {cohort.name}!",
        text=f"We read Dive into Deep Learning (https://d2l.ai) together, a chapter or two "
        f"per session, every {cohort.cadence_days} days, with quizzes, code exercises and a "
        "certificate of completion.\n\n"
        f"Next: {next_line}\n\nHow to start: {start}\n\n"
        f"Our code of conduct:\n{conduct}\n\n{agreement}",
        choices=choices,
        timezone=cohort.timezone,
    )


async def member_arrived(
    services: Services,
    *,
    platform: str,
    workspace_id: str,
    user_id: str,
    user_name: str,
    channel_id: str | None = None,
) -> bool:
    """Someone joined a bound channel (`channel_id`) or a server with a bound channel (None):
    queue their welcome. False when the place isn't the group's."""
    now = services.clock.now()
    async with services.sessions() as db, db.begin():
        bound = select(PlatformBinding).where(
            PlatformBinding.platform == platform, PlatformBinding.workspace_id == workspace_id
        )
        if channel_id is not None:
            bound = bound.where(PlatformBinding.channel_id == channel_id)
        binding = await db.scalar(bound.order_by(PlatformBinding.id).limit(1))
        if binding is None:
            return False
        cohort = await db.get(Cohort, binding.cohort_id)
        assert cohort is not None  # the binding's foreign key
        member = await member_for_identity(
            db,
            platform=platform,
            workspace_id=workspace_id,
            user_id=user_id,
            display_name=user_name,
            now=now,
        )
        configured = named_in(services.settings.cohort.organizers, platform, workspace_id, user_id)
        await enroll(db, cohort_id=cohort.id, member_id=member.id, now=now, organizer=configured)
        await queue_welcome(
            db,
            cohort,
            member.id,
            platform=platform,
            workspace_id=workspace_id,
            user_id=user_id,
            now=now,
            conduct_file=services.settings.cohort.conduct_file,
        )
    return True
