"""Queries for playing quizzes: open runs and rounds, scores, streaks, review cards, stats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Subquery, and_, case, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models.members import MEMBER
from models.quiz_tables import LiveRound, QuizRun, QuizSettings, ReviewCard
from models.tables import Enrollment, Member, QuizAttempt, Submission

# Personal quizzes and reviews can be replayed: only a member's best answer per question
# counts, so replaying does not farm points. Every live round counts.
REPLAYABLE = ("personal", "review")


@dataclass(frozen=True)
class Standing:
    member_id: int
    name: str
    points: float
    detail: int  # correct answers (quiz) or exercises scored (code)


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    answers: int
    share_correct: float
    median_ms: float | None


async def open_run(
    db: AsyncSession, cohort_id: int, member_id: int, *, lock: bool = False
) -> QuizRun | None:
    """The member's personal quiz or review in progress, if any. `lock` holds the row until
    the transaction ends (PostgreSQL), so two quick answers can't both advance the run."""
    query = (
        select(QuizRun)
        .where(
            QuizRun.cohort_id == cohort_id,
            QuizRun.member_id == member_id,
            QuizRun.status == "open",
        )
        .order_by(QuizRun.id.desc())
        .limit(1)
    )
    return await db.scalar(query.with_for_update() if lock else query)


async def answered_question_ids(db: AsyncSession, member_id: int) -> set[str]:
    rows = await db.scalars(
        select(QuizAttempt.question_id)
        .where(QuizAttempt.member_id == member_id, QuizAttempt.answered_at.is_not(None))
        .distinct()
    )
    return set(rows)


async def find_attempt(
    db: AsyncSession, member_id: int, question_id: str, seed: int
) -> QuizAttempt | None:
    return await db.scalar(
        select(QuizAttempt).where(
            QuizAttempt.member_id == member_id,
            QuizAttempt.question_id == question_id,
            QuizAttempt.seed == seed,
        )
    )


async def instance_attempts(
    db: AsyncSession, member_id: int, seeds: Sequence[int]
) -> list[QuizAttempt]:
    """A member's answered attempts among the given question instances (by seed)."""
    found = await db.scalars(
        select(QuizAttempt)
        .where(
            QuizAttempt.member_id == member_id,
            QuizAttempt.seed.in_(list(seeds)),
            QuizAttempt.answered_at.is_not(None),
        )
        .order_by(QuizAttempt.answered_at, QuizAttempt.id)
    )
    return list(found)


async def round_in_channel(
    db: AsyncSession, platform: str, workspace_id: str, channel_id: str, *, lock: bool = False
) -> LiveRound | None:
    """The live round running in a channel, if any (`lock`: for moving it on)."""
    query = (
        select(LiveRound)
        .where(
            LiveRound.platform == platform,
            LiveRound.workspace_id == workspace_id,
            LiveRound.channel_id == channel_id,
            LiveRound.status == "asking",
        )
        .order_by(LiveRound.id.desc())
        .limit(1)
    )
    return await db.scalar(query.with_for_update() if lock else query)


async def round_in_cohort(db: AsyncSession, cohort_id: int) -> LiveRound | None:
    """The cohort's most recent running live round (for answers sent by direct message)."""
    return await db.scalar(
        select(LiveRound)
        .where(LiveRound.cohort_id == cohort_id, LiveRound.status == "asking")
        .order_by(LiveRound.id.desc())
        .limit(1)
    )


async def round_standings(db: AsyncSession, seeds: Sequence[int]) -> list[Standing]:
    """Points per member over a live round's question instances, best first."""
    rows = await db.execute(
        select(
            Member.id,
            Member.display_name,
            func.sum(QuizAttempt.points),
            func.sum(case((QuizAttempt.correct.is_(True), 1), else_=0)),
        )
        .join(Member, Member.id == QuizAttempt.member_id)
        .where(QuizAttempt.mode == "live", QuizAttempt.seed.in_(list(seeds)))
        .group_by(Member.id, Member.display_name)
        .order_by(func.sum(QuizAttempt.points).desc(), Member.display_name)
    )
    return [Standing(mid, name, float(p or 0), int(c or 0)) for mid, name, p, c in rows]


async def quiz_standings(db: AsyncSession, cohort_id: int) -> list[Standing]:
    """Quiz points per member of the cohort: the best answer per replayable question plus
    every live answer, best first."""
    answered = and_(QuizAttempt.cohort_id == cohort_id, QuizAttempt.answered_at.is_not(None))
    is_correct = case((QuizAttempt.correct.is_(True), 1), else_=0)
    best = (
        select(
            QuizAttempt.member_id.label("member_id"),
            func.max(QuizAttempt.points).label("points"),
            func.max(is_correct).label("detail"),
        )
        .where(answered, QuizAttempt.mode.in_(REPLAYABLE))
        .group_by(QuizAttempt.member_id, QuizAttempt.question_id)
    )
    live = select(
        QuizAttempt.member_id.label("member_id"),
        QuizAttempt.points.label("points"),
        is_correct.label("detail"),
    ).where(answered, QuizAttempt.mode == "live")
    return await _standings(db, union_all(best, live).subquery(), cohort_id)


async def code_standings(db: AsyncSession, cohort_id: int) -> list[Standing]:
    """Exercise points per member: the best score of each exercise, summed, best first."""
    best = (
        select(
            Submission.member_id.label("member_id"),
            func.max(Submission.score).label("points"),
            literal(1).label("detail"),
        )
        .where(Submission.cohort_id == cohort_id, Submission.score.is_not(None))
        .group_by(Submission.member_id, Submission.exercise_id)
        .subquery()
    )
    return await _standings(db, best, cohort_id)


