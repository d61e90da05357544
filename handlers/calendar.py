"""`d2l calendar`: the session plan as an iCalendar (.ics) file.

UIDs are stable (cohort and session number), so importing the file again updates the events
instead of duplicating them. The same calendar is the web pages' subscribable feed
(`/calendar.ics`); SEQUENCE grows only when an event changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.context import Context, UsageError
from handlers.router import Command, Router
from handlers.types import Reply, ReplyFile
from models.cohorts import meeting_link, session_length
from models.tables import Cohort, Session
from models.web_tables import CalendarRevision
from quizzes.curriculum import Curriculum

PRODID = "-//studybot//d2l study group//EN"
REFRESH = dt.timedelta(hours=1)


def register(router: Router) -> None:
    router.add(
        Command(
            name="calendar",
            usage="calendar",
            summary="all sessions as a calendar file (.ics) to import; re-import to update",
            handler=calendar,
        )
    )


async def calendar(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l calendar` takes no arguments.")
    data = await cohort_ics(ctx.db, ctx.cohort, ctx.services.curriculum, ctx.now)
    name = re.sub(r"[^a-z0-9]+", "-", ctx.cohort.name.lower()).strip("-") or "studybot"
    feed = feed_url(ctx.services.settings)
    return Reply(
        text=f"{len(ctx.cohort.sessions)} sessions of {ctx.cohort.name}. Subscribe to "
        f"{subscribe_url(feed)} (or {feed}) and your calendar follows every change by itself; "
        "or import the file, and import a newer one after a change.",
        files=(ReplyFile(f"{name}.ics", data, "text/calendar"),),
        ephemeral=True,
    )


def feed_url(settings: Settings) -> str:
    """The subscribable feed (`GET /calendar.ics` of the web pages)."""
    from handlers.web_links import public_base

    return f"{public_base(settings)}/calendar.ics"


def subscribe_url(feed: str) -> str:
    """The `webcal://` form calendar apps open as a subscription."""
    return re.sub(r"^https?://", "webcal://", feed)


async def cohort_ics(
    db: AsyncSession, cohort: Cohort, curriculum: Curriculum, now: dt.datetime
) -> bytes:
    """The cohort's calendar, each event at its current revision (see `revise`)."""
    events = {s.id: session_event(cohort, s, curriculum) for s in cohort.sessions}
    sequences = await revise(db, {sid: _fingerprint(e) for sid, e in events.items()})
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{cohort.name} (d2l.ai)")
    cal.add("x-wr-timezone", cohort.timezone)
    # How often subscribers should fetch the feed again (RFC 7986, and Outlook's older name).
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    for session in cohort.sessions:
        event = events[session.id]
        event.add("dtstamp", now.astimezone(dt.UTC))
        # Calendar apps replace an event with the same UID only when SEQUENCE grew: it grows
        # by one each time what the event says changes, and stays put otherwise.
        event.add("sequence", sequences[session.id])
        cal.add_component(event)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


def session_event(cohort: Cohort, session: Session, curriculum: Curriculum) -> Event:
    """What a session's event says (without DTSTAMP and SEQUENCE, which say when)."""
    zone = ZoneInfo(cohort.timezone)
    start = session.starts_at.astimezone(zone)
    event = Event()
    event.add("uid", f"studybot-cohort{cohort.id}-session{session.number}@studybot")
    event.add("dtstart", start)
    event.add("dtend", start + session_length(cohort))
    event.add("summary", f"d2l session {session.number}: {session.title}")
    description = [
        curriculum.chapter_label(session.chapters),
        *session.sections,
        "",
        f"Prepare: {session.prepare}",
        f"Readings: {session.link}",
    ]
    if session.speaker:
        description.append(f"Speaker: {session.speaker}")
    if session.notes:
        description.append(f"Notes: {session.notes}")
    join = meeting_link(cohort, session)
    if join:
        description.append(f"Join: {join}")
        event.add("location", join)
    if session.recording_url:
        description.append(f"Recording: {session.recording_url}")
    event.add("description", "\n".join(description))
    event.add("url", session.link)
    return event


def _fingerprint(event: Event) -> str:
    return hashlib.sha256(event.to_ical()).hexdigest()


async def revise(db: AsyncSession, fingerprints: dict[int, str]) -> dict[int, int]:
    """Each session's SEQUENCE: 0 at first, one more whenever its fingerprint changed since
    the last export (whoever changed the session, and however)."""
    known = {
        r.session_id: r
        for r in await db.scalars(
            select(CalendarRevision).where(CalendarRevision.session_id.in_(fingerprints))
        )
    }
    sequences = {}
    for session_id, fingerprint in fingerprints.items():
        revision = known.get(session_id)
        if revision is None:
            revision = CalendarRevision(session_id=session_id, fingerprint=fingerprint, sequence=0)
            db.add(revision)
        elif revision.fingerprint != fingerprint:
            revision.fingerprint = fingerprint
            revision.sequence += 1
        sequences[session_id] = revision.sequence
    await db.flush()
    return sequences
