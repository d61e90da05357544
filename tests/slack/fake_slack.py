"""A fake Slack on 127.0.0.1: the Web API, response_urls, file upload/download, Socket Mode.

It records every call so tests can read what the bot sent, answers per token (each workspace
has its own), and can be told to answer 429 with a `Retry-After`, or 5xx for a while (an
outage, as a load balancer in front of a failing Slack answers).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test-token"
TEAM = "T111"


@dataclass
class Call:
    method: str  # "chat.postMessage", "hook", "upload", "download"
    params: dict[str, Any]
    token: str | None = None
    path: str = ""
    response: dict[str, Any] = field(default_factory=dict)  # what the fake answered


@dataclass
class FakeSlack:
    tokens: dict[str, str] = field(default_factory=lambda: {BOT_TOKEN: TEAM})
    # OAuth: the code an installer brings back → the workspace it installs into.
    oauth_codes: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    expired_hooks: int = 0  # the next N response_url posts answer 404 (used up or expired)

    def __post_init__(self) -> None:
        self._rate_limits: dict[str, list[str]] = {}
        self._failures: dict[str, list[str]] = {}
        self._server_errors: dict[str, list[int]] = {}
        self._outage: Callable[[], int | None] | None = None
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None

    # ---- test controls -------------------------------------------------------------------

    def rate_limit(self, method: str, retry_after: str = "0", times: int = 1) -> None:
        """The next `times` calls of `method` answer 429 with this Retry-After."""
        self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer `{"ok": false, "error": error}`."""
        self._failures.setdefault(method, []).extend([error] * times)

    def server_error(self, method: str, status: int = 503, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP `status` with an HTML error page."""
        self._server_errors.setdefault(method, []).extend([status] * times)

    def outage(self, status: Callable[[], int | None] | None) -> None:
        """While `status()` returns a code, every Web API call answers it (None: served)."""
        self._outage = status

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def hooks(self) -> list[dict[str, Any]]:
        """Bodies posted to response_urls."""
        return [c.params for c in self.called("hook")]

    async def wait_for(self, check: Callable[[], bool], seconds: float = 5.0) -> None:
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(check)

    async def push_envelope(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to every connected bot."""
        for ws in self._sockets:
            await ws.send_str(json.dumps(envelope))

    # ---- server ----------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/hooks/{path:.*}", self._hook)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files/{name}", self._download)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        call = Call(method, params, token, request.path)
        await self._record(call)
        pending = self._rate_limits.get(method)
        if pending:
            retry_after = pending.pop(0)
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": retry_after},
            )
        status = self._outage() if self._outage is not None else None
        errors = self._server_errors.get(method)
        if status is None and errors:
            status = errors.pop(0)
        if status is not None:
            call.response = {"status": status}
            return web.Response(
                status=status, text=f"<html><body>{status}</body></html>", content_type="text/html"
            )
        failures = self._failures.get(method)
        if failures:
            return web.json_response({"ok": False, "error": failures.pop(0)})
        if method == "oauth.v2.access":
            return web.json_response(self._oauth_access(params))
        if method == "apps.connections.open":
            ws_url = self.url.replace("http://", "ws://") + "/socket"
            return web.json_response({"ok": True, "url": ws_url})
        team = self.tokens.get(token or "")
        if team is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        call.response = self._answer(method, params, team, str(token))
        return web.json_response(call.response)

    def _answer(self, method: str, params: dict[str, Any], team: str, token: str) -> dict[str, Any]:
        ts = f"{1_800_000_000 + next(self._ts)}.000100"
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": team,
                "team": f"team {team}",
                "user_id": f"UBOT{team}",
                "bot_id": f"BBOT{team}",
                "url": f"https://{team.lower()}.slack.example/",
            }
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "X"))}}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V1"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files", "[]"))
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": True}

    def _oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        team = self.oauth_codes.get(str(params.get("code")))
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-{team}-token"
        self.tokens[token] = team
        return {
            "ok": True,
            "app_id": "A111",
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": f"UBOT{team}",
            "team": {"id": team, "name": f"team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
        }

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.expired_hooks > 0:
            self.expired_hooks -= 1
            await self._record(Call("expired-hook", body, None, request.path))
            return web.Response(status=404, text="expired_url")
        await self._record(Call("hook", body, None, request.path))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        await self._record(Call("upload", {"content": data}, None, request.path))
        return web.Response(text="OK - 200")

    async def _download(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        auth = request.headers.get("Authorization", "")
        await self._record(Call("download", {"name": name}, auth.removeprefix("Bearer ")))
        if auth.removeprefix("Bearer ") not in self.tokens or name not in self.files:
            return web.Response(status=403)
        return web.Response(body=self.files[name])

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                async with self._changed:
                    self.socket_acks.append(json.loads(message.data))
                    self._changed.notify_all()
        self._sockets.remove(ws)
        return ws


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    content_type = request.content_type
    if content_type == "application/json":
        params.update(await request.json())
    elif content_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(await request.text(), keep_blank_values=True))
    elif content_type.startswith("multipart/"):
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params