async def _standings(db: AsyncSession, scored: Subquery, cohort_id: int) -> list[Standing]:
    """Sum a (member_id, points, detail) subquery per member of the cohort, best first
    (visitors and people who left are not on the board)."""
    total = func.sum(scored.c.points)
    rows = await db.execute(
        select(Member.id, Member.display_name, total, func.sum(scored.c.detail))
        .join(Member, Member.id == scored.c.member_id)
        .join(
            Enrollment,
            (Enrollment.member_id == Member.id)
            & (Enrollment.cohort_id == cohort_id)
            & (Enrollment.status == MEMBER),
        )
        .group_by(Member.id, Member.display_name)
        .order_by(total.desc(), Member.display_name)
    )
    return [Standing(mid, name, float(p or 0), int(d or 0)) for mid, name, p, d in rows]


async def current_streaks(db: AsyncSession, cohort_id: int) -> dict[int, int]:
    """Consecutive correct answers since each member's last wrong (or late) answer."""
    answered = and_(QuizAttempt.cohort_id == cohort_id, QuizAttempt.answered_at.is_not(None))
    last_miss = (
        select(
            QuizAttempt.member_id.label("member_id"),
            func.max(QuizAttempt.answered_at).label("at"),
        )
        .where(answered, QuizAttempt.correct.is_not(True))
        .group_by(QuizAttempt.member_id)
        .subquery()
    )
    rows = await db.execute(
        select(QuizAttempt.member_id, func.count())
        .outerjoin(last_miss, last_miss.c.member_id == QuizAttempt.member_id)
        .where(
            answered,
            QuizAttempt.correct.is_(True),
            or_(last_miss.c.at.is_(None), QuizAttempt.answered_at > last_miss.c.at),
        )
        .group_by(QuizAttempt.member_id)
    )
    return {member_id: int(count) for member_id, count in rows}


async def streaks_enabled(db: AsyncSession, cohort_id: int) -> bool:
    settings = await db.get(QuizSettings, cohort_id)
    return settings is None or settings.streaks


async def set_streaks(db: AsyncSession, cohort_id: int, on: bool, now: dt.datetime) -> None:
    settings = await db.get(QuizSettings, cohort_id)
    if settings is None:
        db.add(QuizSettings(cohort_id=cohort_id, streaks=on, updated_at=now))
    else:
        settings.streaks, settings.updated_at = on, now
    await db.flush()


async def review_card(db: AsyncSession, member_id: int, question_id: str) -> ReviewCard | None:
    return await db.scalar(
        select(ReviewCard).where(
            ReviewCard.member_id == member_id, ReviewCard.question_id == question_id
        )
    )


async def due_cards(
    db: AsyncSession, cohort_id: int, member_id: int, now: dt.datetime
) -> list[ReviewCard]:
    """The member's review cards that are due, most overdue first."""
    found = await db.scalars(
        select(ReviewCard)
        .where(
            ReviewCard.cohort_id == cohort_id,
            ReviewCard.member_id == member_id,
            ReviewCard.due_at <= now,
        )
        .order_by(ReviewCard.due_at, ReviewCard.id)
    )
    return list(found)


async def next_review(db: AsyncSession, cohort_id: int, member_id: int) -> dt.datetime | None:
    return await db.scalar(
        select(func.min(ReviewCard.due_at)).where(
            ReviewCard.cohort_id == cohort_id, ReviewCard.member_id == member_id
        )
    )


async def question_stats(db: AsyncSession, cohort_id: int) -> list[QuestionStats]:
    """Per question: answers, share correct and median time, all in SQL.

    The median is portable: rank each question's times with ROW_NUMBER() and COUNT() windows
    (SQLite >= 3.25 and PostgreSQL), then average the middle one or two rows."""
    answered = and_(QuizAttempt.cohort_id == cohort_id, QuizAttempt.answered_at.is_not(None))
    totals = (
        select(
            QuizAttempt.question_id.label("question_id"),
            func.count().label("answers"),
            func.avg(case((QuizAttempt.correct.is_(True), 1.0), else_=0.0)).label("share"),
        )
        .where(answered)
        .group_by(QuizAttempt.question_id)
        .subquery()
    )
    ranked = (
        select(
            QuizAttempt.question_id.label("question_id"),
            QuizAttempt.time_ms.label("time_ms"),
            func.row_number()
            .over(partition_by=QuizAttempt.question_id, order_by=QuizAttempt.time_ms)
            .label("rank"),
            func.count().over(partition_by=QuizAttempt.question_id).label("n"),
        )
        .where(answered, QuizAttempt.time_ms.is_not(None))
        .subquery()
    )
    middle = (
        select(
            ranked.c.question_id.label("question_id"),
            func.avg(ranked.c.time_ms).label("median"),
        )
        .where(ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
        .group_by(ranked.c.question_id)
        .subquery()
    )
    rows = await db.execute(
        select(totals.c.question_id, totals.c.answers, totals.c.share, middle.c.median)
        .outerjoin(middle, middle.c.question_id == totals.c.question_id)
        .order_by(totals.c.share, totals.c.question_id)
    )
    return [
        QuestionStats(qid, int(n), float(share), None if median is None else float(median))
        for qid, n, share, median in rows
    ]
