"""A TCP proxy on 127.0.0.1 in front of PostgreSQL that can play a server restart.

A real restart looks like this to a client, and so does the proxy:

1. `cut()`: every open connection gets PostgreSQL's `FATAL 57P01 terminating connection due
   to administrator command` (at a message boundary, as the server sends it) and is closed;
   new connections are refused (the listening socket is closed).
2. `starting_up()` (optional): connections are accepted again but answered with
   `FATAL 57P03 the database system is starting up`, as while the server replays its log.
3. `restore()`: connections go through to the server again.

The shared server behind the proxy keeps serving every other test. Clients must not use TLS
(the proxy answers a TLS request with "no"): it reads the message framing to inject errors
cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Coroutine
from typing import Any, Literal

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
ADMIN_SHUTDOWN = ("57P01", "terminating connection due to administrator command")
STARTING_UP = ("57P03", "the database system is starting up")

State = Literal["up", "down", "starting"]


def error_response(code: str, message: str) -> bytes:
    """A PostgreSQL ErrorResponse ('E') message of severity FATAL."""
    fields = b"".join(
        tag + value.encode() + b"\0"
        for tag, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


class _Link:
    """One proxied client connection: its two sockets and its two copying tasks."""

    def __init__(self, client_w: asyncio.StreamWriter, server_w: asyncio.StreamWriter) -> None:
        self.client_w = client_w
        self.server_w = server_w
        self.tasks: list[asyncio.Task[None]] = []
        self.kill = asyncio.Event()  # set by cut(): inject the FATAL error and hang up


class DbProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.state: State = "down"
        self.accepted = 0  # connections passed through to the server
        self.terminated = 0  # live connections killed by cut()
        self.turned_away = 0  # connections answered "starting up"
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> DbProxy:
        await self._listen()
        self.state = "up"
        return self

    async def cut(self) -> None:
        """The server goes down: live connections get 57P01, new ones are refused."""
        self.state = "down"
        await self._close_listener()
        links = list(self._links)
        for link in links:
            link.kill.set()
        await asyncio.gather(*(t for link in links for t in link.tasks), return_exceptions=True)
        self.terminated += len(links)

    async def starting_up(self) -> None:
        """The server is back on its port but still starting: connections get 57P03."""
        self.state = "starting"
        await self._listen()

    async def restore(self) -> None:
        self.state = "up"
        await self._listen()

    async def stop(self) -> None:
        await self.cut()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]

    async def _close_listener(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            if self.state == "starting":
                await self._turn_away(client_r, client_w)
            elif self.state == "up":
                await self._connect(client_r, client_w)
            else:
                client_w.transport.abort()
        except (OSError, asyncio.IncompleteReadError):
            client_w.transport.abort()
        finally:
            self._handlers.discard(task)

    async def _turn_away(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        packet = await _startup_packet(reader)
        if _request_code(packet) in (SSL_REQUEST, GSSENC_REQUEST):
            writer.write(b"N")
            await _startup_packet(reader)
        writer.write(error_response(*STARTING_UP))
        await writer.drain()
        self.turned_away += 1
        writer.close()

    async def _connect(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        startup = await _startup_packet(client_r)
        if _request_code(startup) in (SSL_REQUEST, GSSENC_REQUEST):
            client_w.write(b"N")  # no TLS through the proxy: it reads the messages
            startup = await _startup_packet(client_r)
        server_r, server_w = await asyncio.open_connection(*self.upstream)
        server_w.write(struct.pack("!i", len(startup) + 4) + startup)
        if self.state != "up":  # cut while connecting upstream
            client_w.transport.abort()
            server_w.transport.abort()
            return
        self.accepted += 1
        link = _Link(client_w, server_w)
        self._links.add(link)
        link.tasks = [
            asyncio.create_task(self._upstream(link, client_r)),
            asyncio.create_task(self._downstream(link, server_r)),
        ]
        await asyncio.gather(*link.tasks, return_exceptions=True)
        self._links.discard(link)
        for writer in (client_w, server_w):
            writer.transport.abort()

    async def _upstream(self, link: _Link, client_r: asyncio.StreamReader) -> None:
        """Client to server, byte for byte, until either side hangs up or the cut."""
        with contextlib.suppress(OSError):
            await _until_killed(link, _copy(client_r, link.server_w))
        link.server_w.transport.abort()

    async def _downstream(self, link: _Link, server_r: asyncio.StreamReader) -> None:
        """Server to client, whole messages at a time, so a cut can add its FATAL cleanly."""
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await _until_killed(link, _copy_messages(server_r, link.client_w))
        if link.kill.is_set():
            with contextlib.suppress(OSError):
                link.client_w.write(error_response(*ADMIN_SHUTDOWN))
                await asyncio.wait_for(link.client_w.drain(), 1)
        link.client_w.transport.abort()


async def _until_killed(link: _Link, copying: Coroutine[Any, Any, None]) -> None:
    copy = asyncio.ensure_future(copying)
    killed = asyncio.ensure_future(link.kill.wait())
    try:
        await asyncio.wait({copy, killed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (copy, killed):
            task.cancel()
        await asyncio.gather(copy, killed, return_exceptions=True)
    error = copy.exception() if copy.done() and not copy.cancelled() else None
    if error is not None:
        raise error


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


async def _copy_messages(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        header = await reader.readexactly(5)
        (length,) = struct.unpack("!i", header[1:])
        body = await reader.readexactly(length - 4)
        writer.write(header + body)
        await writer.drain()


async def _startup_packet(reader: asyncio.StreamReader) -> bytes:
    (length,) = struct.unpack("!i", await reader.readexactly(4))
    return await reader.readexactly(length - 4)


def _request_code(packet: bytes) -> int:
    return int(struct.unpack("!i", packet[:4])[0]) if len(packet) >= 4 else 0
