"""Shared helpers for the sandbox tests: lowered limits and a job runner."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NoReturn

import pytest
import pytest_asyncio

from bot.sandbox import Evaluator, SandboxJob, SandboxLimits, SandboxResult

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Stand-ins for the bot's secrets: present in the test process, never in a job.
FAKE_SECRETS = {
    "STUDYBOT_DISCORD__TOKEN": "fake-discord-token-5d1c",
    "STUDYBOT_DATABASE_URL": "postgresql://studybot:fake-db-password-9e2f@127.0.0.1/studybot",
}
TEST_LIMITS = SandboxLimits(
    cpu_seconds=2,
    wall_seconds=8.0,
    memory_mb=256,
    processes=32,
    open_files=64,
    file_size_mb=4,
    tmp_size_mb=16,
    output_bytes=16 * 1024,
    outputs_max_files=4,
    outputs_max_bytes=64 * 1024,
    concurrency=2,
)


async def run_code(
    evaluator: Evaluator,
    code: str,
    *,
    stdin: bytes = b"",
    seed: int = 0,
    args: tuple[str, ...] = (),
    wall_seconds: float | None = None,
    extra_files: dict[str, bytes] | None = None,
) -> SandboxResult:
    """Run `code` as main.py in a job with the given fields."""
    job = SandboxJob(
        files={"main.py": code.encode(), **(extra_files or {})},
        entry="main.py",
        args=args,
        stdin=stdin,
        seed=seed,
        wall_seconds=wall_seconds,
    )
    return await evaluator.run(job)


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains `marker` (to find a job's leftovers)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


async def assert_still_serves(evaluator: Evaluator) -> None:
    """The evaluator answers an ordinary job correctly (after whatever came before)."""
    result = await run_code(evaluator, "print(6 * 7)")
    assert (result.status, result.stdout) == ("ok", "42\n"), result


def skip_without_sandbox(refusal: str) -> NoReturn:
    """Skip a test that needs the sandbox; on CI, which installs bubblewrap, fail it."""
    if os.environ.get("CI"):
        pytest.fail(f"sandbox unavailable on CI: {refusal}")
    pytest.skip(f"sandbox unavailable: {refusal}")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def evaluator() -> AsyncIterator[Evaluator]:
    """One warm evaluator per test module, started with fake secrets in the environment."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_SECRETS.items():
            patch.setenv(name, value)
        instance = Evaluator(TEST_LIMITS)
        await instance.start()
    if instance.refusal is not None:
        skip_without_sandbox(instance.refusal)
    try:
        yield instance
    finally:
        await instance.close()


@pytest_asyncio.fixture(loop_scope="module")
async def serves_afterwards(evaluator: Evaluator) -> AsyncIterator[Evaluator]:
    """Yields the evaluator; afterwards checks it still serves and we are untouched."""
    pid = os.getpid()
    yield evaluator
    await assert_still_serves(evaluator)
    assert os.getpid() == pid
