"""The warm interpreter: imports torch once inside the sandbox, then forks one child per job.

Started by bubblewrap as `python -I -c <bootstrap> FD [--warm]`, where FD is the control
socket. It must stay single-threaded (fork after a thread start deadlocks), so it imports but
runs no torch op with more than one thread, and it runs no untrusted code itself.
"""

from __future__ import annotations

import collections
import gc
import json
import os
import select
import signal
import socket
import sys
from typing import Any

from . import job, syscalls, wire
from .seccomp import SeccompFilter


def _status_field(name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def _preload() -> None:
    """Import what jobs use and touch the lazy paths once, single-threaded."""
    import numpy  # noqa: F401
    import torch
    import torch._dynamo
    import torch.nn
    import torch.optim

    torch.set_num_threads(1)
    torch.backends.cpu.get_cpu_capability()  # reads /proc/cpuinfo while it is still visible
    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(8, 4)).pow(2).mean().backward()
    optimizer.step()
    torch.manual_seed(0)  # imports the lazy accelerator modules it touches


class Zygote:
    """Serves run/kill requests from the host until the control socket closes."""

    def __init__(self, sock: socket.socket, config: dict[str, Any]) -> None:
        self.sock = sock
        self.config = config
        self.spare_count = max(1, int(config.get("spares", 1)))
        self.spares: collections.deque[tuple[int, socket.socket]] = collections.deque()
        self.jobs: dict[int, int] = {}  # job id -> pid of its init (B), until reaped

    def _reap(self) -> None:
        for job_id, pid in list(self.jobs.items()):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                del self.jobs[job_id]
        for pid, spare in list(self.spares):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:  # a spare that died waiting (should not happen) is replaced
                self.spares.remove((pid, spare))
                spare.close()

    def _replenish(self) -> None:
        while len(self.spares) < self.spare_count:
            self.spares.append(job.make_spare(self.config))

    def _run(self, job_id: int, message: dict[str, Any], fds: list[int]) -> None:
        for _attempt in range(2):
            pid, spare = self.spares.popleft() if self.spares else job.make_spare(self.config)
            try:
                job.dispatch(spare, message, fds)
            except OSError:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                continue
            self.jobs[job_id] = pid
            return

    def _handle(self, message: dict[str, Any], fds: list[int]) -> None:
        job_id = int(message["id"])
        if message["op"] == "run":
            try:
                self._run(job_id, message, fds)
            finally:
                for fd in fds:
                    os.close(fd)
        elif message["op"] == "kill" and job_id in self.jobs:
            # Only unreaped pids are signalled, so a recycled pid is never hit.
            os.kill(self.jobs[job_id], signal.SIGKILL)

    def serve(self) -> None:
        """Loop until the host goes away, then wait for the jobs still running."""
        self._replenish()
        while True:
            readable, _, _ = select.select([self.sock], [], [], 0.5)
            self._reap()
            if readable:
                message, fds = wire.receive(self.sock)
                if message is None:
                    break
                self._handle(message, fds)
            self._replenish()
        for _pid, spare in self.spares:
            spare.close()  # each spare ends when its socket closes
        for pid in self.jobs.values():
            os.waitpid(pid, 0)


def main(argv: list[str]) -> int:
    """Entry point inside the sandbox: `FD CONFIG_JSON [--warm]`."""
    control = socket.socket(fileno=int(argv[0]))
    config: dict[str, Any] = json.loads(argv[1])
    # With transparent huge pages, a job's first write to a page shared with this process
    # copies 2 MB instead of 4 KB: measured 60 ms instead of 16 ms per tiny torch job.
    syscalls.prctl(syscalls.PR_SET_THP_DISABLE, 1)
    if "--warm" in argv:
        _preload()
    config["seccomp"] = SeccompFilter()
    with open("/proc/cpuinfo", "rb") as f:
        config["cpuinfo"] = f.read(1 << 20)
    config["data_base_bytes"] = _status_field("VmData") * 1024
    gc.collect()
    gc.freeze()  # keeps refcount writes from un-sharing the preloaded pages in every job
    zygote = Zygote(control, config)
    wire.send(
        control,
        {
            "op": "ready",
            "rss_mb": _status_field("VmRSS") / 1024,
            "threads": _status_field("Threads"),
        },
    )
    zygote.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
