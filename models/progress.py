"""Progress queries: the cohort's required work, and what each member has done of it.

Required work is every assignment of the cohort (each belongs to a session). A cohort with no
assignments requires every shipped exercise and quiz topic instead, counted at its last
session and with no due time. An exercise is done with a passing submission (full marks: the
same rule as `d2l assignments` and the assignment reminders); a quiz, with
QUIZ_ASSIGNMENT_LENGTH answered questions of its topic and at least the cohort's quiz pass
mark of them right. Only members count. Work is late when it was completed
after its due time. Everything is read in a few grouped queries for the whole cohort.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.members import MEMBER
from models.tables import (
    Assignment,
    Cohort,
    Enrollment,
    Member,
    QuizAttempt,
    Session,
    Submission,
)
from models.work import aware, quizzes_completed

# The share of an exercise's points that passes it: full marks, as `status == "passed"`.
PASS_FRACTION = 1.0


@dataclass(frozen=True)
class WorkItem:
    kind: str  # exercise | quiz
    ref: str
    session: int  # the session number the work belongs to
    due_at: dt.datetime | None


@dataclass(frozen=True)
class ItemResult:
    item: WorkItem
    completed_at: dt.datetime | None
    score: float | None  # exercise: best points; quiz: distinct questions answered right
    max_score: float | None

    @property
    def done(self) -> bool:
        return self.completed_at is not None

    @property
    def late(self) -> bool:
        due = self.item.due_at
        return due is not None and self.completed_at is not None and self.completed_at > due


@dataclass(frozen=True)
class MemberProgress:
    member_id: int
    name: str
    role: str
    results: tuple[ItemResult, ...]
    threshold: float
    now: dt.datetime

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def done(self) -> int:
        return sum(r.done for r in self.results)

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def eligible(self) -> bool:
        return self.total > 0 and self.share + 1e-9 >= self.threshold

    @property
    def due_so_far(self) -> list[ItemResult]:
        return [r for r in self.results if r.item.due_at is not None and r.item.due_at <= self.now]

    @property
    def on_pace(self) -> bool:
        """Done at least the threshold's share of the work due so far (or eligible already)."""
        due = self.due_so_far
        if self.eligible or not due:
            return True
        return sum(r.done for r in due) / len(due) + 1e-9 >= self.threshold

    @property
    def missing(self) -> list[ItemResult]:
        return [r for r in self.results if not r.done]

    @property
    def needed(self) -> int:
        """How many more items reach the threshold."""
        target = -(-round(self.threshold * self.total * 1e6) // 1_000_000)  # ceil, float-safe
        return max(0, target - self.done)

    def cumulative(self, sessions: Sequence[int]) -> list[float]:
        """Share of all required work done, counting the work of sessions up to each one."""
        if not self.total:
            return [0.0 for _ in sessions]
        return [
            sum(r.done for r in self.results if r.item.session <= n) / self.total for n in sessions
        ]


async def required_work(
    db: AsyncSession,
    cohort: Cohort,
    exercises: Collection[str],
    quiz_topics: Collection[str],
    sessions: Sequence[Session] | None = None,
) -> list[WorkItem]:
    """The cohort's assignments in due order, or (none assigned) the whole catalog.
    `sessions`: the cohort's sessions, when `cohort.sessions` isn't loaded."""
    numbers = {s.id: s.number for s in (cohort.sessions if sessions is None else sessions)}
    last = max(numbers.values(), default=1)
    assigned = await db.scalars(
        select(Assignment)
        .where(Assignment.cohort_id == cohort.id)
        .order_by(Assignment.due_at, Assignment.id)
    )
    items = [
        WorkItem(a.kind, a.ref, numbers.get(a.session_id or -1, last), a.due_at) for a in assigned
    ]
    if items:
        return items
    return [WorkItem("exercise", ref, last, None) for ref in sorted(exercises)] + [
        WorkItem("quiz", ref, last, None) for ref in sorted(quiz_topics)
    ]


async def cohort_progress(
    db: AsyncSession,
    cohort: Cohort,
    items: Sequence[WorkItem],
    now: dt.datetime,
    member_ids: Collection[int] | None = None,
) -> list[MemberProgress]:
    """Progress of the cohort's members (or of exactly `member_ids`, members or not), by
    name. Visitors and people who left count nowhere."""
    query = (
        select(Member.id, Member.display_name, Enrollment.role)
        .join(Enrollment, Enrollment.member_id == Member.id)
        .where(Enrollment.cohort_id == cohort.id)
        .order_by(func.lower(Member.display_name), Member.id)
    )
    if member_ids is None:
        query = query.where(Enrollment.status == MEMBER)
    else:
        query = query.where(Member.id.in_(list(member_ids)))
    members = list((await db.execute(query)).all())
    ids = [m[0] for m in members]
    exercise_refs = {i.ref for i in items if i.kind == "exercise"}
    quiz_refs = {i.ref for i in items if i.kind == "quiz"}
    passed = await _exercises_passed(db, ids, exercise_refs)
    best = await _best_scores(db, ids, exercise_refs)
    quizzes = await quizzes_completed(db, ids, quiz_refs, cohort.quiz_pass_mark)
    right = await _quiz_correct(db, ids, quiz_refs)
    progress = []
    for member_id, name, role in members:
        results = []
        for item in items:
            key = (member_id, item.ref)
            if item.kind == "exercise":
                score, top = best.get(key, (None, None))
                results.append(ItemResult(item, passed.get(key), score, top))
            else:
                count = right.get(key)
                results.append(
                    ItemResult(
                        item, quizzes.get(key), None if count is None else float(count), None
                    )
                )
        progress.append(
            MemberProgress(member_id, name, role, tuple(results), cohort.pass_threshold, now)
        )
    return progress


def cohort_median(progress: Sequence[MemberProgress], sessions: Sequence[int]) -> list[float]:
    """The median member's cumulative completion per session (`progress`: members only, as
    `cohort_progress` gives them; organizers count when they joined)."""
    people = list(progress)
    if not people:
        return [0.0 for _ in sessions]
    curves = [p.cumulative(sessions) for p in people]
    return [statistics.median(column) for column in zip(*curves, strict=True)]


async def _exercises_passed(
    db: AsyncSession, ids: Sequence[int], refs: Collection[str]
) -> Mapping[tuple[int, str], dt.datetime]:
    """When each member first passed each exercise."""
    if not ids or not refs:
        return {}
    passing = or_(
        Submission.status == "passed",
        and_(
            Submission.max_score > 0,
            Submission.score >= Submission.max_score * PASS_FRACTION,
        ),
    )
    rows = await db.execute(
        select(Submission.member_id, Submission.exercise_id, func.min(Submission.created_at))
        .where(Submission.member_id.in_(ids), Submission.exercise_id.in_(list(refs)), passing)
        .group_by(Submission.member_id, Submission.exercise_id)
    )
    return {(m, e): aware(at) for m, e, at in rows}


async def _best_scores(
    db: AsyncSession, ids: Sequence[int], refs: Collection[str]
) -> Mapping[tuple[int, str], tuple[float, float]]:
    if not ids or not refs:
        return {}
    rows = await db.execute(
        select(
            Submission.member_id,
            Submission.exercise_id,
            func.max(Submission.score),
            func.max(Submission.max_score),
        )
        .where(
            Submission.member_id.in_(ids),
            Submission.exercise_id.in_(list(refs)),
            Submission.score.is_not(None),
        )
        .group_by(Submission.member_id, Submission.exercise_id)
    )
    return {(m, e): (float(s or 0), float(t or 0)) for m, e, s, t in rows}


async def _quiz_correct(
    db: AsyncSession, ids: Sequence[int], refs: Collection[str]
) -> Mapping[tuple[int, str], int]:
    """Distinct questions each member answered right, per topic (their quiz "score")."""
    if not ids or not refs:
        return {}
    right = case((QuizAttempt.correct.is_(True), QuizAttempt.question_id), else_=None)
    rows = await db.execute(
        select(QuizAttempt.member_id, QuizAttempt.topic, func.count(func.distinct(right)))
        .where(
            QuizAttempt.member_id.in_(ids),
            QuizAttempt.topic.in_(list(refs)),
            QuizAttempt.answered_at.is_not(None),
        )
        .group_by(QuizAttempt.member_id, QuizAttempt.topic)
    )
    return {(m, t): int(n) for m, t, n in rows}
