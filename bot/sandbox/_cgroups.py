"""Per-job cgroups (memory, pids and CPU) where the host lets us create them.

cgroup v2 is used when our own cgroup already delegates `memory` and `pids` to children (and
`cpu` when it delegates that too); otherwise writable cgroup v1 `memory`, `pids` (and `cpu`)
hierarchies (a root-run container). Without either, the in-sandbox rlimits (RLIMIT_DATA,
RLIMIT_NPROC, RLIMIT_CPU) are the only fences, and a job with many busy processes can take
more than its share of the cores.
The host creates the job's cgroups and passes open `cgroup.procs` fds into the sandbox; the
job's first process moves itself in before it forks anything.
"""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path("/sys/fs/cgroup")
TAG_PREFIX = "studybot-sandbox-"  # then the evaluator's pid: see Evaluator.start
_MB = 1024 * 1024
_CPU_PERIOD_US = 100_000


def _own_cgroups() -> dict[str, str]:
    """Controller (or "" for v2) -> our cgroup path, from /proc/self/cgroup."""
    found: dict[str, str] = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                found[name] = path
    return found


@dataclass(frozen=True)
class JobCgroup:
    """The cgroup directories of one job (one for v2, memory and pids for v1)."""

    dirs: tuple[Path, ...]
    version: int

    def open_procs(self) -> list[int]:
        """Write-only fds on each cgroup.procs, to hand to the job's first process."""
        return [os.open(d / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for d in self.dirs]

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of this job for memory."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        for directory in self.dirs:
            with contextlib.suppress(OSError):
                for line in (directory / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and int(value) > 0:
                        return True
        return False

    def kill_all(self) -> None:
        """SIGKILL every process still in the job's cgroups (host pids)."""
        for directory in self.dirs:
            with contextlib.suppress(OSError):
                for pid in (directory / "cgroup.procs").read_text().split():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGKILL)

    def remove(self) -> bool:
        """rmdir the job's cgroups; False while processes are still exiting."""
        removed = True
        for directory in self.dirs:
            try:
                directory.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                removed = False
        return removed


def _sweep_stale(base: Path, prefix: str) -> None:
    """Remove empty cgroups left by evaluators that died without closing (pid in the name)."""
    for parent in base.glob(f"{prefix}*"):
        pid = parent.name[len(prefix) :].split("-", 1)[0]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        for leftover in [*parent.glob("job-*"), parent]:
            with contextlib.suppress(OSError):
                leftover.rmdir()


class CgroupManager:
    """Creates job cgroups under a per-evaluator parent, if the host allows it.

    `parents` are (memory, pids[, cpu]) for v1 and one directory for v2; `has_cpu` says
    whether each job also gets a CPU quota.
    """

    def __init__(self, parents: tuple[Path, ...], version: int, has_cpu: bool = False) -> None:
        self.parents = parents
        self.version = version
        self.has_cpu = has_cpu

    @classmethod
    def detect(cls, tag: str) -> CgroupManager | None:
        """A manager if we can create memory+pids cgroups here, else None."""
        try:
            own = _own_cgroups()
        except OSError:
            return None
        for make in (cls._v2, cls._v1):
            with contextlib.suppress(OSError, ValueError):
                manager = make(own, tag)
                if manager is not None:
                    return manager
        return None

    @classmethod
    def _v2(cls, own: dict[str, str], tag: str) -> CgroupManager | None:
        if "" not in own or not (_ROOT / "cgroup.controllers").exists():
            return None
        base = _ROOT / own[""].lstrip("/")
        enabled = set((base / "cgroup.subtree_control").read_text().split())
        if not {"memory", "pids"} <= enabled:
            return None
        _sweep_stale(base, TAG_PREFIX)
        parent = base / tag
        parent.mkdir(exist_ok=True)
        has_cpu = "cpu" in enabled
        controllers = "+memory +pids" + (" +cpu" if has_cpu else "")
        (parent / "cgroup.subtree_control").write_text(controllers)
        return cls((parent,), 2, has_cpu)

    @classmethod
    def _v1(cls, own: dict[str, str], tag: str) -> CgroupManager | None:
        parents = []
        for controller in ("memory", "pids", "cpu"):
            if controller not in own or not (_ROOT / controller).is_dir():
                if controller == "cpu":
                    break  # optional: memory and pids are the fences that must hold
                return None
            base = _ROOT / controller / own[controller].lstrip("/")
            _sweep_stale(base, TAG_PREFIX)
            parent = base / tag
            try:
                parent.mkdir(exist_ok=True)
            except OSError:
                if controller == "cpu":
                    break
                raise
            parents.append(parent)
        return cls(tuple(parents), 1, has_cpu=len(parents) == 3)

    def create(
        self, name: str, memory_mb: int, processes: int, cpu_cores: float = 0.0
    ) -> JobCgroup:
        """A fresh cgroup for one job with its limits written (`cpu_cores` 0: no CPU cap)."""
        dirs = tuple(parent / name for parent in self.parents)
        for directory in dirs:
            directory.mkdir()
        memory = str(memory_mb * _MB)
        quota = round(cpu_cores * _CPU_PERIOD_US)
        if self.version == 2:
            (dirs[0] / "memory.max").write_text(memory)
            with contextlib.suppress(OSError):
                (dirs[0] / "memory.swap.max").write_text("0")
            (dirs[0] / "memory.oom.group").write_text("1")
            (dirs[0] / "pids.max").write_text(str(processes))
            if self.has_cpu and quota > 0:
                (dirs[0] / "cpu.max").write_text(f"{quota} {_CPU_PERIOD_US}")
        else:
            (dirs[0] / "memory.limit_in_bytes").write_text(memory)
            with contextlib.suppress(OSError):
                (dirs[0] / "memory.memsw.limit_in_bytes").write_text(memory)
            (dirs[1] / "pids.max").write_text(str(processes))
            if self.has_cpu and quota > 0:
                (dirs[2] / "cpu.cfs_period_us").write_text(str(_CPU_PERIOD_US))
                (dirs[2] / "cpu.cfs_quota_us").write_text(str(quota))
        return JobCgroup(dirs, self.version)

    def close(self) -> None:
        """Remove the per-evaluator parents (their job cgroups must be gone)."""
        for parent in self.parents:
            with contextlib.suppress(OSError):
                parent.rmdir()
