"""The warm interpreter: imports torch once inside the sandbox, then serves jobs.

Started by bubblewrap as `python -I -c <bootstrap> FD CONFIG_JSON [--warm]`, where FD is the
control socket. After the imports it becomes root of a user namespace of its own (so it may
create and enter the jobs' namespaces) and forks pid 1 of its own pid namespace, which forks
the template (pid 2) before any job exists and then becomes the supervisor:

  bwrap ── zygote (waits) ── supervisor, pid 1 ──┬── template (makes spares, sees no job)
                                                 └── for each job sandbox, adopted from a
                                                     maker the template forked: L (pid 1
                                                     there) and C (the job, pid 2 there)

It must stay single-threaded (fork after a thread start deadlocks), so it imports torch but
runs no op with more than one thread, and it never runs untrusted code itself. Without
`--warm` it imports nothing: the cold path. docs/DECISIONS.md has the whole model: who forks
what, who can signal whom, what each process has seen.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import sys
from typing import Any

from . import syscalls, template, wire
from .seccomp import SeccompFilter
from .supervisor import Supervisor


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


def _become_namespace_root() -> None:
    """Root of a fresh user namespace (mapped onto our uid), in fresh namespaces it owns."""
    uid, gid = os.geteuid(), os.getegid()
    syscalls.unshare(syscalls.CLONE_NEWUSER)
    for name, content in (
        ("setgroups", "deny"),
        ("uid_map", f"0 {uid} 1"),
        ("gid_map", f"0 {gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(content)
    syscalls.unshare(
        syscalls.CLONE_NEWNS
        | syscalls.CLONE_NEWPID
        | syscalls.CLONE_NEWNET
        | syscalls.CLONE_NEWIPC
        | syscalls.CLONE_NEWUTS
    )


def _serve(control: socket.socket, config: dict[str, Any]) -> int:
    """pid 1 of the evaluator's pid namespace: fork the template, then supervise.

    The template is forked here, before any job exists, so it (and every spare it makes)
    starts from memory that never held a job's data.
    """
    ours, theirs = socket.socketpair()
    template_pid = os.fork()
    if template_pid == 0:
        control.close()
        ours.close()
        syscalls.exit_child("the template", lambda: template.serve(theirs, config))
    theirs.close()
    supervisor = Supervisor(control, ours, config)
    wire.send(
        control,
        {"op": "ready", "rss_mb": config["rss_mb"], "threads": config["threads"]},
    )
    try:
        supervisor.serve()
    finally:
        supervisor.stop()
    return 0


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
    config["threads"] = _status_field("Threads")  # must be 1: fork after threads deadlocks
    _become_namespace_root()
    config["rss_mb"] = _status_field("VmRSS") / 1024  # the warm image that forks share
    gc.collect()
    gc.freeze()  # keeps refcount writes from un-sharing the preloaded pages in every job
    first = os.fork()  # the first child in the new pid namespace: its pid 1
    if first != 0:
        control.close()
        _, status = os.waitpid(first, 0)
        return 0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1
    syscalls.exit_child("the supervisor", lambda: _serve(control, config))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
