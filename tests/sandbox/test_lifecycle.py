"""The evaluator's life: the cold path, the CLI, and replacing a dead warm interpreter."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.sandbox import Evaluator

from .conftest import PROJECT_DIR, TEST_LIMITS, assert_still_serves, processes_with, run_code

pytestmark = [pytest.mark.sandbox]


@pytest.mark.asyncio(loop_scope="module")
async def test_a_dead_warm_interpreter_is_replaced(evaluator: Evaluator) -> None:
    await assert_still_serves(evaluator)
    zygote = evaluator._zygote  # reaching in: no job can kill it, which is the point
    assert zygote is not None and zygote._proc is not None
    os.killpg(zygote._proc.pid, signal.SIGKILL)
    await zygote._proc.wait()
    await assert_still_serves(evaluator)
    assert evaluator._zygote is not zygote


@pytest.mark.asyncio(loop_scope="module")
async def test_the_cold_path_runs_a_job_in_a_fresh_sandbox() -> None:
    # Cold jobs import torch themselves: that needs more CPU and memory than warm ones.
    limits = TEST_LIMITS.replace(mode="cold", cpu_seconds=10, memory_mb=1024)
    async with Evaluator(limits) as cold:
        if cold.refusal is not None:
            pytest.skip(cold.refusal)
        result = await run_code(cold, "import torch\nprint(torch.ones(2).sum().item())\n")
    assert (result.status, result.stdout, result.stderr) == ("ok", "2.0\n", "")


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_sandbox_run_prints_one_json_object(tmp_path: Path) -> None:
    script = tmp_path / "hello.py"
    script.write_text("import sys\nprint('hi', sys.argv[1:])\nsys.exit(4)\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot.sandbox.cli", "sandbox", "run", str(script), "x"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stdout)
    assert {"status", "exit_code", "signal", "stdout", "stderr", "wall_ms"} <= set(report)
    assert (report["status"], report["exit_code"], report["stdout"]) == (
        "error",
        4,
        "hi ['x']\n",
    )
    assert done.returncode == 1


@pytest.mark.asyncio(loop_scope="module")
async def test_cancelling_a_run_kills_its_job(evaluator: Evaluator) -> None:
    marker = f"studybot-cancel-{uuid.uuid4().hex}"
    code = (
        "import subprocess, sys\n"
        f"subprocess.run([sys.executable, '-c', 'import time; time.sleep(60)', {marker!r}])\n"
    )
    run = asyncio.create_task(run_code(evaluator, code, wall_seconds=60))
    for _ in range(200):  # wait (up to 10 s) until the job's child is running
        if processes_with(marker):
            break
        await asyncio.sleep(0.05)
    assert processes_with(marker), "the job never started its child"
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    for _ in range(100):  # the kill is asynchronous: allow it up to 5 s
        if not processes_with(marker):
            break
        await asyncio.sleep(0.05)
    assert processes_with(marker) == []
    await assert_still_serves(evaluator)


@pytest.mark.asyncio(loop_scope="module")
async def test_spares_that_cannot_be_made_end_the_job_at_once_instead_of_spinning() -> None:
    broken = TEST_LIMITS.replace(tmp_inodes=-1)  # the job's /tmp cannot be mounted
    async with Evaluator(broken) as evaluator:
        if evaluator.refusal is not None:
            pytest.skip(f"sandbox unavailable: {evaluator.refusal}")
        started = asyncio.get_running_loop().time()
        result = await run_code(evaluator, "print(6 * 7)")
        assert result.status == "killed", result
        assert asyncio.get_running_loop().time() - started < 5.0
        assert "making a spare failed" in evaluator._zygote.stderr_tail  # type: ignore[union-attr]
