"""`studybot bench slack`: ack latency of `/d2l next` under 200 concurrent signed requests.

The real HTTP app on an ephemeral port, a minimal fake Slack (Web API and response_urls) on
another, a throwaway SQLite database; prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.settings import Settings

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def register(commands: Any, benches: Any) -> None:
    parser = benches.add_parser("slack", help="Slack: ack latency of concurrent /d2l next")
    parser.add_argument("--requests", type=int, default=200, help="how many (default 200)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = asyncio.run(bench(args.settings, args.requests))
    print(json.dumps(result))
    return 0 if result["errors"] == 0 else 1


class _FakeSlack:
    """Just enough Slack for the bench: auth.test, chat.*, response_urls (counted)."""

    def __init__(self) -> None:
        self.hooks = 0
        self.failed = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/hooks/{rest:.*}", self._hook)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{_port(site)}"

    async def _api(self, request: web.Request) -> web.Response:
        answer: dict[str, Any] = {"ok": True, "ts": "1.0"}
        if request.match_info["method"] == "auth.test":
            answer |= {"team_id": "TBENCH", "user_id": "UBOT", "bot_id": "BBOT"}
        return web.json_response(answer)

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.hooks += 1
        self.failed += b":warning:" in body  # an error reply is a failed command
        return web.Response(text="ok")


async def bench(base: Settings, requests: int) -> dict[str, Any]:
    from bot.app import App
    from bot.platforms.slack_app import SlackPlatform

    fake = _FakeSlack()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(
            update={
                "database_url": f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
                "slack_signing_secret": SecretStr(SECRET),
                "slack_bot_token": SecretStr(TOKEN),
                "slack_app_token": None,
                "slack_client_id": None,
                "slack_client_secret": None,
                "slack_api_url": fake.url + "/api/",
                "port": 0,
            }
        )
        app = await App.create(settings)
        platform = SlackPlatform(app, settings, host="127.0.0.1")
        await platform.start()
        try:
            latencies, errors = await _fire(platform.port, fake.url, requests)
            await platform.idle(60)
        finally:
            await platform.stop()
            await app.close()
            assert fake.runner is not None
            await fake.runner.cleanup()
    # Every command (and the warm-up) must also have been answered through its response_url.
    errors += max(0, requests + 1 - fake.hooks) + fake.failed
    ordered = sorted(latencies) or [0.0]
    return {
        "requests": requests,
        "ack_p50_ms": round(statistics.median(ordered) * 1000, 1),
        "ack_p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "errors": errors,
    }


async def _fire(port: int, fake_url: str, requests: int) -> tuple[list[float], int]:
    """Fire the burst from another process (Slack's servers aren't in our event loop)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.platforms.slack_app._load",
        f"http://127.0.0.1:{port}/slack/events",
        SECRET,
        fake_url,
        str(requests),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    if process.returncode != 0:
        return [], requests
    result = json.loads(out)
    return [float(x) for x in result["latencies"]], int(result["errors"])


def _port(site: web.TCPSite) -> int:
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1])
