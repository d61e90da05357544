"""The evaluator: an async, bounded front to the bubblewrap sandbox."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from typing import Any

from . import _bwrap
from ._cgroups import TAG_PREFIX, CgroupManager
from ._process import SandboxProcess, SandboxStartError
from ._session import execute
from ._unsafe import WARNING, run_unsafe
from ._verdict import refused
from .limits import SandboxLimits
from .types import SandboxJob, SandboxResult

log = logging.getLogger(__name__)


def job_problem(job: SandboxJob, limits: SandboxLimits) -> str | None:
    """Why a job cannot be run as given (bad names or sizes), or None."""
    if job.entry not in job.files:
        return f"entry {job.entry!r} is not among the job's files"
    for name in job.files:
        parts = name.split("/")
        if not name or name.startswith("/") or "\0" in name or len(name) > 200:
            return f"invalid file name {name!r}"
        if any(part in ("", ".", "..") for part in parts):
            return f"invalid file name {name!r}"
    if any("\0" in arg for arg in job.args):
        return "arguments must not contain NUL bytes"
    if sum(len(data) for data in job.files.values()) > limits.tmp_size_mb * 1024 * 1024:
        return f"the job's files exceed the {limits.tmp_size_mb} MB /tmp"
    return None


class Evaluator:
    """Runs SandboxJobs in bubblewrap; implements `Executor`.

    `await start()` checks the host and (in warm mode) starts the warm interpreter;
    `await run(job)` never raises for anything a job does; `await close()` kills everything.
    """

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self.slots = self.limits.concurrency or os.cpu_count() or 1
        self._slots = asyncio.Semaphore(self.slots)
        self._ids = itertools.count(1)
        self._refusal: str | None = None
        self._zygote: SandboxProcess | None = None
        self._zygote_lock = asyncio.Lock()
        self._cgroups: CgroupManager | None = None
        self._started = False
        self._start_lock = asyncio.Lock()
        self._cleanups: set[asyncio.Task[None]] = set()

    @property
    def warm_info(self) -> dict[str, Any]:
        """The warm interpreter's "ready" facts (rss_mb, threads), or {}."""
        return dict(self._zygote.ready) if self._zygote is not None else {}

    @property
    def refusal(self) -> str | None:
        """Why jobs are refused on this host, or None."""
        return self._refusal

    async def start(self) -> None:
        """Check bubblewrap, set up cgroups and start the warm interpreter (if warm)."""
        async with self._start_lock:
            if not self._started:
                await self._start()
                self._started = True

    async def _start(self) -> None:
        if self.limits.unsafe_no_sandbox:
            log.warning("%s", WARNING)
            return
        self._refusal = await asyncio.to_thread(_bwrap.unavailable_reason)
        if self._refusal is not None:
            log.error("sandbox unavailable: %s", self._refusal)
            return
        if self.limits.use_cgroups:
            tag = f"{TAG_PREFIX}{os.getpid()}-{id(self):x}"
            self._cgroups = await asyncio.to_thread(CgroupManager.detect, tag)
        if self._cgroups is None and os.geteuid() == 0:
            # The kernel never applies RLIMIT_NPROC to (a namespace mapped onto) root.
            log.warning(
                "sandbox running as root without cgroups: no process limit applies; "
                "run the evaluator as an unprivileged user or give it a cgroup"
            )
        elif self._cgroups is None:
            log.info("no cgroups for the sandbox: memory and processes are limited by rlimits")
        if self._cgroups is None or not self._cgroups.has_cpu:
            log.warning(
                "no cgroup CPU controller for the sandbox: a job with many busy processes "
                "can take more than its share of the cores"
            )
        if self.limits.mode == "warm":
            try:
                await self._warm_process()
            except SandboxStartError as exc:
                self._refusal = str(exc)
                log.error("%s", exc)

    async def _warm_process(self) -> SandboxProcess:
        async with self._zygote_lock:
            if self._zygote is None or not self._zygote.alive:
                if self._zygote is not None:
                    log.warning("warm sandbox interpreter died; starting a new one")
                    await self._zygote.close()
                process = SandboxProcess(self.limits, warm=True, spares=self.slots)
                ready = await process.start()
                if ready.get("threads") != 1:
                    log.warning("warm interpreter has %s threads: fork may deadlock", ready)
                self._zygote = process
            return self._zygote

    async def run(self, job: SandboxJob) -> SandboxResult:
        """Run one job; the status says how it ended (see SandboxStatus)."""
        problem = job_problem(job, self.limits)
        if problem is not None:
            return refused(problem)
        await self.start()
        if self.limits.unsafe_no_sandbox:
            async with self._slots:
                return await run_unsafe(job, self.limits)
        if self._refusal is not None:
            return refused(self._refusal)
        async with self._slots:
            try:
                return await self._run_sandboxed(job)
            except (SandboxStartError, ConnectionError, OSError) as exc:
                log.exception("sandbox failure")
                return refused(f"the sandbox failed: {exc}")

    async def _run_sandboxed(self, job: SandboxJob) -> SandboxResult:
        job_id = next(self._ids)
        if self.limits.mode == "cold":
            process = SandboxProcess(self.limits, warm=False)
            await process.start()
            try:
                return await self._execute(process, job_id, job)
            finally:
                await process.shutdown()
        process = await self._warm_process()
        try:
            return await self._execute(process, job_id, job)
        except ConnectionError:
            # The job was not handed over (the interpreter died since it was last checked),
            # so retrying once on a fresh interpreter cannot run it twice.
            await process.close()
            process = await self._warm_process()
            return await self._execute(process, job_id, job)

    async def _execute(
        self, process: SandboxProcess, job_id: int, job: SandboxJob
    ) -> SandboxResult:
        return await execute(process, job_id, job, self.limits, self._cgroups, self._cleanups)

    async def close(self) -> None:
        """Kill the warm interpreter and every job still running."""
        if self._zygote is not None:
            await self._zygote.close()
            self._zygote = None
        await asyncio.gather(*self._cleanups, return_exceptions=True)
        if self._cgroups is not None:
            await asyncio.to_thread(self._cgroups.close)

    async def __aenter__(self) -> Evaluator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
