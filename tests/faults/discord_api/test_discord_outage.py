"""Discord answering 5xx for a while, through the real discord.py client.

discord.py retries 500/502/504 itself, five times over 1+3+5+7+9 s, inside one send, and
raises 503 at once. Whichever gives up, the outbox marks the row failed and retries it on its
backoff; the row id is the message's nonce with `enforce_nonce`, so a send that reached
Discord but whose answer was lost is not posted twice, whether discord.py or the outbox
retries it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import types
from typing import Any

import discord.http
import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.discord_bot import DiscordPlatform
from models.outbox import backoff
from models.tables import OutboxMessage
from tests.discord import payloads as p
from tests.discord.fake_discord import FakeDiscord

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)
MESSAGES = f"/channels/{p.CHANNEL_ID}/messages"


class _FastAsyncio(types.ModuleType):
    """discord.http's view of asyncio: its retry pauses are recorded and not waited out."""

    def __init__(self) -> None:
        super().__init__("asyncio")
        self.pauses: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        if delay > 0:  # discord.py also yields with sleep(0); those aren't retries
            self.pauses.append(delay)
        return await asyncio.sleep(0, result)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    fast = _FastAsyncio()
    monkeypatch.setattr(discord.http, "asyncio", fast)
    return fast.pauses


async def announcement(app: App) -> OutboxMessage:
    async with app.services.sessions() as db:
        row = await db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "announcement"))
    assert row is not None
    return row


async def deliver(
    app: App, platform: DiscordPlatform, clock: FakeClock, start: dt.datetime
) -> list[dt.timedelta]:
    """Sweep at each retry time until the announcement is sent; when each try happened."""
    dispatcher = Dispatcher(app.services, {"discord": platform.sender()})
    tries: list[dt.timedelta] = []
    for _ in range(10):
        tries.append(clock.now() - start)
        if (await dispatcher.run_once()).sent:
            return tries
        row = await announcement(app)
        assert row.status == "pending" and row.next_attempt_at is not None
        assert row.next_attempt_at - clock.now() == backoff(row.attempts)
        clock.set(row.next_attempt_at)
    raise AssertionError(f"not delivered after tries at {tries}")


async def test_a_503_outage_is_retried_by_the_outbox_and_posted_once(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock, pauses: list[float]
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    start = SESSION_1 - dt.timedelta(days=3)
    clock.set(start)
    fake.outage(lambda: 503 if clock.now() < start + dt.timedelta(seconds=12) else None)
    tries = await deliver(app, platform, clock, start)
    assert tries == [dt.timedelta(seconds=s) for s in (0, 5, 15)]
    assert pauses == []  # discord.py does not retry a 503: the outbox does
    assert len(fake.calls_to(MESSAGES, "POST")) == 3
    row = await announcement(app)
    (sent,) = fake.sent
    assert (row.status, row.attempts, row.delivered_ref) == ("sent", 3, sent.message["id"])
    assert "DiscordServerError: 503" in (row.last_error or "")  # kept from the last failure
    assert sent.body["nonce"] == str(row.id) and sent.body["enforce_nonce"] is True


async def test_when_discord_py_gives_up_on_500s_the_outbox_retries(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock, pauses: list[float]
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    start = SESSION_1 - dt.timedelta(days=3)
    clock.set(start)
    fake.server_error(MESSAGES, 500, times=5)  # one send's worth of discord.py's retries
    tries = await deliver(app, platform, clock, start)
    assert tries == [dt.timedelta(0), backoff(1)]
    assert pauses == [1, 3, 5, 7, 9]  # discord.py's own retries within the first try
    assert len(fake.calls_to(MESSAGES, "POST")) == 6
    row = await announcement(app)
    (sent,) = fake.sent
    assert (row.status, row.attempts, row.delivered_ref) == ("sent", 2, sent.message["id"])


async def test_a_lost_answer_retried_by_discord_py_is_not_posted_twice(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock, pauses: list[float]
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    clock.set(SESSION_1 - dt.timedelta(days=3))
    fake.server_error(MESSAGES, 502, processed=True)  # posted, but the answer is a 502
    tries = await deliver(app, platform, clock, clock.now())
    assert tries == [dt.timedelta(0)]
    assert pauses == [1]
    posts = fake.calls_to(MESSAGES, "POST")
    assert len(posts) == 2 and posts[0].body["nonce"] == posts[1].body["nonce"]
    (sent,) = fake.sent
    row = await announcement(app)
    assert (row.status, row.attempts, row.delivered_ref) == ("sent", 1, sent.message["id"])


async def test_a_lost_answer_retried_by_the_outbox_is_not_posted_twice(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock, pauses: list[float]
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    start = SESSION_1 - dt.timedelta(days=3)
    clock.set(start)
    fake.server_error(MESSAGES, 503, processed=True)  # posted, but discord.py sees a 503
    tries = await deliver(app, platform, clock, start)
    assert tries == [dt.timedelta(0), backoff(1)]
    posts = fake.calls_to(MESSAGES, "POST")
    assert len(posts) == 2 and posts[0].body["nonce"] == posts[1].body["nonce"]
    (sent,) = fake.sent  # Discord answered the second post with the first message
    row = await announcement(app)
    assert (row.status, row.attempts, row.delivered_ref) == ("sent", 2, sent.message["id"])
