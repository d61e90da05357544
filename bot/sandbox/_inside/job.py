"""One job's sandbox, made ahead of time (a "spare") so that a job only pays for handing over
its files, not for forking a 300 MB interpreter.

The warm interpreter is root in its own user namespace (see `zygote`). For each spare it
enters fresh pid/mount/net/ipc/uts namespaces and starts there:
  L  `sleep infinity`, spawned (vfork+exec, so it costs no copy of the interpreter) as pid 1
     of the job's pid namespace. Killing L ends the job: the kernel then kills everything in
     that namespace. (A job running as pid 1 itself would ignore its own SIGABRT.)
  C  a fork of the interpreter, pid 2 there. It waits for a job, joins the job's cgroups,
     writes the files, moves into a user namespace of its own as uid 65534, and becomes the
     job: rlimits, no capabilities, seccomp, the submitted code.
The interpreter mounts the job's /tmp and /dev/shm (size-capped) and hides /proc before
forking C, then returns to its own namespaces, keeping the job's mount namespace open to
collect the output files once the job is over.
"""

from __future__ import annotations

import base64
import os
import socket
import stat
from dataclasses import dataclass
from typing import Any

from . import runner, syscalls, wire

# Order of the file descriptors C receives with a job; cgroup.procs fds follow.
STDIN, STDOUT, STDERR = range(3)
_UID = 65534
_JOB_NAMESPACES = (
    syscalls.CLONE_NEWNS
    | syscalls.CLONE_NEWPID
    | syscalls.CLONE_NEWNET
    | syscalls.CLONE_NEWIPC
    | syscalls.CLONE_NEWUTS
)
HOME_NAMESPACES = ("mnt", "net", "ipc", "uts", "pid_for_children")


def close_all_except(keep: set[int]) -> None:
    """Close every fd from 3 up except `keep`."""
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)


def _mount_private_filesystems(limits: dict[str, Any], cpuinfo: bytes) -> None:
    syscalls.mount("none", "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE, None)
    flags = syscalls.MS_NOSUID | syscalls.MS_NODEV
    # A nested user namespace cannot mount a new procfs under bwrap's; hide it instead,
    # keeping a copy of cpuinfo (torch parses it at import in the cold path).
    syscalls.mount("tmpfs", "/proc", "tmpfs", flags, "size=64k,mode=755")
    with open("/proc/cpuinfo", "wb") as f:
        f.write(cpuinfo)
    syscalls.mount("none", "/proc", None, syscalls.MS_REMOUNT | syscalls.MS_RDONLY | flags, None)
    syscalls.mount("tmpfs", "/tmp", "tmpfs", flags, f"size={limits['tmp_size_mb']}m,mode=1777")
    shm_mb = max(1, int(limits["tmp_size_mb"]) // 4)
    syscalls.mount("tmpfs", "/dev/shm", "tmpfs", flags, f"size={shm_mb}m,mode=1777")


def _write_files(files: dict[str, str]) -> None:
    os.makedirs(runner.OUT_DIR)
    for name, encoded in files.items():
        path = os.path.join(runner.JOB_DIR, name)  # names were validated by the host
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(encoded))


def collect_outputs(out_dir: str, limits: dict[str, Any]) -> tuple[dict[str, str], bool]:
    """Read regular files under `out_dir` (base64), never following links, within the caps."""
    max_files, budget = int(limits["outputs_max_files"]), int(limits["outputs_max_bytes"])
    found: dict[str, str] = {}
    truncated = False
    stack = [(out_dir, "", 0)]
    while stack:
        directory, prefix, depth = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            name = prefix + os.fsencode(entry.name).decode("utf-8", "replace")
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode) and depth < 8:
                stack.append((entry.path, name + "/", depth + 1))
            elif not stat.S_ISREG(info.st_mode):
                continue
            elif len(found) >= max_files or info.st_size > budget:
                truncated = True
            else:
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as f:
                    data = f.read(budget + 1)
                if len(data) > budget:
                    truncated = True
                    continue
                budget -= len(data)
                found[name] = base64.b64encode(data).decode()
    return found, truncated


def _become_nobody(proc: int) -> None:
    """Enter a user namespace of our own as uid/gid 65534 (root of the parent one maps to it).

    `proc` is a handle on the real /proc, which the job's mount namespace hides.
    """
    syscalls.unshare(syscalls.CLONE_NEWUSER)
    for name, content in (
        ("setgroups", "deny"),
        ("uid_map", f"{_UID} 0 1"),
        ("gid_map", f"{_UID} 0 1"),
    ):
        fd = os.open(f"self/{name}", os.O_WRONLY, dir_fd=proc)
        try:
            os.write(fd, content.encode())
        finally:
            os.close(fd)


def _job_process(jobs: socket.socket, proc: int, config: dict[str, Any]) -> int:
    """C: wait for a job, set it up, hand the notes pipe to the interpreter, run the job."""
    request, fds = wire.receive(jobs)
    if request is None:
        return 0  # the interpreter went away before giving us a job
    for cgroup_procs in fds[3:]:
        os.write(cgroup_procs, b"0")  # "0" moves the writer; its children follow
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target, inheritable=True)
    _write_files(request["files"])
    notes_r, notes_w = os.pipe()
    wire.send(jobs, {"op": "notes"}, [notes_r])
    _become_nobody(proc)
    close_all_except({0, 1, 2, notes_w})
    return runner.run_job({**config, **request}, notes_w, config["seccomp"])


@dataclass
class Spare:
    """A job sandbox waiting for its job."""

    init_pid: int  # L: kill it to end the job
    job_pid: int  # C
    channel: socket.socket  # to C: the job goes in, C's notes pipe comes back
    mount_ns: int  # fd of the job's mount namespace, to collect its outputs


def make_spare(config: dict[str, Any], home: dict[str, int]) -> Spare:
    """Create L and C in fresh namespaces, then return to the `home` namespaces."""
    syscalls.unshare(_JOB_NAMESPACES)
    try:
        init = os.posix_spawn("/usr/bin/sleep", ["sleep", "infinity"], {})
        proc = os.open("/proc", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        mount_ns = os.open("self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC, dir_fd=proc)
        _mount_private_filesystems(config["limits"], config["cpuinfo"])
        syscalls.sethostname("sandbox")
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                # Forked from the interpreter: let go of every other job's pipes at once.
                close_all_except({theirs.fileno(), proc})
                code = _job_process(theirs, proc, config)
            except BaseException as exc:
                os.write(2, f"sandbox: job setup failed: {exc!r}\n".encode())
            os._exit(code)
        theirs.close()
        os.close(proc)
    finally:
        for name in HOME_NAMESPACES:
            syscalls.setns(home[name])
    return Spare(init, pid, ours, mount_ns)
