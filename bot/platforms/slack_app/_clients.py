"""Web API clients: one shared HTTP session, the right token per workspace, 429s retried once."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

# Waiting longer than this inside one send would hold up the whole outbox batch: past it the
# error goes up and the dispatcher retries the row later with its own backoff.
MAX_RETRY_AFTER = 30.0


class RetryAfterOnce(AsyncRetryHandler):
    """On 429, wait exactly `Retry-After` seconds (if reasonable) and try once more."""

    def __init__(self, max_wait: float = MAX_RETRY_AFTER) -> None:
        super().__init__(max_retry_count=1)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response) <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await asyncio.sleep(_retry_after(response) if response is not None else 1.0)
        state.increment_current_attempt()


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) else values
            try:
                return max(0.0, float(value))
            except ValueError:
                return 1.0
    return 1.0


def retry_handlers() -> list[AsyncRetryHandler]:
    return [AsyncConnectionErrorRetryHandler(), RetryAfterOnce()]


class NotInstalled(LookupError):
    """The bot has no token for this workspace (never installed, or uninstalled)."""


class Clients:
    """Builds Web API clients pointed at `api_url`, sharing one HTTP session once started."""

    def __init__(
        self,
        api_url: str,
        bot_token: str | None,
        installation_store: AsyncInstallationStore | None = None,
    ) -> None:
        self.api_url = api_url
        self.installation_store = installation_store
        self.session: aiohttp.ClientSession | None = None
        # The client bolt copies for every request (same base_url, session, retry handlers).
        self.base = AsyncWebClient(
            token=bot_token, base_url=api_url, retry_handlers=retry_handlers()
        )

    async def open(self) -> None:
        if self.session is None:
            self.session = aiohttp.ClientSession()
            self.base.session = self.session

    async def close(self) -> None:
        if self.session is not None:
            self.base.session = None
            await self.session.close()
            self.session = None

    def with_token(self, token: str | None) -> AsyncWebClient:
        return AsyncWebClient(
            token=token,
            base_url=self.api_url,
            session=self.session,
            retry_handlers=retry_handlers(),
        )

    async def for_team(self, team_id: str) -> AsyncWebClient:
        """A client with this workspace's bot token (the single token, or the installed one)."""
        if self.installation_store is None:
            return self.base
        bot = await self.installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"studybot is not installed in Slack workspace {team_id}")
        return self.with_token(bot.bot_token)

    def webhook(self, url: str) -> AsyncWebhookClient:
        """For `response_url`s (they carry their own authority, no token)."""
        return AsyncWebhookClient(url=url, session=self.session, retry_handlers=retry_handlers())


def ok(response: Any) -> bool:
    return getattr(response, "status_code", 0) == 200
