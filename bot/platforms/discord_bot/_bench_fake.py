"""A minimal fake Discord for `studybot bench discord`: just enough REST and gateway for
the real client to log in, receive MESSAGE_CREATE and answer in the channel.

(The full fake with recording, 429s, interactions and DMs lives in tests/discord; this one
ships with the bot so the benchmark runs from an installed package.)
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "100000000000000001"
CHANNEL_ID = "200000000000000001"
BOT_USER = {
    "id": BOT_ID,
    "username": "studybot",
    "discriminator": "0",
    "avatar": None,
    "global_name": None,
    "bot": True,
}
APP_INFO = {
    "id": APP_ID,
    "name": "studybot",
    "description": "",
    "icon": None,
    "bot_public": True,
    "bot_require_code_grant": False,
    "owner": {**BOT_USER, "id": "1", "bot": False},
    "verify_key": "0" * 64,
    "flags": 0,
}
GUILD: dict[str, Any] = {
    "id": GUILD_ID,
    "name": "bench",
    "icon": None,
    "features": [],
    "roles": [{"id": GUILD_ID, "name": "@everyone", "permissions": "3072", "position": 0}],
    "member_count": 1,
    "channels": [
        {
            "id": CHANNEL_ID,
            "name": "bench",
            "type": 0,
            "guild_id": GUILD_ID,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }
    ],
    "members": [],
    "threads": [],
}


class BenchDiscord:
    """Sends members' messages over the gateway and times the bot's answers to them."""

    def __init__(self) -> None:
        self.ws: web.WebSocketResponse | None = None
        self.ready = asyncio.Event()
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.failures = 0
        self._seq = 0
        self._ids = iter(range(500_000_000_000_000_000, 10**19))
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        api = "/api/v10"
        app.router.add_get(api + "/users/@me", self._static(BOT_USER))
        app.router.add_get(api + "/oauth2/applications/@me", self._static(APP_INFO))
        app.router.add_put(api + "/applications/{app}/commands", self._static([]))
        app.router.add_post(api + "/channels/{channel}/messages", self._message)
        app.router.add_post(api + "/users/@me/channels", self._dm)
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def say(self, user_id: str, text: str) -> float:
        """Post a member's message; return the seconds until the bot answered it."""
        assert self.ws is not None
        message_id = str(next(self._ids))
        answered: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[message_id] = answered
        sent_at = time.perf_counter()
        await self._dispatch("MESSAGE_CREATE", _message(message_id, user_id, text))
        answered_at: float = await answered
        return answered_at - sent_at

    @staticmethod
    def _json(data: Any) -> web.Response:
        return web.Response(
            body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
        )

    def _static(self, data: Any) -> Any:
        async def handler(request: web.Request) -> web.Response:
            return self._json(data)

        return handler

    async def _message(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body = await request.json()
        else:
            body = json.loads(str((await request.post())["payload_json"]))
        answered = time.perf_counter()
        reference = (body.get("message_reference") or {}).get("message_id")
        waiter = self.waiting.pop(str(reference), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(answered)
        channel = request.match_info["channel"]
        return self._json(
            _message(str(next(self._ids)), BOT_ID, body.get("content") or "", channel)
        )

    async def _dm(self, request: web.Request) -> web.Response:
        self.failures += 1  # the benchmark's commands are public: a DM means an error reply
        body = await request.json()
        user = {**BOT_USER, "id": str(body["recipient_id"]), "bot": False}
        return self._json({"id": str(next(self._ids)), "type": 1, "recipients": [user]})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}, "s": None, "t": None})
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            op = json.loads(frame.data)["op"]
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                ready = {
                    "v": 10,
                    "user": BOT_USER,
                    "guilds": [{"id": GUILD_ID, "unavailable": True}],
                    "session_id": "bench",
                    "resume_gateway_url": self.url.replace("http", "ws") + "/gateway",
                    "shard": [0, 1],
                    "application": {"id": APP_ID, "flags": 0},
                }
                await self._dispatch("READY", ready)
                await self._dispatch("GUILD_CREATE", GUILD)
                self.ready.set()
        return ws

    async def _dispatch(self, event: str, data: Any) -> None:
        assert self.ws is not None
        self._seq += 1
        await self.ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})


def _message(
    message_id: str, author_id: str, content: str, channel_id: str = CHANNEL_ID
) -> dict[str, Any]:
    is_bot = author_id == BOT_ID
    author = {**BOT_USER, "id": author_id, "username": f"member{author_id[-3:]}", "bot": is_bot}
    return {
        "id": message_id,
        "channel_id": channel_id,
        "guild_id": GUILD_ID,
        "author": author,
        "member": {"roles": [], "joined_at": None, "deaf": False, "mute": False, "flags": 0},
        "content": content,
        "timestamp": "2027-01-04T09:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }
