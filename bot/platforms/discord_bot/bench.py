"""`studybot bench discord`: reply latency of the real discord.py client under load.

Starts a fake Discord on 127.0.0.1, connects the bot to it (a temporary SQLite database),
then pushes MESSAGE_CREATE events with public commands through the gateway as fast as the
client answers them (`--concurrency` messages in flight) and prints JSON: the count, the
reply latency percentiles (gateway frame sent → the bot's message received), the core's
share of it (`app.handle`), and errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

if TYPE_CHECKING:  # the CLI imports this module for every command: load the bot lazily
    from bot.platforms.base import Platform
    from handlers.types import Invocation, Reply

COMMANDS = ("!d2l next", "!d2l schedule", "!d2l session 3", "!d2l next")
MEMBERS = 20
REPLY_TIMEOUT = 30.0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    benches: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    parser = benches.add_parser("discord", help="Discord reply latency against a fake gateway")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument(
        "--concurrency", type=int, default=1, help="messages in flight at once (default: 1)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(_bench(url, args.messages, max(1, args.concurrency)))
    print(json.dumps(result))
    return 0 if result["errors"] == 0 else 1


async def _bench(database_url: str, messages: int, concurrency: int) -> dict[str, Any]:
    from bot.app import App
    from bot.platforms.discord_bot._bench_fake import BenchDiscord
    from bot.platforms.discord_bot._platform import DiscordPlatform
    from bot.settings import Settings

    fake = BenchDiscord()
    await fake.start()
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        discord_token=SecretStr("bench"),
        discord_api_url=fake.url + "/api/v10",
        discord_gateway_url=fake.url.replace("http://", "ws://") + "/gateway",
    )
    app = await App.create(settings)
    handler_times: list[float] = []
    handle = app.handle

    async def timed_handle(invocation: Invocation) -> list[Reply]:
        # The core's share of each reply, so the adapter's own overhead shows.
        started = time.perf_counter()
        try:
            return await handle(invocation)
        finally:
            handler_times.append(time.perf_counter() - started)

    app.handle = timed_handle  # type: ignore[method-assign]
    platform: Platform = DiscordPlatform(app, settings, guild_ready_timeout=0.05)
    try:
        await platform.start()
        members = [str(300_000_000_000_000_000 + i) for i in range(MEMBERS)]
        for member in members:  # enrol everyone first: the measured part is steady state
            await fake.say(member, "!d2l next")
        latencies: list[float] = []
        handler_times.clear()
        errors = 0
        queue = iter(range(messages))

        async def worker() -> None:
            nonlocal errors
            for index in queue:
                text = COMMANDS[index % len(COMMANDS)]
                try:
                    latency = await asyncio.wait_for(
                        fake.say(members[index % MEMBERS], text), REPLY_TIMEOUT
                    )
                except TimeoutError:
                    errors += 1
                    continue
                latencies.append(latency)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await platform.stop()
        await app.close()
        await fake.close()
    return {
        "messages": messages,
        "concurrency": concurrency,
        "reply_p50_ms": _percentile_ms(latencies, 50),
        "reply_p99_ms": _percentile_ms(latencies, 99),
        "handler_p50_ms": _percentile_ms(handler_times, 50),
        "handler_p99_ms": _percentile_ms(handler_times, 99),
        "messages_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
        "errors": errors + fake.failures,
    }


def _percentile_ms(values: list[float], percentile: int) -> float | None:
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else None
    return round(statistics.quantiles(values, n=100)[percentile - 1] * 1000, 1)
