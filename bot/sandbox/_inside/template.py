"""The template: a copy of the warm interpreter, forked before the first job, that makes
spares and nothing else.

It never receives a job's code, inputs or outputs: its only messages are "make a spare", and
it forks a maker for each (see `job.make_spare`). So every spare starts as a copy of
memory that has never held another member's data. The supervisor, which does see job data,
never forks.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from . import job, syscalls, wire

NAME = "studybot-tmpl"


def serve(supervisor: socket.socket, config: dict[str, Any]) -> int:
    """Make one spare per request until the supervisor closes the socket."""
    syscalls.set_name(NAME)
    while True:
        message, fds = wire.receive(supervisor)
        for fd in fds:
            os.close(fd)
        if message is None:
            return 0
        if message.get("op") != "spare":
            continue
        maker = os.fork()
        if maker == 0:
            syscalls.exit_child("making a spare", lambda: job.make_spare(config, supervisor))
        _, status = os.waitpid(maker, 0)
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            wire.send(supervisor, {"op": "failed"})
