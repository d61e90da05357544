"""UNSAFE: run a job as a plain subprocess, for local development where bubblewrap is absent.

The code sees the bot's files and network; only rlimits, a temporary directory, an empty
environment and the wall-clock kill apply. Never enable this on a server.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import resource
import signal
import sys
import tempfile
import time

from . import _bwrap
from ._inside.job import collect_outputs
from ._pipes import both_done, feed, read_capped
from ._session import wait_for_job
from ._verdict import Observed, build_result
from .limits import SandboxLimits
from .types import SandboxJob, SandboxResult

WARNING = "UNSAFE: ran WITHOUT a sandbox (unsafe_no_sandbox=true); local development only"
_MB = 1024 * 1024


def _limit_child(limits: SandboxLimits) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_mb * _MB,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _prepare(work: str, job: SandboxJob) -> str:
    for name, data in job.files.items():
        path = os.path.join(work, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir, exist_ok=True)
    return out_dir


async def run_unsafe(job: SandboxJob, limits: SandboxLimits) -> SandboxResult:
    """Run `job` with no isolation at all; the result's message says so."""
    wall = job.wall_seconds if job.wall_seconds is not None else limits.wall_seconds
    with tempfile.TemporaryDirectory(prefix="studybot-unsafe-") as work:
        out_dir = _prepare(work, job)
        env = {**_bwrap.job_environment(limits), "HOME": work, "TMPDIR": work}
        env["STUDYBOT_OUT"] = out_dir
        stdin_r, stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        started = time.monotonic()
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-I",
                job.entry,
                *job.args,
                cwd=work,
                env=env,
                stdin=stdin_r,
                stdout=out_w,
                stderr=err_w,
                start_new_session=True,
                preexec_fn=lambda: _limit_child(limits),
            )
        finally:
            for fd in (stdin_r, out_w, err_w):
                os.close(fd)
        overflow = asyncio.Event()
        stdout_reader = asyncio.ensure_future(read_capped(out_r, limits.output_bytes, overflow))
        stderr_reader = asyncio.ensure_future(read_capped(err_r, limits.output_bytes, overflow))
        outputs_closed = (
            None if job.stdin_after_output is None else both_done(stdout_reader, stderr_reader)
        )
        feeder = asyncio.create_task(
            feed(
                stdin_w,
                job.stdin,
                outputs_closed=outputs_closed,
                after_output=job.stdin_after_output,
            )
        )
        readers = asyncio.gather(stdout_reader, stderr_reader, proc.wait())
        stopped_for = await wait_for_job(readers, overflow, wall)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # also whatever it left behind
        (stdout, _), (stderr, _), returncode = await readers
        feeder.cancel()
        outputs, truncated = collect_outputs(out_dir, limits.for_job())
    report = {
        "exit_code": returncode if returncode >= 0 else None,
        "signal": -returncode if returncode < 0 else None,
        "kind": "memory" if b"MemoryError" in stderr else "",
        "outputs": outputs,
        "outputs_truncated": truncated,
    }
    wall_ms = (time.monotonic() - started) * 1000
    seen = Observed(stdout, stderr, json.dumps(report).encode(), wall_ms, wall, stopped_for)
    result = build_result(seen, limits)
    message = f"{WARNING}; {result.message}" if result.message else WARNING
    return dataclasses.replace(result, message=message)
