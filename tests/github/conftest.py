"""Fixtures for the GitHub tests: a fake GitHub API on 127.0.0.1 and a bot that publishes
to it, with a dispatcher for its GitHub rows and a console channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.github import GitHubPublisher
from bot.settings import Settings
from tests.conftest import Chat, fresh_postgres, make_settings
from tests.core.conftest import RecordingSender
from tests.github.fake_github import REPO, TOKEN, FakeGitHubApi


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHubApi]:
    server = await FakeGitHubApi().start()
    yield server
    await server.stop()


def github_settings(database_url: str, api_url: str, **more: object) -> Settings:
    """The test settings (olga organizes, by her console id) publishing to the fake."""
    settings = make_settings(database_url, organizers=["console:olga"])
    update: dict[str, object] = {
        "github_token": SecretStr(TOKEN),
        "github_repo": REPO,
        "github_api_url": api_url + "/",
    }
    update.update(more)
    return settings.model_copy(update=update)


@pytest.fixture
def backend() -> str:
    """SQLite; a test parametrized with `BOTH_BACKENDS` runs on PostgreSQL too."""
    return "sqlite"


BOTH_BACKENDS = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)


@pytest.fixture
async def published_url(backend: str, sqlite_url: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield sqlite_url
        return
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def published(
    published_url: str, clock: FakeClock, github: FakeGitHubApi
) -> AsyncIterator[App]:
    """The bot with GitHub configured, its channel bound, and the publisher started."""
    app = await App.create(github_settings(published_url, github.url), clock=clock)
    await app.bind_channel("console", "local", "console")
    publisher = GitHubPublisher(app.services)
    await publisher.start()
    yield app
    await publisher.stop()
    await app.close()


@pytest.fixture
def chat_sender(clock: FakeClock) -> RecordingSender:
    return RecordingSender(clock)


@pytest.fixture
async def deliver(published: App, chat_sender: RecordingSender) -> AsyncIterator[Dispatcher]:
    """Delivers both the console channel's rows and GitHub's."""
    publisher = GitHubPublisher(published.services)
    yield Dispatcher(published.services, {"console": chat_sender, "github": publisher.sender()})
    await publisher.stop()


@pytest.fixture
def olga(published: App, tmp_path: Path) -> Chat:
    return Chat(published, tmp_path / "out", user="olga")
