"""The messages the bot sends on its own, written at the moment they are sent (so counts and
"starts in …" are current)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.github_sync import PLATFORM as GITHUB
from handlers.github_sync import NotPublished, render_github
from handlers.progress import NUDGE_KIND, NotNeeded, render_nudge
from handlers.quiz import LIVE_RESULTS_KIND, render_live_results
from handlers.reports import REPORT_KIND, render_report
from handlers.schedule import relative
from handlers.serialize import reply_from_json
from handlers.text import when
from handlers.threads import THREAD_KIND, thread_intro
from handlers.types import Reply, ReplyField
from handlers.welcome import WELCOME_KIND, render_welcome
from models.cohorts import meeting_link
from models.preferences import ASSIGNMENT_REMINDER, SESSION_REMINDER, dm_refusal
from models.tables import Assignment, Cohort, OutboxMessage, Session
from models.work import completed_assignments, rsvp_counts, session_assignments
from quizzes.curriculum import Curriculum


class Skip(Exception):
    """This message should not be sent (its reason is recorded on the row)."""


@dataclass
class RenderCache:
    """What a batch of messages shares (sessions, cohorts, RSVP counts): read once a batch."""

    sessions: dict[int, Session | None] = field(default_factory=dict)
    cohorts: dict[int, Cohort | None] = field(default_factory=dict)
    rsvps: dict[int, dict[str, int]] = field(default_factory=dict)

    async def session(self, db: AsyncSession, session_id: int) -> Session | None:
        if session_id not in self.sessions:
            self.sessions[session_id] = await db.get(Session, session_id)
        return self.sessions[session_id]

    async def cohort(self, db: AsyncSession, cohort_id: int) -> Cohort | None:
        if cohort_id not in self.cohorts:
            self.cohorts[cohort_id] = await db.get(Cohort, cohort_id)
        return self.cohorts[cohort_id]

    async def rsvp_counts(self, db: AsyncSession, session_id: int) -> dict[str, int]:
        if session_id not in self.rsvps:
            self.rsvps[session_id] = await rsvp_counts(db, session_id)
        return self.rsvps[session_id]


async def render_message(
    db: AsyncSession,
    message: OutboxMessage,
    now: dt.datetime,
    curriculum: Curriculum,
    cache: RenderCache | None = None,
) -> Reply:
    """The reply an outbox row stands for, or Skip."""
    cache = cache or RenderCache()
    payload = message.payload
    if "reply" in payload:
        return reply_from_json(payload["reply"])
    if message.platform == GITHUB:
        try:
            return await render_github(db, message, curriculum)
        except NotPublished as reason:
            raise Skip(str(reason)) from None
    if message.kind in (SESSION_REMINDER, ASSIGNMENT_REMINDER) and message.cohort_id:
        refused = await dm_refusal(
            db,
            message.cohort_id,
            message.kind,
            int(payload.get("member_id", 0)),
            payload.get("session_id"),
        )
        if refused is not None:
            raise Skip(refused)
    if message.kind in ("announcement", "reminder", "dm_reminder", "recording", THREAD_KIND):
        session = await cache.session(db, int(payload.get("session_id", 0)))
        if session is None:
            raise Skip("the session no longer exists")
        cohort = await cache.cohort(db, session.cohort_id)
        assert cohort is not None
        if message.kind == "recording":
            return _recording(cohort, session)
        if message.kind == THREAD_KIND:
            return thread_intro(cohort, session)
        counts = await cache.rsvp_counts(db, session.id)
        return await _session_notice(db, message.kind, cohort, session, now, curriculum, counts)
    if message.kind == "assignment_reminder":
        return await _assignment_digest(db, message, now, cache)
    if message.kind == WELCOME_KIND:
        try:
            return await render_welcome(db, message, now)
        except LookupError as reason:
            raise Skip(str(reason)) from None
    if message.kind == REPORT_KIND:
        try:
            return await render_report(db, message)
        except LookupError as reason:
            raise Skip(str(reason)) from None
    if message.kind == LIVE_RESULTS_KIND:
        try:
            return await render_live_results(db, message)
        except LookupError as reason:
            raise Skip(str(reason)) from None
    if message.kind == NUDGE_KIND:
        try:
            return await render_nudge(db, message, now)
        except NotNeeded as reason:
            raise Skip(str(reason)) from None
    raise Skip(f"unknown message kind {message.kind!r}")


async def _session_notice(
    db: AsyncSession,
    kind: str,
    cohort: Cohort,
    session: Session,
    now: dt.datetime,
    curriculum: Curriculum,
    counts: dict[str, int],
) -> Reply:
    rsvp = f"{counts['yes']} going · {counts['maybe']} maybe — answer with `d2l rsvp yes|no|maybe`"
    fields = [
        ReplyField("When", f"{when(session.starts_at)} ({relative(session.starts_at - now)})"),
        ReplyField("Chapter", curriculum.chapter_label(session.chapters)),
    ]
    if session.speaker:
        fields.append(ReplyField("Speaker", session.speaker))
    join = meeting_link(cohort, session)
    if join:  # every announcement and reminder, in channels and by DM
        fields.append(ReplyField("Join", join, inline=False))
    if kind == "announcement":
        fields.append(ReplyField("Read", "\n".join(session.sections), inline=False))
        fields.append(ReplyField("Prepare", session.prepare, inline=False))
        if session.notes:
            fields.append(ReplyField("Notes", session.notes, inline=False))
        work = await session_assignments(db, session.id)
        if work:
            lines = [f"{a.kind} `{a.ref}` — due {when(a.due_at)}" for a in work]
            fields.append(ReplyField("Assignments", "\n".join(lines), inline=False))
    fields.append(ReplyField("Readings", session.link, inline=False))
    fields.append(ReplyField("RSVP", rsvp, inline=False))
    starts = relative(session.starts_at - now)
    if kind == "announcement":
        title = f"📣 Session {session.number}: {session.title}"
        text = f"{cohort.name} meets {starts}."
    else:
        title = f"⏰ Session {session.number} starts {starts}: {session.title}"
        text = "A personal reminder (`d2l remind off` to stop)." if kind == "dm_reminder" else ""
    return Reply(title=title, text=text, fields=tuple(fields), timezone=cohort.timezone)


def _recording(cohort: Cohort, session: Session) -> Reply:
    return Reply(
        title=f"🎥 Recording of session {session.number}: {session.title}",
        text=session.recording_url or "",
        timezone=cohort.timezone,
    )


async def _assignment_digest(
    db: AsyncSession, message: OutboxMessage, now: dt.datetime, cache: RenderCache
) -> Reply:
    """Every assignment of this reminder time the member hasn't completed, in one DM: the
    ones still due at this time (an assignment moved since has rows of its own)."""
    payload = message.payload
    ids = payload.get("assignment_ids") or [payload.get("assignment_id")]  # older rows: one
    member_id = int(payload["member_id"])
    rows = await db.scalars(select(Assignment).where(Assignment.id.in_(ids)))
    found = sorted(rows, key=lambda a: ids.index(a.id))  # one query, in the payload's order
    completed = await completed_assignments(db, found, member_id) if found else set()
    due: list[Assignment] = []
    for assignment in found:
        cohort = await cache.cohort(db, assignment.cohort_id)
        assert cohort is not None
        times = {assignment.due_at - dt.timedelta(minutes=o) for o in cohort.assignment_offsets}
        if "assignment_ids" in payload and message.due_at not in times:
            continue
        if assignment.due_at <= now or assignment.id in completed:
            continue
        due.append(assignment)
    if not due:
        raise Skip("already completed" if found else "the assignment no longer exists")
    cohort = await cache.cohort(db, due[0].cohort_id)
    assert cohort is not None
    if len(due) == 1:
        (only,) = due
        return Reply(
            title=f"📝 {only.kind.capitalize()} `{only.ref}` is due {relative(only.due_at - now)}",
            text=f"Due {when(only.due_at)}. You haven't completed it yet: {_how(only)}.",
            timezone=cohort.timezone,
        )
    lines = [
        f"• {a.kind} `{a.ref}`, due {when(a.due_at)} ({relative(a.due_at - now)}): {_how(a)}"
        for a in due
    ]
    return Reply(
        title=f"📝 {len(due)} assignments are due soon",
        text="You haven't completed these yet:\n" + "\n".join(lines),
        timezone=cohort.timezone,
    )


def _how(assignment: Assignment) -> str:
    if assignment.kind == "exercise":
        return f"`d2l submit {assignment.ref}` followed by your code"
    return f"`d2l quiz {assignment.ref}`"
