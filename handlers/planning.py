"""What the bot will send on its own, as outbox rows: announcements, channel reminders,
personal reminders and assignment reminders. Planning is idempotent (unique keys), so it
runs on start, on every sweep and after every schedule change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.github_sync import plan_github
from handlers.progress import plan_nudges
from handlers.threads import plan_threads
from models.members import first_identities
from models.outbox import Planned, enqueue
from models.preferences import (
    ASSIGNMENT_REMINDER,
    PERSONAL_KINDS,
    SESSION_REMINDER,
    PersonalDms,
    personal_dms,
)
from models.tables import (
    Assignment,
    Cohort,
    Identity,
    OutboxMessage,
    PlatformBinding,
    Session,
)

# The periodic sweep plans what falls due this soon; a schedule change replans everything.
SWEEP_HORIZON = dt.timedelta(days=8)


async def plan_cohort(
    db: AsyncSession, cohort: Cohort, now: dt.datetime, horizon: dt.timedelta | None = None
) -> int:
    """Enqueue every message of this cohort due before now + horizon (all, if None)."""
    limit = None if horizon is None else now + horizon
    bindings = list(
        await db.scalars(select(PlatformBinding).where(PlatformBinding.cohort_id == cohort.id))
    )
    sessions = [s for s in cohort.sessions if s.starts_at > now]
    planned: list[Planned] = []
    for session in sessions:
        planned += _channel_messages(cohort, session, bindings)
    planned += await plan_threads(db, cohort, now, bindings)
    wanted = await personal_dms(db, cohort.id)
    planned += await _personal_messages(db, cohort, sessions, now, wanted)
    planned = [p for p in planned if limit is None or p.due_at <= limit]
    await enqueue(db, planned, now)
    await _cancel_unwanted(db, cohort, wanted)
    return len(planned) + await plan_github(db, cohort, now, horizon)


async def plan_member(db: AsyncSession, cohort: Cohort, member_id: int, now: dt.datetime) -> int:
    """Enqueue one new member's own messages (session and assignment reminders, nudges) due
    within the sweep's horizon, so none falls due before the next sweep plans it; the sweeps
    plan the rest. `plan_cohort` would do it too, but it replans every member: for each of
    500 members joining, that is quadratic."""
    sessions = [s for s in cohort.sessions if s.starts_at > now]
    wanted = await personal_dms(db, cohort.id, [member_id])
    planned = await _personal_messages(db, cohort, sessions, now, wanted)
    planned = [p for p in planned if p.due_at <= now + SWEEP_HORIZON]
    await enqueue(db, planned, now)
    return len(planned)


async def _personal_messages(
    db: AsyncSession, cohort: Cohort, sessions: list[Session], now: dt.datetime, wanted: PersonalDms
) -> list[Planned]:
    """The DMs the members in `wanted` asked for: session and assignment reminders, nudges."""
    # Where each member's DMs go, read once for the three kinds of personal message.
    identities = await first_identities(db, sorted(wanted.members))
    planned = _personal_reminders(cohort, sessions, wanted, identities)
    planned += await _assignment_reminders(db, cohort, now, wanted, identities)
    planned += await plan_nudges(db, cohort, now, wanted, identities)
    return planned


def _channel_messages(
    cohort: Cohort, session: Session, bindings: list[PlatformBinding]
) -> list[Planned]:
    """The announcement and the reminders of one session, for every bound channel."""

    def to_channel(
        binding: PlatformBinding, key: str, kind: str, due_at: dt.datetime, group: str | None
    ) -> Planned:
        payload: dict[str, object] = {"session_id": session.id}
        if group is not None:
            payload["group"] = group
        return Planned(
            key=key,
            kind=kind,
            platform=binding.platform,
            workspace_id=binding.workspace_id,
            target=binding.channel_id,
            payload=payload,
            due_at=due_at,
            expires_at=session.starts_at,
            cohort_id=cohort.id,
        )

    messages: list[Planned] = []
    for binding in bindings:
        announce_at = session.starts_at - dt.timedelta(days=cohort.announce_days_before)
        messages.append(
            to_channel(
                binding, f"announce:{session.id}:{binding.id}", "announcement", announce_at, None
            )
        )
        messages += [
            to_channel(
                binding,
                f"reminder:{session.id}:{offset}:{binding.id}",
                "reminder",
                session.starts_at - dt.timedelta(minutes=offset),
                f"session:{session.id}:{binding.id}",
            )
            for offset in sorted(set(cohort.reminder_offsets))
        ]
    return messages


def _personal_reminders(
    cohort: Cohort,
    sessions: list[Session],
    wanted: PersonalDms,
    identities: Mapping[int, Identity],
) -> list[Planned]:
    """Session reminders for members who turned them on, except for sessions they said
    "no" to."""
    return [
        _direct(
            identity,
            key=f"dm:{session.id}:{offset}:{member_id}",
            kind=SESSION_REMINDER,
            payload={"session_id": session.id, "member_id": member_id},
            group=f"dm:{session.id}:{member_id}",
            due_at=session.starts_at - dt.timedelta(minutes=offset),
            expires_at=session.starts_at,
            cohort_id=cohort.id,
        )
        for member_id, identity in identities.items()
        for session in sessions
        if wanted.wants(SESSION_REMINDER, member_id, session.id)
        for offset in sorted(set(wanted.session_offsets[member_id]))
    ]


async def _assignment_reminders(
    db: AsyncSession,
    cohort: Cohort,
    now: dt.datetime,
    wanted: PersonalDms,
    identities: Mapping[int, Identity],
) -> list[Planned]:
    assignments = list(
        await db.scalars(
            select(Assignment).where(Assignment.cohort_id == cohort.id, Assignment.due_at > now)
        )
    )
    # One DM per member and reminder time, listing every assignment due then (issue 21).
    by_time: dict[dt.datetime, list[Assignment]] = {}
    for assignment in sorted(assignments, key=lambda a: (a.due_at, a.id)):
        for offset in set(cohort.assignment_offsets):
            by_time.setdefault(assignment.due_at - dt.timedelta(minutes=offset), []).append(
                assignment
            )
    return [
        _direct(
            identity,
            key=f"digest:{cohort.id}:{int(at.timestamp())}:{member_id}",
            kind=ASSIGNMENT_REMINDER,
            payload={"assignment_ids": [a.id for a in due], "member_id": member_id},
            # The 48 h and 2 h digests of the same work: after a restart only the latest.
            group=f"digest:{member_id}:" + ",".join(str(a.id) for a in due),
            due_at=at,
            expires_at=max(a.due_at for a in due),
            cohort_id=cohort.id,
        )
        for at, due in sorted(by_time.items())
        for member_id, identity in identities.items()
        if member_id in wanted.assignments
    ]


def _direct(
    identity: Identity,
    *,
    key: str,
    kind: str,
    payload: dict[str, object],
    group: str,
    due_at: dt.datetime,
    expires_at: dt.datetime,
    cohort_id: int,
) -> Planned:
    """A direct message to a member's identity; reminders of one group supersede each other."""
    return Planned(
        key=key,
        kind=kind,
        platform=identity.platform,
        workspace_id=identity.workspace_id,
        target=identity.user_id,
        payload={**payload, "direct": True, "group": group},
        due_at=due_at,
        expires_at=expires_at,
        cohort_id=cohort_id,
    )


async def _cancel_unwanted(db: AsyncSession, cohort: Cohort, wanted: PersonalDms) -> None:
    """Pending personal messages of people who left or turned that kind off are cancelled.
    (A "no" RSVP only skips its session's reminders when they fall due: answering "yes"
    again brings them back.)"""
    pending = list(
        await db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.cohort_id == cohort.id,
                OutboxMessage.kind.in_(PERSONAL_KINDS),
                OutboxMessage.status == "pending",
            )
        )
    )
    ids = [
        m.id for m in pending if not wanted.wants(m.kind, int(m.payload.get("member_id", 0)), None)
    ]
    if ids:
        await db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
    # The release before queued one assignment reminder per assignment (`due:…`); the
    # digests (issue 21) replace them, so a pending one would repeat a digest.
    replaced = [m.id for m in pending if m.key.startswith("due:") and m.id not in ids]
    if replaced:
        await db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(replaced))
            .values(status="cancelled", last_error="replaced by a digest")
            .execution_options(synchronize_session=False)
        )
