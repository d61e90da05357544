"""`studybot bench web`: 200 concurrent requests for `/` and for `/verify/CODE`, on SQLite.

The site runs in a child process (as the `web` process would), the load comes from this one,
so the two don't share a core's time. Prints latency percentiles and errors as JSON; the
target is p99 ≤ 100 ms with no errors. Rate limits are off: every request comes from one
address, which the limits would (rightly) stop.

The latencies include the load generator's own time (a minimal HTTP/1.1 client on one kept-alive
connection per concurrent visitor, to keep that time small). `baseline` is the same
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
    host, port = base.removeprefix("http://").split(":")
    pages: dict[str, Any] = {}
    # One kept-alive connection per concurrent visitor, as browsers keep theirs.
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(concurrency)]
    try:
        for path in ("/", f"/verify/{code}"):
            request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
            await asyncio.gather(*(_one(c, request) for c in connections))  # warm up
            times: list[float] = []
            errors = 0
            started = time.perf_counter()
            for _ in range(rounds):
                results = await asyncio.gather(*(_one(c, request) for c in connections))
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
    finally:
        for _, writer in connections:
            writer.close()
    return {
        "bench": "web",
        "database": "sqlite",
        "concurrency": concurrency,
        "rounds": rounds,
        "target_p99_ms": TARGET_P99_MS,
        "pages": pages,
    }


async def _one(
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
) -> tuple[float, bool]:
    """One request on a kept-alive connection; a minimal HTTP/1.1 client, so the load
    generator's own time stays small next to the server's."""
    reader, writer = connection
    started = time.perf_counter()
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
        ok = status == 200
    except (OSError, ValueError, StopIteration, asyncio.IncompleteReadError):
        ok = False
    return time.perf_counter() - started, ok


def _percentile(values: list[float], q: float) -> float:
    index = min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))
    return values[index]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
