"""`GET /healthz` on the web process: 200 when the bot can serve, 503 with the reason when the
database is down (the fault proxy plays the outage) or a platform is disconnected."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import App
from bot.health import HEALTH_PATH, mount_health
from tests.faults.db_proxy import DbProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
async def healthz(proxied_bot: App) -> AsyncIterator[str]:
    """The URL of /healthz on a web app serving `proxied_bot`."""
    web_app = web.Application()
    mount_health(web_app, proxied_bot)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}{HEALTH_PATH}"
    await runner.cleanup()


async def get(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def test_healthz_is_200_when_the_database_and_platforms_are_up(
    healthz: str, proxied_bot: App
) -> None:
    proxied_bot.platform_checks["slack"] = lambda: True
    status, report = await get(healthz)
    assert status == 200, report
    assert report["status"] == "ok"
    assert report["problems"] == []
    assert report["database"] == "reachable"
    assert report["migrations"]["current"] is True
    assert report["platforms"] == {"slack": "connected"}
    assert report["last_outbox_send_age_seconds"] is None  # nothing sent yet


async def test_healthz_is_503_with_the_reason_while_the_database_is_down(
    healthz: str, proxied_bot: App, proxy: DbProxy
) -> None:
    assert (await get(healthz))[0] == 200
    await proxy.cut()
    status, report = await get(healthz)
    assert status == 503, report
    assert report["status"] == "unhealthy"
    assert report["database"] == "unreachable"
    assert report["problems"][0].startswith("database unreachable:"), report

    await proxy.restore()  # the same process is healthy again, no restart
    status, report = await get(healthz)
    assert status == 200, report


async def test_healthz_is_503_while_the_server_is_starting_up(
    healthz: str, proxied_bot: App, proxy: DbProxy
) -> None:
    await proxy.cut()
    await proxy.starting_up()
    status, report = await get(healthz)
    assert status == 503, report
    assert "starting up" in report["problems"][0]


async def test_a_disconnected_platform_makes_healthz_503(healthz: str, proxied_bot: App) -> None:
    proxied_bot.platform_checks.update(slack=lambda: True, discord=lambda: False)
    status, report = await get(healthz)
    assert status == 503
    assert report["platforms"] == {"slack": "connected", "discord": "disconnected"}
    assert report["problems"] == ["discord is disconnected"]


async def test_healthz_reports_the_age_of_the_last_outbox_send(
    healthz: str, proxied_bot: App
) -> None:
    from models.tables import OutboxMessage

    now = proxied_bot.services.clock.now()
    async with proxied_bot.services.sessions() as db, db.begin():
        for minutes, status in ((90, "sent"), (30, "sent"), (1, "failed")):
            at = now - dt.timedelta(minutes=minutes)
            db.add(
                OutboxMessage(
                    key=f"test:{minutes}",
                    kind="test",
                    platform="slack",
                    workspace_id="T",
                    target="C",
                    payload={},
                    due_at=at,
                    status=status,
                    created_at=at,
                    sent_at=at if status == "sent" else None,
                )
            )
    status, report = await get(healthz)
    assert status == 200
    assert report["last_outbox_send_age_seconds"] == pytest.approx(30 * 60)
