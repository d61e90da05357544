"""A fake of GitHub's raw file host and gist API on 127.0.0.1 (aiohttp), for link tests."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web


class FakeGitHub:
    """Serves `files` under /raw/OWNER/REPO/REF/PATH and `gists` under /api/gists/ID."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.gists: dict[str, dict[str, str]] = {}
        self.redirects: dict[str, str] = {}
        self.slow: set[str] = set()
        self.requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeGitHub:
        app = web.Application()
        app.router.add_get("/raw/{path:.*}", self._raw)
        app.router.add_get("/api/gists/{id}", self._gist)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _raw(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.requests.append(path)
        if path in self.slow:
            await asyncio.sleep(2)  # four times the tests' download time limit
        if path in self.redirects:
            raise web.HTTPFound(self.redirects[path])
        if path not in self.files:
            raise web.HTTPNotFound()
        return web.Response(body=self.files[path])

    async def _gist(self, request: web.Request) -> web.Response:
        gist_id = request.match_info["id"]
        self.requests.append(f"gists/{gist_id}")
        files = self.gists.get(gist_id)
        if files is None:
            raise web.HTTPNotFound()
        body: dict[str, Any] = {
            "id": gist_id,
            "files": {
                name: {"filename": name, "content": content, "truncated": False}
                for name, content in files.items()
            },
        }
        return web.json_response(body)
