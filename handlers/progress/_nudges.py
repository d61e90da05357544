"""Friendly nudges: a member below pace gets one direct message per session.

One outbox row per member and session (`nudge:<session>:<member>`) is planned for the day
after each session; when it falls due, the member's progress decides: on pace (or opted
out, or gone) means the row is skipped, so at most one nudge per session ever goes out.
Nudges go to every member (organizers too, if they joined) who hasn't said `d2l nudges off`
or `d2l remind off`; cohorts with no assignments have no pace, so no nudges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Context, UsageError
from handlers.progress._common import missing_lines
from handlers.types import Reply
from models.outbox import Planned
from models.preferences import NUDGE, PersonalDms, dm_refusal
from models.progress import cohort_progress, required_work
from models.progress_tables import NudgeOptOut
from models.tables import Assignment, Cohort, Identity, OutboxMessage, Session

KIND = NUDGE
AFTER_SESSION = dt.timedelta(days=1)
LAST_WINDOW = dt.timedelta(days=7)  # after the last session, a nudge stays useful this long


async def plan_nudges(
    db: AsyncSession,
    cohort: Cohort,
    now: dt.datetime,
    wanted: PersonalDms,
    identities: Mapping[int, Identity],
) -> list[Planned]:
    """One possible nudge per member and session whose nudge isn't out of date yet;
    `identities`: where each member's DMs go."""
    assigned = await db.scalar(
        select(func.count()).select_from(Assignment).where(Assignment.cohort_id == cohort.id)
    )
    if not assigned:
        return []
    first_identity = {m: i for m, i in identities.items() if m in wanted.nudges}
    sessions = list(cohort.sessions)
    planned = []
    for i, session in enumerate(sessions):
        due = session.starts_at + AFTER_SESSION
        following = sessions[i + 1].starts_at if i + 1 < len(sessions) else due + LAST_WINDOW
        expires = max(following, due + dt.timedelta(hours=1))
        if expires <= now:
            continue
        for member_id, identity in first_identity.items():
            planned.append(
                Planned(
                    key=f"nudge:{session.id}:{member_id}",
                    kind=KIND,
                    platform=identity.platform,
                    workspace_id=identity.workspace_id,
                    target=identity.user_id,
                    payload={"session_id": session.id, "member_id": member_id, "direct": True},
                    due_at=due,
                    expires_at=expires,
                    cohort_id=cohort.id,
                )
            )
    return planned


class NotNeeded(Exception):
    """The nudge should not go out; the reason is recorded on the outbox row."""


async def render_nudge(db: AsyncSession, message: OutboxMessage, now: dt.datetime) -> Reply:
    """The nudge, written at sending time, or NotNeeded (on pace, opted out, gone)."""
    member_id = int(message.payload["member_id"])
    cohort = await db.get(Cohort, message.cohort_id)
    if cohort is None:
        raise NotNeeded("the cohort no longer exists")
    refused = await dm_refusal(db, cohort.id, NUDGE, member_id, None)
    if refused is not None:
        raise NotNeeded(refused)
    sessions = list(await db.scalars(select(Session).where(Session.cohort_id == cohort.id)))
    items = await required_work(db, cohort, (), (), sessions)
    progress = await cohort_progress(db, cohort, items, now, [member_id])
    if not progress:
        raise NotNeeded("the member is no longer enrolled")
    me = progress[0]
    if not any(item.due_at is not None for item in items) or me.on_pace:
        raise NotNeeded("on pace")
    due = me.due_so_far
    done = sum(r.done for r in due)
    return Reply(
        title=f"📈 A friendly nudge from {cohort.name}",
        text=f"Of the work due so far you've done {done} of {len(due)}. The certificate needs "
        f"{cohort.pass_threshold:.0%} of all the work: {me.needed} more to go, and there's "
        "still time. Late work counts too.\n" + "\n".join(missing_lines(me)[:3]),
        footer="`d2l progress` shows where you stand. `d2l nudges off` stops these messages.",
        timezone=cohort.timezone,
    )


async def nudges(ctx: Context) -> Reply:
    if len(ctx.args) > 1 or (ctx.args and ctx.args[0].lower() not in ("on", "off")):
        raise UsageError("Say `on` or `off`.")
    key = (ctx.cohort.id, ctx.member.id)
    if ctx.args:
        await set_nudges(ctx.db, ctx.cohort.id, ctx.member.id, ctx.args[0].lower() == "on", ctx.now)
    off = await ctx.db.get(NudgeOptOut, key) is not None
    state = (
        "Progress nudges are off. `d2l nudges on` to get them again."
        if off
        else "Progress nudges are on: if you fall behind pace, you get one friendly direct "
        "message after a session. `d2l nudges off` to stop them."
    )
    return Reply(text=state, ephemeral=True)


async def set_nudges(
    db: AsyncSession, cohort_id: int, member_id: int, on: bool, now: dt.datetime
) -> None:
    """Turn a member's nudges on or off (for `d2l nudges` and `d2l remind off`)."""
    existing = await db.get(NudgeOptOut, (cohort_id, member_id))
    if on and existing is not None:
        await db.delete(existing)
    elif not on and existing is None:
        db.add(NudgeOptOut(cohort_id=cohort_id, member_id=member_id, created_at=now))
    await db.flush()
