"""Submitting code in chat: checked at once, queued, graded by a worker, answered by DM."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from procrastinate import utils
from procrastinate.testing import InMemoryConnector
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.grading_queue import QUEUE, GradingQueue
from bot.sandbox import Evaluator
from bot.worker import GradingWorker
from handlers import exercises
from models.submissions import claim
from models.tables import OutboxMessage, Submission
from tests.conftest import Chat
from tests.core.conftest import RecordingSender
from tests.exercises.conftest import ForkServerExecutor

STABLE = """```python
import torch
def softmax(X):
    Z = X - X.max(dim=1, keepdim=True).values
    return torch.exp(Z) / torch.exp(Z).sum(dim=1, keepdim=True)
```"""
NAIVE = """```python
import torch
def softmax(X):
    return torch.exp(X) / torch.exp(X).sum(dim=1, keepdim=True)
```"""
CHEAT = """```python
import torch
def softmax(X):
    return torch.softmax(X, dim=1)
```"""


def worker(
    bot: App, executor: ForkServerExecutor, queue: GradingQueue | None = None
) -> GradingWorker:
    """A worker on the bot's queue: in-process on SQLite, its own connection on PostgreSQL."""
    if queue is None and not bot.grading.postgres:
        queue = bot.grading
    return GradingWorker(
        bot.services.settings, queue=queue, executor=executor, clock=bot.services.clock
    )


@contextlib.asynccontextmanager
async def open_queue(bot: App) -> AsyncIterator[GradingQueue]:
    """The grading queue as a worker sees it."""
    if not bot.grading.postgres:
        await bot.grading.settle()
        yield bot.grading
        return
    queue = GradingQueue(bot.services.settings.database_url)
    await queue.open()
    try:
        yield queue
    finally:
        await queue.close()


async def make_stale(queue: GradingQueue, worker_id: int) -> None:
    """The worker's last heartbeat is an hour old, as if it had been killed back then."""
    if isinstance(queue.app.connector, InMemoryConnector):
        queue.app.connector.workers[worker_id] = utils.utcnow() - dt.timedelta(hours=1)
        return
    await queue.app.connector.execute_query_async(
        "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' "
        "WHERE id = %(id)s",
        id=worker_id,
    )


async def count(bot: App, model: type) -> int:
    async with bot.services.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_correct_submission_is_graded_and_answered_by_direct_message(
    bot: App,
    talk: Chat,
    executor: ForkServerExecutor,
    dispatcher: Dispatcher,
    sender: RecordingSender,
) -> None:
    text = await talk.text(f"submit softmax {STABLE}", as_="ann")
    assert "Grading submission #1 for `softmax`" in text
    grader = worker(bot, executor)
    await grader.drain()
    assert grader.graded == 1
    await dispatcher.run_once()
    results = [d for d in sender.sent if d.kind == "grading_result"]
    assert len(results) == 1
    assert results[0].direct
    assert results[0].target == "ann"
    assert results[0].reply.title == "✅ softmax: 8/8"
    assert "huge_logits" in (results[0].reply.code or "")
    async with bot.services.sessions() as db:
        stored = await db.scalar(select(Submission))
    assert stored is not None
    assert (stored.status, stored.score, stored.max_score) == ("passed", 8, 8)
    assert "best ✓/" not in await talk.text("exercises", as_="ann")  # issue 21: one form
    assert "`softmax` — Numerically stable softmax · best 8/8 ✓" in await talk.text(
        "exercises", as_="ann"
    )


async def test_an_unstable_softmax_fails_the_huge_logits_test(
    bot: App,
    talk: Chat,
    executor: ForkServerExecutor,
    dispatcher: Dispatcher,
    sender: RecordingSender,
) -> None:
    await talk.text(f"submit softmax {NAIVE}", as_="bob")
    await worker(bot, executor).drain()
    await dispatcher.run_once()
    reply = sender.sent[-1].reply
    assert reply.title is not None
    assert reply.title.startswith("🟡 softmax: 5/8")
    table = reply.code or ""
    assert "huge_logits" in table
    assert "FAIL" in table.split("huge_logits")[1].splitlines()[0]


async def test_a_forbidden_call_is_refused_before_anything_is_stored(bot: App, talk: Chat) -> None:
    text = await talk.text(f"submit softmax {CHEAT}", as_="cid")
    assert "Not graded" in text
    assert "torch.softmax is forbidden" in text
    assert await count(bot, Submission) == 0


async def test_broken_code_gets_the_line_of_the_syntax_error(bot: App, talk: Chat) -> None:
    text = await talk.text("submit softmax ```python\ndef softmax(X)\n    return X\n```")
    assert "line 1" in text
    assert await count(bot, Submission) == 0


async def test_submit_without_code_or_for_an_unknown_exercise_explains(talk: Chat) -> None:
    assert "in a ``` block" in await talk.text("submit softmax")
    assert "Did you mean `softmax`" in await talk.text(f"submit sofmax {STABLE}")


