"""The Slack tokens are checked at start (auth.test, apps.connections.open): a refused token
stops the start with what to fix; an unreachable Slack doesn't."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.platforms.base import PlatformStartError
from bot.platforms.slack_app import SlackPlatform
from tests.processes.helpers import free_port
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import FakeSlack


async def test_a_revoked_bot_token_stops_the_start_saying_where_to_copy_it(
    app: App, fake: FakeSlack
) -> None:
    settings = slack_settings(app.services.settings, fake, slack_bot_token=SecretStr("xoxb-old"))
    slack = SlackPlatform(app, settings, host="127.0.0.1")
    with pytest.raises(PlatformStartError) as refused:
        await slack.start()
    await slack.stop()
    assert str(refused.value).startswith("Slack rejected SLACK_BOT_TOKEN (invalid_auth)")
    assert "OAuth & Permissions" in str(refused.value)
    assert [c.method for c in fake.calls] == ["auth.test"]  # nothing else was tried


async def test_a_refused_app_token_stops_socket_mode_before_it_retries_forever(
    app: App, fake: FakeSlack
) -> None:
    fake.fail("apps.connections.open", "invalid_auth")
    settings = slack_settings(
        app.services.settings, fake, slack_app_token=SecretStr("xapp-revoked")
    )
    slack = SlackPlatform(app, settings, host="127.0.0.1")
    with pytest.raises(PlatformStartError, match="Slack rejected SLACK_APP_TOKEN"):
        await slack.start()
    await slack.stop()


async def test_an_unreachable_slack_is_logged_and_the_http_mode_starts(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    settings = slack_settings(
        app.services.settings,
        FakeSlack(url=f"http://127.0.0.1:{free_port()}"),
    )
    slack = SlackPlatform(app, settings, host="127.0.0.1")
    await slack.start()
    try:
        assert slack.connected()
        assert "could not check SLACK_BOT_TOKEN, Slack is unreachable" in caplog.text
    finally:
        await slack.stop()
