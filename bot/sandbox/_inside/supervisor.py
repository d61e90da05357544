"""The warm interpreter's serving loop: hands jobs to spares, watches them, reports.

A job ends when its process announces its exit code or exits, or when the host asks to
kill it. Then its init is killed (the whole pid namespace dies), its output files are
collected from its mount namespace, and one JSON report goes to the host.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import select
import signal
import socket
from dataclasses import dataclass
from typing import Any

from . import job, runner, syscalls, wire


def _parse_notes(notes: bytes) -> tuple[int | None, bool]:
    """(exit code if announced, whether a memory error was noted) from C's notes."""
    exit_code, memory = None, False
    for line in notes.decode("ascii", "replace").splitlines():
        word, _, value = line.partition(" ")
        memory = memory or word == "memory"
        if word == "exit" and value.isdigit():
            exit_code = int(value)
    return exit_code, memory


@dataclass
class _Running:
    """A job in progress: its sandbox, where its report goes, what it told us so far."""

    spare: job.Spare
    report_fd: int
    pidfd: int  # readable once C has exited
    notes_fd: int | None = None
    notes: bytes = b""
    channel_open: bool = True


class Supervisor:
    """Serves run/kill requests from the host until the control socket closes."""

    def __init__(self, sock: socket.socket, config: dict[str, Any]) -> None:
        self.sock = sock
        self.config = config
        self.limits: dict[str, Any] = config["limits"]
        self.spare_count = max(1, int(config.get("spares", 1)))
        self.home = {
            name: os.open(f"/proc/self/ns/{name}", os.O_RDONLY | os.O_CLOEXEC)
            for name in job.HOME_NAMESPACES
        }
        self.spares: collections.deque[job.Spare] = collections.deque()
        self.running: dict[int, _Running] = {}
        self.dying: list[int] = []  # pids to reap: killed inits and their jobs

    def _reap(self) -> None:
        waiting = []
        for pid in self.dying:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if not done:
                waiting.append(pid)
        self.dying = waiting

    def _replenish(self) -> None:
        while len(self.spares) < self.spare_count:
            self.spares.append(job.make_spare(self.config, self.home))

    def _discard(self, spare: job.Spare) -> None:
        # Killing L, pid 1 of the job's pid namespace, kills C and whatever it started.
        os.kill(spare.init_pid, signal.SIGKILL)
        self.dying += [spare.init_pid, spare.job_pid]
        spare.channel.close()
        os.close(spare.mount_ns)

    def _start(self, job_id: int, message: dict[str, Any], fds: list[int]) -> None:
        """fds: the job's stdin, stdout, stderr, report, then its cgroup.procs."""
        report_fd, forwarded = fds[3], fds[:3] + fds[4:]
        try:
            for _attempt in range(2):
                spare = (
                    self.spares.popleft() if self.spares else job.make_spare(self.config, self.home)
                )
                try:
                    wire.send(spare.channel, message, forwarded)
                except OSError:
                    self._discard(spare)
                    continue
                pidfd = os.pidfd_open(spare.job_pid)
                self.running[job_id] = _Running(spare, report_fd, pidfd)
                return
            os.close(report_fd)  # no sandbox would take it: the host sees no report
        finally:
            for fd in forwarded:
                os.close(fd)

    def _end(self, job_id: int, report: dict[str, Any] | None) -> None:
        """Kill what is left of a job; write its report (None: the host stopped it)."""
        run = self.running.pop(job_id)
        os.kill(run.spare.init_pid, signal.SIGKILL)
        if report is not None:
            # No code of the job runs any more; its mount namespace lives while we hold it.
            syscalls.setns(run.spare.mount_ns)
            try:
                outputs, truncated = job.collect_outputs(runner.OUT_DIR, self.limits)
            finally:
                syscalls.setns(self.home["mnt"])
            report.update(outputs=outputs, outputs_truncated=truncated)
            with contextlib.suppress(OSError), os.fdopen(run.report_fd, "wb") as out:
                out.write(json.dumps(report).encode())
        else:
            os.close(run.report_fd)
        os.close(run.pidfd)
        if run.notes_fd is not None:
            os.close(run.notes_fd)
        self.dying += [run.spare.init_pid, run.spare.job_pid]
        run.spare.channel.close()
        os.close(run.spare.mount_ns)

    def _finish(self, job_id: int, exit_code: int | None, sig: int | None) -> None:
        _, memory = _parse_notes(self.running[job_id].notes)
        report = {"exit_code": exit_code, "signal": sig, "kind": "memory" if memory else ""}
        self._end(job_id, report)

    def _drain_notes(self, job_id: int) -> None:
        """Read what C wrote before it exited, which select may not have reported yet: the
        exit and the notes can be ready in the same round, and "memory" must not be missed."""
        run = self.running[job_id]
        if run.notes_fd is None and run.channel_open:
            ready, _, _ = select.select([run.spare.channel], [], [], 0)
            if ready:
                self._on_channel(job_id)
        if run.notes_fd is None:
            return
        os.set_blocking(run.notes_fd, False)  # a child of C may still hold the pipe open
        while run.notes_fd is not None and len(run.notes) <= 1024:
            try:
                chunk = os.read(run.notes_fd, 256)
            except BlockingIOError:
                return
            if not chunk:
                return
            run.notes += chunk

    def _on_exit(self, job_id: int) -> None:
        self._drain_notes(job_id)
        _, status = os.waitpid(self.running[job_id].spare.job_pid, 0)
        if os.WIFSIGNALED(status):
            self._finish(job_id, None, os.WTERMSIG(status))
        else:
            self._finish(job_id, os.WEXITSTATUS(status), None)

    def _on_notes(self, job_id: int) -> None:
        run = self.running[job_id]
        assert run.notes_fd is not None
        chunk = os.read(run.notes_fd, 256)
        if not chunk or len(run.notes) > 1024:  # closed, or flooded by the job
            os.close(run.notes_fd)
            run.notes_fd = None
            return
        run.notes += chunk
        exit_code, _ = _parse_notes(run.notes)
        if exit_code is not None:  # C is exiting: no need to wait for its teardown
            self._finish(job_id, exit_code, None)

    def _on_channel(self, job_id: int) -> None:
        run = self.running[job_id]
        message, fds = wire.receive(run.spare.channel)
        if message is None:
            run.channel_open = False
        elif fds:
            run.notes_fd = fds[0]

    def _on_control(self) -> bool:
        message, fds = wire.receive(self.sock)
        if message is None:
            return False
        job_id = int(message["id"])
        if message["op"] == "run":
            self._start(job_id, message, fds)
        elif message["op"] == "kill" and job_id in self.running:
            self._end(job_id, None)
        return True

    def _watched(self) -> dict[int, tuple[str, int]]:
        watched = {self.sock.fileno(): ("control", 0)}
        for job_id, run in self.running.items():
            watched[run.pidfd] = ("exit", job_id)
            if run.notes_fd is not None:
                watched[run.notes_fd] = ("notes", job_id)
            elif run.channel_open:
                watched[run.spare.channel.fileno()] = ("channel", job_id)
        return watched

    def serve(self) -> None:
        """Loop until the host goes away; then every job and spare is killed."""
        handlers = {"exit": self._on_exit, "notes": self._on_notes, "channel": self._on_channel}
        self._replenish()
        while True:
            watched = self._watched()
            timeout = 0.05 if self.dying else 0.5
            readable, _, _ = select.select(list(watched), [], [], timeout)
            self._reap()
            for fd in readable:
                kind, job_id = watched[fd]
                if kind == "control":
                    if not self._on_control():
                        return
                elif job_id in self.running:  # an earlier event may have ended it
                    handlers[kind](job_id)
            self._replenish()
