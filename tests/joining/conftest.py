"""Joining the group (issue 16) in the console: type as anyone, simulate joins, read what the
outbox delivered and what the database kept."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter, ConsoleMessage, render_plain
from models.tables import OutboxMessage
from tests.conftest import START, make_settings


class Console:
    def __init__(self, app: App, out: Path) -> None:
        self.app = app
        self.output = io.StringIO()
        self.adapter = ConsoleAdapter(
            app, user="olga", out_dir=out, stdin=io.StringIO(), stdout=self.output
        )

    async def text(self, user: str, text: str) -> str:
        replies = await self.adapter.handle(ConsoleMessage(sender=user, text=text))
        return "\n\n".join(render_plain(r) for r in replies)

    async def command(self, line: str) -> None:
        await self.adapter.console_command(line)

    def printed(self) -> str:
        """What the console printed since the last call (delivered messages included)."""
        text = self.output.getvalue()
        self.output.seek(0)
        self.output.truncate()
        return text

    async def sent(self, kind: str) -> list[OutboxMessage]:
        async with self.app.services.sessions() as db:
            rows = await db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind, OutboxMessage.status == "sent")
                .order_by(OutboxMessage.id)
            )
            return list(rows)


@pytest.fixture
async def console(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Console]:
    """Olga organizes by her console id."""
    settings = make_settings(sqlite_url, cadence_days=7, organizers=["console:olga"])
    app = await App.create(settings, clock=FakeClock(START))
    await app.bind_channel("console", "local", "console")
    yield Console(app, tmp_path / "out")
    await app.close()
