"""The gateway half of the fake Discord: HELLO, HEARTBEAT/ACK, IDENTIFY → READY →
GUILD_CREATE, RESUME → RESUMED (or INVALID_SESSION), then events pushed by the tests.

Plain JSON text frames: discord.py asks for zlib-stream but only inflates binary frames.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.discord import payloads as p

WAIT = 5.0  # bounded waits: a broken client fails a test, it doesn't hang it
HELLO, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HEARTBEAT_ACK = 10, 1, 2, 6, 9, 11


class FakeGateway:
    """Mixed into FakeDiscord; `gateway_url` comes from there."""

    messages: dict[str, dict[str, Any]]
    _interactions: dict[str, str]
    _changed: asyncio.Condition

    def __init__(self) -> None:
        self.identifies: list[dict[str, Any]] = []
        self.resumes = 0
        self.refuse_intents = False  # close IDENTIFY with 4014 (privileged intent not enabled)
        self.refuse_resume = False  # answer RESUME with INVALID_SESSION: the bot must IDENTIFY
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._ready = asyncio.Event()

    @property
    def gateway_url(self) -> str:
        raise NotImplementedError

    async def dispatch(self, event: str, data: Any) -> None:
        """Push an event to the connected bot (waits until it is connected)."""
        await asyncio.wait_for(self._ready.wait(), WAIT)
        assert self._ws is not None
        if event == "MESSAGE_CREATE":
            self.messages[data["id"]] = data
        if event == "INTERACTION_CREATE":
            self._interactions[data["token"]] = data["channel_id"]
        await self._send_dispatch(self._ws, event, data)

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the gateway socket as a network failure or Discord restart would."""
        self._ready.clear()
        assert self._ws is not None
        await self._ws.close(code=code)

    async def wait_ready(self, within: float = WAIT) -> None:
        await asyncio.wait_for(self._ready.wait(), within)

    async def close_gateway(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await self._send(ws, HELLO, {"heartbeat_interval": 45_000})
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            data = json.loads(frame.data)
            if data["op"] == HEARTBEAT:
                await self._send(ws, HEARTBEAT_ACK, None)
            elif data["op"] == IDENTIFY:
                self.identifies.append(data["d"])
                if self.refuse_intents:
                    await ws.close(code=4014)
                    break
                await self._send_dispatch(ws, "READY", p.ready(p.snowflake(), self.gateway_url))
                await self._send_dispatch(ws, "GUILD_CREATE", p.guild())
                self._ready.set()
            elif data["op"] == RESUME:
                self.resumes += 1
                if self.refuse_resume:
                    await self._send(ws, INVALID_SESSION, False)
                else:
                    # An object, as Discord sends it: discord.py writes into it.
                    await self._send_dispatch(ws, "RESUMED", {})
                    self._ready.set()
            async with self._changed:
                self._changed.notify_all()
        return ws

    async def _send(self, ws: web.WebSocketResponse, op: int, data: Any) -> None:
        await ws.send_json({"op": op, "d": data, "s": None, "t": None})

    async def _send_dispatch(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})
