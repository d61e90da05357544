"""A kept gidgethub client for one repository: GraphQL for Discussions, REST for the
schedule file, with GitHub's rate limits turned into waits."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import gidgethub
import gidgethub.aiohttp

from bot.delivery import RetryLater

USER_AGENT = "studybot (d2l study group bot)"
# A Retry-After this short is waited out in the call itself; a longer one puts the message
# back in the outbox until then (a sweep must not sleep for minutes).
INLINE_WAIT_SECONDS = 5.0
# GitHub's advice for a secondary rate limit that names no time: wait at least a minute.
SECONDARY_WAIT_SECONDS = 60.0


class Conflict(Exception):
    """The file changed since its sha was read (409)."""


def rate_limit_wait(status: int, headers: Mapping[str, str], body: bytes) -> float | None:
    """How long GitHub asks us to wait, or None if this response is no rate limit.

    Primary limits: 403/429 with `x-ratelimit-remaining: 0` (wait until `x-ratelimit-reset`).
    Secondary limits: 403/429 with `Retry-After`, or a message saying so (wait a minute).
    """
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after")
    if retry_after is not None and retry_after.strip().isdigit():
        return float(retry_after)
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset", "")
        if reset.isdigit():
            return max(1.0, int(reset) - time.time())
        return SECONDARY_WAIT_SECONDS
    if b"rate limit" in body.lower():
        return SECONDARY_WAIT_SECONDS
    return None


class _API(gidgethub.aiohttp.GitHubAPI):
    """gidgethub's client, with rate limits seen on every response (REST and GraphQL)."""

    inline_wait = INLINE_WAIT_SECONDS

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        for attempt in (1, 2):
            status, response_headers, data = await super()._request(method, url, headers, body)
            wait = rate_limit_wait(status, response_headers, data)
            if wait is None:
                break
            if attempt == 2 or wait > self.inline_wait:
                raise RetryLater(wait, f"GitHub rate limit ({status}): retry in {wait:.0f} s")
            await self.sleep(wait)
        return status, response_headers, data


class GitHubClient:
    """The calls the bot makes on its repository. Open once per process; close on stop."""

    def __init__(self, api_url: str, token: str, repo: str) -> None:
        self.base = api_url.rstrip("/")
        # api.github.com/graphql; GitHub Enterprise Server: https://HOST/api/graphql beside
        # its REST API at https://HOST/api/v3.
        self.graphql_url = self.base.removesuffix("/v3") + "/graphql"
        self.token = token
        self.owner, self.name = repo.split("/", 1)
        self._session: aiohttp.ClientSession | None = None
        self._api: _API | None = None

    @property
    def api(self) -> _API:
        if self._api is None:
            timeout = aiohttp.ClientTimeout(total=30)
            self._session = aiohttp.ClientSession(timeout=timeout)
            self._api = _API(self._session, USER_AGENT, oauth_token=self.token, base_url=self.base)
        return self._api

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = self._api = None

    async def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        try:
            data: dict[str, Any] = await self.api.graphql(
                query, endpoint=self.graphql_url, **variables
            )
        except gidgethub.QueryError as exc:
            errors = exc.response.get("errors") or [] if isinstance(exc.response, dict) else []
            if any(isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors):
                raise RetryLater(SECONDARY_WAIT_SECONDS, "GitHub GraphQL rate limit") from None
            raise
        return data

    def _contents_url(self, path: str) -> str:
        return f"/repos/{self.owner}/{self.name}/contents/{path}"

    async def read_file(self, path: str) -> tuple[str | None, str | None]:
        """The file's text and sha, or (None, None) when it doesn't exist yet."""
        try:
            data = await self.api.getitem(self._contents_url(path))
        except gidgethub.BadRequest as exc:
            if exc.status_code == 404:
                return None, None
            raise
        text = base64.b64decode(data.get("content") or "").decode("utf-8", errors="replace")
        return text, str(data["sha"])

    async def write_file(self, path: str, text: str, sha: str | None, message: str) -> str:
        """Create or replace the file (replacing needs the sha read before); returns the
        commit's sha. Conflict when someone changed it meanwhile."""
        body: dict[str, Any] = {
            "message": message,
            "content": base64.b64encode(text.encode()).decode(),
        }
        if sha is not None:
            body["sha"] = sha
        try:
            data = await self.api.put(self._contents_url(path), data=body)
        except gidgethub.BadRequest as exc:
            # 409: the sha is stale; 422 without a sha: someone created the file meanwhile.
            if exc.status_code == 409 or (exc.status_code == 422 and sha is None):
                raise Conflict(str(exc)) from None
            raise
        return str((data.get("commit") or {}).get("sha") or "")


def describe(exc: BaseException) -> str:
    """A one-line reason for `admin outbox`, without GitHub's whole response."""
    if isinstance(exc, gidgethub.HTTPException):
        return f"GitHub answered {int(exc.status_code)}: {exc}"[:300]
    if isinstance(exc, gidgethub.GraphQLException):
        return f"GitHub GraphQL error: {exc}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]
