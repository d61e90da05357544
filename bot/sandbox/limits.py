"""The sandbox policy as data. The bot's settings mirror these field names as
`STUDYBOT_SANDBOX__<FIELD>` (e.g. `STUDYBOT_SANDBOX__MEMORY_MB=512`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

SandboxMode = Literal["warm", "cold"]


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for every job and how the evaluator runs them."""

    cpu_seconds: int = 10  # RLIMIT_CPU per process of the job
    wall_seconds: float = 15.0  # the whole job is killed after this; SandboxJob may lower it
    memory_mb: int = 1024  # cgroup memory limit, and RLIMIT_DATA above the interpreter's size
    processes: int = 64  # cgroup pids.max and RLIMIT_NPROC (threads count too)
    cpu_cores: float = 1.0  # cgroup CPU quota per job, in cores (0: none): its fair share
    open_files: int = 128  # RLIMIT_NOFILE
    file_size_mb: int = 16  # RLIMIT_FSIZE
    tmp_size_mb: int = 64  # the job's private /tmp (its files and outputs live there)
    tmp_inodes: int = 4096  # files and folders in that /tmp (and /dev/shm): bounds collection
    output_bytes: int = 64 * 1024  # cap on each of stdout and stderr; beyond it: output_limit
    outputs_max_files: int = 16  # files returned from $STUDYBOT_OUT
    outputs_max_bytes: int = 8 * 1024 * 1024  # total size of the returned files
    torch_threads: int = 1  # torch.set_num_threads in each job
    concurrency: int = 0  # jobs at once; 0 means one per CPU core
    mode: SandboxMode = "warm"  # "warm": fork from a preloaded interpreter; "cold": one per job
    use_cgroups: bool = True  # per-job memory/pids cgroups where the host lets us create them
    start_timeout_seconds: float = 120.0  # for the warm interpreter to import torch
    # Runs submissions as plain subprocesses with rlimits only: NO isolation from the bot's
    # files, tokens or network. Local development on your own code only.
    unsafe_no_sandbox: bool = False

    def replace(self, **changes: Any) -> SandboxLimits:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def for_job(self) -> dict[str, Any]:
        """The part of the policy the in-sandbox code applies, as JSON-ready data."""
        return dataclasses.asdict(self)
