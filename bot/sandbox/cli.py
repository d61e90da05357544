"""`studybot sandbox run FILE` and `studybot bench sandbox`.

Imported by every studybot command, so it imports nothing heavy at module level.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `sandbox run` to `commands` and `sandbox` to `bench`."""
    sandbox = commands.add_parser("sandbox", help="run code in the bubblewrap sandbox")
    actions = sandbox.add_subparsers(dest="sandbox_command", required=True)
    run = actions.add_parser("run", help="run FILE in the sandbox and print one JSON object")
    run.add_argument("file", help="the Python file to run as __main__")
    run.add_argument("args", nargs="*", help="arguments for the file")
    run.add_argument("--stdin", metavar="PATH", help="feed this file to the job's stdin")
    run.add_argument("--seed", type=int, default=0, help="seed for random/numpy/torch")
    run.add_argument("--wall-seconds", type=float, default=None, help="wall-clock limit")
    run.add_argument(
        "--warm", action="store_true", help="start a warm interpreter (slower for one job)"
    )
    run.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="UNSAFE: run without any isolation (local development only)",
    )
    run.set_defaults(func=run_command)
    measure = bench.add_parser("sandbox", help="measure sandbox latency and throughput")
    measure.add_argument("--samples", type=int, default=40, help="jobs per measurement")
    measure.set_defaults(func=bench_command)


def _print(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False))


def run_command(args: argparse.Namespace) -> int:
    """Run one file; exit 0 if it ended `ok`, 2 if refused, else 1."""
    import asyncio

    from . import Evaluator, SandboxJob, SandboxLimits

    with open(args.file, "rb") as f:
        source = f.read()
    stdin = b""
    if args.stdin:
        with open(args.stdin, "rb") as f:
            stdin = f.read()
    name = os.path.basename(args.file) or "main.py"
    limits = SandboxLimits(
        mode="warm" if args.warm else "cold", unsafe_no_sandbox=args.unsafe_no_sandbox
    )
    job = SandboxJob(
        files={name: source},
        entry=name,
        args=tuple(args.args),
        stdin=stdin,
        seed=args.seed,
        wall_seconds=args.wall_seconds,
    )

    async def go() -> Any:
        async with Evaluator(limits) as evaluator:
            return await evaluator.run(job)

    result = asyncio.run(go())
    _print(
        {
            "status": result.status,
            "exit_code": result.exit_code,
            "signal": result.signal,
            "stdout": result.stdout,
            "stderr": result.stderr,
            "wall_ms": round(result.wall_ms, 1),
            "message": result.message,
            "outputs": sorted(result.outputs),
        }
    )
    return {"ok": 0, "refused": 2}.get(result.status, 1)


def bench_command(args: argparse.Namespace) -> int:
    """Print the benchmark as one JSON object."""
    import asyncio

    from ._bench import run_bench

    report = asyncio.run(run_bench(samples=args.samples))
    _print(report)
    return 1 if "error" in report else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: `python -m bot.sandbox.cli sandbox run FILE`."""
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser("bench", help="benchmarks").add_subparsers(
        dest="bench_command", required=True
    )
    register(commands, bench)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
