"""The template: a copy of the warm interpreter, forked before the first job, that makes
spares and reaps them, and nothing else.

It never receives a job's code, inputs or outputs: its only messages are "make a spare", and
what it sends back are spares and its children's exit statuses. So every spare starts as a
copy of memory that has never held another member's data. The supervisor, which does see job
data, never forks.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
from typing import Any

from . import job, syscalls, wire

NAME = "studybot-tmpl"


class Template:
    """Makes spares on request; reports the exit status of every job process (C) it made."""

    def __init__(self, supervisor: socket.socket, config: dict[str, Any]) -> None:
        self.supervisor = supervisor
        self.config = config
        self.home = {
            name: os.open(f"/proc/self/ns/{name}", os.O_RDONLY | os.O_CLOEXEC)
            for name in job.HOME_NAMESPACES
        }
        self.children: dict[int, tuple[int, bool]] = {}  # pidfd -> (pid, is a job process)

    def _make_spare(self) -> None:
        try:
            spare = job.make_spare(self.config, self.home)
        except OSError as exc:
            os.write(2, f"sandbox: making a spare failed: {exc!r}\n".encode())
            wire.send(self.supervisor, {"op": "failed"})
            return
        for child, is_job in ((spare.init_pid, False), (spare.job_pid, True)):
            self.children[os.pidfd_open(child)] = (child, is_job)
        message = {"op": "spare", "init": spare.init_pid, "job": spare.job_pid}
        wire.send(self.supervisor, message, [spare.channel.fileno(), spare.mount_ns])
        spare.channel.close()
        os.close(spare.mount_ns)

    def _reap(self, pidfd: int) -> None:
        pid, is_job = self.children.pop(pidfd)
        os.close(pidfd)
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(pid, 0)
            if is_job:
                wire.send(self.supervisor, {"op": "exited", "job": pid, "status": status})

    def serve(self) -> int:
        """Until the supervisor closes the socket."""
        syscalls.set_name(NAME)
        sock = self.supervisor.fileno()
        while True:
            readable, _, _ = select.select([sock, *self.children], [], [])
            for fd in readable:
                if fd != sock:
                    self._reap(fd)
                    continue
                message, fds = wire.receive(self.supervisor)
                for extra in fds:
                    os.close(extra)
                if message is None:
                    return 0
                if message.get("op") == "spare":
                    self._make_spare()


def serve(supervisor: socket.socket, config: dict[str, Any]) -> int:
    """The template's life: make and reap spares for the supervisor."""
    return Template(supervisor, config).serve()
