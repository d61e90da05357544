"""Fixtures for the exercise tests.

`executor` is a TEST-ONLY executor with no sandbox at all: a warm interpreter that has imported
torch forks one child per job, which runs the job's entry in a temporary directory. It keeps
the grader's tests fast (no 2-3 s torch import per job); the real bubblewrap evaluator is
exercised by the tests marked `sandbox`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.types import Executor, SandboxJob, SandboxResult
from quizzes.exercises.catalog import get_exercise
from quizzes.exercises.grader import judge, load_code, prepare
from quizzes.exercises.result import GradeResult

_ZYGOTE = r"""
import json, os, runpy, signal, sys, time
import numpy, torch, safetensors.torch  # imported once; no torch op runs before fork

for line in sys.stdin:
    req = json.loads(line)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        os.chdir(req["dir"])
        for fd, name in ((1, "stdout"), (2, "stderr")):
            os.dup2(os.open(os.path.join(req["logs"], name), os.O_WRONLY | os.O_CREAT), fd)
        os.environ["STUDYBOT_OUT"] = req["out"]
        sys.argv = [req["entry"]]
        code = 0
        try:
            runpy.run_path(req["entry"], run_name="__main__")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            import traceback; traceback.print_exc(); code = 1
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    status = "timeout"
    while time.monotonic() - started < req["wall"]:
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            status = "ok" if os.waitstatus_to_exitcode(wait_status) == 0 else "error"
            break
        time.sleep(0.002)
    else:
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        wait_status = None
    try:
        os.killpg(pid, signal.SIGKILL)  # leftovers of the job
    except ProcessLookupError:
        pass
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
            request = {"dir": str(work), "logs": str(logs), "out": str(out), "entry": job.entry}
            request["wall"] = job.wall_seconds or 15.0
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


async def run_unchecked(
    executor: Executor, exercise: str, source: str, seed: int = 7
) -> GradeResult:
    """Grade without the source check, to show what the sandbox-side defences alone do."""
    prepared = prepare(get_exercise(exercise), load_code(exercise), source, seed)
    return judge(prepared, await executor.run(prepared.job))
