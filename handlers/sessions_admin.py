"""Organizers edit single sessions and skip dates: `admin session N …`, `admin skip DATE`."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.admin import meeting_url_arg
from handlers.context import Context, Refused, UsageError
from handlers.github_sync import plan_github
from handlers.planning import plan_cohort
from handlers.router import Command, Router
from handlers.serialize import reply_to_json
from handlers.text import plural, when
from handlers.threads import post_to_threads
from handlers.types import Reply
from models.cohorts import RescheduleError, skip_day, unskip_day
from models.outbox import Planned, enqueue
from models.tables import PlatformBinding, Session

FIELDS = ("date", "time", "speaker", "recording", "notes", "link")


def register(router: Router) -> None:
    router.add(
        Command(
            name="admin session",
            usage="admin session N date YYYY-MM-DD|time HH:MM|speaker NAME|recording URL|"
            "link URL|notes TEXT [later]",
            summary="edit one session; with `later`, a new date or time moves all later ones too",
            details="A session whose date or time you set stays there when the cadence changes. "
            "Setting a recording link after the session posts it to the cohort's channels "
            "and to the session's threads, once per link. "
            "`link` is this session's meeting link (else the cohort's, `admin cohort link`). "
            "`-` clears speaker, recording, link or notes.",
            handler=edit_session,
            organizer_only=True,
            group="Organizers",
            examples=(
                "admin session 5 date 2027-03-10 later",
                "admin session 5 speaker Ada",
                "admin session 2 recording https://example.org/rec2",
            ),
        )
    )
    router.add(
        Command(
            name="admin skip",
            usage="admin skip YYYY-MM-DD",
            summary="skip a date (a holiday): the session on it and all later ones move one "
            "cadence later",
            handler=skip_date,
            organizer_only=True,
            group="Organizers",
            examples=("admin skip 2027-12-28",),
        )
    )
    router.add(
        Command(
            name="admin unskip",
            usage="admin unskip YYYY-MM-DD",
            summary="undo `admin skip`",
            handler=unskip_date,
            organizer_only=True,
            group="Organizers",
        )
    )


async def edit_session(ctx: Context) -> Reply:
    if len(ctx.args) < 3 or not ctx.args[0].isdigit() or ctx.args[1].lower() not in FIELDS:
        raise UsageError()
    session = next((s for s in ctx.cohort.sessions if s.number == int(ctx.args[0])), None)
    if session is None:
        raise Refused(f"There is no session {ctx.args[0]}.")
    field, values = ctx.args[1].lower(), ctx.args[2:]
    if field in ("date", "time"):
        return await _move(ctx, session, field, values)
    value = " ".join(values).strip()
    cleared = value == "-"
    if field == "speaker":
        session.speaker = None if cleared else value[:100]
        await plan_github(ctx.db, ctx.cohort, ctx.now)  # the schedule file shows speakers
    elif field == "notes":
        session.notes = None if cleared else value[:2000]
    elif field == "link":
        session.meeting_url = meeting_url_arg(value)
        await ctx.db.flush()
        await plan_cohort(ctx.db, ctx.cohort, ctx.now)
        return Reply(
            text=f"Session {session.number}: meeting link {session.meeting_url or 'cleared'}.",
            ephemeral=True,
        )
    else:
        if not cleared and not value.startswith(("https://", "http://")):
            raise Refused("A recording link starts with https://.")
        session.recording_url = None if cleared else value[:500]
        await plan_github(ctx.db, ctx.cohort, ctx.now)  # the schedule file; a comment
        if not cleared and session.starts_at <= ctx.now:
            await _post_recording(ctx, session)
            return Reply(
                text=f"Saved the recording of session {session.number} and posted it "
                "to the cohort's channels and the session's threads.",
                ephemeral=True,
            )
    shown = {"speaker": session.speaker, "notes": session.notes, "recording": session.recording_url}
    return Reply(
        text=f"Session {session.number}: {field} "
        + ("cleared." if cleared else f"set to {shown.get(field)}."),
        ephemeral=True,
    )


async def _move(ctx: Context, session: Session, field: str, values: list[str]) -> Reply:
    later = bool(values) and values[-1].lower() == "later"
    if later:
        values = values[:-1]
    if len(values) != 1:
        raise UsageError()
    if session.starts_at <= ctx.now:
        raise Refused(f"Session {session.number} has already taken place.")
    zone = ZoneInfo(ctx.timezone)
    local = session.starts_at.astimezone(zone)
    try:
        if field == "date":
            new_local = dt.datetime.combine(dt.date.fromisoformat(values[0]), local.timetz())
        else:
            new_local = dt.datetime.combine(local.date(), dt.time.fromisoformat(values[0]), zone)
    except ValueError:
        raise Refused(
            f"`{values[0]}` is not a {'YYYY-MM-DD date' if field == 'date' else 'HH:MM time'}."
        ) from None
    new_start = new_local.replace(tzinfo=zone).astimezone(dt.UTC)
    if new_start <= ctx.now:
        raise Refused(f"{when(new_start)} has already passed.")
    delta = new_start - session.starts_at
    moving = [session]
    if later:
        moving += [s for s in ctx.cohort.sessions if s.number > session.number]
    for moved in moving:
        moved.starts_at = (
            _shift_local(moved.starts_at, delta, zone) if moved is not session else new_start
        )
    session.pinned = True
    ordered = sorted(ctx.cohort.sessions, key=lambda s: s.number)
    if any(a.starts_at >= b.starts_at for a, b in itertools.pairwise(ordered)):
        raise Refused(
            "That would put the sessions out of order; add `later` to move the following ones too."
        )
    await ctx.db.flush()
    await plan_cohort(ctx.db, ctx.cohort, ctx.now)
    await post_moves(ctx, moving, "🗓")
    return Reply(
        text=f"Session {session.number} is now {when(session.starts_at)}"
        + (f"; {len(moving) - 1} later sessions moved too." if later else ".")
    )


def _shift_local(start: dt.datetime, delta: dt.timedelta, zone: ZoneInfo) -> dt.datetime:
    """Shift by whole days in the cohort's calendar, keeping the local time across DST."""
    local = start.astimezone(zone)
    days, rest = divmod(delta, dt.timedelta(days=1))
    moved = (
        dt.datetime.combine(
            local.date() + dt.timedelta(days=days), local.timetz().replace(tzinfo=None), zone
        )
        + rest
    )
    return moved.astimezone(dt.UTC)


