"""The wake-up: APScheduler (3.x, in memory, UTC) only decides *when* to run a delivery sweep.

The database is the source of truth, so a restart loses nothing: the first sweep catches up.
A sweep keeps going while messages fall due within the sweep interval, sleeping until the
next one (or until `wake()` says something new was queued), so a due message goes out on
time rather than at the next periodic tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from collections.abc import Callable, Iterable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import Dispatcher
from bot.outbox_listener import OutboxListener
from models.outbox import subscribe
from models.tables import OutboxMessage

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30
# Commands replan their cohort at once; the periodic planning only brings sessions into the
# planning horizon as time passes, so it need not run on every sweep.
PLAN_EVERY = dt.timedelta(minutes=5)


class DeliveryScheduler:
    def __init__(
        self, dispatcher: Dispatcher, sweep_seconds: float = SWEEP_SECONDS, *, listen: bool = False
    ) -> None:
        """`listen`: also wake up when another process queues something due now (LISTEN on
        PostgreSQL; bot.outbox_listener). Messages this process queues always wake it."""
        self.dispatcher = dispatcher
        self._unsubscribe: Callable[[], None] | None = None
        url = dispatcher.services.settings.database_url
        self.listener = (
            OutboxListener(url, self._on_due) if listen and url.startswith("postgresql") else None
        )
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self.sweep_seconds = sweep_seconds
        self._running = asyncio.Lock()
        self._poke = asyncio.Event()
        self._stopping = False
        self._planned_at: dt.datetime | None = None

    def start(self) -> None:
        self.scheduler.add_job(
            self.sweep,
            "interval",
            seconds=self.sweep_seconds,
            id="sweep",
            next_run_time=dt.datetime.now(dt.UTC),  # catch up at once on start
            coalesce=True,
            max_instances=2,  # the second call sees the first still running and returns
            misfire_grace_time=max(1, math.ceil(self.sweep_seconds)),
        )
        self.scheduler.start()
        self._unsubscribe = subscribe(self._on_due)
        if self.listener is not None:
            self.listener.start()

    def _on_due(self, platforms: set[str]) -> None:
        """Messages fell due now for `platforms` (empty: for any)."""
        if not platforms or platforms & set(self.dispatcher.senders):
            self.wake()

    def wake(self) -> None:
        """Something was queued: deliver it now instead of at the next tick."""
        self._poke.set()
        if not self._running.locked() and self.scheduler.running:
            self.scheduler.add_job(self.sweep, id="wake", replace_existing=True)

    async def sweep(self) -> None:
        if self._running.locked():
            return  # a sweep is already delivering (and watching the next due time)
        async with self._running:
            now = dt.datetime.now(dt.UTC)
            plan = self._planned_at is None or now - self._planned_at >= PLAN_EVERY
            while not self._stopping:
                try:
                    stats = await self.dispatcher.run_once(plan=plan)
                    if plan:  # only a plan that went through counts (not one the outage broke)
                        self._planned_at = now
                    if stats.sent or stats.failed:
                        log.info("delivery: %s", stats)
                    pause = await self._until_next_due()
                except Exception:
                    log.exception("delivery sweep failed; the next sweep retries")
                    return
                if pause is None:
                    return
                self._poke.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._poke.wait(), timeout=pause)
                plan = False

    async def _until_next_due(self) -> float | None:
        """Seconds to the next due message this process can send, if it comes before the
        next tick, else None.

        Only the platforms this process serves count: another platform's message stays
        pending until a process serving that platform claims it (maybe never, if none runs),
        and waiting for it here would make this sweep spin without a pause meanwhile.
        """
        async with self.dispatcher.services.sessions() as db:
            due = await _next_due(db, self.dispatcher.senders)
        if due is None:
            return None
        wait = (due - dt.datetime.now(dt.UTC)).total_seconds()
        return None if wait > self.sweep_seconds else max(0.0, wait)

    async def shutdown(self) -> None:
        """Stop waking up; a sweep in flight finishes its batch first."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.listener is not None:
            await self.listener.stop()
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        self._stopping = True
        self._poke.set()
        async with self._running:  # shutting APScheduler down cancels running jobs
            self.scheduler.shutdown(wait=False)


async def _next_due(db: AsyncSession, platforms: Iterable[str]) -> dt.datetime | None:
    """When the next pending message for one of `platforms` falls due (or is retried)."""
    when = func.coalesce(OutboxMessage.next_attempt_at, OutboxMessage.due_at)
    result: dt.datetime | None = await db.scalar(
        select(func.min(when)).where(
            OutboxMessage.status == "pending", OutboxMessage.platform.in_(list(platforms))
        )
    )
    if result is not None and result.tzinfo is None:  # an aggregate skips the column type
        result = result.replace(tzinfo=dt.UTC)
    return result
