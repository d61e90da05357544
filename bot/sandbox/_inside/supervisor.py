"""The supervisor: takes jobs from the host, hands each to a spare, watches it, reports.

It reads job data (it collects each job's output files) and so it never forks: spares come
from the template (see `template`), which never sees a job, and which reaps them and tells
the supervisor how each job process ended. It never blocks on a job or a spare either:
  - the job itself travels in a memfd the host wrote; only a few bytes and fds go to the
    spare, over a socket with a short timeout;
  - a spare must say it took the job within HANDOVER_SECONDS (the liveness handshake); a
    stopped or dead one is killed and the job goes to the next spare;
  - what a job leaves behind is read with bounded work (`job.collect_outputs`).
A job ends when its process exits (the template reports its status) or the host asks to kill
it. Then its init is killed (the whole pid namespace dies), its output files are collected
from its mount namespace, and one JSON report goes to the host.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import select
import signal
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import job, runner, syscalls, wire

NAME = "studybot-super"
HANDOVER_SECONDS = 0.5  # a spare that has not taken its job by then is replaced
_MAX_TRIES = 4
_MAX_SPARE_FAILURES = 3


@dataclass
class _Waiting:
    """A job not yet taken by a spare: the fds it goes with, and where its report goes."""

    fds: list[int]  # stdin, stdout, stderr, request memfd, cgroup.procs…
    report_fd: int
    tries: int = 0

    def close(self) -> None:
        for fd in (*self.fds, self.report_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


@dataclass
class _Handing:
    """A job sent to a spare that has not yet said it took it."""

    waiting: _Waiting
    spare: job.Spare
    deadline: float


@dataclass
class _Running:
    """A job in progress: its sandbox and where its report goes."""

    spare: job.Spare
    report_fd: int


class Supervisor:
    """Serves run/kill requests from the host until the control socket closes."""

    def __init__(
        self, sock: socket.socket, template: socket.socket, config: dict[str, Any]
    ) -> None:
        self.sock = sock
        self.template = template
        self.limits: dict[str, Any] = config["limits"]
        self.spare_count = max(1, int(config.get("spares", 1)))
        self.home_mnt = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
        self.spares: collections.deque[job.Spare] = collections.deque()
        self.requested = 0  # spares asked of the template, not yet arrived
        # Jobs waiting for a spare, oldest first (a job whose spare failed goes back first).
        self.waiting: collections.OrderedDict[int, _Waiting] = collections.OrderedDict()
        self.handing: dict[int, _Handing] = {}
        self.running: dict[int, _Running] = {}
        self.failures = 0  # spares the template failed to make, in a row
        self.statuses: dict[int, int] = {}  # C's exit status, when it came before its "took"

    # ---- spares -------------------------------------------------------------------------

    def _request_spares(self) -> None:
        wanted = self.spare_count + len(self.waiting) - len(self.spares) - self.requested
        for _ in range(max(0, wanted)):
            wire.send(self.template, {"op": "spare"})
            self.requested += 1

    def _on_template(self) -> bool:
        message, fds = wire.receive(self.template)
        if message is None:
            return False  # no template, no spares: stop, the host starts a new interpreter
        if message.get("op") == "exited":
            self._on_exit(int(message["job"]), int(message["status"]))
            return True
        self.requested = max(0, self.requested - 1)
        if message.get("op") == "failed":
            self.failures += 1
            # Making spares keeps failing (the template said why on stderr): stop rather
            # than spin; the host starts a new interpreter for the next job.
            return self.failures < _MAX_SPARE_FAILURES
        if message.get("op") == "spare" and len(fds) == 2:
            self.failures = 0
            channel = socket.socket(fileno=fds[0])
            channel.settimeout(HANDOVER_SECONDS)
            self.spares.append(
                job.Spare(int(message["init"]), int(message["job"]), channel, fds[1])
            )
        else:
            for fd in fds:
                os.close(fd)
        return True

    def _discard(self, spare: job.Spare) -> None:
        # Killing L, pid 1 of the job's pid namespace, kills C and whatever it started, even
        # when they are stopped. The template reaps them.
        with contextlib.suppress(ProcessLookupError):
            os.kill(spare.init_pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(spare.job_pid, signal.SIGKILL)
        spare.channel.close()
        os.close(spare.mount_ns)
        self.statuses.pop(spare.job_pid, None)

    # ---- handing jobs over ----------------------------------------------------------------

    def _dispatch(self) -> None:
        while self.waiting and self.spares:
            job_id, waiting = self.waiting.popitem(last=False)
            spare = self.spares.popleft()
            try:
                wire.send(spare.channel, {"op": "run"}, waiting.fds)
            except OSError:  # dead, or stopped with a full buffer
                self._discard(spare)
                self._requeue(job_id, waiting)
                continue
            deadline = time.monotonic() + HANDOVER_SECONDS
            self.handing[job_id] = _Handing(waiting, spare, deadline)
        self._request_spares()

    def _requeue(self, job_id: int, waiting: _Waiting) -> None:
        waiting.tries += 1
        if waiting.tries >= _MAX_TRIES:
            waiting.close()  # the host sees no report: "the job's sandbox ended"
            return
        self.waiting[job_id] = waiting
        self.waiting.move_to_end(job_id, last=False)

    def _on_took(self, job_id: int) -> None:
        handing = self.handing.pop(job_id)
        try:
            message, fds = wire.receive(handing.spare.channel)
        except (OSError, EOFError, ValueError):
            message, fds = None, []
        for fd in fds:
            os.close(fd)
        if message is None or message.get("op") != "took":
            self._discard(handing.spare)
            self._requeue(job_id, handing.waiting)
            return
        for fd in handing.waiting.fds:  # C has its own copies now
            os.close(fd)
        self.running[job_id] = _Running(handing.spare, handing.waiting.report_fd)
        status = self.statuses.pop(handing.spare.job_pid, None)
        if status is not None:  # a fast job: it ended before we heard it took the job
            self._finish(job_id, status)

    def _expire_handovers(self) -> None:
        now = time.monotonic()
        for job_id, handing in list(self.handing.items()):
            if handing.deadline <= now:
                del self.handing[job_id]
                self._discard(handing.spare)
                self._requeue(job_id, handing.waiting)

    # ---- ending jobs ------------------------------------------------------------------------

    def _end(self, job_id: int, report: dict[str, Any]) -> None:
        """Kill what is left of a job; write its report with the files it left."""
        run = self.running.pop(job_id)
        with contextlib.suppress(ProcessLookupError):
            os.kill(run.spare.init_pid, signal.SIGKILL)
        # Its mount namespace lives while we hold it. A process of the job may still be dying
        # as we read: the reads neither follow links nor trust what they found a moment ago.
        syscalls.setns(run.spare.mount_ns)
        try:
            outputs, truncated = job.collect_outputs(runner.OUT_DIR, self.limits)
        finally:
            syscalls.setns(self.home_mnt)
        report.update(outputs=outputs, outputs_truncated=truncated)
        with contextlib.suppress(OSError), os.fdopen(run.report_fd, "wb") as out:
            out.write(json.dumps(report).encode())
        self._discard(run.spare)

    def _on_exit(self, pid: int, status: int) -> None:
        """The template reaped a job process: end its job (if it is one we run)."""
        for job_id, run in self.running.items():
            if run.spare.job_pid == pid:
                self._guarded(lambda job_id: self._finish(job_id, status), job_id)
                return
        if any(handing.spare.job_pid == pid for handing in self.handing.values()):
            self.statuses[pid] = status

    def _finish(self, job_id: int, status: int) -> None:
        if os.WIFSIGNALED(status):
            report: dict[str, Any] = {"exit_code": None, "signal": os.WTERMSIG(status)}
        else:
            report = {"exit_code": os.WEXITSTATUS(status), "signal": None}
        self._end(job_id, report)

    # ---- the host -------------------------------------------------------------------------

    def _on_control(self) -> bool:
        message, fds = wire.receive(self.sock)
        if message is None:
            return False
        job_id = int(message["id"])
        if message["op"] == "run" and len(fds) > job.REQUEST + 1:
            # fds: stdin, stdout, stderr, report, request memfd, then cgroup.procs
            self.waiting[job_id] = _Waiting(fds[:3] + fds[4:], fds[3])
            return True
        for fd in fds:
            os.close(fd)
        if message["op"] == "kill":
            self._kill(job_id)
        return True

    def _kill(self, job_id: int) -> None:
        if job_id in self.running:
            # What it wrote before it was stopped still counts (a timed-out grading job keeps
            # the cases it finished); the host reads this report if it still listens.
            self._end(job_id, {"exit_code": None, "signal": int(signal.SIGKILL)})
        elif job_id in self.handing:
            handing = self.handing.pop(job_id)
            self._discard(handing.spare)
            handing.waiting.close()
        elif job_id in self.waiting:
            self.waiting.pop(job_id).close()

    def _watched(self) -> dict[int, tuple[str, int]]:
        watched = {self.sock.fileno(): ("control", 0), self.template.fileno(): ("template", 0)}
        for job_id, handing in self.handing.items():
            watched[handing.spare.channel.fileno()] = ("took", job_id)
        return watched

    def _timeout(self) -> float:
        if not self.handing:
            return 0.5
        soonest = min(handing.deadline for handing in self.handing.values())
        return max(0.0, min(0.5, soonest - time.monotonic()))

    def serve(self) -> None:
        """Loop until the host (or the template) goes away."""
        syscalls.set_name(NAME)
        self._request_spares()
        while True:
            watched = self._watched()
            readable, _, _ = select.select(list(watched), [], [], self._timeout())
            for fd in readable:
                kind, job_id = watched[fd]
                if kind == "control":
                    if not self._on_control():
                        return
                elif kind == "template":
                    if not self._on_template():
                        return
                elif kind == "took" and job_id in self.handing:
                    self._guarded(self._on_took, job_id)
            self._expire_handovers()
            self._dispatch()

    def _guarded(self, handler: Callable[[int], None], job_id: int) -> None:
        """One job's mishap costs that job (the host sees no report), never the others."""
        try:
            handler(job_id)
        except Exception:
            traceback.print_exc()
            for table in (self.handing, self.running):
                entry = table.pop(job_id, None)
                if entry is None:
                    continue
                fds = [entry.waiting.report_fd if isinstance(entry, _Handing) else entry.report_fd]
                with contextlib.suppress(OSError):
                    self._discard(entry.spare)
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)

    def stop(self) -> None:
        """Kill every job and spare (the host has gone)."""
        for spare in self.spares:
            self._discard(spare)
        for handing in self.handing.values():
            self._discard(handing.spare)
        for run in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(run.spare.init_pid, signal.SIGKILL)
        self.template.close()
