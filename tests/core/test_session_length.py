"""One session length (90 minutes by default, `admin cohort length`) for the calendar event,
"happening now" and the end of a session (issue 21)."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from bot.clock import FakeClock
from tests.conftest import Chat

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)


async def _event_minutes(chat: Chat) -> int:
    [reply] = await chat.say("calendar", as_="bob")
    calendar = Calendar.from_ical(reply.files[0].content)
    event = next(e for e in calendar.walk("VEVENT") if "session 1:" in str(e["summary"]))
    return int((event["dtend"].dt - event["dtstart"].dt).total_seconds() // 60)


async def test_a_session_lasts_90_minutes_everywhere_by_default(
    chat: Chat, clock: FakeClock
) -> None:
    assert await _event_minutes(chat) == 90
    clock.set(SESSION_1 + dt.timedelta(minutes=80))
    assert "(happening now)" in await chat.text("next", as_="bob")
    clock.set(SESSION_1 + dt.timedelta(minutes=95))
    assert "Next session 2:" in await chat.text("next", as_="bob")


async def test_an_organizer_sets_the_length_and_everything_follows(
    chat: Chat, clock: FakeClock
) -> None:
    await chat.text("join", as_="olga")
    shown = await chat.text("admin cohort length 120", as_="olga")
    assert "Sessions last: 120 minutes" in shown
    assert "15 to 600 minutes" in await chat.text("admin cohort length 5", as_="olga")
    assert await _event_minutes(chat) == 120
    clock.set(SESSION_1 + dt.timedelta(minutes=110))
    assert "Next session 1:" in await chat.text("next", as_="bob")
    assert "(happening now)" in await chat.text("session 1", as_="bob")
    clock.set(SESSION_1 + dt.timedelta(minutes=121))
    assert "(done)" in await chat.text("session 1", as_="bob")
