"""The real Slack platform served on 127.0.0.1, talking to a fake Slack on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.slack_app import SlackPlatform
from bot.settings import Settings
from tests.conftest import make_settings
from tests.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack

SIGNING_SECRET = "test-signing-secret"


def slack_settings(base: Settings, fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_api_url": fake.url + "/api/",
        "port": 0,
    }
    values.update(overrides)
    return base.model_copy(update=values)


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


class SlackUser:
    """Plays Slack's servers calling the bot: signed slash commands, clicks, submissions."""

    def __init__(self, session: aiohttp.ClientSession, platform: SlackPlatform, fake: FakeSlack):
        self.session = session
        self.platform = platform
        self.fake = fake
        self.url = f"http://127.0.0.1:{platform.port}/slack/events"
        self._count = 0

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        all_headers = {"Content-Type": content_type, **(headers or signed_headers(body))}
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as r:
            return r.status, await r.text()

    def command_body(
        self, text: str, *, user: str = "U1", channel: str = "C1", team: str = TEAM
    ) -> str:
        self._count += 1
        return urlencode(
            {
                "token": "legacy",
                "team_id": team,
                "team_domain": "study",
                "channel_id": channel,
                "channel_name": "directmessage" if channel.startswith("D") else "d2l",
                "user_id": user,
                "user_name": f"name-{user}",
                "command": "/d2l",
                "text": text,
                "api_app_id": "A111",
                "response_url": f"{self.fake.url}/hooks/commands/{team}/{self._count}",
                "trigger_id": f"trigger-{self._count}",
            }
        )

    async def command(self, text: str, **kwargs: str) -> tuple[int, str]:
        """`/d2l TEXT`; returns the ack and waits until the bot has answered."""
        status, ack = await self.post(
            self.command_body(text, **kwargs), "application/x-www-form-urlencoded"
        )
        await self.platform.idle(10)
        return status, ack

    async def interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)})
        status, text = await self.post(body, "application/x-www-form-urlencoded")
        await self.platform.idle(10)
        return status, text

    async def event(self, event: dict[str, Any], team: str = TEAM) -> tuple[int, str]:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": team,
                "api_app_id": "A111",
                "event": event,
                "event_id": f"Ev{self._count}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team, "user_id": f"UBOT{team}", "is_bot": True}],
            }
        )
        status, text = await self.post(body, "application/json")
        await self.platform.idle(10)
        return status, text


def click(
    fake: FakeSlack, button: dict[str, Any], *, ephemeral: bool, user: str = "U2"
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": "1800000001.000100",
        "channel_id": "C1",
        "is_ephemeral": ephemeral,
    }
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "study"},
        "user": {"id": user, "username": f"name-{user}", "name": f"name-{user}", "team_id": TEAM},
        "api_app_id": "A111",
        "token": "legacy",
        "container": container,
        "trigger_id": "trigger-click",
        "channel": {"id": "C1", "name": "d2l"},
        "response_url": f"{fake.url}/hooks/actions/{TEAM}/1",
        "actions": [{**button, "block_id": "b1", "action_ts": "1800000002.1"}],
    }


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


@pytest.fixture
async def app(sqlite_url: str, clock: FakeClock) -> AsyncIterator[App]:
    """The bot core as in tests/conftest.py (its database a copy of the run's migrated one)."""
    bot = await App.create(make_settings(sqlite_url), clock=clock)
    yield bot
    await bot.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
async def platform(app: App, fake: FakeSlack) -> AsyncIterator[SlackPlatform]:
    slack = SlackPlatform(app, slack_settings(app.services.settings, fake), host="127.0.0.1")
    await slack.start()
    assert [c.method for c in fake.calls] == ["auth.test"]  # the token is checked at start
    fake.calls.clear()  # the tests read what commands and deliveries call
    yield slack
    await slack.stop()


@pytest.fixture
async def slack(platform: SlackPlatform, fake: FakeSlack) -> AsyncIterator[SlackUser]:
    async with aiohttp.ClientSession() as session:
        yield SlackUser(session, platform, fake)
