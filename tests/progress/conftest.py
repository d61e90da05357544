"""Helpers for progress transcripts: record graded work and quiz answers directly, the way
the grading worker and the quiz engine would, and speak as a member on another platform."""

from __future__ import annotations

import datetime as dt
import itertools
import re

from sqlalchemy import select

from bot.app import App
from handlers.types import Invocation, Reply
from models.tables import Identity, QuizAttempt, Submission
from tests.core.conftest import bot, dispatcher, sender, talk  # noqa: F401

SEEDS = itertools.count(1000)
CODE = re.compile(r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{4})+)\b")


async def member_id(app: App, user: str, platform: str = "console") -> int:
    async with app.services.sessions() as db:
        found = await db.scalar(
            select(Identity.member_id).where(
                Identity.platform == platform, Identity.user_id == user
            )
        )
    assert found is not None, f"{user} has not talked to the bot on {platform}"
    return found


async def submit(
    app: App,
    user: str,
    exercise: str,
    score: float,
    *,
    top: float = 8,
    platform: str = "console",
    at: dt.datetime | None = None,
) -> None:
    """A graded submission, as the worker leaves it."""
    mid = await member_id(app, user, platform)
    when = at or app.services.clock.now()
    async with app.services.sessions() as db, db.begin():
        db.add(
            Submission(
                cohort_id=1,
                member_id=mid,
                exercise_id=exercise,
                code="def f(): ...",
                seed=next(SEEDS),
                status="passed" if score >= top else "partial",
                score=score,
                max_score=top,
                created_at=when,
                finished_at=when,
            )
        )


async def answer(
    app: App,
    user: str,
    topic: str,
    count: int = 5,
    *,
    correct: bool = True,
    platform: str = "console",
    seed: int | None = None,
    points: float = 1.0,
) -> None:
    """`count` answered questions of a topic."""
    mid = await member_id(app, user, platform)
    now = app.services.clock.now()
    async with app.services.sessions() as db, db.begin():
        for i in range(count):
            at = now + dt.timedelta(seconds=i)
            db.add(
                QuizAttempt(
                    cohort_id=1,
                    member_id=mid,
                    question_id=f"{topic}-q{i}",
                    topic=topic,
                    seed=next(SEEDS) if seed is None else seed,
                    params={},
                    answer_given="x",
                    correct=correct,
                    points=points if correct else 0.0,
                    asked_at=at,
                    answered_at=at,
                    time_ms=1000,
                )
            )


async def say_on(
    app: App, text: str, *, user: str, platform: str = "slack", workspace: str = "T1"
) -> list[Reply]:
    """A message from another platform (the same bot core, as the adapters call it)."""
    return await app.handle(
        Invocation(
            platform=platform,
            workspace_id=workspace,
            channel_id="C1",
            user_id=user,
            user_name=user,
            text=text,
        )
    )


def text_of(replies: list[Reply]) -> str:
    return "\n".join(
        "\n".join([r.title or "", r.text, *(f"{f.name}: {f.value}" for f in r.fields)])
        for r in replies
    )


def code_in(text: str) -> str:
    found = CODE.search(text)
    assert found is not None, f"no code in {text!r}"
    return found.group(1)
