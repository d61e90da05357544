"""Submissions and their grading state: the bot inserts them `queued` together with a
grading job (bot.grading_queue); the job claims its submission atomically, grades it and
stores the result. The claim, not the task engine, makes grading happen once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Submission

CLAIM_SECONDS = 300  # a worker that died mid-job loses its claim after this
MAX_GRADING_ATTEMPTS = 3
ACTIVE = ("queued", "running")


async def active_for_member(db: AsyncSession, member_id: int) -> Submission | None:
    return await db.scalar(
        select(Submission)
        .where(Submission.member_id == member_id, Submission.status.in_(ACTIVE))
        .limit(1)
    )


async def count_since(db: AsyncSession, member_id: int, since: dt.datetime) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(Submission)
        .where(Submission.member_id == member_id, Submission.created_at >= since)
    )
    return int(count or 0)


async def queue_length(db: AsyncSession) -> int:
    count = await db.scalar(
        select(func.count()).select_from(Submission).where(Submission.status.in_(ACTIVE))
    )
    return int(count or 0)


async def claim(
    db: AsyncSession, submission_id: int, job: str, now: dt.datetime
) -> Submission | None:
    """Take a submission for grading job `job`, or None if it is not this job's to grade.

    A job may take a queued submission; the same job run again (its worker died and the job
    was retried) takes it back at once; any job takes one whose claim has run out. A
    finished submission is never taken again. Commit right after.
    """
    takeable = (Submission.status == "queued") | (
        (Submission.status == "running")
        & ((Submission.claimed_by == job) | (Submission.claim_until < now))
    )
    claimed = await db.scalar(
        update(Submission)
        .where(Submission.id == submission_id, takeable)
        .values(
            status="running",
            claimed_by=job,
            claim_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
            attempts=Submission.attempts + 1,
        )
        .returning(Submission.id)
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        return None
    return await db.get(Submission, claimed, populate_existing=True)


async def unfinished(db: AsyncSession, now: dt.datetime) -> list[int]:
    """Submissions that no job holds: queued, or running on a claim that has run out."""
    rows = await db.scalars(
        select(Submission.id)
        .where(
            (Submission.status == "queued")
            | ((Submission.status == "running") & (Submission.claim_until < now))
        )
        .order_by(Submission.id)
    )
    return list(rows)


def finish(
    submission: Submission,
    *,
    status: str,
    score: float,
    max_score: float,
    result: dict[str, Any],
    now: dt.datetime,
) -> None:
    submission.status = status
    submission.score = score
    submission.max_score = max_score
    submission.result = result
    submission.finished_at = now
    submission.claim_until = None


async def best_scores(db: AsyncSession, member_id: int) -> dict[str, tuple[float, float]]:
    """Best (score, max score) per exercise for a member: the best attempt counts."""
    rows = await db.execute(
        select(Submission.exercise_id, func.max(Submission.score), func.max(Submission.max_score))
        .where(Submission.member_id == member_id, Submission.score.is_not(None))
        .group_by(Submission.exercise_id)
    )
    return {exercise: (float(score or 0), float(top or 0)) for exercise, score, top in rows.all()}
