"""The wake-up: APScheduler (3.x, in memory, UTC) only decides *when* to run a delivery sweep.

The database is the source of truth, so a restart loses nothing: the first sweep catches up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import Dispatcher
from models.outbox import next_due

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30


class DeliveryScheduler:
    """Runs a sweep every SWEEP_SECONDS and exactly when the next message falls due."""

    def __init__(self, dispatcher: Dispatcher, sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.dispatcher = dispatcher
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self.sweep_seconds = sweep_seconds
        self._lock = asyncio.Lock()

    def start(self) -> None:
        self.scheduler.add_job(
            self.sweep,
            "interval",
            seconds=self.sweep_seconds,
            id="sweep",
            next_run_time=dt.datetime.now(dt.UTC),  # catch up at once on start
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self.sweep_seconds,
        )
        self.scheduler.start()

    async def sweep(self, *, plan: bool = True) -> None:
        async with self._lock:  # the periodic sweep and a wake-up never overlap
            try:
                stats = await self.dispatcher.run_once(plan=plan)
                if stats.sent or stats.failed:
                    log.info("delivery: %s", stats)
                await self._arm_wakeup()
            except Exception:
                log.exception("delivery sweep failed; the next sweep retries")

    async def _arm_wakeup(self) -> None:
        async with self.dispatcher.services.sessions() as db:
            due = await next_due(db)
        if due is None:
            return
        now = dt.datetime.now(dt.UTC)
        if due - now > dt.timedelta(seconds=self.sweep_seconds):
            return  # the periodic sweep will get there first
        self.scheduler.add_job(
            self.sweep,
            "date",
            run_date=max(due, now),
            id="wakeup",
            replace_existing=True,
            kwargs={"plan": False},
            misfire_grace_time=None,
        )

    async def shutdown(self) -> None:
        """Stop waking up; a sweep in flight finishes first (nothing is left half-sent)."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()  # no new sweeps
        async with self._lock:  # let a running sweep finish: shutting down cancels jobs
            self.scheduler.shutdown(wait=False)
