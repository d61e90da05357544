"""Queries for feedback on exercises (issue 22): hints taken, the cohort's solution policy,
and the per-exercise statistics organizers see (`admin exercisestats`, and the web dashboard
through `exercise_stats`)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.feedback_tables import ExerciseSettings, HintUse
from models.tables import Submission

GRADED = ("passed", "partial", "failed", "error", "timeout", "memory", "output_limit", "forbidden")
TOP_MISTAKES = 5


async def take_hint(
    db: AsyncSession,
    cohort_id: int,
    member_id: int,
    exercise_id: str,
    available: int,
    now: dt.datetime,
) -> int:
    """Count one more hint taken (at most `available`); returns the member's count now."""
    use = await db.get(HintUse, (cohort_id, member_id, exercise_id), with_for_update=True)
    if use is None:
        use = HintUse(
            cohort_id=cohort_id, member_id=member_id, exercise_id=exercise_id, count=0, last_at=now
        )
        db.add(use)
    if use.count < available:
        use.count += 1
        use.last_at = now
    await db.flush()
    return use.count


async def solutions_policy(db: AsyncSession, cohort_id: int) -> str:
    """ "after-due" (the default) or "never"."""
    found = await db.get(ExerciseSettings, cohort_id)
    return found.solutions if found is not None else "after-due"


async def set_solutions_policy(db: AsyncSession, cohort_id: int, policy: str) -> None:
    found = await db.get(ExerciseSettings, cohort_id)
    if found is None:
        db.add(ExerciseSettings(cohort_id=cohort_id, solutions=policy))
    else:
        found.solutions = policy
    await db.flush()


async def exercise_stats(
    db: AsyncSession, cohort_id: int, exercise_id: str | None = None
) -> list[dict[str, Any]]:
    """Per exercise with graded work: members who tried and passed, the median number of
    attempts to a first pass, each test's pass rate, the recognised mistakes by frequency
    (each counted once per submission), and the hints taken. JSON-ready, in exercise order."""
    query = select(
        Submission.exercise_id,
        Submission.member_id,
        Submission.status,
        Submission.result,
    ).where(Submission.cohort_id == cohort_id, Submission.status.in_(GRADED))
    if exercise_id is not None:
        query = query.where(Submission.exercise_id == exercise_id)
    rows = (await db.execute(query.order_by(Submission.created_at, Submission.id))).all()
    by_exercise: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_exercise[row.exercise_id].append(row)
    hints = await _hints(db, cohort_id, exercise_id)
    stats = []
    for exercise in sorted(set(by_exercise) | set(hints)):
        stats.append(_one(exercise, by_exercise.get(exercise, []), hints.get(exercise, (0, 0))))
    return stats


def _one(exercise: str, rows: list[Any], hints: tuple[int, int]) -> dict[str, Any]:
    attempts: Counter[int] = Counter()
    to_pass: dict[int, int] = {}
    test_runs: dict[str, list[int]] = {}
    mistakes: Counter[str] = Counter()
    messages: dict[str, str] = {}
    for row in rows:
        attempts[row.member_id] += 1
        if row.status == "passed" and row.member_id not in to_pass:
            to_pass[row.member_id] = attempts[row.member_id]
        tests = (row.result or {}).get("tests", [])
        seen: set[str] = set()
        for test in tests if isinstance(tests, list) else []:
            if not isinstance(test, dict):
                continue
            counts = test_runs.setdefault(str(test.get("name")), [0, 0])
            counts[0] += 1
            counts[1] += bool(test.get("passed"))
            mistake = test.get("mistake")
            if isinstance(mistake, dict) and mistake.get("id") not in seen:
                seen.add(str(mistake.get("id")))
                mistakes[str(mistake.get("id"))] += 1
                messages.setdefault(str(mistake.get("id")), str(mistake.get("message", "")))
    median = statistics.median(to_pass.values()) if to_pass else None
    return {
        "exercise": exercise,
        "submissions": len(rows),
        "tried": len(attempts),
        "passed": len(to_pass),
        "median_attempts_to_pass": median,
        "tests": [
            {"name": name, "runs": runs, "pass_rate": passed / runs if runs else None}
            for name, (runs, passed) in test_runs.items()
        ],
        "mistakes": [
            {"id": mistake, "count": count, "message": messages[mistake]}
            for mistake, count in mistakes.most_common(TOP_MISTAKES)
        ],
        "hints": {"members": hints[0], "taken": hints[1]},
    }


async def _hints(
    db: AsyncSession, cohort_id: int, exercise_id: str | None
) -> dict[str, tuple[int, int]]:
    query = (
        select(HintUse.exercise_id, func.count(), func.sum(HintUse.count))
        .where(HintUse.cohort_id == cohort_id, HintUse.count > 0)
        .group_by(HintUse.exercise_id)
    )
    if exercise_id is not None:
        query = query.where(HintUse.exercise_id == exercise_id)
    return {
        name: (int(members), int(total or 0)) for name, members, total in await db.execute(query)
    }
