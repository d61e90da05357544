"""Member queries: identities on each platform, enrolment and roles."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Enrollment, Identity, Member

MEMBER, VISITOR, LEFT = "member", "visitor", "left"


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
    """The person's enrolment in the cohort, created as a visitor on first contact (reading
    enrols nobody as a member: see `join`). `organizer` grants the organizer role."""
    mine = select(Enrollment).where(
        Enrollment.cohort_id == cohort_id, Enrollment.member_id == member_id
    )
    existing = await db.scalar(mine)
    if existing is not None:
        if organizer and existing.role != "organizer":
            existing.role = "organizer"
        return existing
    role = "organizer" if organizer else "member"
    try:
        async with db.begin_nested():  # two first messages at once: one enrols, one finds it
            enrollment = Enrollment(
                cohort_id=cohort_id, member_id=member_id, role=role, status=VISITOR, joined_at=now
            )
            db.add(enrollment)
            await db.flush()
    except IntegrityError:
        found = await db.scalar(mine)
        if found is None:
            raise
        return found
    return enrollment


@dataclass(frozen=True)
class Joined:
    """What `join` changed: whether the person became a member now, and an organizer."""

    joined: bool
    made_organizer: bool


async def join(db: AsyncSession, enrollment: Enrollment, *, organizers_configured: bool) -> Joined:
    """Make the person a member (again). The first member becomes an organizer when the
    settings name none and the cohort has none yet: whoever sets a bot up talks to it first."""
    if enrollment.status == MEMBER:
        return Joined(joined=False, made_organizer=False)
    enrollment.status, enrollment.left_at = MEMBER, None
    made_organizer = False
    if not organizers_configured and enrollment.role != "organizer":
        others = await db.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(
                Enrollment.cohort_id == enrollment.cohort_id,
                Enrollment.id != enrollment.id,
                or_(Enrollment.role == "organizer", Enrollment.status == MEMBER),
            )
        )
        if not others:
            enrollment.role, made_organizer = "organizer", True
    await db.flush()
    return Joined(joined=True, made_organizer=made_organizer)


async def leave(db: AsyncSession, enrollment: Enrollment, now: dt.datetime) -> bool:
    """End the membership (history stays); False if the person wasn't a member."""
    if enrollment.status != MEMBER:
        return False
    enrollment.status, enrollment.left_at = LEFT, now
    await db.flush()
    return True


ORGANIZER_FORMS = (
    "slack:TEAM_ID:USER_ID (e.g. slack:T012AB3C4:U012AB3CD) or discord:USER_ID "
    "(e.g. discord:80351110224678912)"
)
FIND_AN_ID = (
    "On Slack, open the person's profile, ⋮ → Copy member ID (U…); the workspace id (T…) is "
    "in the address of Slack in a browser (app.slack.com/client/T…). On Discord, turn on "
    "User Settings → Advanced → Developer Mode, then right-click the person → Copy User ID."
)
# Platform ids as written in settings and commands: slack:TEAM:USER, discord:USER.
SLACK_ID = re.compile(r"slack:(T[A-Z0-9]+):([UW][A-Z0-9]+)", re.IGNORECASE)
DISCORD_ID = re.compile(r"discord:(\d{15,22})")
_CONSOLE = re.compile(r"console:(\S+)")


def organizer_key(entry: str) -> str:
    """A configured organizer in its one stored form; ValueError for a name or a bad id.
    Names are refused because anyone can take someone else's display name."""
    text = entry.strip()
    if slack := SLACK_ID.fullmatch(text):
        return f"slack:{slack[1].upper()}:{slack[2].upper()}"
    if DISCORD_ID.fullmatch(text) or _CONSOLE.fullmatch(text):
        return text
    raise ValueError(
        f"{entry!r} is not a platform id. Organizers are named by id, never by display name "
        f"(anyone can change theirs): {ORGANIZER_FORMS}. {FIND_AN_ID}"
    )


def identity_key(platform: str, workspace_id: str, user_id: str) -> str:
    """How an identity is written in STUDYBOT_COHORT__ORGANIZERS and in replies. A Slack
    user id is only unique within its workspace; a Discord id is unique everywhere."""
    if platform == "slack":
        return f"slack:{workspace_id}:{user_id}"
    return f"{platform}:{user_id}"


def named_in(configured: Iterable[str], platform: str, workspace_id: str, user_id: str) -> bool:
    """Whether the settings' organizers (already in `organizer_key` form) name this identity."""
    return identity_key(platform, workspace_id, user_id) in configured


async def organizers_of(
    db: AsyncSession, cohort_id: int
) -> list[tuple[Enrollment, list[Identity]]]:
    """The cohort's organizers with their identities, in the order they enrolled."""
    enrollments = list(
        await db.scalars(
            select(Enrollment)
            .where(Enrollment.cohort_id == cohort_id, Enrollment.role == "organizer")
            .order_by(Enrollment.id)
        )
    )
    identities = await db.scalars(
        select(Identity)
        .where(Identity.member_id.in_([e.member_id for e in enrollments]))
        .order_by(Identity.id)
    )
    by_member: dict[int, list[Identity]] = {}
    for identity in identities:
        by_member.setdefault(identity.member_id, []).append(identity)
    return [(e, by_member.get(e.member_id, [])) for e in enrollments]


async def first_identities(db: AsyncSession, member_ids: list[int]) -> dict[int, Identity]:
    """Each member's first identity (the platform they first used): where their DMs go."""
    rows = await db.scalars(
        select(Identity)
        .where(Identity.member_id.in_(member_ids))
        .order_by(Identity.member_id, Identity.id)
    )
    found: dict[int, Identity] = {}
    for identity in rows:
        found.setdefault(identity.member_id, identity)
    return found
