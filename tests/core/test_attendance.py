"""RSVPs, the Q&A queue, assignments, skipped dates and the calendar file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from models.tables import Member, QuizAttempt, Submission
from tests.conftest import Chat
from tests.core.conftest import RecordingSender


async def test_rsvp_counts_show_in_next(talk: Chat) -> None:
    await talk.text("rsvp yes", as_="ann")
    await talk.text("rsvp maybe", as_="ben")
    text = await talk.text("rsvp yes", as_="cid")
    assert "2 going, 1 maybe, 0 not going" in text
    await talk.text("rsvp no", as_="ann")  # changing one's mind replaces the answer
    assert "RSVP: 1 going · 1 maybe" in await talk.text("next")


async def test_rsvp_rejects_other_answers(talk: Chat) -> None:
    assert "Answer yes, no or maybe" in await talk.text("rsvp perhaps")


async def test_questions_are_listed_by_votes(talk: Chat) -> None:
    await talk.text("ask What is a tensor?", as_="ann")
    await talk.text("ask Why does autograd need a graph?", as_="ben")
    await talk.text("upvote 2", as_="cid")
    assert "already voted" in await talk.text("upvote 2", as_="cid")
    assert "your own question" in await talk.text("upvote 2", as_="ben")
    text = await talk.text("questions")
    assert text.index("2. (1 ▲) Why does autograd") < text.index("1. (0 ▲) What is a tensor")


async def test_only_organizers_clear_questions(talk: Chat) -> None:
    await talk.text("help", as_="olga")
    await talk.text("ask Will there be a recording?", as_="ann")
    assert "for organizers" in await talk.text("questions clear", as_="ann")
    assert "Cleared 1 question." in await talk.text("questions clear", as_="olga")
    assert "No questions yet" in await talk.text("questions", as_="ann")


async def test_assignments_show_due_times_and_status(talk: Chat, clock: FakeClock) -> None:
    await talk.text("help", as_="olga")
    await talk.text("admin assign probability due 2027-01-30 20:00 session 2", as_="olga")
    text = await talk.text("assignments", as_="ann")
    assert "… to do — quiz `probability` · session 2 · due Sat 30 Jan 2027, 20:00 CET" in text
    assert "quiz `probability` — due" in await talk.text("session 2", as_="ann")
    clock.set(dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    assert "✗ missed" in await talk.text("assignments", as_="ann")


async def test_assigning_unknown_work_lists_what_exists(talk: Chat) -> None:
    await talk.text("help", as_="olga")
    text = await talk.text("admin assign sofmax due 2027-01-30", as_="olga")
    assert "neither an exercise nor a quiz topic" in text
    assert "softmax" in text


async def test_a_skipped_date_pushes_later_sessions(talk: Chat) -> None:
    await talk.text("help", as_="olga")
    text = await talk.text("admin skip 2027-01-26", as_="olga")  # session 2's date
    assert "19 sessions moved" in text
    assert "Tue 9 Feb 2027" in await talk.text("session 2")
    await talk.text("admin unskip 2027-01-26", as_="olga")
    assert "Tue 26 Jan 2027" in await talk.text("session 2")


async def test_moving_one_session_with_later_shifts_the_rest(talk: Chat) -> None:
    await talk.text("help", as_="olga")
    text = await talk.text("admin session 3 date 2027-02-16 later", as_="olga")
    assert "17 later sessions moved too" in text
    assert "Tue 2 Mar 2027" in await talk.text("session 4")
    refused = await talk.text("admin session 5 date 2027-01-13", as_="olga")
    assert "out of order" in refused


async def test_speaker_and_notes_show_on_the_session(talk: Chat) -> None:
    await talk.text("help", as_="olga")
    await talk.text("admin session 1 speaker Ada Lovelace", as_="olga")
    await talk.text("admin session 1 notes Bring a laptop", as_="olga")
    text = await talk.text("session 1")
    assert "Speaker: Ada Lovelace" in text
    assert "Notes: Bring a laptop" in text


async def test_the_calendar_file_parses_with_stable_uids(talk: Chat, tmp_path: Path) -> None:
    replies = await talk.say("calendar")
    data = replies[0].files[0].content
    calendar = Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 20
    first = events[0]
    assert str(first["SUMMARY"]) == "d2l session 1: Introduction and preliminaries"
    start = first.decoded("DTSTART")
    assert start.hour == 18
    assert str(start.tzinfo) == "Europe/Berlin"
    assert first.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(
        2027, 1, 12, 17, tzinfo=dt.UTC
    )
    assert list(calendar.walk("VTIMEZONE"))
    again = Calendar.from_ical((await talk.say("calendar"))[0].files[0].content)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in events]


async def test_an_organizer_binds_and_unbinds_a_channel(
    bot: App, dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock
) -> None:
    from handlers.types import Invocation

    def said(text: str, user: str = "U1") -> Invocation:
        return Invocation(
            platform="console",
            workspace_id="local",
            channel_id="study-room",
            user_id=user,
            user_name=user,
            text=text,
        )

    await bot.handle(said("help", user="olga"))  # olga organizes (by her console id)
    replies = await bot.handle(said("admin bind", user="olga"))
    assert "now gets the announcements" in replies[0].text
    clock.set(dt.datetime(2027, 1, 9, 17, 1, tzinfo=dt.UTC))
    await dispatcher.run_once()
    assert sorted(d.target for d in sender.sent) == ["console", "study-room"]
    await bot.handle(said("admin unbind", user="olga"))
    clock.set(dt.datetime(2027, 1, 11, 17, 1, tzinfo=dt.UTC))
    await dispatcher.run_once()
    assert [d.target for d in sender.sent[2:] if d.kind != "thread"] == ["console"]


async def test_assignments_mark_the_exercises_and_quizzes_done(bot: App, talk: Chat) -> None:
    await talk.text("admin assign softmax due 2027-01-30 20:00", as_="olga")
    await talk.text("admin assign probability due 2027-01-30 20:00", as_="olga")
    await talk.text("join", as_="ann")
    await talk.text("join", as_="ben")
    async with bot.services.sessions() as db, db.begin():
        ann = await db.scalar(select(Member.id).where(Member.display_name == "ann"))
        assert ann is not None
        at = dt.datetime(2027, 1, 5, tzinfo=dt.UTC)
        db.add(
            Submission(
                cohort_id=1, member_id=ann, exercise_id="softmax", code="...", seed=1,
                status="passed", score=8, max_score=8, created_at=at,
            )
        )  # fmt: skip
        db.add_all(
            QuizAttempt(
                cohort_id=1, member_id=ann, question_id=f"q{i}", topic="probability", seed=i,
                correct=True, asked_at=at, answered_at=at + dt.timedelta(minutes=i),
            )
            for i in range(5)
        )  # fmt: skip
    mine = await talk.text("assignments", as_="ann")
    assert "✓ done — exercise `softmax`" in mine and "✓ done — quiz `probability`" in mine
    theirs = await talk.text("assignments", as_="ben")
    assert "… to do — exercise `softmax`" in theirs and "… to do — quiz `probability`" in theirs
