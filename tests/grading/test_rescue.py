"""The rescue of stalled jobs when several workers share PostgreSQL: a job can end between
the moment a worker lists it as stalled and the moment it retries it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from procrastinate.jobs import Job, Status

from bot.app import App
from bot.grading_queue import QUEUE
from tests.conftest import Chat
from tests.exercises.conftest import ForkServerExecutor
from tests.grading.test_submissions import STABLE, make_stale, open_queue, worker

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """Only PostgreSQL: with SQLite one in-process worker grades, and nothing races it."""
    return postgres_url


async def test_a_stalled_job_that_ended_meanwhile_is_left_alone_and_the_rest_are_retried(
    bot: App, talk: Chat, executor: ForkServerExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    await talk.text(f"submit softmax {STABLE}", as_="bob")
    async with open_queue(bot) as queue:
        manager = queue.app.job_manager
        dying = await manager.register_worker()
        first = await manager.fetch_job(queues=[QUEUE], worker_id=dying)
        second = await manager.fetch_job(queues=[QUEUE], worker_id=dying)
        assert first is not None and second is not None
        await make_stale(queue, dying)
        stalled = await manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=30)
        assert sorted(j.id or 0 for j in stalled) == sorted([first.id or 0, second.id or 0])

        # The first one ends (its worker was only slow) after the rescuer listed it.
        await manager.finish_job(first, status=Status.SUCCEEDED, delete_job=True)

        async def listed_before(**_: object) -> Sequence[Job]:
            return stalled

        monkeypatch.setattr(manager, "get_stalled_jobs", listed_before)
        await worker(bot, executor, queue).rescue(reconcile=False)
        jobs = list(await manager.list_jobs_async(queue=QUEUE))
    assert [(j.id, j.status, j.attempts) for j in jobs] == [(second.id, "todo", 1)]


async def test_a_slow_worker_whose_job_was_retried_meanwhile_records_nothing_and_raises_nothing(
    bot: App, talk: Chat, executor: ForkServerExecutor, caplog: pytest.LogCaptureFixture
) -> None:
    """The other side of the race: a worker whose heartbeat stopped (the database was away)
    comes to record its job's end after a rescue loop retried the job. procrastinate's
    worker records it in a task nothing awaits, so raising would only leave a traceback."""
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    async with open_queue(bot) as queue:
        manager = queue.app.job_manager
        slow = await manager.register_worker()
        job = await manager.fetch_job(queues=[QUEUE], worker_id=slow)
        assert job is not None
        await make_stale(queue, slow)
        await worker(bot, executor, queue).rescue(reconcile=False)

        await manager.retry_job(job)  # it failed there (its result could not be stored)
        retried = list(await manager.list_jobs_async(queue=QUEUE))
        # Another worker runs it again and is done with it before the slow one hears back.
        again = await manager.fetch_job(queues=[QUEUE], worker_id=await manager.register_worker())
        assert again is not None and again.id == job.id
        await manager.finish_job(again, status=Status.SUCCEEDED, delete_job=True)
        await manager.finish_job(job, status=Status.SUCCEEDED, delete_job=True)
        left = list(await manager.list_jobs_async(queue=QUEUE))
    assert [(j.id, j.status, j.attempts) for j in retried] == [(job.id, "todo", 1)]
    assert left == []
    taken_over = [r.getMessage() for r in caplog.records if "was taken over" in r.getMessage()]
    assert len(taken_over) == 2 and all(f"job {job.id} " in m for m in taken_over), taken_over
