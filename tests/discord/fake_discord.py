"""A fake Discord on 127.0.0.1: the REST endpoints the bot calls (the gateway websocket is
in fake_gateway).

JSON answers with the exact
`Content-Type: application/json` discord.py insists on; 429s with a `Via` header (without
it discord.py takes a 429 for a Cloudflare ban and doesn't retry). Every REST call is
recorded; every message the bot creates (channel posts, interaction responses, followups)
is a `Sent`. `server_error` and `outage` make it answer 5xx for a while, optionally after
creating the message anyway (a response lost on the way back, where only the nonce saves the
member from a duplicate).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from tests.discord import payloads as p
from tests.discord.fake_events import ScheduledEventsApi
from tests.discord.fake_gateway import WAIT, FakeGateway

EPHEMERAL = 1 << 6


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any  # a JSON object, or a list for bulk overwrites


@dataclass
class Sent:
    """A message the bot made appear (or an edit/deletion of an interaction response)."""

    kind: str  # channel | response | deferred | followup | edit | delete | autocomplete
    channel_id: str
    body: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    message: dict[str, Any] = field(default_factory=dict)

    @property
    def content(self) -> str:
        return self.body.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        embeds: list[dict[str, Any]] = self.body.get("embeds") or []
        return embeds

    @property
    def ephemeral(self) -> bool:
        return bool((self.body.get("flags") or 0) & EPHEMERAL)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = self.body.get("components") or []
        return [c for row in rows for c in row.get("components", [])]

    def text(self) -> str:
        """Content and every embed's text, for assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(x for x in parts if x)


