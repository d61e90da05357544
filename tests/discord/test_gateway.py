"""Connecting, failing to connect clearly, and surviving a dropped gateway connection."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.discord_bot import DiscordPlatform, DiscordStartError
from tests.discord import payloads as p
from tests.discord.conftest import ProbeCommands, discord_settings, say
from tests.discord.fake_discord import FakeDiscord

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)


async def test_after_a_dropped_connection_the_bot_resumes_and_the_outbox_catches_up(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    await fake.drop_connection()
    # While the gateway is down, what falls due still goes out (delivery is REST).
    clock.set(SESSION_1 - dt.timedelta(days=3))
    dispatcher = Dispatcher(app.services, {"discord": platform.sender()})
    assert (await dispatcher.run_once()).sent == 1
    await fake.wait_ready()
    assert fake.resumes == 1 and len(fake.identifies) == 1
    await say(fake, "!d2l next")
    announcement, answer = await fake.wait_sent(2)
    assert "Session 1" in announcement.text()
    assert answer.embeds[0]["title"].startswith("Next session 1:")


async def test_a_rejected_token_fails_start_with_a_clear_message(
    app: App, fake: FakeDiscord, sqlite_url: str
) -> None:
    fake.token = "another-token"
    bot = DiscordPlatform(app, discord_settings(sqlite_url, fake), ready_timeout=5)
    with pytest.raises(DiscordStartError, match="rejected DISCORD_TOKEN"):
        await bot.start()


async def test_a_missing_message_content_intent_fails_start_with_what_to_enable(
    app: App, fake: FakeDiscord, sqlite_url: str
) -> None:
    fake.refuse_intents = True
    bot = DiscordPlatform(app, discord_settings(sqlite_url, fake), ready_timeout=5)
    with pytest.raises(DiscordStartError, match="Message Content Intent") as refused:
        await bot.start()
    assert "Server Members Intent" in str(refused.value)
    assert "STUDYBOT_DISCORD_MEMBERS_INTENT=false" in str(refused.value)


async def test_the_members_intent_can_be_left_out(
    app: App, fake: FakeDiscord, sqlite_url: str
) -> None:
    """An operator who hasn't enabled Server Members runs without welcomes on join."""
    settings = discord_settings(sqlite_url, fake, discord_members_intent=False)
    bot = DiscordPlatform(app, settings, ready_timeout=5)
    await bot.start()
    try:
        members_bit = 1 << 1  # GUILD_MEMBERS
        assert fake.identifies and not fake.identifies[-1]["intents"] & members_bit
        assert fake.identifies[-1]["intents"] & (1 << 15)  # MESSAGE_CONTENT still asked
    finally:
        await bot.stop()
    default = DiscordPlatform(app, discord_settings(sqlite_url, fake), ready_timeout=5)
    await default.start()
    try:
        assert fake.identifies[-1]["intents"] & members_bit
    finally:
        await default.stop()


async def test_a_gateway_that_never_gets_ready_times_out(
    app: App, fake: FakeDiscord, sqlite_url: str
) -> None:
    settings = discord_settings(sqlite_url, fake, discord_gateway_url=fake.url + "/nowhere")
    bot = DiscordPlatform(app, settings, ready_timeout=0.5)
    with pytest.raises(DiscordStartError):
        await bot.start()


async def test_a_session_discord_will_not_resume_is_identified_afresh(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    fake.refuse_resume = True
    platform.client.reidentify_delay = 0  # instead of Discord's 5 s between IDENTIFYs
    await fake.drop_connection()
    await fake.wait_ready()
    assert fake.resumes == 1 and len(fake.identifies) == 2
    await say(fake, "!d2l next")
    (answer,) = await fake.wait_sent(1)
    assert answer.embeds[0]["title"].startswith("Next session 1:")


async def test_stopping_lets_an_answer_in_progress_go_out_first(
    app: App, fake: FakeDiscord, sqlite_url: str, commands: ProbeCommands
) -> None:
    bot = DiscordPlatform(app, discord_settings(sqlite_url, fake), guild_ready_timeout=0.05)
    await bot.start()
    try:
        await say(fake, "!d2l slow")
        await asyncio.wait_for(commands.entered.wait(), 5)  # the answer is in progress
        stopping = asyncio.create_task(bot.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()  # stop() waits for the answer in progress
        commands.gate.set()
        await stopping
    finally:
        commands.gate.set()
        await bot.stop()
    assert [s.content for s in fake.sent] == ["slow answer"]
    assert bot.client.is_closed()
