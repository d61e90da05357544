"""A discussion thread per session and channel, opened on the session's announcement.

When the announcement has gone out (its outbox row holds the platform's message reference:
a Slack `ts`, a Discord message id), planning records the thread (`session_threads`, one per
session and bound channel, so a restart never opens a second one) and queues the thread's
first post: the reading list and where to ask questions. Later posts to the thread (the
recording) carry the same reference; each platform's sender replies in the thread (Slack's
`thread_ts`; on Discord the thread opened on the message has the message's id).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.types import Reply, ReplyField
from models.cohorts import meeting_link
from models.joining_tables import SessionThread
from models.outbox import Planned, enqueue
from models.tables import Cohort, OutboxMessage, PlatformBinding, Session

THREAD_KIND = "thread"


def thread_name(session: Session) -> str:
    return f"Session {session.number}: {session.title}"[:100]  # Discord's limit


async def plan_threads(
    db: AsyncSession, cohort: Cohort, now: dt.datetime, bindings: list[PlatformBinding]
) -> list[Planned]:
    """Record the threads of announcements sent since the last plan and queue each thread's
    first post (idempotent: one key per session and channel)."""
    upcoming = {s.id: s for s in cohort.sessions if s.starts_at > now}
    announced = {f"announce:{s}:{b.id}": (s, b) for s in upcoming for b in bindings}
    if not announced:
        return []
    sent = await db.execute(
        select(OutboxMessage.key, OutboxMessage.delivered_ref).where(
            OutboxMessage.key.in_(list(announced)),
            OutboxMessage.status == "sent",
            OutboxMessage.delivered_ref.is_not(None),
        )
    )
    threads = await _threads(db, list(upcoming))
    for key, ref in sent:
        session_id, binding = announced[key]
        if ref is not None and (session_id, binding.id) not in threads:
            threads[(session_id, binding.id)] = await _record(db, session_id, binding.id, ref, now)
    by_id = {b.id: b for b in bindings}
    return [
        _post(
            by_id[binding_id],
            upcoming[session_id],
            thread,
            key=f"thread:{session_id}:{binding_id}",
            kind=THREAD_KIND,
            now=now,
            cohort_id=cohort.id,
        )
        for (session_id, binding_id), thread in threads.items()
        if binding_id in by_id
    ]


async def post_to_threads(
    db: AsyncSession, cohort: Cohort, session: Session, key: str, kind: str, now: dt.datetime
) -> int:
    """Queue one message (rendered like `kind`) to each of the session's threads, once per
    `key` and thread. Returns how many threads it goes to."""
    rows = await db.execute(
        select(SessionThread, PlatformBinding)
        .join(PlatformBinding, PlatformBinding.id == SessionThread.binding_id)
        .where(SessionThread.session_id == session.id)
    )
    planned = [
        _post(
            binding,
            session,
            thread.thread_ref,
            key=f"{key}:thread:{binding.id}",
            kind=kind,
            now=now,
            cohort_id=cohort.id,
        )
        for thread, binding in rows
    ]
    await enqueue(db, planned, now, reschedule=False)
    return len(planned)


def thread_intro(cohort: Cohort, session: Session) -> Reply:
    """The first post in a session's thread: what to read and where questions go."""
    fields = [
        ReplyField("Reading list", "\n".join(session.sections), inline=False),
        ReplyField("Readings", session.link, inline=False),
        ReplyField(
            "Questions",
            "`d2l ask QUESTION` puts yours in the session's live Q&A queue; "
            "`d2l questions` shows it and `d2l upvote N` votes.",
            inline=False,
        ),
    ]
    link = meeting_link(cohort, session)
    if link:
        fields.append(ReplyField("Join the session", link, inline=False))
    return Reply(
        title=f"🧵 {thread_name(session)}",
        text="The discussion of this session happens here: questions, notes, links. "
        "The recording is posted here after the session.",
        fields=tuple(fields),
        timezone=cohort.timezone,
    )


async def _threads(db: AsyncSession, session_ids: list[int]) -> dict[tuple[int, int], str]:
    rows = await db.scalars(select(SessionThread).where(SessionThread.session_id.in_(session_ids)))
    return {(t.session_id, t.binding_id): t.thread_ref for t in rows}


async def _record(
    db: AsyncSession, session_id: int, binding_id: int, ref: str, now: dt.datetime
) -> str:
    """Store the thread; if another process stored it first, theirs stands."""
    try:
        async with db.begin_nested():
            db.add(
                SessionThread(
                    session_id=session_id, binding_id=binding_id, thread_ref=ref, created_at=now
                )
            )
            await db.flush()
    except IntegrityError:
        found = await db.scalar(
            select(SessionThread.thread_ref).where(
                SessionThread.session_id == session_id, SessionThread.binding_id == binding_id
            )
        )
        if found is None:
            raise
        return found
    return ref


def _post(
    binding: PlatformBinding,
    session: Session,
    thread: str,
    *,
    key: str,
    kind: str,
    now: dt.datetime,
    cohort_id: int,
) -> Planned:
    return Planned(
        key=key,
        kind=kind,
        platform=binding.platform,
        workspace_id=binding.workspace_id,
        target=binding.channel_id,
        payload={"session_id": session.id, "thread": thread, "thread_name": thread_name(session)},
        due_at=now,
        cohort_id=cohort_id,
    )
