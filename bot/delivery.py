"""Outbox delivery: plan what is due, claim it, render it, send it, record the outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.context import Services
from handlers.notifications import RenderCache, Skip, render_message
from handlers.planning import SWEEP_HORIZON, plan_cohort
from handlers.types import Reply
from models.outbox import (
    CLAIM_SECONDS,
    backoff,
    claim_due,
    mark_deferred,
    mark_failed,
    mark_given_up,
    mark_sent,
    mark_skipped,
    release_stale_claims,
)
from models.tables import Cohort, OutboxMessage

log = logging.getLogger(__name__)

BATCH = 200
COMMIT_EVERY = 25  # outcomes per commit within a batch
COMMIT_SECONDS = 2.0  # ... or this long, whichever comes first
# After this many failed sends in a row to one platform, the rest of the batch for it waits
# for the same retry instead of each failing on its own: during an outage every send can take
# long (discord.py retries a 500 five times over 25 s inside one call), and a batch that takes
# longer than its claim could be sent again by another process.
PAUSE_AFTER_FAILURES = 3


class RetryLater(Exception):
    """Raised by a sender whose platform asks to wait (a rate limit's Retry-After): the
    message is put back untried, and the platform's other messages wait as long."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


class GiveUp(Exception):
    """Raised by a sender when retrying can't help (a conflict it already retried): the
    message is marked failed at once, for `admin outbox`."""


class Sender(Protocol):
    """Delivers one message to a channel or, if `direct`, to a person."""

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        """Send; return the platform's message reference. Raise to have it retried."""
        ...


@runtime_checkable
class Reconciler(Protocol):
    """A sender that also keeps something on its platform in line with the database."""

    async def reconcile(self, services: Services) -> int:
        """Create, update or remove what differs; returns how many changes it made."""
        ...


@dataclass
class DispatchStats:
    planned: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0  # not tried: their platform was failing; they retry with the failed ones


class Dispatcher:
    """Sends what is due through the senders of the platforms this process serves."""

    def __init__(self, services: Services, senders: Mapping[str, Sender]) -> None:
        self.services = services
        self.senders = dict(senders)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    async def plan(self, *, full: bool = False) -> int:
        """Enqueue what falls due soon (or everything, after a schedule change)."""
        now = self.services.clock.now()
        async with self.services.sessions() as db, db.begin():
            cohorts = await db.scalars(select(Cohort).options(selectinload(Cohort.sessions)))
            total = 0
            for cohort in cohorts:
                total += await plan_cohort(db, cohort, now, None if full else SWEEP_HORIZON)
            return total

    async def run_once(self, *, plan: bool = True) -> DispatchStats:
        """One sweep: plan, release stale claims, then deliver every due message."""
        stats = DispatchStats()
        now = self.services.clock.now()
        if plan:
            stats.planned = await self.plan()
            async with self.services.sessions() as db, db.begin():
                await release_stale_claims(db, now)
        while True:
            async with self.services.sessions() as db, db.begin():
                batch = await claim_due(db, now, self.worker, platforms=self.senders, limit=BATCH)
            if not batch:
                await self._reconcile()
                return stats
            await self._deliver(batch, stats)

    async def _reconcile(self) -> None:
        """After the deliveries: senders that keep platform state in line with the database
        (Discord's scheduled events) do so; a failure waits for the next sweep."""
        for name, sender in self.senders.items():
            if isinstance(sender, Reconciler):
                try:
                    await sender.reconcile(self.services)
                except Exception as exc:
                    log.warning("syncing %s failed: %s: %s", name, type(exc).__name__, exc)

    async def _deliver(self, batch: list[OutboxMessage], stats: DispatchStats) -> None:
        loop = asyncio.get_running_loop()
        # Unsent messages go back well before their claim runs out and another process may
        # take them (a batch slowed down by rate limits), so none is sent twice.
        give_back_at = loop.time() + CLAIM_SECONDS / 2
        state = _BatchState(
            now=self.services.clock.now(), latest=_latest_per_group(batch), cache=RenderCache()
        )
        async with self.services.sessions() as db:
            # Outcomes are written in small commits, not flushed before every read: a
            # process that dies mid-batch loses at most COMMIT_EVERY outcomes (those
            # messages are sent again after their claim expires; Discord drops them by nonce).
            db.sync_session.autoflush = False
            fresh = await db.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_([m.id for m in batch]))
            )
            by_id = {m.id: m for m in fresh}
            written, committed_at = 0, loop.time()
            for claimed in batch:
                message = by_id[claimed.id]
                if loop.time() > give_back_at:
                    mark_deferred(message, state.now)
                    stats.deferred += 1
                else:
                    await self._deliver_one(db, claimed, message, state, stats)
                written += 1
                if written >= COMMIT_EVERY or loop.time() - committed_at > COMMIT_SECONDS:
                    await db.commit()
                    written, committed_at = 0, loop.time()
            await db.commit()

    async def _deliver_one(
        self,
        db: AsyncSession,
        claimed: OutboxMessage,
        message: OutboxMessage,
        state: _BatchState,
        stats: DispatchStats,
    ) -> None:
        now = state.now
        group = message.payload.get("group")
        if message.expires_at is not None and now >= message.expires_at:
            mark_skipped(message, "too late: it expired before it could be sent")
            stats.skipped += 1
            return
        if group is not None and state.latest.get(group) is not claimed:
            mark_skipped(message, "superseded by a later reminder due at the same time")
            stats.skipped += 1
            return
        if message.platform in state.paused:
            mark_deferred(message, state.paused[message.platform])
            stats.deferred += 1
            return
        try:
            reply = await render_message(db, message, now, self.services.curriculum, state.cache)
        except Skip as reason:
            mark_skipped(message, str(reason))
            stats.skipped += 1
            return
        try:
            ref = await self.senders[message.platform].send(
                message, reply, direct=bool(message.payload.get("direct"))
            )
        except RetryLater as wait:
            until = now + dt.timedelta(seconds=wait.seconds)
            log.warning("%s asks to wait %.0f s: %s", message.platform, wait.seconds, wait)
            mark_deferred(message, until)
            message.last_error = f"waiting until {until.isoformat()}: {wait}"[:2000]
            state.paused[message.platform] = until
            stats.deferred += 1
            return
        except GiveUp as exc:
            mark_given_up(message, str(exc))
            stats.failed += 1
            return
        except Exception as exc:  # any platform failure: retry with backoff
            log.warning("sending %s failed: %s: %s", message.key, type(exc).__name__, exc)
            mark_failed(message, now, f"{type(exc).__name__}: {exc}")
            stats.failed += 1
            failing = state.failing[message.platform] = state.failing.get(message.platform, 0) + 1
            if failing >= PAUSE_AFTER_FAILURES:
                retry = (
                    message.next_attempt_at
                    if message.status == "pending" and message.next_attempt_at
                    else now + backoff(1)
                )
                state.paused[message.platform] = retry
                log.warning(
                    "%d sends to %s failed in a row; the rest wait until %s",
                    failing,
                    message.platform,
                    retry.isoformat(),
                )
            return
        state.failing[message.platform] = 0
        mark_sent(message, now, ref)
        stats.sent += 1


@dataclass
class _BatchState:
    """What one batch's messages share."""

    now: dt.datetime
    latest: dict[str, OutboxMessage]
    cache: RenderCache
    failing: dict[str, int] = field(default_factory=dict)  # platform → failed sends in a row
    paused: dict[str, dt.datetime] = field(default_factory=dict)  # platform → its retry time


def _latest_per_group(batch: list[OutboxMessage]) -> dict[str, OutboxMessage]:
    """Of several reminders for the same thing due at once, only the latest is worth sending."""
    latest: dict[str, OutboxMessage] = {}
    for message in batch:
        group = message.payload.get("group")
        if group is None:
            continue
        if group not in latest or message.due_at >= latest[group].due_at:
            latest[group] = message
    return latest
