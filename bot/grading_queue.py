"""Grading jobs on procrastinate, the PostgreSQL task engine.

A submission row is the durable record; a procrastinate job says "grade submission N".
- PostgreSQL: the job is inserted in the same transaction as the submission (through
  procrastinate's own SQL function), so a submission is never stored without its job or the
  other way round. `studybot worker` processes, on any machine, take the jobs.
- SQLite: the same task runs in the bot's own process, on procrastinate's in-memory
  connector. Queued work survives a restart because the worker re-defers every unfinished
  submission when it starts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import procrastinate
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Job, Status
from procrastinate.manager import JobManager
from procrastinate.testing import InMemoryConnector
from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.logs import database_away, one_line

log = logging.getLogger(__name__)

QUEUE = "grading"
TASK_NAME = "studybot.grade_submission"
# A job whose worker died is retried; a job that keeps failing on our side (the database
# away for minutes, say) gives up, and the worker's reconciliation defers it again later.
RETRY = procrastinate.RetryStrategy(max_attempts=8, exponential_wait=2)
# How long a worker keeps trying to record a job's end while the database is away.
RECORD_PATIENCE_SECONDS = 60.0


def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def libpq_conninfo(database_url: str) -> str:
    """`postgresql+asyncpg://u:p@h/db` as psycopg (procrastinate's driver) wants it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class InProcessConnector(InMemoryConnector):
    """procrastinate's in-memory connector without its test-only query log, which would
    grow for as long as the bot runs."""

    async def generic_execute(self, query: str, suffix: Any, **arguments: Any) -> Any:
        try:
            return await super().generic_execute(query, suffix, **arguments)
        finally:
            self.queries.clear()


class GradingJobManager(JobManager):
    """procrastinate's job manager, except that recording a job's end never raises.

    procrastinate's worker records the end of a job (done, or to be retried) in a task that
    nothing awaits, so an error there reaches the log as asyncio's bare traceback. Two are
    expected after a database outage: the database is still away (try again for a while), or
    the job is no longer this worker's, because a rescue loop retried it when this worker's
    heartbeat stopped (then there is nothing to record: the job's next run sees the
    submission finished, or grades it). Rescue loops use `retry_job_by_id_async`, unchanged.
    """

    async def retry_job(
        self,
        job: Job,
        retry_at: dt.datetime | None = None,
        priority: int | None = None,
        queue: str | None = None,
        lock: str | None = None,
    ) -> None:
        await self._record_end(
            job,
            "its retry",
            functools.partial(
                super().retry_job, job, retry_at=retry_at, priority=priority, queue=queue, lock=lock
            ),
        )

    async def finish_job(self, job: Job, status: Status, delete_job: bool) -> None:
        await self._record_end(
            job,
            f"that it {status.value}",
            functools.partial(super().finish_job, job, status=status, delete_job=delete_job),
        )

    async def _record_end(self, job: Job, what: str, record: Callable[[], Awaitable[None]]) -> None:
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + RECORD_PATIENCE_SECONDS
        delay = 0.5
        while True:
            try:
                await record()
                return
            except ConnectorException as exc:
                away = database_away(exc)
                if not away or loop.time() + delay > give_up_at:
                    # Away this long, its worker's heartbeat stopped too: a rescue loop
                    # retries the job.
                    why = "the database is unavailable" if away else "it was taken over"
                    log.warning(
                        "grading job %s did not record %s, as %s: %s",
                        job.id,
                        what,
                        why,
                        one_line(exc.__cause__ or exc),
                    )
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _grade_submission(context: procrastinate.JobContext, submission_id: int) -> None:
    # The worker that runs this job put itself in the context (see bot.worker).
    grader = context.additional_context["grader"]
    assert context.job.id is not None
    await grader.grade(submission_id, job_id=context.job.id)


def build_task_app(database_url: str) -> procrastinate.App:
    connector: procrastinate.BaseConnector
    if is_postgres(database_url):
        connector = procrastinate.PsycopgConnector(
            conninfo=libpq_conninfo(database_url), min_size=1, max_size=4
        )
    else:
        connector = InProcessConnector()
    app = procrastinate.App(connector=connector)
    app.job_manager = GradingJobManager(connector)  # before the task, which keeps a reference
    app.task(name=TASK_NAME, queue=QUEUE, pass_context=True, retry=RETRY)(_grade_submission)
    return app


class GradingQueue:
    """Where `d2l submit` puts its job (`Services.grading`)."""

    def __init__(self, database_url: str) -> None:
        self.postgres = is_postgres(database_url)
        self.app = build_task_app(database_url)
        self._pending: set[asyncio.Task[Any]] = set()

    async def defer(self, db: AsyncSession, submission_id: int) -> None:
        """Queue the grading of a submission that `db`'s transaction is inserting."""
        if self.postgres:
            await db.execute(DEFER_SQL, job_params(submission_id))
            return

        # In memory: defer once the submission is committed (a rollback defers nothing).
        def after_commit(_session: Any) -> None:
            task = asyncio.get_running_loop().create_task(self.defer_now(submission_id))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

        event.listen(db.sync_session, "after_commit", after_commit, once=True)

    async def defer_now(self, submission_id: int) -> None:
        """Defer outside any transaction of ours (in-memory queue, re-deferring orphans)."""
        await self.app.configure_task(TASK_NAME, queueing_lock=None).defer_async(
            submission_id=submission_id
        )

    async def settle(self) -> None:
        """Wait for in-memory defers still on their way (after a commit)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def open(self) -> None:
        await self.app.open_async()

    async def close(self) -> None:
        await self.settle()
        await self.app.close_async()


# procrastinate's versioned SQL API (the same function `defer_async` calls).
DEFER_SQL = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, "
    "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])"
)


def job_params(submission_id: int) -> dict[str, Any]:
    return {"queue": QUEUE, "task": TASK_NAME, "args": json.dumps({"submission_id": submission_id})}
