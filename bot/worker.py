"""The grading worker: claims queued submissions, grades them in the sandbox, stores the
result and queues the reply in the outbox. The only process that imports torch.

Any number of workers may run against one database: claims are atomic and a worker that
dies mid-job loses its claim after a while, so the job is graded again (once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from typing import Any

from bot.clock import Clock, SystemClock
from bot.settings import Settings
from handlers.grading_reply import result_reply
from handlers.serialize import reply_to_json
from models.db import create_engine, create_sessionmaker
from models.outbox import Planned, enqueue
from models.submissions import MAX_GRADING_ATTEMPTS, claim_next, finish
from models.tables import Submission

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class GradingWorker:
    def __init__(
        self, settings: Settings, executor: Any = None, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = create_engine(settings.database_url)
        self.sessions = create_sessionmaker(self.engine)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._executor = executor
        self._stop = asyncio.Event()

    async def run(self) -> None:
        """Grade until stopped (SIGTERM/SIGINT): the job in hand is finished first."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        executor, owned = await self._open_executor()
        try:
            # As many jobs at once as the machine has cores (the evaluator's own bound).
            lanes = max(1, os.cpu_count() or 1)
            await asyncio.gather(*(self._lane(executor) for _ in range(lanes)))
        finally:
            if owned:
                await executor.close()
            await self.engine.dispose()

    async def _lane(self, executor: Any) -> None:
        while not self._stop.is_set():
            if not await self.grade_one(executor):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), POLL_SECONDS)

    def stop(self) -> None:
        self._stop.set()

    async def _open_executor(self) -> tuple[Any, bool]:
        if self._executor is not None:
            return self._executor, False
        from bot.sandbox import Evaluator

        limits = self.settings.sandbox.to_limits()
        evaluator = Evaluator(limits)
        await evaluator.start()
        return evaluator, True

    async def grade_one(self, executor: Any) -> bool:
        """Grade the next queued submission, if any. Returns whether there was one."""
        from quizzes.exercises.grader import grade  # torch: only in the worker

        async with self.sessions() as db, db.begin():
            submission = await claim_next(db, self.name, self.clock.now())
        if submission is None:
            return False
        if submission.attempts > MAX_GRADING_ATTEMPTS:
            result: dict[str, Any] = {
                "exercise": submission.exercise_id,
                "status": "error",
                "score": 0,
                "max_score": 0,
                "tests": [],
                "message": "Grading failed several times on our side; please submit again.",
            }
        else:
            try:
                graded = await grade(
                    submission.exercise_id, submission.code, executor, seed=submission.seed
                )
                result = graded.to_json()
            except Exception as exc:  # a bug of ours must not lose the submission
                log.exception("grading submission %s failed", submission.id)
                result = {
                    "exercise": submission.exercise_id,
                    "status": "error",
                    "score": 0,
                    "max_score": 0,
                    "tests": [],
                    "message": f"Grading failed on our side ({type(exc).__name__}); "
                    "please submit again.",
                }
        await self._store(submission.id, result)
        return True

    async def _store(self, submission_id: int, result: dict[str, Any]) -> None:
        now = self.clock.now()
        async with self.sessions() as db, db.begin():
            submission = await db.get(Submission, submission_id)
            if submission is None or submission.status != "running":
                return  # another worker finished it after our claim expired
            finish(
                submission,
                status=str(result["status"]),
                score=float(result["score"]),
                max_score=float(result["max_score"]),
                result=result,
                now=now,
            )
            reply = result_reply(result, submission_id=submission.id, late=submission.late)
            to = submission.reply_to
            await enqueue(
                db,
                [
                    Planned(
                        key=f"result:{submission.id}",
                        kind="grading_result",
                        platform=str(to.get("platform", "console")),
                        workspace_id=str(to.get("workspace_id", "")),
                        target=str(to.get("user_id", "")),
                        payload={
                            "reply": reply_to_json(reply),
                            "direct": True,
                            "channel_id": to.get("channel_id"),
                        },
                        due_at=now,
                        cohort_id=submission.cohort_id,
                    )
                ],
                now,
                reschedule=False,
            )
