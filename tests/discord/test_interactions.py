"""`/d2l run` (any command text), its autocomplete, and buttons, answered within Discord's
3 seconds. The typed subcommands are in test_subcommands."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.platforms.discord_bot import DiscordPlatform
from tests.discord import payloads as p
from tests.discord.conftest import ALICE, BOB, ProbeCommands, discord_settings, say
from tests.discord.fake_discord import FakeDiscord

RESPONSE, DEFERRED, AUTOCOMPLETE = 4, 5, 8


@pytest.fixture
async def deferring(app: App, fake: FakeDiscord, sqlite_url: str) -> AsyncIterator[DiscordPlatform]:
    """A platform that defers at once: every answer goes through the followup path."""
    bot = DiscordPlatform(
        app, discord_settings(sqlite_url, fake), guild_ready_timeout=0.05, ack_after=0
    )
    await bot.start()
    yield bot
    await bot.stop()


async def slash(fake: FakeDiscord, command: str, code: str | None = None) -> str:
    """`/d2l run text: COMMAND`."""
    token = f"token-{p.snowflake()}"
    await fake.dispatch("INTERACTION_CREATE", p.run(token, ALICE, command, code=code))
    return token


async def test_a_quick_answer_is_the_interaction_response(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await slash(fake, "next")
    (sent,) = await fake.wait_sent(1)
    (callback,) = fake.calls_to("/callback")
    assert callback.body["type"] == RESPONSE
    assert callback.query == {"with_response": "1"}
    assert not sent.ephemeral and sent.embeds[0]["title"].startswith("Next session 1:")


async def test_a_private_answer_is_ephemeral(platform: DiscordPlatform, fake: FakeDiscord) -> None:
    await slash(fake, "help")
    (sent,) = await fake.wait_sent(1)
    assert sent.kind == "response" and sent.ephemeral
    assert not fake.calls_to("/users/@me/channels")  # no DM needed for slash commands


async def test_a_slow_answer_is_deferred_then_followed_up(
    deferring: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    await slash(fake, "slow")
    (deferred,) = await fake.wait_sent(1)
    assert deferred.kind == "deferred" and not deferred.ephemeral
    commands.gate.set()
    _, followup = await fake.wait_sent(2)
    assert (followup.kind, followup.content, followup.ephemeral) == (
        "followup",
        "slow answer",
        False,
    )


async def test_a_slow_private_answer_replaces_the_public_placeholder_ephemerally(
    deferring: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    await slash(fake, "slow private")
    await fake.wait_sent(1)
    commands.gate.set()
    sent = await fake.wait_sent(3)
    assert [s.kind for s in sent] == ["deferred", "delete", "followup"]
    assert sent[2].ephemeral and sent[2].content == "slow answer"


async def test_the_code_option_and_an_attachment_reach_the_handler_as_code(
    platform: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    await slash(fake, "echo one", code="x = 1")
    file = fake.add_file("two.py", b"y = 2\n")
    token = f"token-{p.snowflake()}"
    payload = p.run(token, ALICE, "echo two", attachments={"attachment": file})
    await fake.dispatch("INTERACTION_CREATE", payload)
    first, second = await fake.wait_sent(2)
    assert {first.content, second.content} == {
        "args=['one'] code='x = 1'",
        "args=['two'] code='y = 2'",
    }


async def test_autocomplete_offers_commands_then_their_arguments(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    token = f"token-{p.snowflake()}"
    typed = p.run(token, ALICE, "sch", autocomplete=True)
    await fake.dispatch("INTERACTION_CREATE", typed)
    token = f"token-{p.snowflake()}"
    typed = p.run(token, ALICE, "session 1", autocomplete=True)
    await fake.dispatch("INTERACTION_CREATE", typed)
    commands, sessions = await fake.wait_sent(2)
    assert commands.kind == "autocomplete"
    assert [c["value"] for c in commands.body["choices"]] == ["schedule"]
    assert [c["value"] for c in sessions.body["choices"]][:3] == [
        "session 1",
        "session 10",
        "session 11",
    ]


async def test_a_button_runs_its_command_for_the_clicker_privately(
    platform: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    await say(fake, "!d2l pick")
    (offer,) = await fake.wait_sent(1)
    assert [b["label"] for b in offer.buttons] == ["Alpha", "Beta"]
    click = p.button_click(
        f"token-{p.snowflake()}",
        BOB,
        offer.buttons[1]["custom_id"],
        offer.message,
    )
    await fake.dispatch("INTERACTION_CREATE", click)
    _, answer = await fake.wait_sent(2)
    assert (answer.kind, answer.ephemeral) == ("response", True)
    assert answer.content == "args=['beta'] code=None"
    assert commands.seen[-1].user_id == p.BOB_ID


async def test_an_attachment_that_is_not_code_is_refused_with_what_to_attach(
    platform: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    file = fake.add_file("photo.png", b"\x89PNG")
    token = f"token-{p.snowflake()}"
    payload = p.run(token, ALICE, "echo x", attachments={"attachment": file})
    await fake.dispatch("INTERACTION_CREATE", payload)
    (sent,) = await fake.wait_sent(1)
    assert sent.ephemeral and "`photo.png` is not code" in sent.content
    assert not commands.seen


async def test_a_slow_button_answer_is_deferred_privately(
    deferring: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    await say(fake, "!d2l pick")
    (offer,) = await fake.wait_sent(1)
    click = p.button_click(
        f"token-{p.snowflake()}", BOB, offer.buttons[0]["custom_id"], offer.message
    )
    await fake.dispatch("INTERACTION_CREATE", click)
    _, deferred, followup = await fake.wait_sent(3)
    assert deferred.kind == "deferred" and deferred.ephemeral
    assert followup.kind == "followup" and followup.ephemeral
    assert followup.content == "args=['alpha'] code=None"


async def test_a_long_slash_answer_comes_with_its_file(
    platform: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    await slash(fake, "long")
    (sent,) = await fake.wait_sent(1)
    assert sent.kind == "response" and b"line 299:" in sent.files["reply.txt"]
