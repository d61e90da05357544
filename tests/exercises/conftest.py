"""Fixtures for the exercise tests.

`executor` is a TEST-ONLY executor with no sandbox at all: a warm interpreter that has imported
torch forks one child per job, which runs the job's entry in a temporary directory. It keeps
the grader's tests fast (no 2-3 s torch import per job); the real bubblewrap evaluator is
exercised by the tests marked `sandbox`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.sandbox import Evaluator, SandboxLimits
from bot.sandbox.types import Executor, SandboxJob, SandboxResult
from quizzes.exercises.catalog import get_exercise
from quizzes.exercises.grader import judge, load_code, prepare
from quizzes.exercises.result import GradeResult
from tests.sandbox.conftest import skip_without_sandbox

_ZYGOTE = r"""
import base64, json, os, runpy, select, signal, sys, time
import numpy, torch, torch._dynamo, torch.nn, torch.optim, safetensors.torch  # as the warm sandbox

for line in sys.stdin:
    req = json.loads(line)
    started = time.monotonic()
    pipes = [os.pipe() for _ in range(3)]  # stdin, stdout, stderr
    pid = os.fork()
    if pid == 0:
        os.setsid()
        os.chdir(req["dir"])
        for fd, (r, w) in zip((0, 1, 2), pipes):
            os.dup2(r if fd == 0 else w, fd)
        for r, w in pipes:
            os.close(r); os.close(w)
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        os.environ["STUDYBOT_OUT"] = req["out"]
        sys.argv = [req["entry"]]
        code = 0
        try:
            runpy.run_path(req["entry"], run_name="__main__")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            import traceback; traceback.print_exc(); code = 1
        try:
            sys.stdout.flush(); sys.stderr.flush()
        except BaseException:
            pass
        os._exit(code)
    stdin_w = pipes[0][1]
    for fd in (pipes[0][0], pipes[1][1], pipes[2][1]):
        os.close(fd)
    logs = {pipes[1][0]: open(os.path.join(req["logs"], "stdout"), "wb"),
            pipes[2][0]: open(os.path.join(req["logs"], "stderr"), "wb")}
    # Like the real sandbox: stdin gets `after` only once stdout and stderr are both at EOF.
    after = None if req["after"] is None else base64.b64decode(req["after"])
    if after is None:
        os.close(stdin_w); stdin_w = None
    else:
        os.set_blocking(stdin_w, False)
    status, wait_status = "timeout", None
    while time.monotonic() - started < req["wall"]:
        reading = list(logs)
        writing = [stdin_w] if stdin_w is not None and not reading else []
        ready_r, ready_w, _ = select.select(reading, writing, [], 0.01)
        for fd in ready_r:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                logs[fd].write(chunk)
            else:
                logs.pop(fd).close(); os.close(fd)
        if ready_w:
            try:
                after = after[os.write(stdin_w, after[: 1 << 16]):]
            except BlockingIOError:
                pass
            except BrokenPipeError:
                after = b""
            if not after:
                os.close(stdin_w); stdin_w = None
        done, ws = os.waitpid(pid, os.WNOHANG)
        if done:
            wait_status = ws
            status = "ok" if os.waitstatus_to_exitcode(ws) == 0 else "error"
            break
    try:
        os.killpg(pid, signal.SIGKILL)  # the job if it ran out of time, and its leftovers
    except ProcessLookupError:
        pass
    if wait_status is None:
        os.waitpid(pid, 0)
    for fd, log in logs.items():
        os.set_blocking(fd, False)
        try:
            log.write(os.read(fd, 1 << 20))
        except BlockingIOError:
            pass
        log.close(); os.close(fd)
    if stdin_w is not None:
        os.close(stdin_w)
    code = None if wait_status is None else os.waitstatus_to_exitcode(wait_status)
    reply = {"status": status, "code": code, "ms": (time.monotonic() - started) * 1000}
    print(json.dumps(reply), flush=True)
"""


class ForkServerExecutor:
    """Runs sandbox jobs WITHOUT a sandbox, for the grader's own tests only."""

    def __init__(self) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._lock = threading.Lock()
        self.jobs: list[SandboxJob] = []

    async def run(self, job: SandboxJob) -> SandboxResult:
        self.jobs.append(job)
        return await asyncio.to_thread(self._run, job)

    def _run(self, job: SandboxJob) -> SandboxResult:
        with tempfile.TemporaryDirectory() as tmp, self._lock:
            root = Path(tmp)
            work, logs, out = root / "work", root / "logs", root / "work" / "out"
            for path in (work, logs, out):
                path.mkdir(exist_ok=True)
            for name, data in job.files.items():
                (work / name).write_bytes(data)
            request: dict[str, Any] = {"dir": str(work), "logs": str(logs), "out": str(out)}
            request["entry"] = job.entry
            request["wall"] = job.wall_seconds or 15.0
            after = job.stdin_after_output
            request["after"] = None if after is None else base64.b64encode(after).decode()
            assert self._proc.stdin is not None and self._proc.stdout is not None
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            reply = json.loads(self._proc.stdout.readline())
            code = reply["code"]
            return SandboxResult(
                status=reply["status"],
                exit_code=code if code is None or code >= 0 else None,
                signal=-code if code is not None and code < 0 else None,
                stdout=_read(logs / "stdout"),
                stderr=_read(logs / "stderr"),
                wall_ms=reply["ms"],
                outputs={p.name: p.read_bytes() for p in out.iterdir() if p.is_file()},
            )

    def close(self) -> None:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=10)
        self._proc.stdout.close()


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace") if path.exists() else ""


@pytest.fixture(scope="session")
def executor() -> Iterator[ForkServerExecutor]:
    server = ForkServerExecutor()
    yield server
    server.close()


# Lowered, but enough for torch and the slowest exercise; few output files, as in production.
SANDBOX_LIMITS = SandboxLimits(
    cpu_seconds=30, wall_seconds=30.0, memory_mb=768, outputs_max_files=4, concurrency=2
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bwrap() -> AsyncIterator[Evaluator]:
    """The real bubblewrap evaluator, warm, one per test module (tests: loop_scope="module")."""
    evaluator = Evaluator(SANDBOX_LIMITS)
    await evaluator.start()
    if evaluator.refusal is not None:
        await evaluator.close()
        skip_without_sandbox(evaluator.refusal)
    try:
        yield evaluator
    finally:
        await evaluator.close()


async def run_unchecked(
    executor: Executor, exercise: str, source: str, seed: int = 7
) -> GradeResult:
    """Grade without the source check, to show what the sandbox-side defences alone do."""
    prepared = prepare(get_exercise(exercise), load_code(exercise), source, seed)
    return judge(prepared, await executor.run(prepared.job))
