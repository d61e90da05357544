"""Submissions from every source: the bot on SQLite, a fake GitHub, a test grading worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.worker import GradingWorker
from models.tables import Submission
from tests.conftest import Chat, make_settings
from tests.exercises.conftest import ForkServerExecutor
from tests.submissions.fake_github import FakeGitHub


@pytest.fixture(scope="module")
def executor() -> Iterator[ForkServerExecutor]:
    """Runs jobs without a sandbox: what is under test is how the code was read."""
    server = ForkServerExecutor()
    yield server
    server.close()


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    fake = await FakeGitHub().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def linked_app(sqlite_url: str, clock: FakeClock, github: FakeGitHub) -> AsyncIterator[App]:
    settings = make_settings(sqlite_url).model_copy(
        update={
            "github_raw_url": f"{github.url}/raw/",
            "github_api_url": f"{github.url}/api/",
            "link_timeout_seconds": 0.5,
        }
    )
    app = await App.create(settings, clock=clock)
    yield app
    await app.close()


@pytest.fixture
def console(linked_app: App, tmp_path: Path) -> Chat:
    return Chat(linked_app, tmp_path / "out")


async def graded(app: App, executor: ForkServerExecutor) -> list[Submission]:
    """Grade what is queued; every submission stored, oldest first."""
    if not app.grading.postgres:
        await app.grading.settle()
    worker = GradingWorker(
        app.services.settings, queue=app.grading, executor=executor, clock=app.services.clock
    )
    await worker.drain()
    async with app.services.sessions() as db:
        return list(await db.scalars(select(Submission).order_by(Submission.id)))
