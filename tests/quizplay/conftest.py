"""Helpers for quiz-play transcripts: find the question a member is looking at in the
database, and compute right and wrong answers to it with the quiz engine."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import App
from models.quiz_tables import LiveRound
from models.tables import Identity, QuizAttempt
from quizzes.questions import RenderedQuestion, load_bank, render
from tests.core.conftest import bot, dispatcher, sender, talk  # noqa: F401

DEFAULT_LIMIT_S = 120


def instance(question_id: str, seed: int) -> RenderedQuestion:
    """The question instance as the engine renders it for this seed."""
    bank = load_bank()
    return render(bank.question(question_id), seed, bank.topic_of(question_id).topic)


def limit_s(rq: RenderedQuestion) -> int:
    return rq.time_limit_s or DEFAULT_LIMIT_S


def right_answer(rq: RenderedQuestion) -> str:
    """What a member who knows the answer types."""
    if isinstance(rq.answer, bool):
        return "true" if rq.answer else "false"
    if isinstance(rq.answer, float):
        return repr(rq.answer)
    if isinstance(rq.answer, tuple):
        return " ".join(rq.answer)
    return rq.answer


def wrong_answer(rq: RenderedQuestion) -> str:
    """A readable answer that is certainly wrong."""
    if isinstance(rq.answer, bool):
        return "false" if rq.answer else "true"
    if isinstance(rq.answer, float):
        return repr(rq.answer + 1000 * max(1.0, abs(rq.answer)))
    if isinstance(rq.answer, tuple):
        return "b" if rq.answer == ("a",) else "a"
    return "b" if rq.answer == "a" else "a"


async def member_id(app: App, user: str) -> int:
    async with app.services.sessions() as db:
        found = await db.scalar(select(Identity.member_id).where(Identity.user_id == user))
    assert found is not None, f"{user} has not talked to the bot"
    return found


async def attempts(app: App, user: str) -> list[QuizAttempt]:
    """Every attempt of a member, oldest first."""
    mid = await member_id(app, user)
    async with app.services.sessions() as db:
        rows = await db.scalars(
            select(QuizAttempt).where(QuizAttempt.member_id == mid).order_by(QuizAttempt.id)
        )
        return list(rows)


async def open_question(app: App, user: str) -> RenderedQuestion:
    """The personal or review question the member has open."""
    found = [a for a in await attempts(app, user) if a.answered_at is None]
    assert found, f"{user} has no open question"
    return instance(found[-1].question_id, found[-1].seed)


async def live_question(app: App) -> tuple[LiveRound, RenderedQuestion]:
    """The running live round and its open question."""
    async with app.services.sessions() as db:
        game = await db.scalar(select(LiveRound).order_by(LiveRound.id.desc()).limit(1))
    assert game is not None
    return game, instance(game.question_ids[game.position], game.seeds[game.position])


def kahoot(seconds: float, limit: int) -> int:
    """The scoring rule, written independently of the bot's code."""
    return 1000 if seconds < 0.5 else round(1000 * (1 - seconds / limit / 2))


def seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)
