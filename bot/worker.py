"""The grading worker: runs procrastinate's worker on the grading queue; each job grades one
submission in the sandbox, stores the result and queues the reply in the outbox.

Any number of workers, on any machine, may share one PostgreSQL database. A worker killed
mid-job stops sending heartbeats; another worker's rescue loop sees the stalled job and
retries it, and the retried job takes its submission back (same job id) and grades it.
The submission's claim and the outbox's unique key make the member get one result.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

from procrastinate.exceptions import ConnectorException
from procrastinate.utils import utcnow

from bot.clock import Clock, SystemClock
from bot.grading_queue import QUEUE, GradingQueue
from bot.logs import database_away, one_line
from bot.settings import Settings
from handlers.grading_reply import result_reply
from handlers.serialize import reply_to_json
from models.db import create_engine, create_sessionmaker
from models.outbox import Planned, enqueue
from models.submissions import MAX_GRADING_ATTEMPTS, claim, finish, unfinished
from models.tables import Submission

log = logging.getLogger(__name__)

# Orphans (a submission whose job is gone: failed for good, or lost with an in-memory queue)
# are looked for this often.
RECONCILE_SECONDS = 60.0
MAX_RESTART_SECONDS = 30.0


def _failure(exercise: str, message: str) -> dict[str, Any]:
    return {
        "exercise": exercise,
        "status": "error",
        "score": 0,
        "max_score": 0,
        "tests": [],
        "message": message,
    }


async def _cancel_when(event: asyncio.Event, task: asyncio.Task[None]) -> None:
    await event.wait()
    task.cancel()


async def _in_daemon_thread(function: Callable[..., object], *args: object) -> None:
    """Run `function(*args)` in a thread the interpreter doesn't wait for at exit (unlike
    asyncio.to_thread's executor, which asyncio.run joins)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def target() -> None:
        error: BaseException | None = None
        try:
            function(*args)
        except BaseException as exc:  # handed to the waiting coroutine
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, done, error)

    thread = threading.Thread(target=target, name="import grader", daemon=True)
    _IMPORTS.append(thread)
    thread.start()
    await done


# Imports started by `_in_daemon_thread`: one still running holds the import lock, and the
# interpreter's exit would wait for it (seconds, for torch); see `still_importing`.
_IMPORTS: list[threading.Thread] = []


def still_importing() -> bool:
    """Whether a grader import is still running (the process may skip the wait at exit)."""
    return any(thread.is_alive() for thread in _IMPORTS)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # cancelled meanwhile
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, for a process whose only work is grading."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    return stopping


