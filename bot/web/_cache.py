"""A few seconds of memory for public pages: a burst of visitors (an announcement's link
clicked by the whole channel) costs one database read and one render per page, not one each.
Visitors arriving while a page is being made wait for that one (single flight)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

CACHE_SECONDS = 2.0
MAX_PAGES = 2_000


@dataclass(frozen=True)
class Stored:
    expires: float
    status: int
    body: bytes
    content_type: str
    charset: str | None


class PageCache:
    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._pages: dict[str, Stored] = {}
        self._making: dict[str, asyncio.Future[Stored]] = {}

    async def page(self, key: str, make: Callable[[], Awaitable[web.Response]]) -> web.Response:
        stored = self._pages.get(key)
        if stored is None or stored.expires <= time.monotonic():
            making = self._making.get(key)
            if making is None:
                making = asyncio.ensure_future(self._make(key, make))
                self._making[key] = making
                making.add_done_callback(lambda _f: self._making.pop(key, None))
            stored = await asyncio.shield(making)
        return web.Response(
            body=stored.body,
            status=stored.status,
            content_type=stored.content_type,
            charset=stored.charset,
        )

    async def _make(self, key: str, make: Callable[[], Awaitable[web.Response]]) -> Stored:
        response = await make()
        body = response.body
        assert isinstance(body, bytes)
        stored = Stored(
            time.monotonic() + self.seconds,
            response.status,
            body,
            response.content_type,
            response.charset,
        )
        if len(self._pages) >= MAX_PAGES:
            now = time.monotonic()
            self._pages = {k: v for k, v in self._pages.items() if v.expires > now}
            if len(self._pages) >= MAX_PAGES:
                self._pages.clear()
        self._pages[key] = stored
        return stored
