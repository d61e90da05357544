"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL), the app, a console."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

import bot.app
from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter, ConsoleMessage, render_plain
from bot.settings import CohortDefaults, Settings
from handlers.types import Reply
from models.migrate import upgrade_async

POSTGRES_URL = os.environ.get(
    "STUDYBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# A Monday morning; the default test cohort meets on Tuesdays at 18:00 Berlin time.
START = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
FIRST_SESSION = dt.date(2027, 1, 12)


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin_connection() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(_plain_dsn(POSTGRES_URL), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}")


@contextlib.asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"studybot_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin_connection()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin = await _admin_connection()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class _Templates:
    """A SQLite database migrated once per run, which the bot's start copies instead of
    migrating each new test database again (about 0.35 s a test, most of many tests).

    Only `App.create` takes the shortcut, and only for a SQLite file that doesn't exist yet;
    every other upgrade (PostgreSQL, where cloning a database costs as much as migrating it,
    `studybot migrate`, the migration tests) runs the real migrations.
    """

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="studybot-templates-"))
        self.sqlite: Path | None = None

    async def upgrade(self, url: str, revision: str = "head") -> None:
        if revision == "head" and url.startswith("sqlite") and await self._copy_sqlite(url):
            return
        await upgrade_async(url, revision)

    async def _copy_sqlite(self, url: str) -> bool:
        target = Path(url.split(":///", 1)[1])
        if not _new_file(target):
            return False
        if self.sqlite is None:
            template = self.folder / "template.db"
            await upgrade_async(f"sqlite+aiosqlite:///{template}")
            self.sqlite = template
        shutil.copyfile(self.sqlite, target)
        return True

    def drop(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _new_file(path: Path) -> bool:
    return not path.exists() and path.parent.is_dir()


@pytest.fixture(scope="session", autouse=True)
def migrated_templates() -> Iterator[_Templates]:
    templates = _Templates()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.app, "upgrade_async", templates.upgrade)
        yield templates
    templates.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'studybot.db'}"
        return
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (for what only PostgreSQL does: several processes)."""
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'studybot.db'}"


def make_settings(database_url: str, **cohort: object) -> Settings:
    defaults: dict[str, object] = {
        "name": "Test cohort",
        "timezone": "Europe/Berlin",
        "first_session": FIRST_SESSION,
        "session_time": dt.time(18, 0),
        "cadence_days": 14,
    }
    defaults.update(cohort)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        cohort=CohortDefaults.model_validate(defaults),
        # Tests never reach GitHub: a closed port on loopback unless a test serves a fake.
        github_raw_url="http://127.0.0.1:9/",
        github_api_url="http://127.0.0.1:9/",
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def app(sqlite_url: str, clock: FakeClock) -> AsyncIterator[App]:
    """The bot core on SQLite with a fake clock."""
    bot = await App.create(make_settings(sqlite_url), clock=clock)
    yield bot
    await bot.close()


class Chat:
    """A console conversation for tests: say things as members, read the bot's replies."""

    def __init__(self, app: App, out_dir: Path, user: str = "alice") -> None:
        self.output = io.StringIO()
        self.adapter = ConsoleAdapter(
            app,
            user=user,
            out_dir=out_dir,
            stdin=io.StringIO(),
            stdout=self.output,
            interactive=False,
            deliver=False,  # tests drive delivery themselves
        )

    async def say(self, text: str, *, as_: str | None = None) -> list[Reply]:
        return await self.adapter.handle(ConsoleMessage(sender=as_, text=text))

    async def text(self, message: str, *, as_: str | None = None) -> str:
        """The replies to one message as the console prints them."""
        return "\n\n".join(render_plain(r) for r in await self.say(message, as_=as_))


@pytest.fixture
def chat(app: App, tmp_path: Path) -> Chat:
    return Chat(app, tmp_path / "out")
