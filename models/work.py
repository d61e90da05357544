"""Queries about work and attendance: assignments, completion, RSVPs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Assignment, Cohort, QuizAttempt, Rsvp, Submission

# A quiz is done when at least this many of its topic's questions are answered, with at
# least the cohort's quiz pass mark (`cohorts.quiz_pass_mark`) of the answers right.
QUIZ_ASSIGNMENT_LENGTH = 5


async def completed_assignments(
    db: AsyncSession, assignments: Sequence[Assignment], member_id: int
) -> set[int]:
    """The ids of the assignments (of one cohort) the member has done, in two queries
    whatever their number (`assignments` lists the cohort's twenty at once)."""
    exercises = {a.ref for a in assignments if a.kind == "exercise"}
    topics = {a.ref for a in assignments if a.kind != "exercise"}
    passed: set[str] = set()
    if exercises:
        passed = set(
            await db.scalars(
                select(Submission.exercise_id)
                .where(
                    Submission.member_id == member_id,
                    Submission.exercise_id.in_(sorted(exercises)),
                    Submission.status == "passed",
                )
                .distinct()
            )
        )
    quizzes: set[str] = set()
    if topics:
        cohort = await db.get(Cohort, assignments[0].cohort_id)
        pass_mark = cohort.quiz_pass_mark if cohort is not None else 0.6
        done = await quizzes_completed(db, [member_id], topics, pass_mark)
        quizzes = {topic for _, topic in done}
    return {a.id for a in assignments if a.ref in (passed if a.kind == "exercise" else quizzes)}


async def quizzes_completed(
    db: AsyncSession, ids: Sequence[int], topics: Collection[str], pass_mark: float
) -> Mapping[tuple[int, str], dt.datetime]:
    """When each member completed each quiz topic: the first answer after which they had
    answered at least QUIZ_ASSIGNMENT_LENGTH of its questions with at least `pass_mark` of
    their answers right. Five wrong answers complete nothing."""
    if not ids or not topics:
        return {}
    order = (QuizAttempt.answered_at, QuizAttempt.id)
    mine = (QuizAttempt.member_id, QuizAttempt.topic)
    ranked = (
        select(
            QuizAttempt.member_id.label("member_id"),
            QuizAttempt.topic.label("topic"),
            QuizAttempt.answered_at.label("answered_at"),
            func.row_number().over(partition_by=mine, order_by=order).label("answered"),
            func.sum(case((QuizAttempt.correct.is_(True), 1), else_=0))
            .over(partition_by=mine, order_by=order, rows=(None, 0))
            .label("right"),
        )
        .where(
            QuizAttempt.member_id.in_(list(ids)),
            QuizAttempt.topic.in_(list(topics)),
            QuizAttempt.answered_at.is_not(None),
        )
        .subquery()
    )
    rows = await db.execute(
        select(ranked.c.member_id, ranked.c.topic, func.min(ranked.c.answered_at))
        .where(
            ranked.c.answered >= QUIZ_ASSIGNMENT_LENGTH,
            # in whole hundredths, so 3 of 5 right meets a 60% mark exactly
            ranked.c.right * 100 >= ranked.c.answered * round(pass_mark * 100),
        )
        .group_by(ranked.c.member_id, ranked.c.topic)
    )
    return {(m, t): aware(at) for m, t, at in rows}


def aware(value: dt.datetime) -> dt.datetime:
    """Aggregates and window columns skip the UTC column type: label them UTC again."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


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
