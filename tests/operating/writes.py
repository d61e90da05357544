"""A bot that keeps writing: members talk to it in a loop while a test copies its database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App
from models.tables import Identity, OutboxMessage, Rsvp
from tests.conftest import Chat

# Tables that the chatter below writes to, counted to compare copies with their source.
WRITTEN = (Identity, Rsvp, OutboxMessage)


class Writer:
    """Members join and RSVP one after another; `committed` counts the members stored."""

    def __init__(self, app: App, out_dir: Path) -> None:
        self.chat = Chat(app, out_dir)
        self.committed = 0
        self._progress = asyncio.Condition()

    async def run(self) -> None:
        while True:
            name = f"m{self.committed}"
            await self.chat.say("rsvp yes", as_=name)  # a member, an RSVP, a welcome DM
            async with self._progress:
                self.committed += 1
                self._progress.notify_all()

    async def until(self, count: int) -> None:
        """Wait until `count` members are stored."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.committed >= count)

    @contextlib.asynccontextmanager
    async def running(self, at_least: int) -> AsyncIterator[Writer]:
        """Writes in the background; starts yielding once `at_least` members are stored."""
        task = asyncio.create_task(self.run())
        try:
            await self.until(at_least)
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def members(app: App) -> int:
    async with app.services.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(Identity))).scalar_one())