class FakeDiscord(ScheduledEventsApi, FakeGateway):
    def __init__(self) -> None:
        super().__init__()
        self.init_events()
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.closed_dms: set[str] = set()  # users whose DMs refuse the bot
        self.token = "fake-token"  # any other token gets a 401
        self.messages: dict[str, dict[str, Any]] = {}
        self._rate_limits: list[tuple[str, float]] = []
        self._server_errors: list[tuple[str, int, bool]] = []  # path part, status, processed
        self._outage: Callable[[], int | None] | None = None
        self._files: dict[str, bytes] = {}
        self._interactions: dict[str, str] = {}  # token → channel
        self._dms: dict[str, str] = {}  # user → DM channel
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/gateway"

    async def start(self) -> None:
        app = web.Application()
        api = "/api/v10"
        app.router.add_get(api + "/gateway/bot", self._gateway_bot)
        app.router.add_get(api + "/users/@me", self._static(p.BOT_USER))
        app.router.add_get(api + "/oauth2/applications/@me", self._static(p.app_info()))
        app.router.add_put(api + "/applications/{app}/commands", self._commands)
        app.router.add_post(api + "/users/@me/channels", self._open_dm)
        app.router.add_post(api + "/channels/{channel}/messages", self._channel_message)
        app.router.add_get(api + "/channels/{channel}/messages/{message}", self._get_message)
        app.router.add_patch(
            api + "/channels/{channel}/messages/{message}", self._edit_channel_message
        )
        app.router.add_post(api + "/interactions/{id}/{token}/callback", self._callback)
        app.router.add_post(api + "/webhooks/{app}/{token}", self._followup)
        app.router.add_patch(api + "/webhooks/{app}/{token}/messages/@original", self._edit)
        app.router.add_delete(api + "/webhooks/{app}/{token}/messages/@original", self._delete)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_get("/gateway", self._gateway)
        self.add_event_routes(app.router, api)
        # A bot left connected must not hold the test up for aiohttp's 60 s default.
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        await self.close_gateway()
        if self._runner is not None:
            await self._runner.cleanup()

    # What tests do -------------------------------------------------------------------------

    def rate_limit(self, path_part: str, retry_after: float = 0.05) -> None:
        """Answer the next request whose path contains `path_part` with a 429."""
        self._rate_limits.append((path_part, retry_after))

    def server_error(
        self, path_part: str, status: int = 503, times: int = 1, *, processed: bool = False
    ) -> None:
        """Answer the next `times` requests whose path contains `path_part` with `status`.
        With `processed`, a message is created first and only the answer is an error."""
        self._server_errors.extend([(path_part, status, processed)] * times)

    def outage(self, status: Callable[[], int | None] | None) -> None:
        """While `status()` returns a code, every REST request answers it (None: served)."""
        self._outage = status

    def add_file(self, name: str, content: bytes) -> dict[str, Any]:
        """Host an attachment; returns its payload for a message or interaction."""
        self._files[name] = content
        return dict(p.attachment(name, f"{self.url}/attachments/{name}", len(content)))

    async def wait_for(self, check: Callable[[], bool], within: float = WAIT) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(check), within)

    async def wait_sent(self, count: int, within: float = WAIT) -> list[Sent]:
        await self.wait_for(lambda: len(self.sent) >= count, within)
        return self.sent

    def dm_channel(self, user_id: str) -> str | None:
        """The DM channel the bot opened with a member, if any."""
        return self._dms.get(user_id)

    def calls_to(self, path_part: str, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if path_part in c.path and method in (None, c.method)]

    # REST ----------------------------------------------------------------------------------

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # Exactly "application/json": discord.py parses nothing else (no charset suffix).
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json"},
        )

    async def _record(self, request: web.Request) -> tuple[Any, dict[str, bytes]] | web.Response:
        body: Any = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            form = await request.post()
            for key, value in form.items():
                if key == "payload_json":
                    body = json.loads(str(value))
                elif isinstance(value, FileField):
                    files[value.filename] = value.file.read()
        await self._note(Call(request.method, request.path, dict(request.query), body))
        if (
            request.headers.get("Authorization") != f"Bot {self.token}"
            and "/webhooks/" not in request.path
            and "/interactions/" not in request.path
        ):
            return self._json({"message": "401: Unauthorized", "code": 0}, status=401)
        for index, (part, retry_after) in enumerate(self._rate_limits):
            if part in request.path:
                del self._rate_limits[index]
                return self._too_many(retry_after)
        status = self._outage() if self._outage is not None else None
        if status is not None:
            return self._server_error(status)
        return body, files

    def _failing(self, path: str) -> tuple[int, bool] | None:
        """The 5xx this request gets from `server_error`, and whether it is processed first."""
        for index, (part, status, processed) in enumerate(self._server_errors):
            if part in path:
                del self._server_errors[index]
                return status, processed
        return None

    @classmethod
    def _server_error(cls, status: int) -> web.Response:
        return cls._json({"message": f"{status}: Server Error", "code": 0}, status=status)

    def _too_many(self, retry_after: float) -> web.Response:
        data = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": False,
        }
        response = self._json(data, status=429)
        response.headers.update(
            {
                "Via": "1.1 google",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(retry_after),
                "X-RateLimit-Bucket": "fake-bucket",
                "X-RateLimit-Scope": "user",
            }
        )
        return response

    async def _note(self, item: Call | Sent) -> None:
        async with self._changed:
            if isinstance(item, Call):
                self.calls.append(item)
            else:
                self.sent.append(item)
            self._changed.notify_all()

    def _static(self, data: Any) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.Response:
            recorded = await self._record(request)
            return recorded if isinstance(recorded, web.Response) else self._json(data)

        return handler

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return self._json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _commands(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        commands, _ = recorded
        answer = [
            {**c, "id": p.snowflake(), "application_id": p.APP_ID, "version": "1"} for c in commands
        ]
        return self._json(answer)

    async def _open_dm(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        user_id = str(recorded[0]["recipient_id"])
        channel = self._dms.setdefault(user_id, p.snowflake())
        return self._json(p.dm_channel(channel, p.user(user_id, f"user{user_id[-2:]}")))

    async def _channel_message(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        body, files = recorded
        channel = request.match_info["channel"]
        failing = self._failing(request.path)
        if failing is not None and not failing[1]:
            return self._server_error(failing[0])
        if any(self._dms.get(u) == channel for u in self.closed_dms):
            error = {"message": "Cannot send messages to this user", "code": 50007}
            return self._json(error, status=403)
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            for sent in self.sent:  # Discord answers a repeated nonce with the first message
                if sent.channel_id == channel and sent.body.get("nonce") == body["nonce"]:
                    return self._json(sent.message)
        created = await self._create("channel", channel, body, files)
        if failing is not None:  # processed, but the answer is lost
            return self._server_error(failing[0])
        return self._json(created)

    async def _edit_channel_message(self, request: web.Request) -> web.Response:
        """An edit of a message in a channel (kind `message-edit`); the stored copy follows."""
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        body, files = recorded
        found = self.messages.get(request.match_info["message"])
        if found is None:
            return self._json({"message": "Unknown Message", "code": 10008}, 404)
        found.update({k: body[k] for k in ("content", "embeds", "components") if k in body})
        await self._note(Sent("message-edit", request.match_info["channel"], body, files, found))
        return self._json(found)

    async def _get_message(self, request: web.Request) -> web.Response:
        await self._record(request)
        found = self.messages.get(request.match_info["message"])
        if found is None:
            return self._json({"message": "Unknown Message", "code": 10008}, 404)
        return self._json(found)

    async def _callback(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        body, files = recorded
        token = request.match_info["token"]
        channel = self._interactions.get(token, p.CHANNEL_ID)
        kind = {4: "response", 5: "deferred", 8: "autocomplete"}.get(body["type"], "other")
        data = body.get("data") or {}
        created = await self._create(kind, channel, data, files)
        interaction = {
            "id": request.match_info["id"],
            "type": 2,
            "response_message_id": created["id"],
            "response_message_loading": body["type"] == 5,
            "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
        }
        resource: dict[str, Any] = {"type": body["type"]}
        if body["type"] == 4:
            resource["message"] = created
        return self._json({"interaction": interaction, "resource": resource})

    async def _followup(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        channel = self._interactions.get(request.match_info["token"], p.CHANNEL_ID)
        return self._json(await self._create("followup", channel, *recorded))

    async def _edit(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        channel = self._interactions.get(request.match_info["token"], p.CHANNEL_ID)
        return self._json(await self._create("edit", channel, *recorded))

    async def _delete(self, request: web.Request) -> web.Response:
        await self._record(request)
        channel = self._interactions.get(request.match_info["token"], p.CHANNEL_ID)
        await self._create("delete", channel, {}, {})
        return web.Response(status=204)

    async def _attachment(self, request: web.Request) -> web.Response:
        return web.Response(body=self._files[request.match_info["name"]])

    async def _create(
        self, kind: str, channel: str, body: dict[str, Any], files: dict[str, bytes]
    ) -> dict[str, Any]:
        created: dict[str, Any] = dict(
            p.message(
                body.get("content") or "", author=p.BOT_USER, channel_id=channel, guild_id=None
            )
        )
        created.update(
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            flags=body.get("flags") or 0,
            attachments=[
                p.attachment(name, f"{self.url}/attachments/{name}", len(data))
                for name, data in files.items()
            ],
        )
        if body.get("nonce") is not None:
            created["nonce"] = body["nonce"]
        self.messages[created["id"]] = created
        await self._note(Sent(kind, channel, body, files, created))
        return created
