"""Queries about work and attendance: assignments, completion, RSVPs."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Assignment, QuizAttempt, Rsvp, Submission

# A quiz assignment is done after this many answered questions of its topic.
QUIZ_ASSIGNMENT_LENGTH = 5


async def assignment_completed(db: AsyncSession, assignment: Assignment, member_id: int) -> bool:
    """Whether the member has done this assignment (a passing submission, or a full quiz)."""
    if assignment.kind == "exercise":
        passed = await db.scalar(
            select(func.count())
            .select_from(Submission)
            .where(
                Submission.member_id == member_id,
                Submission.exercise_id == assignment.ref,
                Submission.status == "passed",
            )
        )
        return bool(passed)
    answered = await db.scalar(
        select(func.count())
        .select_from(QuizAttempt)
        .where(
            QuizAttempt.member_id == member_id,
            QuizAttempt.topic == assignment.ref,
            QuizAttempt.answered_at.is_not(None),
        )
    )
    return (answered or 0) >= QUIZ_ASSIGNMENT_LENGTH


async def rsvp_counts(db: AsyncSession, session_id: int) -> dict[str, int]:
    rows = await db.execute(
        select(Rsvp.answer, func.count()).where(Rsvp.session_id == session_id).group_by(Rsvp.answer)
    )
    counts = {"yes": 0, "maybe": 0, "no": 0}
    counts.update({answer: count for answer, count in rows})
    return counts


async def session_assignments(db: AsyncSession, session_id: int) -> list[Assignment]:
    return list(
        await db.scalars(
            select(Assignment)
            .where(Assignment.session_id == session_id)
            .order_by(Assignment.due_at)
        )
    )
