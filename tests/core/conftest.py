"""Fixtures for the delivery tests: a recording sender and a bot with a work catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from handlers.catalog import WorkCatalog
from handlers.types import Reply
from models.tables import OutboxMessage
from tests.conftest import Chat, make_settings

CATALOG = WorkCatalog(
    exercises={"softmax": "Stable softmax", "adam_step": "Adam update"},
    quiz_topics={"probability": "Probability", "optimization": "Optimization"},
)


@dataclass
class Delivered:
    key: str
    kind: str
    target: str
    direct: bool
    reply: Reply
    at: object


@dataclass
class RecordingSender:
    """Stands in for a chat platform: records what would have been posted."""

    clock: FakeClock
    sent: list[Delivered] = field(default_factory=list)
    fail_times: int = 0

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise ConnectionError("chat API answered 503")
        self.sent.append(
            Delivered(message.key, message.kind, message.target, direct, reply, self.clock.now())
        )
        return f"msg-{len(self.sent)}"

    def kinds(self) -> list[str]:
        return [d.kind for d in self.sent]


@pytest.fixture
async def bot(database_url: str, clock: FakeClock) -> AsyncIterator[App]:
    """The bot on SQLite and on PostgreSQL, with a catalog and the console channel bound.
    olga organizes it (by her console id); she is a member only if she joins."""
    settings = make_settings(database_url, organizers=["console:olga"])
    app = await App.create(settings, clock=clock, catalog=CATALOG)
    await app.bind_channel("console", "local", "console")
    yield app
    await app.close()


@pytest.fixture
def sender(clock: FakeClock) -> RecordingSender:
    return RecordingSender(clock)


@pytest.fixture
def dispatcher(bot: App, sender: RecordingSender) -> Dispatcher:
    return Dispatcher(bot.services, {"console": sender})


@pytest.fixture
def talk(bot: App, tmp_path: Path) -> Chat:
    return Chat(bot, tmp_path / "out")
