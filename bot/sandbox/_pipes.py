"""Non-blocking pipe I/O on the event loop, with caps so a job cannot flood the host."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable
from typing import Any


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _readable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    loop.add_reader(fd, _wake, ready)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


async def read_capped(fd: int, cap: int, overflow: asyncio.Event) -> tuple[bytes, bool]:
    """Read `fd` to EOF, keeping the first `cap` bytes; set `overflow` once more arrive.

    Owns and closes `fd`. Bytes beyond the cap are drained and dropped, so the writer is not
    blocked while it is being killed.
    """
    kept = bytearray()
    over = False
    os.set_blocking(fd, False)
    try:
        while True:
            await _readable(fd)
            while True:
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    break
                if not chunk:
                    return bytes(kept), over
                room = cap - len(kept)
                kept += chunk[:room]
                if len(chunk) > room and not over:
                    over = True
                    overflow.set()
    finally:
        os.close(fd)


async def feed(
    fd: int,
    data: bytes,
    *,
    outputs_closed: Awaitable[object] | None = None,
    after_output: bytes | None = None,
) -> None:
    """Write `data` to `fd` and close it; a reader that goes away early is not an error.

    With `after_output` set, the pipe stays open after `data` until `outputs_closed` (the job's
    stdout and stderr both at EOF) is done, then `after_output` is written before closing.
    """
    os.set_blocking(fd, False)
    try:
        await _write_all(fd, data)
        if after_output is not None:
            if outputs_closed is not None:
                await outputs_closed
            await _write_all(fd, after_output)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


async def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    loop = asyncio.get_running_loop()
    while view:
        try:
            view = view[os.write(fd, view[: 1 << 16]) :]
        except BlockingIOError:
            ready: asyncio.Future[None] = loop.create_future()
            loop.add_writer(fd, _wake, ready)
            try:
                await ready
            finally:
                loop.remove_writer(fd)


async def both_done(first: asyncio.Future[Any], second: asyncio.Future[Any]) -> None:
    """Wait until both futures are done, however they end (without raising their errors)."""
    await asyncio.wait({first, second})
