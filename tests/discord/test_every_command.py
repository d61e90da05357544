"""Every command of the shared grammar answers through both Discord forms, without a crash.

Each command is sent by its own member in its own channel, all at once, so each answer can
be told apart (public ones by channel, private `!d2l` ones by the member's DM channel).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.app import App
from bot.platforms.discord_bot import DiscordPlatform
from tests.discord import payloads as p
from tests.discord.fake_discord import FakeDiscord

if TYPE_CHECKING:
    from discord.types.user import User

CRASH = "something went wrong"


def members(app: App) -> list[tuple[str, str, User]]:
    """(command, channel id, author) for every registered command."""
    return [
        (
            name,
            str(210_000_000_000_000_000 + i),
            p.user(str(310_000_000_000_000_000 + i), f"m{i}"),
        )
        for i, name in enumerate(sorted(app.router.commands))
    ]


@pytest.mark.parametrize("form", ["prefix", "slash"])
async def test_every_command_answers_in_both_forms(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, form: str
) -> None:
    cases = members(app)
    for command, channel, author in cases:
        if form == "prefix":
            message = p.message(f"!d2l {command}", author=author, channel_id=channel)
            await fake.dispatch("MESSAGE_CREATE", message)
        else:
            token = f"token-{p.snowflake()}"
            interaction = p.run(token, author, command, channel_id=channel)
            await fake.dispatch("INTERACTION_CREATE", interaction)

    def answered() -> set[str]:
        channels = {s.channel_id for s in fake.sent}
        return {
            command
            for command, channel, author in cases
            if channel in channels or fake.dm_channel(str(author["id"])) in channels
        }

    await fake.wait_for(lambda: len(answered()) == len(cases), within=30)
    crashed = [s.text() for s in fake.sent if CRASH in s.text()]
    assert not crashed
