"""Fault fixtures: a PostgreSQL database reached through a proxy that can play a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.app import App
from bot.clock import FakeClock
from tests.conftest import POSTGRES_URL, fresh_postgres, make_settings
from tests.core.conftest import CATALOG
from tests.faults.db_proxy import DbProxy


@pytest.fixture
async def pg_name() -> AsyncIterator[str]:
    """A fresh PostgreSQL database's name (the test skips, with the reason, if the server is
    absent)."""
    async with fresh_postgres() as url:
        yield url.rsplit("/", 1)[1]


@pytest.fixture
async def proxy() -> AsyncIterator[DbProxy]:
    parts = urlsplit(POSTGRES_URL.replace("postgresql+asyncpg", "postgresql", 1))
    server = await DbProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    yield server
    await server.stop()


def proxied_url(proxy: DbProxy, database: str) -> str:
    """The test server's URL with the proxy's address in place of the server's."""
    parts = urlsplit(POSTGRES_URL)
    user, _, _ = parts.netloc.rpartition("@")
    netloc = f"{user}@127.0.0.1:{proxy.port}" if user else f"127.0.0.1:{proxy.port}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", "", ""))


@pytest.fixture
async def proxied_bot(pg_name: str, proxy: DbProxy, clock: FakeClock) -> AsyncIterator[App]:
    """The bot on PostgreSQL, every connection going through the proxy."""
    url = proxied_url(proxy, pg_name)
    app = await App.create(make_settings(url), clock=clock, catalog=CATALOG)
    await app.bind_channel("console", "local", "console")
    yield app
    await app.close()
