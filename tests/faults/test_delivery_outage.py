"""Outbox delivery across a database restart: a sweep that meets the outage logs it and the
scheduler keeps waking up; the first sweep after the restore plans and delivers, once."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.scheduler import DeliveryScheduler
from handlers.types import Reply
from models.tables import OutboxMessage
from tests.faults.db_proxy import DbProxy

pytestmark = pytest.mark.postgres

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)


@dataclass
class WatchingSender:
    """A chat platform that records what it was given and lets a test await it."""

    sent: list[OutboxMessage] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    on_send: asyncio.Event | None = None  # set, then waited on, before answering

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        self.sent.append(message)
        self.arrived.set()
        return f"msg-{len(self.sent)}"


class Failures(logging.Handler):
    """Counts the scheduler's "sweep failed" records and lets a test await the n-th."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "delivery sweep failed" in record.getMessage():
            self.count += 1
            self.changed.set()

    async def wait_for(self, n: int) -> None:
        while self.count < n:
            self.changed.clear()
            await self.changed.wait()


@pytest.fixture
def failures() -> Iterator[Failures]:
    handler = Failures()
    logger = logging.getLogger("bot.scheduler")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
async def scheduler(proxied_bot: App) -> AsyncIterator[tuple[DeliveryScheduler, WatchingSender]]:
    sender = WatchingSender()
    wakeup = DeliveryScheduler(
        Dispatcher(proxied_bot.services, {"console": sender}), sweep_seconds=0.2
    )
    yield wakeup, sender
    await wakeup.shutdown()


async def test_sweeps_during_the_outage_log_and_the_first_one_after_delivers(
    proxied_bot: App,
    proxy: DbProxy,
    clock: FakeClock,
    scheduler: tuple[DeliveryScheduler, WatchingSender],
    failures: Failures,
) -> None:
    wakeup, sender = scheduler
    clock.set(SESSION_1 - dt.timedelta(days=3))  # the announcement falls due
    await proxy.cut()  # the process starts (or sweeps) while the database is away
    async with asyncio.timeout(20):
        wakeup.start()
        await failures.wait_for(3)  # it failed, logged, and kept waking up
        assert sender.sent == []
        await proxy.starting_up()
        await failures.wait_for(failures.count + 2)
        await proxy.restore()
        await sender.arrived.wait()  # the first sweep after the restore plans and delivers
    await wakeup.shutdown()
    assert [m.kind for m in sender.sent] == ["announcement"]
    async with proxied_bot.services.sessions() as db:
        rows = (await db.scalars(select(OutboxMessage))).all()
    assert [(m.kind, m.status, m.attempts) for m in rows if m.kind == "announcement"] == [
        ("announcement", "sent", 1)
    ]