class GradingWorker:
    def __init__(
        self,
        settings: Settings,
        queue: GradingQueue | None = None,
        executor: Any = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.queue = queue or GradingQueue(settings.database_url)
        self._owns_queue = queue is None
        self.engine = create_engine(settings.database_url)
        self.sessions = create_sessionmaker(self.engine)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._executor = executor
        self.graded = 0  # submissions this worker graded to the end

    # -- running ------------------------------------------------------------------------

    async def run(self, *, wait: bool = True, stopping: asyncio.Event | None = None) -> None:
        """Grade until `stopping` is set (`studybot worker` sets it on SIGTERM/SIGINT; jobs
        in hand are finished first) or the task is cancelled, or with `wait=False` until the
        queue is empty. A stop asked for while starting up ends the run once it has started."""
        # torch takes seconds to import: not on the event loop (it may be the bot's), and in
        # a daemon thread, so a bot stopped meanwhile exits without waiting for the import.
        await _in_daemon_thread(importlib.import_module, "quizzes.exercises.grader")
        executor, owned = await self._open_executor()
        self._executor = executor
        if self._owns_queue:
            await self.queue.open()
        await self.queue.settle()
        try:  # first, so that a restarted in-process queue gets its jobs back at once
            await self.rescue()
        except Exception:  # the database may be away: the rescue loop tries again
            log.warning("could not look for stalled grading jobs", exc_info=True)
        rescue = asyncio.create_task(self._rescue_loop(), name="rescue stalled jobs")
        worker = asyncio.create_task(self._work(wait=wait), name="grading worker")
        # procrastinate's worker finishes the jobs in hand when cancelled (see Worker.run).
        stopper = asyncio.create_task(_cancel_when(stopping, worker)) if stopping else None
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        finally:
            if stopper is not None:
                stopper.cancel()
            rescue.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rescue
            if self._owns_queue:
                await self.queue.close()
            if owned:
                await executor.close()
            await self.engine.dispose()

    async def _work(self, *, wait: bool) -> None:
        """procrastinate's worker; started again if it stops on its own (it does when it
        loses the database), so a database restart needs no restart of ours. A job it was
        running when that happened is retried by the rescue loop, like a dead worker's."""
        grading = self.settings.grading
        delay = 1.0
        while True:
            try:
                await self.queue.app.run_worker_async(
                    queues=[QUEUE],
                    name=self.name,
                    concurrency=grading.concurrency,
                    wait=wait,
                    install_signal_handlers=False,
                    additional_context={"grader": self},
                    update_heartbeat_interval=grading.heartbeat_seconds,
                    stalled_worker_timeout=grading.stalled_seconds,
                    fetch_job_polling_interval=grading.poll_seconds,
                    delete_jobs="successful",  # the submission row keeps the record
                    # no shutdown_graceful_timeout: a job in hand is always finished
                )
                if not wait:
                    return  # the queue is empty
                log.warning("the grading worker stopped; starting it again in %.0f s", delay)
            except Exception:
                if not wait:
                    raise
                log.warning(
                    "the grading worker failed; starting it again in %.0f s", delay, exc_info=True
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RESTART_SECONDS)

    async def drain(self) -> None:
        """Grade everything queued, then return (tests, benchmarks)."""
        await self.run(wait=False)

    async def _open_executor(self) -> tuple[Any, bool]:
        if self._executor is not None:
            return self._executor, False
        from bot.sandbox import Evaluator

        evaluator = Evaluator(self.settings.sandbox.to_limits())
        await evaluator.start()
        return evaluator, True

    # -- recovery -----------------------------------------------------------------------

    async def _rescue_loop(self) -> None:
        grading = self.settings.grading
        loop = asyncio.get_running_loop()
        next_reconcile = loop.time() + RECONCILE_SECONDS
        while True:
            await asyncio.sleep(grading.heartbeat_seconds)
            try:
                reconcile = loop.time() >= next_reconcile
                await self.rescue(reconcile=reconcile)
                if reconcile:
                    next_reconcile = loop.time() + RECONCILE_SECONDS
            except Exception:  # the database may be away for a while: try again later
                log.warning("could not look for stalled grading jobs", exc_info=True)

    async def rescue(self, *, reconcile: bool = True) -> None:
        """Retry jobs whose worker stopped sending heartbeats; defer submissions that have
        no job at all."""
        manager = self.queue.app.job_manager
        stalled = await manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=self.settings.grading.stalled_seconds
        )
        for job in stalled:
            try:
                assert job.id is not None
                await manager.retry_job_by_id_async(job.id, retry_at=utcnow())
            except ConnectorException as exc:
                if database_away(exc):
                    raise
                # Its worker came back and finished it, or another worker retried it first.
                log.info(
                    "grading job %s needs no retry: %s", job.id, one_line(exc.__cause__ or exc)
                )
                continue
            log.warning("retried grading job %s: its worker stopped", job.id)
        if reconcile:
            for submission_id in await self._orphans():
                log.warning("submission %s had no grading job; queueing it", submission_id)
                await self.queue.defer_now(submission_id)

    async def _orphans(self) -> list[int]:
        async with self.sessions() as db:
            ids = await unfinished(db, self.clock.now())
        if not ids:
            return []
        pending = await self.queue.app.job_manager.list_jobs_async(queue=QUEUE, status="todo")
        doing = await self.queue.app.job_manager.list_jobs_async(queue=QUEUE, status="doing")
        held = {job.task_kwargs.get("submission_id") for job in [*pending, *doing]}
        return [i for i in ids if i not in held]

    # -- one job ------------------------------------------------------------------------

    async def grade(self, submission_id: int, *, job_id: int) -> None:
        """Grade one submission for procrastinate job `job_id` (its task body)."""
        from quizzes.exercises.grader import grade  # torch: only in the worker

        tag = f"job:{job_id}"
        async with self.sessions() as db, db.begin():
            submission = await claim(db, submission_id, tag, self.clock.now())
        if submission is None:
            return  # graded already, or another live job has it
        if submission.attempts > MAX_GRADING_ATTEMPTS:
            result = _failure(
                submission.exercise_id,
                "Grading failed several times on our side; please submit again.",
            )
        else:
            try:
                graded = await grade(
                    submission.exercise_id, submission.code, self._executor, seed=submission.seed
                )
                result = graded.to_json()
            except Exception as exc:  # a bug of ours must not lose the submission
                log.exception("grading submission %s failed", submission.id)
                result = _failure(
                    submission.exercise_id,
                    f"Grading failed on our side ({type(exc).__name__}); please submit again.",
                )
        if not await self._store(submission.id, tag, result):
            # Taken over while we graded (our claim ran out): the other job's result stands.
            log.info(
                "discarded the result of submission %s (%s, attempt %s): another job took it "
                "over or finished it",
                submission.id,
                submission.exercise_id,
                submission.attempts,
            )
            return
        self.graded += 1
        log.info(
            "graded submission %s (%s, attempt %s): %s %s/%s",
            submission.id,
            submission.exercise_id,
            submission.attempts,
            result["status"],
            result["score"],
            result["max_score"],
        )

    async def _store(self, submission_id: int, tag: str, result: dict[str, Any]) -> bool:
        """Record the result if this job still holds the claim; whether it did."""
        now = self.clock.now()
        async with self.sessions() as db, db.begin():
            submission = await db.get(Submission, submission_id, with_for_update=True)
            if submission is None or submission.status != "running":
                return False  # finished by the same job run elsewhere (a worker thought dead)
            if submission.claimed_by != tag:
                return False  # our claim ran out and another job took it over
            finish(
                submission,
                status=str(result["status"]),
                score=float(result["score"]),
                max_score=float(result["max_score"]),
                result=result,
                now=now,
            )
            await enqueue(db, [_result_message(submission, result, now)], now, reschedule=False)
        return True


def _result_message(submission: Submission, result: dict[str, Any], now: dt.datetime) -> Planned:
    reply = result_reply(result, submission_id=submission.id, late=submission.late)
    to = submission.reply_to
    return Planned(
        key=f"result:{submission.id}",
        kind="grading_result",
        platform=str(to.get("platform", "console")),
        workspace_id=str(to.get("workspace_id", "")),
        target=str(to.get("user_id", "")),
        payload={"reply": reply_to_json(reply), "direct": True, "channel_id": to.get("channel_id")},
        due_at=now,
        cohort_id=submission.cohort_id,
    )
