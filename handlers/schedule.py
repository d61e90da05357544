"""The session plan: `d2l schedule`, `d2l next` and `d2l session N`."""

from __future__ import annotations

import datetime as dt

from handlers.context import Context, Refused, UsageError
from handlers.router import Command, Router
from handlers.text import plural, when
from handlers.types import Reply, ReplyField
from models.cohorts import meeting_link, session_length
from models.joining import interested_count
from models.tables import Session
from models.work import rsvp_counts, session_assignments

# A session counts as "next" until it is over (it is happening now). Each cohort sets its own
# length (`models.cohorts.session_length`); this is the default.
SESSION_LENGTH = dt.timedelta(minutes=90)


def register(router: Router) -> None:
    router.add(
        Command(
            name="schedule",
            usage="schedule",
            summary="all sessions with their dates and chapters",
            handler=show_schedule,
        )
    )
    router.add(
        Command(
            name="next",
            usage="next",
            summary="the next session in full: chapter, sections, readings, time, what to prepare",
            handler=show_next,
        )
    )
    router.add(
        Command(
            name="session",
            usage="session N",
            summary="one session in full",
            handler=show_session,
            examples=("session 2",),
        )
    )


async def show_schedule(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l schedule` takes no arguments.")
    now = ctx.services.clock.now()
    upcoming = next_session(ctx.cohort.sessions, now, session_length(ctx.cohort))
    curriculum = ctx.services.curriculum
    lines = []
    for session in ctx.cohort.sessions:
        marker = "→ " if session is upcoming else ("✓ " if session.starts_at < now else "  ")
        lines.append(
            f"{marker}{session.number:>2}. {when(session.starts_at, 'f')} — {session.title} "
            f"({curriculum.chapter_label(session.chapters)})"
        )
    if ctx.cohort.skipped_dates:
        days = ", ".join(
            f"{d:%a} {d.day} {d:%b %Y}"
            for d in map(dt.date.fromisoformat, sorted(ctx.cohort.skipped_dates))
        )
        lines.append(f"Skipped: {days}")
    return Reply(
        title=f"{ctx.cohort.name}: {len(ctx.cohort.sessions)} sessions",
        text="\n".join(lines),
        footer="`d2l session N` shows one session in full.",
    )


async def show_next(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l next` takes no arguments.")
    session = next_session(ctx.cohort.sessions, ctx.now, session_length(ctx.cohort))
    if session is None:
        return Reply(text=f"{ctx.cohort.name} has had all its sessions. Well done!")
    return await session_reply(ctx, session, heading="Next session")


async def show_session(ctx: Context) -> Reply:
    count = len(ctx.cohort.sessions)
    if len(ctx.args) != 1 or not ctx.args[0].isdigit():
        raise UsageError(f"Give a session number from 1 to {count}.")
    number = int(ctx.args[0])
    session = next((s for s in ctx.cohort.sessions if s.number == number), None)
    if session is None:
        raise Refused(f"There is no session {number}; sessions run from 1 to {count}.")
    return await session_reply(ctx, session, heading="Session")


def next_session(
    sessions: list[Session], now: dt.datetime, length: dt.timedelta = SESSION_LENGTH
) -> Session | None:
    return next((s for s in sessions if s.starts_at + length > now), None)


async def session_reply(ctx: Context, session: Session, *, heading: str) -> Reply:
    curriculum = ctx.services.curriculum
    now = ctx.services.clock.now()
    status = ""
    end = session.starts_at + session_length(ctx.cohort)
    if session.starts_at <= now < end:
        status = " (happening now)"
    elif end <= now:
        status = " (done)"
    fields = [
        ReplyField(
            "When",
            f"{when(session.starts_at)}{status or ' (' + relative(session.starts_at - now) + ')'}",
        ),
        ReplyField("Chapter", curriculum.chapter_label(session.chapters)),
        ReplyField("Read", "\n".join(session.sections), inline=False),
        ReplyField("Readings", session.link, inline=False),
        ReplyField("Prepare", session.prepare, inline=False),
    ]
    if session.speaker:
        fields.insert(1, ReplyField("Speaker", session.speaker))
    join = meeting_link(ctx.cohort, session)
    if join and status != " (done)":  # until the session is over
        fields.insert(2 if session.speaker else 1, ReplyField("Join", join, inline=False))
    if session.recording_url:
        fields.append(ReplyField("Recording", session.recording_url, inline=False))
    if session.notes:
        fields.append(ReplyField("Notes", session.notes, inline=False))
    work = await session_assignments(ctx.db, session.id)
    if work:
        lines = [f"{a.kind} `{a.ref}` — due {when(a.due_at)}" for a in work]
        fields.append(ReplyField("Assignments", "\n".join(lines), inline=False))
    if session.starts_at > now:
        counts = await rsvp_counts(ctx.db, session.id)
        # The Discord events' "Interested" is a second view of the same question (issue 16).
        interested = await interested_count(ctx.db, session.id)
        on_discord = f" · {interested} interested on Discord" if interested is not None else ""
        fields.append(
            ReplyField(
                "RSVP",
                f"{counts['yes']} going · {counts['maybe']} maybe{on_discord} — "
                "`d2l rsvp yes|no|maybe`",
                inline=False,
            )
        )
    return Reply(
        title=f"{heading} {session.number}: {session.title}",
        text=f"{ctx.cohort.name} · session {session.number} of {len(ctx.cohort.sessions)}",
        fields=tuple(fields),
    )


def relative(delta: dt.timedelta) -> str:
    """'in 3 days', 'in 1 hour 30 minutes', '2 days ago': whole days, and under a day the
    hours and minutes (a reminder 90 minutes ahead must not say "in 2 hours")."""
    seconds = delta.total_seconds()
    minutes = round(abs(seconds) / 60)
    if minutes >= 24 * 60:
        text = plural(minutes // (24 * 60), "day")
    elif minutes >= 60:
        hours, rest = divmod(minutes, 60)
        text = plural(hours, "hour") + (f" {plural(rest, 'minute')}" if rest else "")
    elif minutes:
        text = plural(minutes, "minute")
    else:
        return "now"
    return f"in {text}" if seconds >= 0 else f"{text} ago"
