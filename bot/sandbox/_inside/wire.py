"""Length-prefixed JSON messages over the control socket, with file descriptors attached.

JSON on purpose: nothing that crosses the sandbox boundary can execute code when decoded.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from typing import Any

HEADER = struct.Struct("!I")
MAX_FDS = 16


def pack(message: dict[str, Any]) -> bytes:
    """Encode one message: a 4-byte big-endian length, then UTF-8 JSON."""
    body = json.dumps(message, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("control socket closed mid-message")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    """Block for the next message; (None, []) when the peer has closed the socket."""
    header, fds, _flags, _addr = socket.recv_fds(sock, HEADER.size, MAX_FDS)
    for fd in fds:  # so that no process spawned later inherits another job's pipes
        os.set_inheritable(fd, False)
    if not header:
        return None, fds
    header += _recv_exact(sock, HEADER.size - len(header))
    (length,) = HEADER.unpack(header)
    return json.loads(_recv_exact(sock, length)), fds


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    """Blocking send of one message; the fds ride on its first byte."""
    data = pack(message)
    sent = socket.send_fds(sock, [data[:1]], fds or [])
    sock.sendall(data[sent:])
