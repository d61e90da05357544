"""Socket Mode: the same bot behind a websocket instead of a public HTTP endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.platforms.slack_app import SlackPlatform
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import TEAM, FakeSlack

APP_TOKEN = "xapp-1-test"


@pytest.fixture
async def socket_platform(app: App, fake: FakeSlack) -> AsyncIterator[SlackPlatform]:
    settings = slack_settings(app.services.settings, fake, slack_app_token=SecretStr(APP_TOKEN))
    slack = SlackPlatform(app, settings, host="127.0.0.1")
    await slack.start()
    yield slack
    await slack.stop()


async def test_a_slash_command_arrives_over_the_socket_and_is_answered(
    socket_platform: SlackPlatform, fake: FakeSlack
) -> None:
    # Once to check the token at start, once by the Socket Mode client.
    assert [c.token for c in fake.called("apps.connections.open")] == [APP_TOKEN] * 2
    await fake.wait_for(lambda: bool(fake._sockets))
    payload = {
        "team_id": TEAM,
        "channel_id": "C1",
        "user_id": "U1",
        "user_name": "ada",
        "command": "/d2l",
        "text": "next",
        "response_url": f"{fake.url}/hooks/commands/{TEAM}/socket",
        "trigger_id": "trigger-socket",
    }
    await fake.push_envelope(
        {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "payload": payload,
            "accepts_response_payload": True,
        }
    )
    await fake.wait_for(lambda: any(a.get("envelope_id") == "env-1" for a in fake.socket_acks))
    await fake.wait_for(lambda: bool(fake.hooks()))
    [answer] = fake.hooks()
    assert "session 1" in answer["text"]
    assert socket_platform._runner is None  # no HTTP server in Socket Mode without OAuth
