"""`d2l calendar`: the session plan as an iCalendar (.ics) file.

UIDs are stable (cohort and session number), so importing the file again updates the events
instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from handlers.context import Context, UsageError
from handlers.router import Command, Router
from handlers.types import Reply, ReplyFile
from models.tables import Cohort
from quizzes.curriculum import Curriculum

SESSION_MINUTES = 90
PRODID = "-//studybot//d2l study group//EN"
SEQUENCE_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


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
    data = build_ics(ctx.cohort, ctx.services.curriculum, ctx.now)
    name = re.sub(r"[^a-z0-9]+", "-", ctx.cohort.name.lower()).strip("-") or "studybot"
    return Reply(
        text=f"{len(ctx.cohort.sessions)} sessions of {ctx.cohort.name}. Import the file into "
        "your calendar; importing a newer one updates the events.",
        files=(ReplyFile(f"{name}.ics", data, "text/calendar"),),
        ephemeral=True,
    )


def build_ics(cohort: Cohort, curriculum: Curriculum, now: dt.datetime) -> bytes:
    zone = ZoneInfo(cohort.timezone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{cohort.name} (d2l.ai)")
    cal.add("x-wr-timezone", cohort.timezone)
    for session in cohort.sessions:
        start = session.starts_at.astimezone(zone)
        event = Event()
        event.add("uid", f"studybot-cohort{cohort.id}-session{session.number}@studybot")
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=SESSION_MINUTES))
        event.add("summary", f"d2l session {session.number}: {session.title}")
        description = [
            curriculum.chapter_label(session.chapters),
            *session.sections,
            "",
            f"Prepare: {session.prepare}",
            f"Readings: {session.link}",
        ]
        if session.recording_url:
            description.append(f"Recording: {session.recording_url}")
        event.add("description", "\n".join(description))
        event.add("url", session.link)
        # Calendar apps replace an event with the same UID only if SEQUENCE grew: a file made
        # later carries a higher number, so the newest export always wins.
        event.add("sequence", int((now - SEQUENCE_EPOCH).total_seconds() // 60))
        cal.add_component(event)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data
