"""The session plan as members and organizers see it."""

from __future__ import annotations

import datetime as dt

from bot.clock import FakeClock
from handlers.schedule import relative
from tests.conftest import Chat


async def test_schedule_lists_twenty_dated_sessions_in_the_cohort_zone(chat: Chat) -> None:
    text = await chat.text("schedule")
    assert "Test cohort: 20 sessions" in text
    assert "1. Tue 12 Jan 2027, 18:00 CET — Introduction and preliminaries" in text
    assert "14. Tue 13 Jul 2027, 18:00 CEST — Optimization I" in text  # after the DST change
    assert "20. Tue 5 Oct 2027, 18:00 CEST" in text


async def test_next_shows_the_next_session_in_full(chat: Chat) -> None:
    text = await chat.text("next")
    assert "Next session 1: Introduction and preliminaries" in text
    assert "When: Tue 12 Jan 2027, 18:00 CET (in 8 days)" in text
    assert "2.5 Automatic Differentiation" in text
    assert "Readings: https://d2l.ai/chapter_preliminaries/index.html" in text
    assert "Prepare: Install PyTorch" in text


async def test_next_moves_on_after_a_session_ends(chat: Chat, clock: FakeClock) -> None:
    clock.set(dt.datetime(2027, 1, 12, 17, 30, tzinfo=dt.UTC))  # 18:30 in Berlin
    assert "(happening now)" in await chat.text("next")
    clock.set(dt.datetime(2027, 1, 12, 20, 0, tzinfo=dt.UTC))
    assert "Next session 2: Probability and statistics" in await chat.text("next")


async def test_after_the_last_session_next_says_so(chat: Chat, clock: FakeClock) -> None:
    clock.set(dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
    assert "has had all its sessions" in await chat.text("next")


async def test_session_n_shows_that_session(chat: Chat) -> None:
    text = await chat.text("session 15")
    assert "Session 15: Optimization II" in text
    assert "12.10 Adam" in text


async def test_session_out_of_range_gives_the_range(chat: Chat) -> None:
    assert "sessions run from 1 to 20" in await chat.text("session 21")


async def test_organizer_moves_later_sessions_by_changing_the_time(chat: Chat) -> None:
    await chat.text("join", as_="olga")
    text = await chat.text("admin cohort time 19:15", as_="olga")
    assert "20 upcoming sessions moved" in text
    assert "Tue 12 Jan 2027, 19:15 CET" in await chat.text("session 1")


async def test_past_sessions_keep_their_dates(chat: Chat, clock: FakeClock) -> None:
    await chat.text("join", as_="olga")
    clock.set(dt.datetime(2027, 2, 1, tzinfo=dt.UTC))  # sessions 1 and 2 are over
    text = await chat.text("admin cohort cadence 7", as_="olga")
    assert "18 upcoming sessions moved" in text
    assert "Tue 12 Jan 2027" in await chat.text("session 1")
    assert "Tue 26 Jan 2027" in await chat.text("session 2")
    # Later sessions follow the last one held, a week apart.
    assert "Tue 2 Feb 2027" in await chat.text("session 3")
    assert "Tue 9 Feb 2027" in await chat.text("session 4")


async def test_a_change_that_would_put_a_session_in_the_past_is_refused(
    chat: Chat, clock: FakeClock
) -> None:
    await chat.text("join", as_="olga")
    clock.set(dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    text = await chat.text("admin cohort start 2026-06-01", as_="olga")
    assert "already taken place, so the start date is fixed" in text
    assert "First session: 2027-01-12" in await chat.text("admin cohort", as_="olga")


async def test_a_start_date_in_the_past_is_refused_before_the_course_begins(
    chat: Chat,
) -> None:
    await chat.text("join", as_="olga")
    text = await chat.text("admin cohort start 2026-06-01", as_="olga")
    assert "Not changed" in text and "already passed" in text
    assert "First session: 2027-01-12" in await chat.text("admin cohort", as_="olga")


async def test_timezone_change_keeps_the_local_time(chat: Chat) -> None:
    await chat.text("join", as_="olga")
    await chat.text("admin cohort timezone America/New_York", as_="olga")
    assert "Tue 12 Jan 2027, 18:00 EST" in await chat.text("session 1")


async def test_bad_admin_values_are_explained(chat: Chat) -> None:
    await chat.text("join", as_="olga")
    assert "not an IANA timezone" in await chat.text("admin cohort timezone Mars", as_="olga")
    assert "YYYY-MM-DD" in await chat.text("admin cohort start soon", as_="olga")
    assert "HH:MM" in await chat.text("admin cohort time 7pm", as_="olga")
    assert "1 to 365" in await chat.text("admin cohort cadence 0", as_="olga")
    assert "settable" in await chat.text("admin cohort colour blue", as_="olga")


def test_relative_times_read_naturally() -> None:
    assert relative(dt.timedelta(days=8, hours=9)) == "in 8 days"
    assert relative(dt.timedelta(hours=5, minutes=10)) == "in 5 hours 10 minutes"
    assert relative(dt.timedelta(minutes=90)) == "in 1 hour 30 minutes"  # was "in 2 hours"
    assert relative(dt.timedelta(minutes=-90)) == "1 hour 30 minutes ago"
    assert relative(dt.timedelta(minutes=59, seconds=50)) == "in 1 hour"  # sent a bit late
    assert relative(dt.timedelta(hours=23, minutes=59, seconds=45)) == "in 1 day"
    assert relative(dt.timedelta(seconds=20)) == "now"
