"""Run one job through a sandbox process: pipes in, caps and deadline, verdict out."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from typing import Any

from . import _bwrap
from ._cgroups import CgroupManager, JobCgroup
from ._pipes import both_done, feed, read_capped
from ._process import SandboxProcess
from ._verdict import Observed, build_result
from .limits import SandboxLimits
from .types import SandboxJob, SandboxResult

_KILL_GRACE_SECONDS = 5.0


def job_message(job_id: int, job: SandboxJob, limits: SandboxLimits) -> dict[str, Any]:
    """The job as the in-sandbox code reads it (from a memfd, see `request_fd`)."""
    return {
        "id": job_id,
        "files": {name: base64.b64encode(data).decode() for name, data in job.files.items()},
        "entry": job.entry,
        "args": list(job.args),
        "seed": job.seed,
        "env": _bwrap.job_environment(limits),
        "limits": limits.for_job(),
    }


def request_fd(job_id: int, job: SandboxJob, limits: SandboxLimits) -> int:
    """A memfd holding the job. Only the job's own sandbox reads it: the supervisor passes
    the fd on without reading, so no job's code or inputs ever enter the supervisor's or the
    template's memory, and no send can block on a large message."""
    fd = os.memfd_create(f"studybot-job-{job_id}", os.MFD_CLOEXEC)
    try:
        data = memoryview(json.dumps(job_message(job_id, job, limits)).encode())
        while data:
            data = data[os.write(fd, data) :]
    except BaseException:
        os.close(fd)
        raise
    return fd


async def wait_for_job(
    readers: asyncio.Future[Any], overflow: asyncio.Event, wall_seconds: float
) -> str | None:
    """None when the job ended by itself, else why the host must stop it."""
    overflowed = asyncio.create_task(overflow.wait())
    try:
        done, _ = await asyncio.wait(
            {readers, overflowed}, timeout=wall_seconds, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        overflowed.cancel()
    if readers in done:
        return None
    return "output_limit" if overflow.is_set() else "timeout"


async def execute(
    process: SandboxProcess,
    job_id: int,
    job: SandboxJob,
    limits: SandboxLimits,
    cgroups: CgroupManager | None,
    cleanups: set[asyncio.Task[None]],
) -> SandboxResult:
    """Run `job` in `process`; kills it on timeout or flood. May close a stuck `process`.

    The job's cgroup is removed in the background (tracked in `cleanups`): its last process
    may still be exiting when the result is ready.
    """
    wall = job.wall_seconds if job.wall_seconds is not None else limits.wall_seconds
    cgroup: JobCgroup | None = None
    if cgroups is not None:
        cgroup = cgroups.create(
            f"job-{job_id}", limits.memory_mb, limits.processes, limits.cpu_cores
        )
    pipes = [os.pipe() for _ in range(4)]  # stdin, stdout, stderr, report
    remote = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1]]
    started = time.monotonic()
    try:
        remote.append(request_fd(job_id, job, limits))
        remote += cgroup.open_procs() if cgroup else []
        await process.send({"op": "run", "id": job_id}, remote)
    except BaseException:
        for fd in (pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0]):
            os.close(fd)
        if cgroup is not None:
            cgroup.remove()
        raise
    finally:
        for fd in remote:
            os.close(fd)
    overflow, report_overflow = asyncio.Event(), asyncio.Event()
    report_cap = limits.outputs_max_bytes * 2 + 65536
    stdout_reader = asyncio.ensure_future(read_capped(pipes[1][0], limits.output_bytes, overflow))
    stderr_reader = asyncio.ensure_future(read_capped(pipes[2][0], limits.output_bytes, overflow))
    readers = asyncio.gather(
        stdout_reader, stderr_reader, read_capped(pipes[3][0], report_cap, report_overflow)
    )
    # `stdin_after_output` only once every process of the job has closed stdout and stderr.
    outputs_closed = (
        None if job.stdin_after_output is None else both_done(stdout_reader, stderr_reader)
    )
    feeder = asyncio.create_task(
        feed(
            pipes[0][1],
            job.stdin,
            outputs_closed=outputs_closed,
            after_output=job.stdin_after_output,
        )
    )
    try:
        stopped_for = await wait_for_job(readers, overflow, wall)
        if stopped_for is not None:
            await _stop(process, job_id, cgroup, readers)
        (stdout, _), (stderr, _), (report, _) = await readers
    except BaseException:  # cancelled by our caller, or the sandbox could not be stopped
        await process.kill_job(job_id)
        readers.cancel()
        raise
    finally:
        feeder.cancel()  # the job is over: nobody reads its stdin any more
        cleanups.add(feeder)
        feeder.add_done_callback(cleanups.discard)
        if cgroup is not None:
            cgroup.kill_all()
            task = asyncio.get_running_loop().create_task(_remove(cgroup))
            cleanups.add(task)
            task.add_done_callback(cleanups.discard)
    wall_ms = (time.monotonic() - started) * 1000
    oom = cgroup.oom_killed() if cgroup else False
    seen = Observed(stdout, stderr, report, wall_ms, wall, stopped_for, oom)
    return build_result(seen, limits)


async def _stop(
    process: SandboxProcess, job_id: int, cgroup: JobCgroup | None, readers: asyncio.Future[Any]
) -> None:
    """Kill the job; if its sandbox does not let go of the pipes, kill the whole sandbox."""
    await process.kill_job(job_id)
    if cgroup is not None:
        cgroup.kill_all()
    try:
        await asyncio.wait_for(asyncio.shield(readers), _KILL_GRACE_SECONDS)
    except TimeoutError:
        await process.close()  # unresponsive: the warm interpreter goes, with all its jobs
        await asyncio.wait_for(asyncio.shield(readers), _KILL_GRACE_SECONDS)


async def _remove(cgroup: JobCgroup) -> None:
    # The job's processes are killed but may still be exiting; give them a moment, then give
    # up (the per-evaluator parent is removed at close, if empty by then).
    for _ in range(100):
        if cgroup.remove():
            return
        cgroup.kill_all()
        await asyncio.sleep(0.02)
