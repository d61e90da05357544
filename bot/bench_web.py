"""`studybot bench web`: 200 concurrent requests for `/` and for `/verify/CODE`, on SQLite.

The site runs in a child process (as the `web` process would), the load comes from this one,
so the two don't share a core's time. Prints latency percentiles and errors as JSON; the
target is p99 ≤ 100 ms with no errors. Rate limits are off: every request comes from one
address, which the limits would (rightly) stop.

The latencies include the load generator's own time (it is Python too). `baseline` is the same
load against a bare aiohttp app answering a page of the same size from memory: the floor this
machine and client allow, to read the site's numbers against.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_P99_MS = 100.0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    benches: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    parser = benches.add_parser("web", help="web pages: 200 concurrent requests, p99 (JSON)")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="bursts per page")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        code = asyncio.run(_prepare(url))
        port = _free_port()
        ready = multiprocessing.get_context("spawn").Event()
        server = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(url, port, ready), daemon=True
        )
        server.start()
        try:
            if not ready.wait(60):
                raise SystemExit("studybot bench web: the site did not start within 60 s")
            result = asyncio.run(
                _load(f"http://127.0.0.1:{port}", code, args.concurrency, args.rounds)
            )
        finally:
            server.terminate()
            server.join(10)
        result["baseline"] = _baseline(args.concurrency, args.rounds)
    result["ok"] = all(
        page["p99_ms"] <= TARGET_P99_MS and page["errors"] == 0 for page in result["pages"].values()
    )
    print(json.dumps(result))
    return 0 if result["ok"] else 1


async def _prepare(url: str) -> str:
    """A cohort with two members and a certificate; its code."""
    from bot.app import App
    from bot.settings import load_settings
    from handlers.types import Invocation

    app = await App.create(load_settings(database_url=url, workers=0))
    try:
        replies = []
        for user, text in (("olga", "join"), ("bob", "join"), ("olga", "admin certificate @bob")):
            replies = await app.handle(Invocation("console", "local", "console", user, user, text))
        return replies[0].text.split("certificate ")[1].split(" ")[0]
    finally:
        await app.close()


def _baseline(concurrency: int, rounds: int) -> dict[str, Any]:
    port = _free_port()
    ready = multiprocessing.get_context("spawn").Event()
    bare = multiprocessing.get_context("spawn").Process(
        target=_serve_bare, args=(port, ready), daemon=True
    )
    bare.start()
    try:
        ready.wait(60)
        pages = asyncio.run(_load(f"http://127.0.0.1:{port}", "X", concurrency, rounds))["pages"]
    finally:
        bare.terminate()
        bare.join(10)
    return {name: {"p50_ms": p["p50_ms"], "p99_ms": p["p99_ms"]} for name, p in pages.items()}


def _serve_bare(port: int, ready: Any) -> None:
    from aiohttp import web

    async def main() -> None:
        bare = web.Application()
        body = b"x" * 9_000  # about the home page's size

        async def answer(request: web.Request) -> web.Response:
            return web.Response(body=body, content_type="text/html")

        bare.router.add_get("/", answer)
        bare.router.add_get("/verify/{code}", answer)
        runner = web.AppRunner(bare, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _serve(url: str, port: int, ready: Any) -> None:
    os.environ["STUDYBOT_DATABASE_URL"] = url

    async def main() -> None:
        from bot.app import App, freeze_heap
        from bot.settings import load_settings
        from bot.web import WebServer, build_site

        app = await App.create(load_settings(database_url=url, workers=0), migrate=False)
        server = WebServer(build_site(app, limits=None), "127.0.0.1", port)
        await server.start()
        freeze_heap()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


async def _load(base: str, code: str, concurrency: int, rounds: int) -> dict[str, Any]:
    import aiohttp

    pages: dict[str, Any] = {}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        for path in ("/", f"/verify/{code}"):
            # Warm up: the connections are open (as a browser keeps them) and the page made.
            await asyncio.gather(*(_one(http, base + path) for _ in range(concurrency)))
            times: list[float] = []
            errors = 0
            started = time.perf_counter()
            for _ in range(rounds):
                results = await asyncio.gather(
                    *(_one(http, base + path) for _ in range(concurrency))
                )
                times += [t for t, ok in results]
                errors += sum(not ok for _, ok in results)
            wall = time.perf_counter() - started
            times.sort()
            pages[(path.split("/")[1] and "/verify/CODE") or "/"] = {
                "requests": len(times),
                "errors": errors,
                "p50_ms": round(_percentile(times, 50) * 1000, 1),
                "p90_ms": round(_percentile(times, 90) * 1000, 1),
                "p99_ms": round(_percentile(times, 99) * 1000, 1),
                "max_ms": round(times[-1] * 1000, 1),
                "requests_per_second": round(len(times) / wall),
            }
    return {
        "bench": "web",
        "database": "sqlite",
        "concurrency": concurrency,
        "rounds": rounds,
        "target_p99_ms": TARGET_P99_MS,
        "pages": pages,
    }


async def _one(http: Any, url: str) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        async with http.get(url) as response:
            await response.read()
            ok = response.status == 200
    except Exception:
        ok = False
    return time.perf_counter() - started, ok


def _percentile(values: list[float], q: float) -> float:
    index = min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))
    return values[index]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
