"""A real `studybot worker` whose database restarts under it (through the proxy): it grades on
afterwards without a restart, and the job it was grading at the time gets one result."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import procrastinate
import pytest
from procrastinate.jobs import Status
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.grading_queue import QUEUE, GradingJobManager, libpq_conninfo
from models.tables import OutboxMessage, Submission
from tests.conftest import POSTGRES_URL, Chat, make_settings
from tests.faults.conftest import proxied_url
from tests.faults.db_proxy import DbProxy
from tests.grading.test_submissions import STABLE
from tests.grading.test_worker_processes import SLOW_STABLE, until

pytestmark = [pytest.mark.postgres, pytest.mark.sandbox, pytest.mark.slow]

STUDYBOT = Path(sys.executable).with_name("studybot")


@pytest.fixture
async def bot(pg_name: str, clock: FakeClock) -> AsyncIterator[App]:
    """The chat side reaches the database directly; only the worker goes through the proxy."""
    app = await App.create(
        make_settings(POSTGRES_URL.rsplit("/", 1)[0] + "/" + pg_name), clock=clock
    )
    await app.bind_channel("console", "local", "console")
    yield app
    await app.close()


@pytest.fixture
def talk(bot: App, tmp_path: Path) -> Chat:
    return Chat(bot, tmp_path / "out")


async def statuses(bot: App) -> dict[int, str]:
    async with bot.services.sessions() as db:
        rows = await db.execute(select(Submission.id, Submission.status))
    return {row.id: row.status for row in rows}


async def test_a_worker_grades_on_after_its_database_restarts(
    bot: App, talk: Chat, proxy: DbProxy, pg_name: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "STUDYBOT_DATABASE_URL": proxied_url(proxy, pg_name),
        "STUDYBOT_GRADING__CONCURRENCY": "1",
        "STUDYBOT_GRADING__HEARTBEAT_SECONDS": "0.5",
        "STUDYBOT_GRADING__STALLED_SECONDS": "2",
        "STUDYBOT_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as stderr:
        worker = await asyncio.create_subprocess_exec(
            str(STUDYBOT), "worker", env=env, cwd=tmp_path, stderr=stderr
        )
    try:
        await talk.text(f"submit softmax {STABLE}", as_="ann")

        async def first_graded() -> bool:
            return (await statuses(bot)).get(1) == "passed"

        await until(first_graded, "the first submission to be graded", 90)

        await talk.text(f"submit softmax {SLOW_STABLE}", as_="bob")

        async def slow_running() -> bool:
            return (await statuses(bot)).get(2) == "running"

        await until(slow_running, "the worker to take the slow job", 30)
        await proxy.cut()  # the database restarts while the worker grades bob's code
        await talk.text(f"submit softmax {STABLE}", as_="cid")  # accepted meanwhile
        await asyncio.sleep(5)  # the outage: longer than the job has left to run
        await proxy.restore()

        async def all_graded() -> bool:
            return set((await statuses(bot)).values()) == {"passed"}

        await until(all_graded, "the worker to grade everything after the restart", 90)
        assert worker.returncode is None  # the same process, never restarted
        assert proxy.terminated > 0  # the worker's connections really were cut
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(worker.wait(), 60)
            except TimeoutError:
                worker.kill()
                await worker.wait()
    async with bot.services.sessions() as db:
        per_submission = dict(
            (
                await db.execute(
                    select(OutboxMessage.key, func.count())
                    .where(OutboxMessage.kind == "grading_result")
                    .group_by(OutboxMessage.key)
                )
            ).all()
        )
    assert per_submission == {"result:1": 1, "result:2": 1, "result:3": 1}
    assert worker.returncode == 0
    # The outage is in the log as warning lines, not tracebacks (bot.logs.OutageFilter).
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text()[-3000:]


async def test_a_job_end_is_recorded_once_the_database_is_back(
    bot: App, talk: Chat, proxy: DbProxy, pg_name: str
) -> None:
    """A worker that finishes a job while the database is away records the end when it
    returns, without raising (nothing awaits procrastinate's recording task). The pool here
    gives up on a connection after 1 s instead of 30, so the outage outlasts it."""
    await talk.text(f"submit softmax {STABLE}", as_="ann")
    conninfo = libpq_conninfo(proxied_url(proxy, pg_name))
    connector = procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=2, timeout=1)
    await connector.open_async()
    try:
        manager = GradingJobManager(connector)
        worker_id = await manager.register_worker()
        job = await manager.fetch_job(queues=[QUEUE], worker_id=worker_id)
        assert job is not None
        await proxy.cut()
        recording = asyncio.create_task(
            manager.finish_job(job, status=Status.SUCCEEDED, delete_job=False)
        )
        await asyncio.sleep(4)
        assert not recording.done()  # still trying: it neither failed nor gave up
        await proxy.restore()
        await asyncio.wait_for(recording, 60)
        jobs = list(await manager.list_jobs_async(queue=QUEUE))
    finally:
        await connector.close_async()
    assert [(j.id, j.status) for j in jobs] == [(job.id, "succeeded")]
