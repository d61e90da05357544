"""`studybot discord` as an operator runs it: a real process against the fake Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.discord.conftest import say
from tests.discord.fake_discord import FakeDiscord

STUDYBOT = Path(sys.executable).with_name("studybot")


@pytest.mark.slow
async def test_studybot_discord_connects_answers_and_stops_on_sigterm(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DISCORD_TOKEN": "fake-token",
        "STUDYBOT_DISCORD_API_URL": fake.api_url,
        "STUDYBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "STUDYBOT_LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_SIGNING_SECRET", None)
    process = await asyncio.create_subprocess_exec(
        str(STUDYBOT), "discord", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    try:
        await fake.wait_ready(within=60)  # imports and migrations first
        await say(fake, "!d2l next")
        (sent,) = await fake.wait_sent(1, within=30)
        assert sent.embeds[0]["title"].startswith("Next session 1:")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
