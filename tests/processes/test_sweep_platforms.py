"""A process delivers only its own platforms' messages, and waits only for those: a message
for a platform it doesn't serve is another process's business (or nobody's, if none runs)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.scheduler import DeliveryScheduler
from handlers.serialize import reply_to_json
from handlers.types import Reply
from models.outbox import Planned, enqueue
from tests.conftest import make_settings
from tests.core.conftest import RecordingSender


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[App]:
    app = await App.create(make_settings(database_url))  # the real clock, as the sweep uses
    yield app
    await app.close()


async def queue(app: App, key: str, platform: str, due_at: dt.datetime) -> None:
    message = Planned(
        key=key,
        kind="notice",
        platform=platform,
        workspace_id="W",
        target="C",
        payload={"reply": reply_to_json(Reply(text="hello"))},
        due_at=due_at,
    )
    async with app.services.sessions() as db, db.begin():
        await enqueue(db, [message], dt.datetime.now(dt.UTC))


async def test_a_sweep_does_not_spin_on_another_platforms_due_message(bot: App) -> None:
    now = dt.datetime.now(dt.UTC)
    await queue(bot, "for-slack", "slack", now - dt.timedelta(seconds=1))
    sender = RecordingSender(FakeClock(now))
    scheduler = DeliveryScheduler(Dispatcher(bot.services, {"discord": sender}))
    # The Slack message stays pending (no Slack here): the sweep must end, not loop on it.
    await asyncio.wait_for(scheduler.sweep(), 5)
    assert sender.sent == []


async def test_a_sweep_waits_for_its_own_platforms_next_message(bot: App) -> None:
    now = dt.datetime.now(dt.UTC)
    await queue(bot, "for-slack", "slack", now - dt.timedelta(seconds=1))
    await queue(bot, "for-discord", "discord", now + dt.timedelta(seconds=1))
    sender = RecordingSender(FakeClock(now))
    scheduler = DeliveryScheduler(Dispatcher(bot.services, {"discord": sender}))
    await asyncio.wait_for(scheduler.sweep(), 10)
    assert [d.key for d in sender.sent] == ["for-discord"]
