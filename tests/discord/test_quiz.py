"""A private quiz started in the server arrives by DM, and is answered from the DM as the
same member (the core keys members by server; a DM maps to the bot's only server)."""

from __future__ import annotations

from bot.platforms.discord_bot import DiscordPlatform
from tests.discord import payloads as p
from tests.discord.conftest import say
from tests.discord.fake_discord import FakeDiscord


async def test_a_quiz_started_in_the_server_is_answered_in_the_dm(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await say(fake, "!d2l quiz probability 1")
    (question,) = await fake.wait_sent(1)
    dm = fake.dm_channel(p.ALICE_ID)
    assert question.channel_id == dm and "question 1 of 1" in question.text()
    await say(fake, "!d2l answer 1", dm=True, channel_id=str(dm))
    _, answer = await fake.wait_sent(2)
    assert answer.channel_id == dm
    assert "no open question" not in answer.text(), answer.text()
