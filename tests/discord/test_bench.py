"""`studybot bench discord` runs end to end (a few messages; the numbers are not checked)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.platforms.discord_bot import bench


async def test_the_benchmark_answers_every_message(tmp_path: Path) -> None:
    result = await bench._bench(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", 8, 2)
    assert result["messages"] == 8 and result["errors"] == 0
    assert result["reply_p50_ms"] is not None and result["reply_p99_ms"] is not None


def test_the_benchmark_registers_as_discord() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    benches = commands.add_parser("bench").add_subparsers(dest="bench")
    bench.register(commands, benches)
    args = parser.parse_args(["bench", "discord", "--messages", "3"])
    assert args.func is bench.run and args.messages == 3
