"""Outbox delivery through Discord: channels and DMs, nonces against duplicates, rate limits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.discord_bot import DiscordPlatform
from handlers.types import Reply
from models.tables import OutboxMessage
from tests.discord import payloads as p
from tests.discord.conftest import say
from tests.discord.fake_discord import FakeDiscord

# Session 1 of the test cohort: Tue 12 Jan 2027, 18:00 Berlin = 17:00 UTC.
SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)


def row(row_id: int, target: str) -> OutboxMessage:
    return OutboxMessage(id=row_id, key=f"test:{row_id}", target=target, payload={})


async def rows(app: App) -> list[OutboxMessage]:
    async with app.services.sessions() as db:
        return list(await db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_the_announcement_goes_to_the_bound_channel_with_the_row_id_as_nonce(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    dispatcher = Dispatcher(app.services, {"discord": platform.sender()})
    clock.set(SESSION_1 - dt.timedelta(days=3))
    stats = await dispatcher.run_once()
    assert stats.sent == 1
    (sent,) = fake.sent
    (announcement,) = [r for r in await rows(app) if r.status == "sent"]
    assert sent.channel_id == p.CHANNEL_ID
    assert sent.body["nonce"] == str(announcement.id) and sent.body["enforce_nonce"] is True
    assert announcement.delivered_ref == sent.message["id"]
    assert "Session 1" in sent.text()


async def test_a_direct_message_opens_the_dm_channel_first(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    ref = await platform.sender().send(row(7, p.ALICE_ID), Reply(text="Reminder"), direct=True)
    (opened,) = fake.calls_to("/users/@me/channels", "POST")
    assert str(opened.body["recipient_id"]) == p.ALICE_ID
    (sent,) = fake.sent
    assert sent.channel_id != p.CHANNEL_ID and sent.content == "Reminder"
    assert ref == sent.message["id"]


async def test_a_retried_send_is_not_duplicated(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    sender = platform.sender()
    first = await sender.send(row(8, p.CHANNEL_ID), Reply(text="Once"), direct=False)
    again = await sender.send(row(8, p.CHANNEL_ID), Reply(text="Once"), direct=False)
    assert first == again
    assert len(fake.sent) == 1
    assert len(fake.calls_to(f"/channels/{p.CHANNEL_ID}/messages", "POST")) == 2


async def test_a_short_rate_limit_is_waited_out_and_retried(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    fake.rate_limit(f"/channels/{p.CHANNEL_ID}/messages", retry_after=0.05)
    await platform.sender().send(row(9, p.CHANNEL_ID), Reply(text="After 429"), direct=False)
    assert len(fake.calls_to(f"/channels/{p.CHANNEL_ID}/messages", "POST")) == 2
    (sent,) = fake.sent
    assert sent.content == "After 429"


async def test_a_long_rate_limit_fails_the_row_so_the_dispatcher_retries_later(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    dispatcher = Dispatcher(app.services, {"discord": platform.sender()})
    clock.set(SESSION_1 - dt.timedelta(days=3))
    fake.rate_limit(f"/channels/{p.CHANNEL_ID}/messages", retry_after=600)
    stats = await dispatcher.run_once()
    assert (stats.sent, stats.failed) == (0, 1)
    (waiting,) = [r for r in await rows(app) if r.attempts]
    assert waiting.status == "pending" and "RateLimited" in (waiting.last_error or "")
    clock.set(waiting.next_attempt_at or clock.now())
    assert (await dispatcher.run_once()).sent == 1


async def test_an_organizer_binds_the_announcement_channel_with_admin_bind(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock
) -> None:
    await say(fake, "!d2l join", channel_id="200000000000000002")  # alice: first, so organizer
    await say(fake, "!d2l admin bind")
    await fake.wait_sent(2)
    assert "now gets the announcements" in fake.sent[1].text()
    clock.set(SESSION_1 - dt.timedelta(days=3))
    dispatcher = Dispatcher(app.services, {"discord": platform.sender()})
    assert (await dispatcher.run_once()).sent == 2  # alice's welcome DM and the announcement
    assert fake.sent[-1].channel_id == p.CHANNEL_ID
