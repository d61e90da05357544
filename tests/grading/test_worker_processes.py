"""Grading in real processes: `studybot console` on SQLite grades in its own process;
`studybot worker` processes on PostgreSQL survive one of them being killed with SIGKILL in
the middle of a job (another grades the job again, once; the member gets one result)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, table
from sqlalchemy.sql.expression import TableClause

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from models.tables import OutboxMessage, Submission
from tests.conftest import Chat, make_settings
from tests.core.conftest import RecordingSender

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

STUDYBOT = Path(sys.executable).with_name("studybot")
# Correct, but slow enough (a few seconds of CPU in the sandbox) to be killed in the middle.
SLOW_STABLE = """```python
import torch
for _ in range(40_000_000):
    pass
def softmax(X):
    Z = X - X.max(dim=1, keepdim=True).values
    return torch.exp(Z) / torch.exp(Z).sum(dim=1, keepdim=True)
```"""


@pytest.fixture
async def bot(postgres_url: str, clock: FakeClock) -> AsyncIterator[App]:
    app = await App.create(make_settings(postgres_url), clock=clock)
    await app.bind_channel("console", "local", "console")
    yield app
    await app.close()


async def start_worker(url: str, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "STUDYBOT_DATABASE_URL": url,
        "STUDYBOT_GRADING__CONCURRENCY": "1",
        "STUDYBOT_GRADING__HEARTBEAT_SECONDS": "0.5",
        "STUDYBOT_GRADING__STALLED_SECONDS": "2",
        "STUDYBOT_LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        str(STUDYBOT), "worker", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def test_the_console_on_sqlite_grades_in_its_own_process(tmp_path: Path) -> None:
    script = f"d2l submit softmax {SLOW_STABLE}\nd2l exercises\n"
    env = {**os.environ, "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    result = subprocess.run(
        [str(STUDYBOT), "console", "--as", "ann"],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Grading submission #1 for `softmax`" in result.stdout
    assert "[bot → @ann, direct message]\n✅ softmax: 8/8" in result.stdout
    assert "Traceback" not in result.stderr
    assert "procrastinate" not in result.stderr  # its chatter stays out of the console
    # Graded by the console process itself (its log), not by a `studybot worker` child.
    assert "bot.worker: graded submission 1 (softmax, attempt 1): passed" in result.stderr


@pytest.mark.postgres
async def test_a_worker_killed_mid_job_is_replaced_and_the_member_gets_one_result(
    bot: App, talk: Chat, postgres_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    assert "Grading submission #1" in await talk.text(f"submit softmax {SLOW_STABLE}", as_="ann")

    async def submission() -> Submission:
        async with bot.services.sessions() as db:
            row = await db.scalar(select(Submission))
        assert row is not None
        return row

    async def running() -> bool:
        return (await submission()).status == "running"

    async def finished() -> bool:
        return (await submission()).status not in ("queued", "running")

    first = await start_worker(postgres_url, tmp_path)
    second: asyncio.subprocess.Process | None = None
    try:
        await until(running, "the first worker to take the job", 90)
        second = await start_worker(postgres_url, tmp_path)
        first.send_signal(signal.SIGKILL)  # in the middle of the 3-second job
        await first.wait()
        await until(finished, "the second worker to grade it again", 90)
        graded = await submission()
        assert (graded.status, graded.score, graded.max_score) == ("passed", 8, 8)
        assert graded.attempts == 2  # once by the killed worker, once to the end
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 60) == 0
        assert second.stderr is not None
        assert "Traceback" not in (await second.stderr.read()).decode()
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()

    sender = RecordingSender(clock)
    await Dispatcher(bot.services, {"console": sender}).run_once()
    await Dispatcher(bot.services, {"console": sender}).run_once()
    results_sent = [d for d in sender.sent if d.kind == "grading_result"]
    assert len(results_sent) == 1  # the welcome DM of a new member goes too, once
    assert results_sent[0].reply.title == "✅ softmax: 8/8"
    async with bot.services.sessions() as db:
        results = await db.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "grading_result")
        )
        jobs = await db.scalar(select(func.count()).select_from(_jobs_table()))
    assert results == 1
    assert jobs == 0  # the retried job succeeded and was cleared away


def _jobs_table() -> TableClause:
    return table("procrastinate_jobs")


@pytest.mark.postgres
async def test_sigterm_mid_job_finishes_the_job_before_the_worker_exits(
    bot: App, talk: Chat, postgres_url: str, tmp_path: Path
) -> None:
    await talk.text(f"submit softmax {SLOW_STABLE}", as_="ann")

    async def status() -> str:
        async with bot.services.sessions() as db:
            return str(await db.scalar(select(Submission.status)))

    async def running() -> bool:
        return await status() == "running"

    worker = await start_worker(postgres_url, tmp_path)
    try:
        await until(running, "the worker to take the job", 90)
        worker.send_signal(signal.SIGTERM)  # in the middle of the job
        assert await asyncio.wait_for(worker.wait(), 60) == 0
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
    assert await status() == "passed"  # finished, not abandoned
    async with bot.services.sessions() as db:
        assert await db.scalar(select(Submission.attempts)) == 1
        results = await db.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "grading_result")
        )
    assert results == 1
