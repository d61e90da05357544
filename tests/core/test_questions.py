"""The live Q&A queue (issue 21): `ask` echoes the question, organizers mark one answered or
remove it, and `questions clear` clears the shown session's queue only, counting it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from models.tables import Question
from tests.conftest import Chat

AFTER_SESSION_1 = dt.datetime(2027, 1, 12, 19, 30, tzinfo=dt.UTC)


async def _open(app: App) -> list[tuple[int, str]]:
    async with app.services.sessions() as db:
        rows = await db.scalars(select(Question).where(Question.cleared.is_(False)))
        return sorted((q.session_id, q.text) for q in rows)


async def test_ask_echoes_the_question(chat: Chat) -> None:
    text = await chat.text("ask Why does Adam need bias correction?", as_="bob")
    assert "Question 1 is in the queue for session 1: “Why does Adam need bias correction?”" in text


async def test_organizers_mark_a_question_answered_or_remove_it(chat: Chat) -> None:
    await chat.text("join", as_="olga")  # the first member organizes
    await chat.text("ask What is a tensor?", as_="bob")
    await chat.text("ask Why softmax?", as_="bob")
    await chat.text("ask Spam spam spam", as_="eve")
    assert "for organizers" in await chat.text("questions remove 3", as_="bob")
    assert "Question 1 is answered: “What is a tensor?”" in await chat.text(
        "questions answered 1", as_="olga"
    )
    assert "Removed question 3: “Spam spam spam”" in await chat.text(
        "questions remove 3", as_="olga"
    )
    shown = await chat.text("questions", as_="bob")
    assert "Why softmax?" in shown and "What is a tensor?" not in shown and "Spam" not in shown
    again = await chat.text("questions answered 1", as_="olga")
    assert "There is no open question 1 for session 1." in again and "Usage" not in again


async def test_clear_empties_only_the_shown_sessions_queue_and_counts_it(
    app: App, chat: Chat, clock: FakeClock
) -> None:
    await chat.text("join", as_="olga")
    await chat.text("ask Left over from session 1", as_="bob")
    clock.set(AFTER_SESSION_1)  # `questions` now shows session 2's queue
    await chat.text("ask One", as_="bob")
    await chat.text("ask Two", as_="eve")
    text = await chat.text("questions clear", as_="olga")
    assert "Cleared 2 questions. The queue for session 2 is empty." in text
    assert [t for _, t in await _open(app)] == ["Left over from session 1"]
