"""One job's processes, started ahead of time ("spares") so that a job only pays for handing
over its files, not for forking a 300 MB interpreter twice.

  B  forked from the warm interpreter straight into new user/pid/net/mount/ipc/uts
     namespaces, so it is pid 1 of the job's pid namespace (a real init: a job running as
     pid 1 would ignore its own SIGABRT). It mounts a size-capped /tmp and /dev/shm, hides
     /proc and forks C; when C ends it kills every process left, collects the output files
     without following links and writes one JSON report. The warm interpreter kills B to end
     a job (the kernel then kills everything in its pid namespace); B has PDEATHSIG in case
     the interpreter dies first.
  C  waits for the job, joins its cgroups, writes its files, then becomes the job: rlimits,
     no capabilities, seccomp, the submitted code.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import signal
import socket
import stat
from typing import Any

from . import runner, syscalls, wire

# Order of the file descriptors that arrive with a job; cgroup.procs fds follow.
STDIN, STDOUT, STDERR, REPORT = range(4)
_UID = 65534


def close_all_except(keep: set[int]) -> None:
    """Close every fd from 3 up except `keep`."""
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)


def _write_id_maps(pid: int, outer_uid: int, outer_gid: int) -> None:
    """Map the child's 65534 to our own ids: the one mapping an unprivileged parent may write."""
    with open(f"/proc/{pid}/setgroups", "w") as f:
        f.write("deny")
    for name, outer in (("uid_map", outer_uid), ("gid_map", outer_gid)):
        with open(f"/proc/{pid}/{name}", "w") as f:
            f.write(f"{_UID} {outer} 1")


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


def _job_process(jobs: socket.socket, to_init: socket.socket, config: dict[str, Any]) -> int:
    """C: wait for a job, hand the report fd to the init, then run the job."""
    request, fds = wire.receive(jobs)
    if request is None:
        return 0  # the warm interpreter went away before giving us a job
    for cgroup_procs in fds[4:]:
        os.write(cgroup_procs, b"0")  # "0" moves the writer; its children follow
    wire.send(to_init, {"op": "started"}, [fds[REPORT]])
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target, inheritable=True)
    _write_files(request["files"])
    kind_r, kind_w = os.pipe()
    wire.send(to_init, {"op": "kind"}, [kind_r])
    close_all_except({0, 1, 2, kind_w})
    return runner.run_job({**config, **request}, kind_w, config["seccomp"])


def _await_job_end(child: int, notes_fd: int | None) -> tuple[int | None, int | None, str]:
    """Wait until C exits or says it is exiting; returns (exit code, signal, kind notes).

    C writes "memory" and "exit N" lines to `notes_fd`; a job could forge them, but only
    about itself.
    """
    pidfd = os.pidfd_open(child)
    notes = b""
    try:
        while True:
            watched = [pidfd] if notes_fd is None else [pidfd, notes_fd]
            ready, _, _ = select.select(watched, [], [])
            if pidfd in ready:
                break
            chunk = os.read(notes_fd, 256) if notes_fd is not None else b""
            if not chunk or len(notes) > 1024:
                notes_fd = None  # closed, or flooded by the job: stop listening
                continue
            notes += chunk
            for line in notes.decode("ascii", "replace").splitlines():
                word, _, value = line.partition(" ")
                if word == "exit" and value.isdigit():
                    return int(value), None, notes.decode("ascii", "replace")
    finally:
        os.close(pidfd)
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status), notes.decode("ascii", "replace")
    return os.WEXITSTATUS(status), None, notes.decode("ascii", "replace")


def _finish(child: int, from_job: socket.socket, limits: dict[str, Any]) -> None:
    """B, after forking C: wait for the job to end, kill the rest, report, then reap."""
    _, fds = wire.receive(from_job)
    if not fds:  # C ended without a job
        os.waitpid(child, 0)
        return
    report_fd = fds[0]
    _, notes_fds = wire.receive(from_job)
    exit_code, sig, notes = _await_job_end(child, notes_fds[0] if notes_fds else None)
    # Whatever the job left running (background children, double forks) dies with it; no
    # code of the job runs after this, though the kernel may still be tearing processes down.
    with contextlib.suppress(ProcessLookupError):  # ESRCH: nothing was left
        os.kill(-1, signal.SIGKILL)
    outputs, truncated = collect_outputs(runner.OUT_DIR, limits)
    report = {
        "exit_code": exit_code,
        "signal": sig,
        "kind": "memory" if "memory" in notes.split() else "",
        "outputs": outputs,
        "outputs_truncated": truncated,
    }
    with os.fdopen(report_fd, "wb") as out:
        out.write(json.dumps(report).encode())
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break


def _init_process(jobs: socket.socket, config: dict[str, Any]) -> None:
    """B: the job's pid-namespace init."""
    syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL)
    # An init only receives signals it handles: drop Python's SIGINT handler, so the job
    # cannot interrupt its init.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _mount_private_filesystems(config["limits"], config["cpuinfo"])
    syscalls.sethostname("sandbox")
    from_job, to_init = socket.socketpair()
    child = os.fork()
    if child == 0:
        code = 70
        try:
            from_job.close()
            code = _job_process(jobs, to_init, config)
        except BaseException as exc:
            os.write(2, f"sandbox: job setup failed: {exc!r}\n".encode())
        os._exit(code)
    jobs.close()
    to_init.close()
    _finish(child, from_job, config["limits"])


def make_spare(config: dict[str, Any]) -> tuple[int, socket.socket]:
    """Start a ready-to-use job sandbox (its init B and a waiting C).

    Returns B's pid (killing it ends the whole job) and the socket to send the job on.
    """
    ours, theirs = socket.socketpair()
    maps_written_r, maps_written_w = os.pipe()
    pid = syscalls.fork_into_new_namespaces(syscalls.ALL_NAMESPACES)
    if pid == 0:
        code = 0
        try:
            os.close(maps_written_w)
            ours.close()
            os.read(maps_written_r, 1)  # until then we are nobody, with no ids mapped
            os.close(maps_written_r)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            close_all_except({theirs.fileno()})
            _init_process(theirs, config)
        except BaseException as exc:
            os.write(2, f"sandbox init failed: {exc!r}\n".encode())
            code = 70
        os._exit(code)
    os.close(maps_written_r)
    theirs.close()
    try:
        _write_id_maps(pid, os.geteuid(), os.getegid())
        os.write(maps_written_w, b"!")
    except OSError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        ours.close()
        raise
    finally:
        os.close(maps_written_w)
    return pid, ours


def dispatch(spare: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """Hand one job (and its pipes and cgroup fds) to a spare."""
    with spare:
        wire.send(spare, request, fds)
