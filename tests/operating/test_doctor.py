"""`studybot doctor` passes on this machine, fails naming bubblewrap when it is hidden from
PATH, and reports refused tokens and a missing Discord intent with the fix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.doctor import MESSAGE_CONTENT_FLAGS, discord_token, slack_token
from tests.conftest import make_settings
from tests.operating.conftest import migrate_cli_database
from tests.processes.helpers import BIN
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.test_cli import studybot


def test_doctor_passes_on_this_machine(tmp_path: Path) -> None:
    migrate_cli_database(tmp_path)  # in-process: one process start fewer
    result = studybot(tmp_path, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ bubblewrap and user namespaces" in result.stdout
    assert "✓ database" in result.stdout
    assert "sandbox warm start:" in result.stdout
    assert result.stdout.rstrip().endswith("everything the bot needs is here")


def test_doctor_fails_naming_bubblewrap_when_it_is_hidden_from_path(tmp_path: Path) -> None:
    migrate_cli_database(tmp_path)  # in-process: one process start fewer
    result = studybot(tmp_path, "doctor", PATH=str(BIN))  # the venv only: no bwrap there
    assert result.returncode == 1
    assert "✗ bubblewrap and user namespaces: bubblewrap (bwrap) is not installed" in (
        result.stdout
    )
    assert "apt-get install bubblewrap" in result.stdout
    assert "missing: bubblewrap" in result.stdout


def test_doctor_says_to_migrate_a_database_that_is_not(tmp_path: Path) -> None:
    result = studybot(tmp_path, "doctor", "--skip-sandbox")
    assert result.returncode == 1
    assert "✗ database" in result.stdout and "run `studybot migrate`" in result.stdout


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.mark.parametrize(("token", "ok"), [(BOT_TOKEN, True), ("xoxb-revoked", False)])
async def test_the_slack_token_is_checked(
    fake_slack: FakeSlack, tmp_path: Path, token: str, ok: bool
) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}").model_copy(
        update={"slack_bot_token": SecretStr(token), "slack_api_url": fake_slack.url + "/api/"}
    )
    async with aiohttp.ClientSession() as http:
        check = await slack_token(http, settings)
    assert check.ok is ok
    if not ok:
        assert "refused (invalid_auth)" in check.detail
        assert "OAuth & Permissions" in check.fix


@pytest.fixture
async def discord_app() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """A Discord API answering /oauth2/applications/@me with `application` for "Bot good"."""
    application: dict[str, Any] = {"id": "1", "name": "studybot", "flags": 0}

    async def me(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bot good":
            return web.json_response({"message": "401: Unauthorized"}, status=401)
        return web.json_response(application)

    web_app = web.Application()
    web_app.router.add_get("/api/v10/oauth2/applications/@me", me)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/api/v10", application
    await runner.cleanup()


@pytest.mark.parametrize(
    ("token", "flags", "says"),
    [
        ("good", MESSAGE_CONTENT_FLAGS & (1 << 19), "message content on"),
        ("good", 0, "the Message Content intent is off"),
        ("bad", 0, "refused"),
    ],
)
async def test_the_discord_token_and_its_intent_are_checked(
    discord_app: tuple[str, dict[str, Any]], tmp_path: Path, token: str, flags: int, says: str
) -> None:
    api, application = discord_app
    application["flags"] = flags
    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}").model_copy(
        update={"discord_token": SecretStr(token), "discord_api_url": api}
    )
    async with aiohttp.ClientSession() as http:
        check = await discord_token(http, settings)
    assert says in check.detail
    assert check.ok is (says == "message content on")
