"""A worker whose job was taken over while it graded logs its result as discarded and does
not count it (issue 21)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import App
from models.submissions import claim
from models.tables import Submission
from quizzes.exercises import grader as grader_module
from tests.conftest import Chat
from tests.exercises.conftest import ForkServerExecutor
from tests.grading.test_submissions import STABLE, worker


async def test_a_result_that_lost_its_claim_is_logged_as_discarded_and_not_counted(
    bot: App,
    talk: Chat,
    executor: ForkServerExecutor,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    async with bot.services.sessions() as db:
        submission_id = await db.scalar(select(Submission.id))
    assert isinstance(submission_id, int)
    real_grade = grader_module.grade

    async def graded_then_taken_over(*args: Any, **kwargs: Any) -> Any:
        result = await real_grade(*args, **kwargs)
        async with bot.services.sessions() as db, db.begin():  # another job took it meanwhile
            await db.execute(
                update(Submission)
                .where(Submission.id == submission_id)
                .values(claimed_by="job:999")
            )
        return result

    monkeypatch.setattr(grader_module, "grade", graded_then_taken_over)
    grading = worker(bot, executor)
    async with bot.services.sessions() as db, db.begin():  # queued → running, as a job does
        assert await claim(db, submission_id, "job:1", bot.services.clock.now()) is not None
    async with bot.services.sessions() as db, db.begin():
        await db.execute(
            update(Submission).where(Submission.id == submission_id).values(status="queued")
        )
    try:
        with caplog.at_level(logging.INFO, logger="bot.worker"):
            await grading.grade(submission_id, job_id=1)
    finally:
        await grading.engine.dispose()
    assert grading.graded == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.worker"]
    assert any(f"discarded the result of submission {submission_id}" in m for m in messages)
    assert not any(f"graded submission {submission_id}" in m for m in messages)
    async with bot.services.sessions() as db:
        stored = await db.get(Submission, submission_id)
        assert stored is not None and stored.status == "running"  # the other job's to finish
