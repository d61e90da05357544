"""The host's handle on one bwrap process running the (warm or one-shot) interpreter."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from typing import Any

from . import _bwrap
from ._inside import wire
from .limits import SandboxLimits


class SandboxStartError(RuntimeError):
    """The sandboxed interpreter did not come up."""


class SandboxProcess:
    """Starts `bwrap … zygote`, sends it jobs (with their fds) and kill requests."""

    def __init__(self, limits: SandboxLimits, *, warm: bool, spares: int = 1) -> None:
        self._limits = limits
        self._warm = warm
        self._spares = spares
        self._proc: asyncio.subprocess.Process | None = None
        self._sock: socket.socket | None = None
        self._send_lock = asyncio.Lock()
        self._stderr_tail = b""
        self._stderr_task: asyncio.Task[None] | None = None
        self.ready: dict[str, Any] = {}

    @property
    def alive(self) -> bool:
        """Whether the interpreter is still running and reachable."""
        return self._proc is not None and self._proc.returncode is None and self._sock is not None

    @property
    def stderr_tail(self) -> str:
        """The last few KB the interpreter (not a job) wrote to stderr, for diagnostics."""
        return self._stderr_tail.decode(errors="replace")

    async def start(self) -> dict[str, Any]:
        """Launch bwrap and wait for the interpreter's "ready" message."""
        host_end, sandbox_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with sandbox_end:
            user = _bwrap.run_as()  # as root: an unprivileged host user runs every job
            bwrap = _bwrap.command(
                sandbox_end.fileno(),
                self._limits,
                warm=self._warm,
                spares=self._spares,
                staged=user is not None,
            )
            self._proc = await asyncio.create_subprocess_exec(
                *_bwrap.launch(bwrap, user),
                pass_fds=[sandbox_end.fileno()],
                env={},  # bwrap's own pid 1 keeps its environment, readable in /proc/1
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        host_end.setblocking(False)
        self._sock = host_end
        self._stderr_task = asyncio.create_task(self._keep_stderr_tail())
        try:
            self.ready = await asyncio.wait_for(self._receive(), self._limits.start_timeout_seconds)
        except (TimeoutError, EOFError, ValueError) as exc:
            await self.close()
            raise SandboxStartError(
                f"the sandboxed interpreter did not start ({exc!r}): {self.stderr_tail[-2000:]}"
            ) from exc
        return self.ready

    async def _keep_stderr_tail(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        while chunk := await self._proc.stderr.read(4096):
            self._stderr_tail = (self._stderr_tail + chunk)[-8192:]

    async def _receive(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        assert self._sock is not None

        async def exactly(size: int) -> bytes:
            data = b""
            while len(data) < size:
                chunk = await loop.sock_recv(self._sock, size - len(data))  # type: ignore[arg-type]
                if not chunk:
                    raise EOFError("the sandboxed interpreter exited")
                data += chunk
            return data

        (length,) = wire.HEADER.unpack(await exactly(wire.HEADER.size))
        message: dict[str, Any] = json.loads(await exactly(length))
        return message

    async def send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        """Send one message; `fds` are duplicated into the sandbox (the caller closes its own)."""
        if self._sock is None:
            raise ConnectionError("sandbox process is closed")
        data = wire.pack(message)
        sock = self._sock
        async with self._send_lock:
            while True:
                try:
                    sent = socket.send_fds(sock, [data[:1]], fds or [])
                    break
                except BlockingIOError:
                    await asyncio.sleep(0.005)
            await asyncio.get_running_loop().sock_sendall(sock, data[sent:])

    async def kill_job(self, job_id: int) -> None:
        """Ask the interpreter to SIGKILL one job (its whole pid namespace dies with it)."""
        with contextlib.suppress(OSError, ConnectionError):
            await self.send({"op": "kill", "id": job_id})

    async def shutdown(self, grace_seconds: float = 5.0) -> None:
        """Let running jobs finish (the interpreter exits when they have), then clean up."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._proc.wait(), grace_seconds)
        await self.close()

    async def close(self) -> None:
        """Kill bwrap; --die-with-parent and the pid namespace take every job with it."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, 9)
            await self._proc.wait()
        if self._stderr_task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._stderr_task, 2)
