"""One driver per adapter, so a scenario is written once and run on the console, on Slack
(the real bolt app behind signed requests, a fake Slack API) and on Discord (the real
discord.py client against a fake gateway)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.discord_bot import DiscordPlatform
from bot.platforms.slack_app import SlackPlatform
from tests.conftest import Chat, make_settings
from tests.discord import payloads as p
from tests.discord.conftest import discord_settings, say
from tests.discord.fake_discord import FakeDiscord
from tests.scenarios.hints import foreign_hints
from tests.slack.conftest import SlackUser, slack_settings
from tests.slack.fake_slack import FakeSlack

USERS = ("alice", "bob", "carol")


class Driver(Protocol):
    async def ask(self, user: str, text: str) -> str:
        """`user` sends `d2l TEXT`; returns the text of every reply to it."""
        ...


class ConsoleDriver:
    def __init__(self, chat: Chat) -> None:
        self.chat = chat

    async def ask(self, user: str, text: str) -> str:
        return await self.chat.text(text, as_=user)


class SlackDriver:
    def __init__(self, slack: SlackUser, fake: FakeSlack) -> None:
        self.slack, self.fake = slack, fake

    async def ask(self, user: str, text: str) -> str:
        before = len(self.fake.hooks())
        status, _ack = await self.slack.command(text, user=f"U{USERS.index(user) + 1}")
        assert status == 200
        return "\n".join(_strings(hook) for hook in self.fake.hooks()[before:])


class DiscordDriver:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    async def ask(self, user: str, text: str) -> str:
        before = len(self.fake.sent)
        author = p.user(str(300000000000000001 + USERS.index(user)), user)
        await say(self.fake, f"!d2l {text}", author=author)
        await self.fake.wait_for(lambda: len(self.fake.sent) > before)
        return "\n".join(sent.text() for sent in self.fake.sent[before:])


class HintChecked:
    """A driver whose every reply is checked for command hints in another platform's
    syntax (issue 21): every scenario is also a test of the hint rendering."""

    def __init__(self, inner: Driver, platform: str) -> None:
        self.inner, self.platform = inner, platform

    async def ask(self, user: str, text: str) -> str:
        reply = await self.inner.ask(user, text)
        assert foreign_hints(self.platform, reply) == [], reply
        return reply


def _strings(data: Any) -> str:
    """Every string inside a Slack payload (text, blocks, fields)."""
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        return "\n".join(_strings(v) for v in data.values())
    if isinstance(data, list):
        return "\n".join(_strings(v) for v in data)
    return json.dumps(data) if data is not None else ""


@pytest.fixture(params=["console", "slack", "discord"])
async def driver(
    request: pytest.FixtureRequest, sqlite_url: str, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[Driver]:
    app = await App.create(make_settings(sqlite_url), clock=clock)
    try:
        if request.param == "console":
            yield HintChecked(ConsoleDriver(Chat(app, tmp_path / "out")), "console")
        elif request.param == "slack":
            fake = await FakeSlack().start()
            platform = SlackPlatform(
                app, slack_settings(app.services.settings, fake), host="127.0.0.1"
            )
            await platform.start()
            try:
                async with aiohttp.ClientSession() as session:
                    yield HintChecked(
                        SlackDriver(SlackUser(session, platform, fake), fake), "slack"
                    )
            finally:
                await platform.stop()
                await fake.stop()
        else:
            fake_discord = FakeDiscord()
            await fake_discord.start()
            bot = DiscordPlatform(
                app,
                discord_settings(sqlite_url, fake_discord),
                ready_timeout=5,
                guild_ready_timeout=0.05,
            )
            await bot.start()
            try:
                yield HintChecked(DiscordDriver(fake_discord), "discord")
            finally:
                await bot.stop()
                await fake_discord.close()
    finally:
        await app.close()
