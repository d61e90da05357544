"""One job's sandbox, made ahead of time (a "spare") so that a job only pays for handing over
its files, not for forking a 300 MB interpreter.

Spares are made by the template (see `template`), a copy of the warm interpreter that never
holds any job's data. For each spare it enters fresh pid/mount/net/ipc/uts namespaces and
starts there:
  L  `sleep infinity`, spawned (vfork+exec, so it costs no copy of the interpreter) as pid 1
     of the job's pid namespace, in a session of its own. Killing L ends the job: the kernel
     then kills everything in that namespace. (A job running as pid 1 itself would ignore its
     own SIGABRT.)
  C  a fork of the template, pid 2 there, in a session of its own. It waits for a job, says
     it took it, joins the job's cgroups, reads the job from its memfd, writes the files,
     moves into a user namespace of its own as uid 65534, and becomes the job: rlimits, no
     capabilities, seccomp, the submitted code.
The template mounts the job's /tmp and /dev/shm (size- and inode-capped) and hides /proc
before forking C, then returns to its own namespaces and hands L, C and the job's mount
namespace to the supervisor, which collects the outputs from there once the job is over.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
from dataclasses import dataclass
from typing import Any

from . import runner, syscalls, wire

# Order of the file descriptors C receives with a job; cgroup.procs fds follow.
STDIN, STDOUT, STDERR, REQUEST = range(4)
_UID = 65534
_JOB_NAMESPACES = (
    syscalls.CLONE_NEWNS
    | syscalls.CLONE_NEWPID
    | syscalls.CLONE_NEWNET
    | syscalls.CLONE_NEWIPC
    | syscalls.CLONE_NEWUTS
)
# Process names, visible in `ps` on the host: what each process of the evaluator is.
SPARE_NAME, JOB_NAME = "studybot-spare", "studybot-job"
_MAX_REQUEST = 256 * 1024 * 1024


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
    syscalls.mount("tmpfs", "/proc", "tmpfs", flags, "size=64k,nr_inodes=16,mode=755")
    with open("/proc/cpuinfo", "wb") as f:
        f.write(cpuinfo)
    syscalls.mount("none", "/proc", None, syscalls.MS_REMOUNT | syscalls.MS_RDONLY | flags, None)
    # nr_inodes caps how many files a job can leave for the supervisor to look at.
    inodes = int(limits["tmp_inodes"])
    syscalls.mount(
        "tmpfs",
        "/tmp",
        "tmpfs",
        flags,
        f"size={limits['tmp_size_mb']}m,nr_inodes={inodes},mode=1777",
    )
    shm_mb = max(1, int(limits["tmp_size_mb"]) // 4)
    syscalls.mount(
        "tmpfs", "/dev/shm", "tmpfs", flags, f"size={shm_mb}m,nr_inodes={inodes},mode=1777"
    )


def _write_files(files: dict[str, str]) -> None:
    os.makedirs(runner.OUT_DIR)
    for name, encoded in files.items():
        path = os.path.join(runner.JOB_DIR, name)  # names were validated by the host
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(encoded))


def _read_regular(path: str, limit: int) -> bytes | None:
    """Up to `limit` bytes of `path` if it is (still) a regular file, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size < limit:
            chunk = os.read(fd, min(limit - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def collect_outputs(out_dir: str, limits: dict[str, Any]) -> tuple[dict[str, str], bool]:
    """Read the regular files at the top of `out_dir` (base64), never following links.

    Bounded work whatever the job left: subfolders are ignored, and the scan stops after
    `outputs_max_files` files or a few hundred other entries.
    """
    max_files, budget = int(limits["outputs_max_files"]), int(limits["outputs_max_bytes"])
    found: dict[str, str] = {}
    truncated, looked_at = False, 0
    try:
        entries = os.scandir(out_dir)
    except OSError:
        return found, truncated
    with entries:
        for entry in entries:
            looked_at += 1
            if len(found) >= max_files or looked_at > max_files + 256:
                truncated = True
                break
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                truncated = truncated or stat.S_ISDIR(info.st_mode)
                continue
            if info.st_size > budget:
                truncated = True
                continue
            data = _read_regular(entry.path, budget + 1)
            if data is None:
                continue
            if len(data) > budget:
                truncated = True
                continue
            budget -= len(data)
            found[os.fsencode(entry.name).decode("utf-8", "replace")] = base64.b64encode(
                data
            ).decode()
    return dict(sorted(found.items())), truncated


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


def _read_request(fd: int) -> dict[str, Any]:
    """The job itself (files, entry, limits…), which the host wrote into a memfd."""
    size = min(os.fstat(fd).st_size, _MAX_REQUEST)
    chunks, offset = [], 0
    while offset < size:
        chunk = os.pread(fd, min(size - offset, 1 << 20), offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    os.close(fd)
    request: dict[str, Any] = json.loads(b"".join(chunks))
    return request


def _job_process(jobs: socket.socket, proc: int, config: dict[str, Any]) -> int:
    """C: wait for a job, say it was taken, set it up, run it."""
    message, fds = wire.receive(jobs)
    if message is None or len(fds) <= REQUEST:
        return 0  # the supervisor went away (or gave us nothing) before giving us a job
    wire.send(jobs, {"op": "took"})  # the liveness handshake: a stopped spare never says it
    syscalls.set_name(JOB_NAME)
    for cgroup_procs in fds[REQUEST + 1 :]:
        os.write(cgroup_procs, b"0")  # "0" moves the writer; its children follow
    for target, fd in enumerate(fds[:REQUEST]):
        os.dup2(fd, target, inheritable=True)
    request = _read_request(fds[REQUEST])
    _write_files(request.pop("files"))
    _become_nobody(proc)
    close_all_except({0, 1, 2})
    return runner.run_job({**config, **request}, config["seccomp"])


@dataclass
class Spare:
    """A job sandbox waiting for its job."""

    init_pid: int  # L: kill it to end the job
    job_pid: int  # C
    channel: socket.socket  # to C: the job goes in, C says it took it
    mount_ns: int  # fd of the job's mount namespace, to collect its outputs


HOME_NAMESPACES = ("mnt", "net", "ipc", "uts", "pid_for_children")


def make_spare(config: dict[str, Any], home: dict[str, int]) -> Spare:
    """Create L and C in fresh namespaces, then return to the `home` namespaces."""
    syscalls.unshare(_JOB_NAMESPACES)
    try:
        init = os.posix_spawn("/usr/bin/sleep", ["sleep", "infinity"], {}, setsid=True)
        proc = os.open("/proc", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        mount_ns = os.open("self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC, dir_fd=proc)
        _mount_private_filesystems(config["limits"], config["cpuinfo"])
        syscalls.sethostname("sandbox")
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:

            def spare() -> int:
                # Its own session and process group: kill(0, …) from the job reaches only
                # the job.
                os.setsid()
                syscalls.set_name(SPARE_NAME)
                close_all_except({theirs.fileno(), proc})
                return _job_process(theirs, proc, config)

            syscalls.exit_child("job setup", spare)
        theirs.close()
        os.close(proc)
    finally:
        for name in HOME_NAMESPACES:
            syscalls.setns(home[name])
    return Spare(init, pid, ours, mount_ns)
