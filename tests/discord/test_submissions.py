"""Editing a submission soon after sending it offers to run it again."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.platforms.discord_bot import DiscordPlatform
from handlers.context import Context
from handlers.router import Command
from handlers.types import Reply
from tests.discord import payloads as p
from tests.discord.conftest import ALICE, BOB, say
from tests.discord.fake_discord import FakeDiscord

FENCE = "```"


@pytest.fixture
def submit(app: App) -> None:
    """A stand-in for the real `submit` (which grades in the sandbox): echoes the code."""

    async def echo(ctx: Context) -> Reply:
        return Reply(text=f"graded {ctx.args[0]}: {ctx.code}")

    app.router.commands["submit"] = Command("submit", "submit NAME", "submit code", echo)


async def edit(fake: FakeDiscord, original: dict[str, object], content: str) -> None:
    edited = p.message(content, author=ALICE, message_id=str(original["id"]), edited=True)
    await fake.dispatch("MESSAGE_UPDATE", edited)


async def test_an_edit_within_30_seconds_offers_run_again_for_the_author(
    platform: DiscordPlatform, fake: FakeDiscord, submit: None
) -> None:
    original = await say(fake, f"!d2l submit f\n{FENCE}\nx = 1\n{FENCE}")
    (graded,) = await fake.wait_sent(1)
    assert graded.content == "graded f: x = 1"
    await edit(fake, original, f"!d2l submit f\n{FENCE}\nx = 2\n{FENCE}")
    _, offer = await fake.wait_sent(2)
    assert offer.content.startswith("You edited your submission")
    (button,) = offer.buttons
    assert button["label"] == "Run again"

    by_bob = p.button_click(f"token-{p.snowflake()}", BOB, button["custom_id"], offer.message)
    await fake.dispatch("INTERACTION_CREATE", by_bob)
    _, _, refused = await fake.wait_sent(3)
    assert refused.ephemeral and "Only the author" in refused.content

    by_alice = p.button_click(f"token-{p.snowflake()}", ALICE, button["custom_id"], offer.message)
    await fake.dispatch("INTERACTION_CREATE", by_alice)
    *_, rerun = await fake.wait_sent(4)
    assert rerun.content == "graded f: x = 2"


async def test_editing_other_messages_offers_nothing(
    platform: DiscordPlatform, fake: FakeDiscord, submit: None
) -> None:
    original = await say(fake, "!d2l next")
    await fake.wait_sent(1)
    await edit(fake, original, "!d2l schedule")
    await say(fake, "!d2l submit g\n```\ny = 1\n```")
    second = await fake.wait_sent(2)
    assert [s.content for s in second][1] == "graded g: y = 1"
    assert len(fake.sent) == 2
