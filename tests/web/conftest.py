"""The web pages served for real on 127.0.0.1 (port 0), over the SQLite test app."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.app import App
from bot.web import Limits, WebServer, build_site
from handlers.types import Invocation, Reply

CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Pages:
    """A running site and an HTTP client for it."""

    server: WebServer
    http: aiohttp.ClientSession
    app: App

    @property
    def url(self) -> str:
        return self.server.url

    async def get(self, path: str, **kwargs: object) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.http.get(self.url + path, allow_redirects=False, **kwargs) as r:  # type: ignore[arg-type]
            return r.status, await r.text(errors="replace"), r


async def say(app: App, user: str, text: str, platform: str = "console") -> list[Reply]:
    """A chat message from `user` (console identities: workspace `local`)."""
    return await app.handle(
        Invocation(
            platform=platform,
            workspace_id="local",
            channel_id="console",
            user_id=user,
            user_name=user,
            text=text,
        )
    )


def link_in(replies: list[Reply], path: str) -> str:
    """The first URL with `path` in the replies' text or fields."""
    import re

    for reply in replies:
        texts = [reply.text, *(f.value for f in reply.fields)]
        for text in texts:
            found = re.search(rf"https?://\S+{path}\S+", text)
            if found:
                return found.group(0)
    raise AssertionError(f"no {path} link in {replies!r}")


@pytest.fixture
def limits() -> Limits | None:
    return Limits()


@pytest.fixture
async def pages(app: App, limits: Limits | None) -> AsyncIterator[Pages]:
    server = WebServer(build_site(app, limits=limits), "127.0.0.1", 0)
    await server.start()
    async with aiohttp.ClientSession() as http:
        yield Pages(server, http, app)
    await server.stop()


@pytest.fixture
def chromium() -> Path:
    """Debian's chromium (`make test` installs it as root); skipped where it can't be, but
    a failure under CI, where the browser tests must run."""
    if CHROMIUM.exists() and shutil.which("chromium"):
        return CHROMIUM
    reason = "chromium is not installed: `sudo apt-get install chromium` (make test does as root)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {reason}")
    pytest.skip(reason)


async def failed_message(app: App, key: str = "reminder:1:60:console") -> int:
    """An outbox message that gave up (as after 10 failed sends); its id."""
    import datetime as dt

    from models.cohorts import first_cohort
    from models.tables import OutboxMessage

    now = app.services.clock.now()
    async with app.services.sessions() as db, db.begin():
        cohort = await first_cohort(db)
        assert cohort is not None
        message = OutboxMessage(
            key=key,
            kind="reminder",
            cohort_id=cohort.id,
            platform="console",
            workspace_id="local",
            target="console",
            payload={},
            due_at=now - dt.timedelta(hours=1),
            status="failed",
            attempts=10,
            last_error="ConnectionError: chat API answered 503",
            created_at=now - dt.timedelta(hours=2),
        )
        db.add(message)
        await db.flush()
        return message.id


def local(url: str, pages: Pages) -> str:
    """A link the bot sent (to its public base) pointed at the test's server."""
    import re

    return re.sub(r"^https?://[^/]+", pages.url, url)
