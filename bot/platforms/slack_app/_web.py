"""HTTP mode: `POST /slack/events` (plus the OAuth pages) on an aiohttp server.

The signature is checked here before the body is parsed, so a forged or stale request gets
401 without touching anything, and a malformed body gets 400 instead of a parser crash (bolt
alone answers 500 to both a non-numeric timestamp and an unparsable `payload=`).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
Spawn = Callable[[Coroutine[Any, Any, None]], None]
MAX_BODY = 1024 * 1024


# Requests whose acknowledgement is always an empty 200: they are acked before bolt runs.
EMPTY_ACK = frozenset({"command", "block_actions", "event_callback"})


class AckFirst:
    """Background work waits until no request has been acknowledged for `settle` seconds.

    A burst of commands arrives over a few tens of milliseconds: acking all of them first
    keeps every ack fast; the commands' work (database, replies) follows a moment later.
    """

    def __init__(self, settle: float = 0.02) -> None:
        self.settle = settle
        self.acking = 0
        self._last = 0.0
        self._quiet = asyncio.Event()
        self._quiet.set()

    def enter(self) -> None:
        self.acking += 1
        self._quiet.clear()

    def leave(self) -> None:
        self.acking -= 1
        self._last = asyncio.get_running_loop().time()
        if self.acking == 0:
            self._quiet.set()

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._quiet.wait()
            calm = loop.time() - self._last
            if calm >= self.settle and self._quiet.is_set():
                return
            await asyncio.sleep(self.settle - calm)


def build_web_app(
    bolt: AsyncApp, signing_secret: str, spawn: Spawn, gate: AckFirst
) -> web.Application:
    """An application of its own with just the Slack endpoints (Slack without the pages)."""
    web_app = web.Application(client_max_size=MAX_BODY)
    mount_slack(web_app, bolt, signing_secret, spawn, gate)
    return web_app


def mount_slack(
    web_app: web.Application, bolt: AsyncApp, signing_secret: str, spawn: Spawn, gate: AckFirst
) -> None:
    """Add `POST /slack/events` (and the OAuth pages) to `web_app`: the web pages' app in the
    `web` process (bot.web), or one of their own."""
    verifier = SignatureVerifier(signing_secret)

    async def events(request: web.Request) -> web.Response:
        gate.enter()
        try:
            return await _events(request)
        finally:
            gate.leave()

    async def _events(request: web.Request) -> web.Response:
        raw = await request.read()
        if not _signed(verifier, raw, request.headers):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            body = raw.decode("utf-8")
            parsed = parse_body(body, request.content_type)
            problem = malformed(parsed)
        except ValueError as exc:  # undecodable bytes, broken JSON
            problem = f"unreadable body ({type(exc).__name__})"
        if problem:
            log.warning("malformed Slack request: %s", problem)
            return web.json_response({"error": problem}, status=400)
        query, headers = request.query_string, _headers(request.headers)
        if ("command" if "command" in parsed else parsed.get("type")) in EMPTY_ACK:
            # Slack only needs a 200 within 3 s; bolt's middleware and listener run after it.
            # This keeps the ack at a fraction of a millisecond under a burst of commands.
            spawn(_dispatch_after_ack(bolt, body, query, headers))
            return web.Response(status=200)
        bolt_request = AsyncBoltRequest(body=body, query=query, headers=headers)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    if signing_secret:  # Socket Mode has none: its events come over the socket, never here
        web_app.router.add_post(EVENTS_PATH, events)
    flow = bolt.oauth_flow
    if flow is not None:

        async def install(request: web.Request) -> web.Response:
            bolt_request = AsyncBoltRequest(
                body="", query=request.query_string, headers=_headers(request.headers)
            )
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))

        async def redirect(request: web.Request) -> web.Response:
            bolt_request = AsyncBoltRequest(
                body="", query=request.query_string, headers=_headers(request.headers)
            )
            with warnings.catch_warnings():
                # slack_sdk's oauth.v2.access still uses aiohttp.BasicAuth, deprecated in
                # aiohttp 3.14; harmless until aiohttp 4 (where slack_sdk will have moved on).
                warnings.filterwarnings("ignore", "BasicAuth is deprecated", DeprecationWarning)
                response = await flow.handle_callback(bolt_request)
            return await to_aiohttp_response(response)

        web_app.router.add_get(flow.install_path, install)
        web_app.router.add_get(flow.redirect_uri_path, redirect)


async def _dispatch_after_ack(
    bolt: AsyncApp, body: str, query: str, headers: dict[str, str | Sequence[str]]
) -> None:
    request = AsyncBoltRequest(body=body, query=query, headers=headers)
    response = await bolt.async_dispatch(request)
    if response.status >= 300:
        log.warning("Slack request handled with %s: %s", response.status, response.body[:200])


def _signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    try:
        return verifier.is_valid(
            body=body,
            timestamp=headers.get("X-Slack-Request-Timestamp"),
            signature=headers.get("X-Slack-Signature"),
        )
    except (ValueError, UnicodeDecodeError):  # a timestamp that isn't a number, a non-UTF-8 body
        return False


def _headers(headers: Mapping[str, str]) -> dict[str, str | Sequence[str]]:
    merged: dict[str, list[str]] = {}
    for name, value in headers.items():
        merged.setdefault(name.lower(), []).append(value)
    return dict(merged)


def malformed(body: Any) -> str | None:
    """What is missing from a request the listeners rely on (None: it looks like Slack's)."""
    if not isinstance(body, dict):
        return "the body is not an object"
    if body.get("ssl_check") or body.get("type") == "url_verification":
        return None
    if "command" in body:
        missing = [k for k in ("team_id", "channel_id", "user_id") if not body.get(k)]
        return f"slash command without {', '.join(missing)}" if missing else None
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return "block_actions without actions"
        if not isinstance(body.get("user"), dict) or not body["user"].get("id"):
            return "block_actions without a user"
        return None
    if kind == "view_submission":
        ok = isinstance(body.get("view"), dict) and isinstance(body.get("user"), dict)
        return None if ok else "view_submission without a view or user"
    if kind == "event_callback":
        ok = isinstance(body.get("event"), dict) and bool(body.get("team_id"))
        return None if ok else "event_callback without an event or team"
    if isinstance(kind, str):
        return None  # other interactivity and events: bolt answers them (404 if unhandled)
    return "neither a slash command nor an interactivity or event payload"
