"""The meeting link, the speaker and the notes reach members (issue 21): announcement,
channel and DM reminders, `next`, through the console and the real Slack and Discord
renderers."""

from __future__ import annotations

import datetime as dt
import json

from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.console import render_plain
from bot.platforms.console._adapter import advance
from bot.platforms.discord_bot import render as render_discord
from bot.platforms.slack_app._render import render as render_slack
from handlers.types import Reply
from tests.conftest import Chat
from tests.core.conftest import RecordingSender

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)
ZOOM = "https://zoom.us/j/123456"
MEET = "https://meet.google.com/abc-defg-hij"


def _everywhere(reply: Reply) -> list[str]:
    """The reply as the console, Slack and Discord show it."""
    discord = render_discord(reply)
    return [
        render_plain(reply),
        json.dumps(render_slack(reply).blocks, ensure_ascii=False),
        json.dumps([e.to_dict() for e in discord.embeds], ensure_ascii=False),
    ]


async def test_the_link_speaker_and_notes_are_in_every_announcement_and_reminder(
    dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("remind on", as_="bob")
    await talk.text("admin cohort link " + ZOOM, as_="olga")
    await talk.text("admin session 1 speaker Ada Lovelace", as_="olga")
    await talk.text("admin session 1 notes Bring your questions on autograd", as_="olga")
    await advance(clock, dispatcher, SESSION_1)
    notices = [d for d in sender.sent if d.kind in ("announcement", "reminder", "dm_reminder")]
    assert {d.kind for d in notices} == {"announcement", "reminder", "dm_reminder"}
    for delivered in notices:
        for shown in _everywhere(delivered.reply):
            assert ZOOM in shown and "Ada Lovelace" in shown, (delivered.kind, shown)
    announcement = next(d for d in notices if d.kind == "announcement")
    for shown in _everywhere(announcement.reply):
        assert "Bring your questions on autograd" in shown


async def test_a_sessions_own_link_wins_in_its_reminders_and_in_next(
    dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("admin cohort link " + ZOOM, as_="olga")
    await talk.text("admin session 1 link " + MEET, as_="olga")
    shown = await talk.text("next", as_="bob")
    assert f"Join: {MEET}" in shown and ZOOM not in shown
    await advance(clock, dispatcher, SESSION_1 - dt.timedelta(minutes=30))
    reminder = [d for d in sender.sent if d.kind == "reminder"][-1]
    assert MEET in render_plain(reminder.reply) and ZOOM not in render_plain(reminder.reply)
    assert f"Join: {ZOOM}" in await talk.text("session 2", as_="bob")


async def test_without_a_link_nothing_says_join(
    dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    assert "Join" not in await talk.text("next", as_="bob")
    await advance(clock, dispatcher, SESSION_1)
    assert all("Join" not in render_plain(d.reply) for d in sender.sent)


async def test_the_calendar_event_has_the_link_as_location_and_the_speaker_and_notes(
    talk: Chat,
) -> None:
    from icalendar import Calendar

    await talk.text("admin cohort link " + ZOOM, as_="olga")
    await talk.text("admin session 1 speaker Ada Lovelace", as_="olga")
    await talk.text("admin session 1 notes Bring questions", as_="olga")
    [reply] = await talk.say("calendar", as_="bob")
    events = list(Calendar.from_ical(reply.files[0].content).walk("VEVENT"))
    first = next(e for e in events if "session 1:" in str(e["summary"]))
    assert str(first["location"]) == ZOOM
    description = str(first["description"])
    assert f"Join: {ZOOM}" in description
    assert "Speaker: Ada Lovelace" in description and "Notes: Bring questions" in description
    second = next(e for e in events if "session 2:" in str(e["summary"]))
    assert str(second["location"]) == ZOOM and "Notes:" not in str(second["description"])
