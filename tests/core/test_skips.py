"""Skipping and unskipping dates (issue 21): one notice per re-dating listing the moved
sessions, unskip restores the organizer's plan, bad dates are refused, schedule shows them."""

from __future__ import annotations

import datetime as dt

from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.console import render_plain
from models.cohorts import first_cohort
from tests.conftest import Chat
from tests.core.conftest import RecordingSender

# The test cohort: Tuesdays every 14 days from 12 Jan 2027, 18:00 Berlin.


async def _dates(talk: Chat) -> dict[int, str]:
    app = talk.adapter.app
    async with app.services.sessions() as db:
        cohort = await first_cohort(db)
        assert cohort is not None
        return {s.number: f"{s.starts_at:%Y-%m-%d %H:%M}" for s in cohort.sessions}


async def _notices(dispatcher: Dispatcher, sender: RecordingSender) -> list[str]:
    await dispatcher.run_once()
    found = [render_plain(d.reply) for d in sender.sent if d.kind == "notice"]
    sender.sent.clear()
    return found


async def test_skip_then_unskip_after_a_later_move_restores_the_organizers_plan(
    talk: Chat, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await talk.text("help", as_="olga")
    # Session 5 (Tue 9 Mar) a week later, and everything after it with it.
    assert "15 later sessions moved too" in await talk.text(
        "admin session 5 date 2027-03-16 later", as_="olga"
    )
    planned = await _dates(talk)
    assert planned[5] == "2027-03-16 17:00" and planned[6] == "2027-03-30 16:00"  # DST
    await _notices(dispatcher, sender)
    reply = await talk.text("admin skip 2027-02-09", as_="olga")  # session 3's date
    assert "Skipping 2027-02-09; 17 sessions moved" in reply  # 3, 4, 6–20; 5 is pinned
    skipped = await _dates(talk)
    assert skipped[3] == "2027-02-23 17:00" and skipped[5] == planned[5]
    assert skipped[6] == "2027-04-13 16:00"
    (notice,) = await _notices(dispatcher, sender)
    assert "Tue 9 Feb 2027 is skipped. 17 sessions moved:" in notice
    assert "Session 3 (" in notice and "Session 20 (" in notice and "Session 5 (" not in notice
    assert "Tue 23 Feb 2027, 18:00 CET" in notice  # in the cohort's zone, not UTC
    reply = await talk.text("admin unskip 2027-02-09", as_="olga")
    assert "No longer skipping 2027-02-09; 17 sessions moved" in reply
    assert await _dates(talk) == planned
    (notice,) = await _notices(dispatcher, sender)
    assert "Tue 9 Feb 2027 is no longer skipped. 17 sessions moved:" in notice


async def test_a_session_moved_by_hand_after_a_skip_stays_where_it_was_put(
    talk: Chat, dispatcher: Dispatcher
) -> None:
    await talk.text("admin skip 2027-10-05", as_="olga")  # the last session's date
    assert (await _dates(talk))[20] == "2027-10-19 16:00"
    await talk.text("admin session 20 date 2027-10-26", as_="olga")
    assert "0 sessions moved" in await talk.text("admin unskip 2027-10-05", as_="olga")
    assert (await _dates(talk))[20] == "2027-10-26 16:00"


async def test_a_past_date_or_a_day_without_a_session_is_refused_and_nothing_changes(
    talk: Chat, clock: FakeClock, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    before = await _dates(talk)
    clock.set(dt.datetime(2027, 1, 20, 9, 0, tzinfo=dt.UTC))
    past = await talk.text("admin skip 2027-01-12", as_="olga")
    assert "Not changed: 2027-01-12 has already passed." in past
    assert "Usage" not in past
    none = await talk.text("admin skip 2027-01-27", as_="olga")  # a Wednesday
    assert "Not changed: no session takes place on 2027-01-27 (Europe/Berlin)." in none
    assert "is not a skipped date" in await talk.text("admin unskip 2027-01-26", as_="olga")
    assert await _dates(talk) == before
    assert await _notices(dispatcher, sender) == []
    assert "Skipped:" not in await talk.text("schedule")


async def test_schedule_shows_the_skipped_dates(talk: Chat) -> None:
    await talk.text("admin skip 2027-01-26", as_="olga")
    await talk.text("admin skip 2027-03-23", as_="olga")
    text = await talk.text("schedule")
    assert "Skipped: Tue 26 Jan 2027, Tue 23 Mar 2027" in text
    assert " 2. Tue 9 Feb 2027, 18:00 CET" in text
