"""Fixtures for the multi-process tests: a fresh PostgreSQL database, both chat fakes on
127.0.0.1, and a registry of child processes that teardown always kills."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.conftest import fresh_postgres
from tests.discord import payloads as p
from tests.discord.fake_discord import FakeDiscord
from tests.processes.helpers import Processes, SlackCaller, clean_environ
from tests.slack.conftest import SIGNING_SECRET
from tests.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack

# Slack's organizer and Discord's (alice), by platform id.
SLACK_ORGANIZER = "U1"


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, dropped (with any connection left) afterwards."""
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def caller(http: aiohttp.ClientSession, slack: FakeSlack) -> SlackCaller:
    return SlackCaller(http, slack.url)


def noon_zone(at: dt.datetime) -> str:
    """A fixed-offset zone in which `at` falls near noon, so a session moved by seconds
    never crosses a local midnight (which would change its date)."""
    offset = 12 - at.astimezone(dt.UTC).hour
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX signs are inverted


def session_env(starts_at: dt.datetime) -> dict[str, str]:
    """Settings for a cohort whose first session starts at `starts_at`."""
    zone = noon_zone(starts_at)
    local = starts_at.astimezone(ZoneInfo(zone))
    return {
        "STUDYBOT_COHORT__NAME": "Scale cohort",
        "STUDYBOT_COHORT__TIMEZONE": zone,
        "STUDYBOT_COHORT__FIRST_SESSION": local.date().isoformat(),
        "STUDYBOT_COHORT__SESSION_TIME": local.time().replace(microsecond=0).isoformat(),
        "STUDYBOT_COHORT__SESSIONS": "2",
    }


@pytest.fixture
def bot_env(pg_url: str, slack: FakeSlack, discord: FakeDiscord) -> dict[str, str]:
    """What a deployment sets: PostgreSQL, both platforms (pointed at the fakes), no
    embedded grading workers (separate `studybot worker` processes grade)."""
    return {
        **clean_environ(),
        "STUDYBOT_DATABASE_URL": pg_url,
        "STUDYBOT_LOG_LEVEL": "INFO",
        "STUDYBOT_WORKERS": "0",
        "STUDYBOT_COHORT__ORGANIZERS": json.dumps(
            [f"slack:{TEAM}:{SLACK_ORGANIZER}", f"discord:{p.ALICE_ID}"]
        ),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "STUDYBOT_SLACK_API_URL": slack.url + "/api/",
        "DISCORD_TOKEN": discord.token,
        "STUDYBOT_DISCORD_API_URL": discord.api_url,
    }


@pytest.fixture
async def processes(tmp_path: Path, bot_env: dict[str, str]) -> AsyncIterator[Processes]:
    procs = Processes(tmp_path, bot_env)
    try:
        yield procs
    finally:
        await procs.close()