async def skip_date(ctx: Context) -> Reply:
    return await _change_skips(ctx, add=True)


async def unskip_date(ctx: Context) -> Reply:
    return await _change_skips(ctx, add=False)


async def _change_skips(ctx: Context, *, add: bool) -> Reply:
    if len(ctx.args) != 1:
        raise UsageError()
    try:
        day = dt.date.fromisoformat(ctx.args[0])
    except ValueError:
        raise Refused(f"`{ctx.args[0]}` is not a date; write it as YYYY-MM-DD.") from None
    try:
        moved = (skip_day if add else unskip_day)(ctx.cohort, day, ctx.now)
    except RescheduleError as exc:
        raise Refused(f"Not changed: {exc}.") from None
    await ctx.db.flush()
    await plan_cohort(ctx.db, ctx.cohort, ctx.now)
    what = "is skipped" if add else "is no longer skipped"
    await post_moves(ctx, moved, f"🗓 {day:%a} {day.day} {day:%b %Y} {what}.")
    listed = ", ".join(sorted(ctx.cohort.skipped_dates)) or "none"
    return Reply(
        text=f"{'Skipping' if add else 'No longer skipping'} {day.isoformat()}; "
        f"{plural(len(moved), 'session')} moved. Skipped dates: {listed}.",
        ephemeral=True,
    )


async def post_moves(ctx: Context, moved: Sequence[Session], headline: str) -> None:
    """One notice per re-dating, listing every session that moved, to the bound channels."""
    if not moved:
        return
    ordered = sorted(moved, key=lambda s: s.number)
    if len(ordered) == 1:
        only = ordered[0]
        text = f"{headline} Session {only.number} ({only.title}) moved to {when(only.starts_at)}."
    else:
        lines = [f"Session {s.number} ({s.title}): {when(s.starts_at)}" for s in ordered]
        text = f"{headline} {len(ordered)} sessions moved:\n" + "\n".join(lines)
    stamps = ",".join(f"{s.id}@{int(s.starts_at.timestamp())}" for s in ordered)
    digest = hashlib.sha256(stamps.encode()).hexdigest()[:12]
    reply = Reply(text=text, timezone=ctx.timezone)
    key = f"redated:{ctx.cohort.id}:{int(ctx.now.timestamp())}:{digest}"
    await _post_to_channels(ctx, key, "notice", {"reply": reply_to_json(reply)})


async def _post_to_channels(ctx: Context, key: str, kind: str, payload: dict[str, object]) -> None:
    """Queue one message now for every channel bound to the cohort (`key` + binding id)."""
    bindings = await ctx.db.scalars(
        select(PlatformBinding).where(PlatformBinding.cohort_id == ctx.cohort.id)
    )
    planned = [
        Planned(
            key=f"{key}:{b.id}",
            kind=kind,
            platform=b.platform,
            workspace_id=b.workspace_id,
            target=b.channel_id,
            payload=dict(payload),
            due_at=ctx.now,
            cohort_id=ctx.cohort.id,
        )
        for b in bindings
    ]
    await enqueue(ctx.db, planned, ctx.now, reschedule=False)


async def _post_recording(ctx: Context, session: Session) -> None:
    # One post per distinct link, however often the organizer saves it.
    url_key = hashlib.sha256((session.recording_url or "").encode()).hexdigest()[:12]
    key = f"recording:{session.id}:{url_key}"
    await _post_to_channels(ctx, key, "recording", {"session_id": session.id})
    await post_to_threads(ctx.db, ctx.cohort, session, key, "recording", ctx.now)
