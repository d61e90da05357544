"""Who may get which personal direct message: members only, each kind as they chose.

The planner asks `personal_dms` for a whole cohort; the sender asks `dm_refusal` for one
message when it falls due, because a member may leave, turn reminders off or answer an RSVP
"no" after the message was planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.members import MEMBER
from models.progress_tables import NudgeOptOut
from models.tables import Enrollment, Rsvp, Session

SESSION_REMINDER = "dm_reminder"
ASSIGNMENT_REMINDER = "assignment_reminder"
NUDGE = "progress_nudge"
PERSONAL_KINDS = (SESSION_REMINDER, ASSIGNMENT_REMINDER, NUDGE)


@dataclass
class PersonalDms:
    """A cohort's members by the personal messages they want."""

    members: set[int] = field(default_factory=set)  # everyone asked about who is a member
    session_offsets: dict[int, list[int]] = field(default_factory=dict)  # member -> minutes
    assignments: set[int] = field(default_factory=set)
    nudges: set[int] = field(default_factory=set)
    # (member, session) pairs answered "no": no personal reminders for that session
    not_coming: set[tuple[int, int]] = field(default_factory=set)

    def wants(self, kind: str, member_id: int, session_id: int | None = None) -> bool:
        """Whether the member wants this kind of message (for this session, if given)."""
        if kind == SESSION_REMINDER:
            said_no = (member_id, session_id) in self.not_coming
            return member_id in self.session_offsets and not said_no
        if kind == ASSIGNMENT_REMINDER:
            return member_id in self.assignments
        if kind == NUDGE:
            return member_id in self.nudges
        return True


async def personal_dms(
    db: AsyncSession, cohort_id: int, member_ids: list[int] | None = None
) -> PersonalDms:
    """What the cohort's members (or only `member_ids`) want by direct message."""
    query = select(Enrollment).where(Enrollment.cohort_id == cohort_id, Enrollment.status == MEMBER)
    if member_ids is not None:
        query = query.where(Enrollment.member_id.in_(member_ids))
    members = list(await db.scalars(query))
    ids = [e.member_id for e in members]
    if not ids:
        return PersonalDms()
    opted_out = set(
        await db.scalars(
            select(NudgeOptOut.member_id).where(
                NudgeOptOut.cohort_id == cohort_id, NudgeOptOut.member_id.in_(ids)
            )
        )
    )
    rows = await db.execute(
        select(Rsvp.member_id, Rsvp.session_id)
        .join(Session, Session.id == Rsvp.session_id)
        .where(Session.cohort_id == cohort_id, Rsvp.answer == "no", Rsvp.member_id.in_(ids))
    )
    return PersonalDms(
        members=set(ids),
        session_offsets={e.member_id: list(e.dm_offsets) for e in members if e.dm_reminders},
        assignments={e.member_id for e in members if e.assignment_reminders},
        nudges={e.member_id for e in members if e.member_id not in opted_out},
        not_coming={(m, s) for m, s in rows},
    )


async def dm_refusal(
    db: AsyncSession, cohort_id: int, kind: str, member_id: int, session_id: int | None
) -> str | None:
    """Why this personal message must not go out now (recorded on the row), or None."""
    wanted = await personal_dms(db, cohort_id, [member_id])
    if member_id not in wanted.members:
        return "not a member of the cohort"
    if wanted.wants(kind, member_id, session_id):
        return None
    if kind == SESSION_REMINDER and member_id in wanted.session_offsets:
        return "said no to this session"
    return {
        SESSION_REMINDER: "personal reminders are off",
        ASSIGNMENT_REMINDER: "assignment reminders are off",
        NUDGE: "the member turned nudges off",
    }.get(kind, "not wanted")
