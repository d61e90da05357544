"""The real discord.py client (through DiscordPlatform) against the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.discord_bot import DiscordPlatform
from handlers.context import Context
from handlers.router import Command
from handlers.submission_source import read_submission
from handlers.types import Choice, Invocation, Reply
from tests.conftest import make_settings
from tests.discord import payloads as p
from tests.discord.fake_discord import FakeDiscord

ALICE = p.user(p.ALICE_ID, "alice")
DM_CHANNEL = "700000000000000001"
BOB = p.user(p.BOB_ID, "bob")


@pytest.fixture
async def app(sqlite_url: str, clock: FakeClock) -> AsyncIterator[App]:
    """The bot core as in tests/conftest.py (its database a copy of the run's migrated one)."""
    bot = await App.create(make_settings(sqlite_url), clock=clock)
    yield bot
    await bot.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


def discord_settings(sqlite_url: str, fake: FakeDiscord, **extra: Any) -> Any:
    return make_settings(sqlite_url).model_copy(
        update={"discord_token": SecretStr("fake-token"), "discord_api_url": fake.api_url, **extra}
    )


@pytest.fixture
async def platform(app: App, fake: FakeDiscord, sqlite_url: str) -> AsyncIterator[DiscordPlatform]:
    bot = DiscordPlatform(
        app, discord_settings(sqlite_url, fake), ready_timeout=5, guild_ready_timeout=0.05
    )
    await bot.start()
    yield bot
    await bot.stop()


async def say(
    fake: FakeDiscord,
    text: str,
    *,
    author: Any = ALICE,
    attachments: list[Any] | None = None,
    dm: bool = False,
    channel_id: str = p.CHANNEL_ID,
) -> dict[str, Any]:
    """A member posts a message; returns its payload."""
    message = p.message(
        text,
        author=author,
        attachments=attachments,
        channel_id=channel_id if not dm or channel_id != p.CHANNEL_ID else DM_CHANNEL,
        guild_id=None if dm else p.GUILD_ID,
    )
    await fake.dispatch("MESSAGE_CREATE", message)
    return dict(message)


class ProbeCommands:
    """Small commands registered for the tests: they show what the handler received."""

    def __init__(self, app: App) -> None:
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()  # `slow` has started
        self.seen: list[Invocation] = []
        for command in (
            Command("echo", "echo", "echo the code it got", self.echo),
            Command("pick", "pick", "offer two choices", self.pick),
            Command("slow", "slow [private]", "answer once the gate opens", self.slow),
            Command("long", "long", "answer with 300 lines", self.long),
        ):
            app.router.add(command)

    async def echo(self, ctx: Context) -> Reply:
        """The code as `submit` reads it: the fenced block, else the first attached file."""
        self.seen.append(ctx.invocation)
        read = await read_submission(ctx)
        code = None if read is None else read.code.rstrip()
        return Reply(text=f"args={ctx.args} code={code!r}")

    async def pick(self, ctx: Context) -> Reply:
        return Reply(
            text="Pick one",
            choices=(Choice("Alpha", "echo alpha"), Choice("Beta", "echo beta")),
        )

    async def long(self, ctx: Context) -> Reply:
        return Reply(text="\n".join(f"line {i}: @everyone " + "x" * 40 for i in range(300)))

    async def slow(self, ctx: Context) -> Reply:
        self.entered.set()
        await asyncio.wait_for(self.gate.wait(), 5)
        return Reply(text="slow answer", ephemeral=ctx.args == ["private"])


@pytest.fixture
def commands(app: App) -> ProbeCommands:
    return ProbeCommands(app)
