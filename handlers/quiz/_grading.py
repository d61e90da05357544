"""Grading one answer on the server's clock, storing it, and scheduling missed questions
for review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.quiz._common import elapsed_ms, format_seconds, speed_points, time_limit
from handlers.quiz._sm2 import Sm2, next_state, quality
from models.quiz_play import review_card
from models.quiz_tables import ReviewCard
from models.tables import QuizAttempt
from quizzes.questions import RenderedQuestion, check_answer, explain

MAX_STORED_ANSWER = 200


@dataclass(frozen=True)
class Outcome:
    """What the server made of an answer. `readable` False: nothing is recorded."""

    readable: bool
    correct: bool = False
    late: bool = False
    points: int = 0
    taken_ms: int = 0
    message: str = ""


def grade(rq: RenderedQuestion, text: str, asked_at: dt.datetime, now: dt.datetime) -> Outcome:
    """Check `text` against the instance; an answer after the time limit is late whatever it
    says (no points), and an unreadable one leaves the question open."""
    taken = elapsed_ms(asked_at, now)
    limit = time_limit(rq)
    if taken > limit.total_seconds() * 1000:
        return Outcome(readable=True, late=True, taken_ms=taken)
    result = check_answer(rq, text)
    if not result.ok:
        return Outcome(readable=False, taken_ms=taken, message=result.message)
    points = speed_points(result.correct, taken, limit)
    return Outcome(readable=True, correct=result.correct, points=points, taken_ms=taken)


def store(attempt: QuizAttempt, text: str | None, outcome: Outcome, now: dt.datetime) -> None:
    """Fill in the attempt row: a late answer is stored as not correct, with no points;
    `text` None means time ran out without an answer."""
    attempt.answer_given = None if text is None else text[:MAX_STORED_ANSWER]
    attempt.correct = outcome.correct
    attempt.points = float(outcome.points)
    attempt.answered_at = now
    attempt.time_ms = outcome.taken_ms


def feedback(rq: RenderedQuestion, outcome: Outcome, *, reveal: bool = True) -> str:
    """The member's result with the answer, the explanation and the d2l section."""
    taken = format_seconds(outcome.taken_ms)
    if outcome.late:
        limit = int(time_limit(rq).total_seconds())
        head = (
            f"⏰ Too late: {taken} after the question, the limit is {limit} s: time is up. "
            "No points."
        )
    elif outcome.correct:
        head = f"✅ Correct! +{outcome.points} points ({taken})."
    else:
        head = f"❌ Not quite ({taken})."
    return f"{head}\n{explain(rq)}" if reveal else head


async def schedule_review(
    db: AsyncSession,
    *,
    cohort_id: int,
    member_id: int,
    rq: RenderedQuestion,
    outcome: Outcome,
    in_review: bool,
    now: dt.datetime,
) -> None:
    """A miss (in any mode) starts or resets the question's SM-2 card; a review answer
    moves its card on. Correct answers outside a review leave cards alone."""
    card = await review_card(db, member_id, rq.id)
    if card is None and outcome.correct:
        return
    if card is None:
        card = ReviewCard(
            cohort_id=cohort_id,
            member_id=member_id,
            question_id=rq.id,
            easiness=Sm2().easiness,
            interval_days=1,
            repetitions=0,
            lapses=0,
            due_at=now,
            updated_at=now,
        )
        db.add(card)
    elif outcome.correct and not in_review:
        return
    limit_ms = time_limit(rq).total_seconds() * 1000
    grade_ = quality(outcome.correct, outcome.taken_ms, limit_ms)
    state = next_state(Sm2(card.easiness, card.interval_days, card.repetitions), grade_)
    card.easiness, card.interval_days = state.easiness, state.interval_days
    card.repetitions = state.repetitions
    card.lapses += 0 if outcome.correct else 1
    card.due_at = now + dt.timedelta(days=state.interval_days)
    card.updated_at = now
    await db.flush()
