"""The Slack tokens are checked once at start, so a wrong one stops the process with what to
fix instead of failing every reply later."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import one_line
from bot.platforms.base import PlatformStartError

log = logging.getLogger(__name__)

APPS = "https://api.slack.com/apps"
WHERE = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…) under OAuth & Permissions",
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write under Basic "
    "Information → App-Level Tokens",
}


async def check_token(client: AsyncWebClient, variable: str, method: str) -> None:
    """Call `method` with the token: Slack refusing it raises PlatformStartError; Slack
    unreachable or failing is only logged (HTTP mode still receives events; Socket Mode
    keeps trying to connect)."""
    try:
        response = await client.api_call(method)
    except SlackApiError as exc:
        status = getattr(exc.response, "status_code", 0)
        error = exc.response.get("error") if status == 200 else None
        if error is None or error == "ratelimited":
            log.warning("Slack: could not check %s with %s (%s)", variable, method, status)
            return
        raise PlatformStartError(
            f"Slack rejected {variable} ({error}): copy {WHERE[variable]} again from {APPS}."
        ) from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("Slack: could not check %s, Slack is unreachable (%s)", variable, one_line(exc))
        return
    if method == "auth.test":
        log.info("Slack: %s is the bot of workspace %s", variable, response.get("team_id"))
