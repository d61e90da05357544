"""Submissions as a job queue: the bot inserts them `queued`, a grading worker claims one
at a time (atomically, like the outbox), grades it and stores the result."""

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


async def claim_next(db: AsyncSession, worker: str, now: dt.datetime) -> Submission | None:
    """Claim the oldest queued submission (or one whose worker died). Commit right after."""
    stale = (Submission.status == "running") & (Submission.claim_until < now)
    candidates = (
        select(Submission.id)
        .where((Submission.status == "queued") | stale)
        .order_by(Submission.created_at, Submission.id)
        .limit(1)
    )
    if db.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = await db.scalar(
        update(Submission)
        .where(
            Submission.id == candidates.scalar_subquery(),
            (Submission.status == "queued") | stale,
        )
        .values(
            status="running",
            claimed_by=worker,
            claim_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
            attempts=Submission.attempts + 1,
        )
        .returning(Submission.id)
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        return None
    return await db.get(Submission, claimed, populate_existing=True)


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
