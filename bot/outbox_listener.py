"""LISTEN for "messages are due now" from other processes (PostgreSQL only).

A grading worker queues a result; a `web` process queues a notice; the process that sends it
may be another one. models.outbox NOTIFYs on commit, and this wakes the local scheduler at
once instead of at its next 30-second tick. The periodic tick stays as the safety net: a
notification lost while the connection was down costs at most one tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy import make_url

from models.outbox import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

RECONNECT_MAX_SECONDS = 30.0


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


class OutboxListener:
    """Keeps one LISTEN connection open (reconnecting after a database restart) and calls
    `on_due(platforms)` for every notification."""

    def __init__(self, database_url: str, on_due: Callable[[set[str]], None]) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.on_due = on_due
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="outbox listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        self.on_due({p for p in payload.split(",") if p})

    async def _listen(self) -> None:
        delay = 1.0
        while True:
            try:
                connection = await asyncpg.connect(self.dsn, timeout=10)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("outbox listener: cannot connect (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
                continue
            delay = 1.0
            try:
                await self._serve(connection)
                log.warning("outbox listener: connection lost; reconnecting")
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("outbox listener failed (%s); reconnecting", exc)
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
            await asyncio.sleep(delay)

    async def _serve(self, connection: asyncpg.Connection) -> None:
        """Listen on one connection until it is lost."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _c: lost.set())
        await connection.add_listener(NOTIFY_CHANNEL, self._notified)
        self.connected.set()
        self.on_due(set())  # messages queued while we were away: let the scheduler look now
        await lost.wait()