async def test_one_job_per_member_and_a_rate_limit(
    bot: App, talk: Chat, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    assert "still being graded" in await talk.text(f"submit softmax {STABLE}", as_="ann")
    async with bot.services.sessions() as db, db.begin():
        for row in await db.scalars(select(Submission)):
            row.status = "passed"
    monkeypatch.setattr(exercises, "RATE_LIMIT", 2)
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    async with bot.services.sessions() as db, db.begin():
        for row in await db.scalars(select(Submission)):
            row.status = "passed"
    assert "take a breath" in await talk.text(f"submit softmax {STABLE}", as_="ann")
    clock.advance(dt.timedelta(minutes=11))
    assert "Grading submission" in await talk.text(f"submit softmax {STABLE}", as_="ann")


async def test_a_full_queue_says_when_to_try_again(
    talk: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exercises, "MAX_QUEUE", 2)
    await talk.text(f"submit softmax {STABLE}", as_="a1")
    await talk.text(f"submit softmax {STABLE}", as_="a2")
    text = await talk.text(f"submit softmax {STABLE}", as_="a3")
    assert "graders are busy (2 submissions waiting); try again in 6 s" in text


async def test_late_work_is_recorded_as_late(
    bot: App,
    talk: Chat,
    clock: FakeClock,
    executor: ForkServerExecutor,
    dispatcher: Dispatcher,
    sender: RecordingSender,
) -> None:
    await talk.text("help", as_="olga")
    await talk.text("admin assign softmax due 2027-01-05 12:00", as_="olga")
    clock.advance(dt.timedelta(days=2))
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    await worker(bot, executor).drain()
    await dispatcher.run_once()
    assert "recorded as late" in sender.sent[-1].reply.text
    async with bot.services.sessions() as db:
        assert await db.scalar(select(Submission.late)) is True


async def test_a_job_whose_worker_died_is_graded_again_and_answered_once(
    bot: App,
    talk: Chat,
    clock: FakeClock,
    executor: ForkServerExecutor,
    dispatcher: Dispatcher,
    sender: RecordingSender,
) -> None:
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    async with open_queue(bot) as queue:
        manager = queue.app.job_manager
        dying = await manager.register_worker()
        job = await manager.fetch_job(queues=[QUEUE], worker_id=dying)
        assert job is not None and job.id is not None
        async with bot.services.sessions() as db, db.begin():  # it starts grading...
            submission_id = job.task_kwargs["submission_id"]
            assert isinstance(submission_id, int)
            assert await claim(db, submission_id, f"job:{job.id}", clock.now())
        grader = worker(bot, executor, queue)
        await grader.drain()
        assert grader.graded == 0  # ...and its worker still looks alive: nobody interferes
        await make_stale(queue, dying)  # ...then it dies
        grader = worker(bot, executor, queue)
        await grader.drain()
        assert grader.graded == 1
        jobs = list(await manager.list_jobs_async(queue=QUEUE))
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert [d.kind for d in sender.sent].count("grading_result") == 1
    async with bot.services.sessions() as db:
        attempts = await db.scalar(select(Submission.attempts))
        rows = await db.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "grading_result")
        )
    assert attempts == 2
    assert rows == 1
    assert jobs == []  # the retried job succeeded and was cleared away


async def test_a_submission_whose_job_was_lost_is_queued_again(
    bot: App,
    talk: Chat,
    executor: ForkServerExecutor,
    dispatcher: Dispatcher,
    sender: RecordingSender,
) -> None:
    """The in-memory queue of a restarted bot, or a job that failed for good."""
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    async with open_queue(bot) as queue:
        manager = queue.app.job_manager
        (job,) = await manager.list_jobs_async(queue=QUEUE)
        assert job.id is not None
        await manager.cancel_job_by_id_async(job.id, delete_job=True)
        assert list(await manager.list_jobs_async(queue=QUEUE)) == []
        grader = worker(bot, executor, queue)
        await grader.drain()
    assert grader.graded == 1
    await dispatcher.run_once()
    assert [d.kind for d in sender.sent].count("grading_result") == 1


async def test_a_second_job_for_a_graded_submission_does_nothing(
    bot: App, talk: Chat, executor: ForkServerExecutor
) -> None:
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    async with open_queue(bot) as queue:
        grader = worker(bot, executor, queue)
        await grader.drain()
        async with bot.services.sessions() as db:
            submission_id = await db.scalar(select(Submission.id))
        assert submission_id is not None
        await queue.defer_now(submission_id)
        again = worker(bot, executor, queue)
        await again.drain()
    assert (grader.graded, again.graded) == (1, 0)
    async with bot.services.sessions() as db:
        assert await db.scalar(select(Submission.attempts)) == 1


@pytest.mark.sandbox
async def test_the_worker_grades_through_the_real_bubblewrap_sandbox(
    bot: App, talk: Chat, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    evaluator = Evaluator(bot.services.settings.sandbox.to_limits())
    await evaluator.start()
    try:
        refusal = evaluator.refusal
        if refusal:
            pytest.skip(f"the sandbox refuses here: {refusal}")
        grader = worker(bot, evaluator)  # type: ignore[arg-type]
        await grader.drain()
        assert grader.graded == 1
    finally:
        await evaluator.close()
    await dispatcher.run_once()
    assert sender.sent[-1].reply.title == "✅ softmax: 8/8"
