"""Many workspaces: the OAuth install flow stores one bot token per workspace in our database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.slack_app import SlackPlatform
from bot.platforms.slack_app._clients import NotInstalled
from handlers.types import Reply
from models.tables import OutboxMessage
from tests.conftest import make_settings
from tests.slack.conftest import SlackUser, slack_settings
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
async def oauth_app(database_url: str, clock: FakeClock) -> AsyncIterator[App]:
    """The bot on SQLite and on PostgreSQL: the installation store lives in its database."""
    bot = await App.create(make_settings(database_url), clock=clock)
    yield bot
    await bot.close()


@pytest.fixture
async def oauth_platform(oauth_app: App, fake: FakeSlack) -> AsyncIterator[SlackPlatform]:
    settings = slack_settings(
        oauth_app.services.settings,
        fake,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret=SecretStr("client-secret"),
    )
    slack = SlackPlatform(oauth_app, settings, host="127.0.0.1")
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
async def workspaces(oauth_platform: SlackPlatform, fake: FakeSlack) -> AsyncIterator[SlackUser]:
    """Two workspaces, TA and TB, install the app through the browser flow."""
    fake.oauth_codes = {"code-a": "TA", "code-b": "TB"}
    base = f"http://127.0.0.1:{oauth_platform.port}"
    async with aiohttp.ClientSession() as browser:
        for code in ("code-a", "code-b"):
            async with browser.get(f"{base}/slack/install") as page:
                assert page.status == 200
                html = await page.text()
                cookie = page.headers["Set-Cookie"].split(";")[0]
            authorize = re.search(r'href="([^"]+oauth/v2/authorize[^"]*)"', html)
            assert authorize is not None
            url = urlparse(authorize.group(1).replace("&amp;", "&"))
            assert f"{url.scheme}://{url.netloc}" == fake.url
            state = parse_qs(url.query)["state"][0]
            # The browser comes back from Slack with a code and the state, and its cookie.
            async with browser.get(
                f"{base}/slack/oauth_redirect",
                params={"code": code, "state": state},
                headers={"Cookie": cookie},
            ) as done:
                assert done.status == 200, await done.text()
        yield SlackUser(browser, oauth_platform, fake)


async def test_each_workspace_gets_its_own_token(
    workspaces: SlackUser, oauth_platform: SlackPlatform, fake: FakeSlack
) -> None:
    assert [c.params["code"] for c in fake.called("oauth.v2.access")] == ["code-a", "code-b"]
    sender = oauth_platform.sender()
    for team in ("TA", "TB"):
        message = OutboxMessage(id=1, key="k", platform="slack", workspace_id=team, target="C1")
        await sender.send(message, Reply(text=f"hello {team}"), direct=False)
    tokens = [c.token for c in fake.called("chat.postMessage")]
    assert tokens == ["xoxb-TA-token", "xoxb-TB-token"]


async def test_commands_run_with_the_token_of_their_workspace(
    workspaces: SlackUser, fake: FakeSlack
) -> None:
    fake.calls.clear()
    await workspaces.command("help", team="TB")
    assert [c.token for c in fake.called("auth.test")] == ["xoxb-TB-token"]
    [answer] = fake.hooks()
    assert "d2l next" in str(answer["blocks"])


async def test_a_workspace_without_an_installation_is_told_to_install(
    workspaces: SlackUser, oauth_platform: SlackPlatform, fake: FakeSlack
) -> None:
    status, _ = await workspaces.command("help", team="TZ")
    assert status == 200
    assert "install" in fake.hooks()[-1]["text"].lower()
    message = OutboxMessage(id=1, key="k", platform="slack", workspace_id="TZ", target="C1")
    with pytest.raises(NotInstalled):
        await oauth_platform.sender().send(message, Reply(text="x"), direct=False)


async def test_a_forged_state_installs_nothing(
    oauth_platform: SlackPlatform, fake: FakeSlack
) -> None:
    fake.oauth_codes = {"code-a": "TA"}
    base = f"http://127.0.0.1:{oauth_platform.port}"
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(
            f"{base}/slack/oauth_redirect",
            params={"code": "code-a", "state": "forged"},
            headers={"Cookie": "slack-app-oauth-state=forged"},
        ) as done,
    ):
        assert done.status >= 400
    assert fake.called("oauth.v2.access") == []
