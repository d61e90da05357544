"""`!d2l …` messages, as members use them in a server channel and in DMs."""

from __future__ import annotations

import json

from bot.platforms.discord_bot import DiscordPlatform
from bot.platforms.discord_bot._client import DM_FAILED
from tests.discord import payloads as p
from tests.discord.conftest import BOB, ProbeCommands, say
from tests.discord.fake_discord import FakeDiscord

FENCE = "```"


async def test_the_bot_identifies_with_message_content_and_registers_d2l(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    intents = fake.identifies[0]["intents"]
    assert intents & (1 << 15)  # message content
    assert intents & (1 << 0) and intents & (1 << 9) and intents & (1 << 12)
    (sync,) = fake.calls_to(f"/applications/{p.APP_ID}/commands", "PUT")
    (command,) = sync.body
    assert command["name"] == "d2l"
    assert {o["type"] for o in command["options"]} == {1}  # subcommands (test_subcommands)


async def test_next_answers_in_the_channel_with_an_embed_and_a_local_time(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    asked = await say(fake, "!d2l next")
    (sent,) = await fake.wait_sent(1)
    assert (sent.kind, sent.channel_id, sent.ephemeral) == ("channel", p.CHANNEL_ID, False)
    assert sent.embeds[0]["title"].startswith("Next session 1:")
    assert "<t:" in sent.text()  # Discord shows it in each reader's zone
    assert str(sent.body["message_reference"]["message_id"]) == asked["id"]
    assert sent.body["allowed_mentions"]["parse"] == []


async def test_help_is_private_so_it_arrives_by_direct_message(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await say(fake, "!D2L help")
    (sent,) = await fake.wait_sent(1)
    (opened,) = fake.calls_to("/users/@me/channels", "POST")
    assert str(opened.body["recipient_id"]) == p.ALICE_ID
    assert sent.channel_id != p.CHANNEL_ID
    assert "d2l next" in sent.text() and "d2l schedule" in sent.text()


async def test_an_unknown_command_gets_did_you_mean(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await say(fake, "!d2l nxt")
    (sent,) = await fake.wait_sent(1)
    assert "Did you mean `/d2l next`" in sent.text()  # Discord's own syntax (issue 21)


async def test_when_the_dm_fails_a_short_note_goes_to_the_channel(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    fake.closed_dms.add(p.BOB_ID)
    await say(fake, "!d2l help", author=BOB)
    (sent,) = await fake.wait_sent(1)
    assert sent.channel_id == p.CHANNEL_ID
    assert sent.content == DM_FAILED


async def test_in_a_dm_private_answers_stay_in_the_dm(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await say(fake, "!d2l help", dm=True)
    (sent,) = await fake.wait_sent(1)
    assert sent.channel_id == "700000000000000001"
    assert not fake.calls_to("/users/@me/channels")


async def test_other_messages_and_bots_are_ignored(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await say(fake, "what's !d2l?")
    await say(fake, "!d2lnext")
    await say(fake, "!d2l next", author=p.user("42", "otherbot", bot=True))
    await say(fake, "!d2l next")
    await fake.wait_sent(1)
    assert len(fake.calls_to("/messages", "POST")) == 1


async def test_a_fenced_block_on_the_following_lines_reaches_the_handler_as_code(
    platform: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    await say(fake, f"!d2l\necho softmax\n{FENCE}python\nprint('hi')\n{FENCE}")
    (sent,) = await fake.wait_sent(1)
    assert sent.content == "args=['softmax'] code=\"print('hi')\""


async def test_a_py_attachment_becomes_the_code(
    platform: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    file = fake.add_file("solution.py", b"def f(x):\n    return x\n")
    await say(fake, "!d2l echo f", attachments=[file])
    (sent,) = await fake.wait_sent(1)
    assert sent.content == "args=['f'] code='def f(x):\\n    return x'"
    assert commands.seen[0].attachments[0].name == "solution.py"


async def test_a_notebook_reaches_the_reader_which_takes_its_code_cells_in_order(
    platform: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["import torch\n", "x = 1\n"]},
            {"cell_type": "markdown", "source": "# not code"},
            {"cell_type": "code", "source": "y = x + 1"},
        ]
    }
    file = fake.add_file("work.ipynb", json.dumps(notebook).encode())
    await say(fake, "!d2l echo nb", attachments=[file])
    (sent,) = await fake.wait_sent(1)
    code = "# cell 1\\nimport torch\\nx = 1\\n\\n# cell 3\\ny = x + 1"
    assert sent.content == f"args=['nb'] code='{code}'"


async def test_a_long_answer_arrives_as_a_preview_and_a_file(
    platform: DiscordPlatform, fake: FakeDiscord, commands: ProbeCommands
) -> None:
    await say(fake, "!d2l long")
    (sent,) = await fake.wait_sent(1)
    assert len(sent.content) <= 2000 and sent.content.startswith("line 0:")
    assert b"line 299:" in sent.files["reply.txt"]
    assert sent.body["allowed_mentions"]["parse"] == []  # "@everyone" pings nobody
