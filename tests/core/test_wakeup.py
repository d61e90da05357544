"""Messages due now wake the delivering schedulers at once: in this process after the commit,
and in other processes through PostgreSQL's LISTEN/NOTIFY (bot.outbox_listener)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import asyncpg
import pytest

from bot.app import App
from bot.delivery import Dispatcher
from bot.outbox_listener import OutboxListener, asyncpg_dsn
from bot.scheduler import DeliveryScheduler
from handlers.serialize import reply_to_json
from handlers.types import Reply
from models.outbox import NOTIFY_CHANNEL, WAKE_HORIZON, Planned, enqueue, subscribe
from tests.core.conftest import RecordingSender


def result_for(key: str, due: dt.datetime, platform: str = "console") -> Planned:
    return Planned(
        key=key,
        kind="grading_result",
        platform=platform,
        workspace_id="local",
        target="ann",
        payload={"reply": reply_to_json(Reply(text=f"result {key}")), "direct": True},
        due_at=due,
    )


@pytest.fixture
def heard() -> Iterator[list[set[str]]]:
    calls: list[set[str]] = []
    unsubscribe = subscribe(calls.append)
    yield calls
    unsubscribe()


async def test_a_commit_that_queued_work_due_now_wakes_this_process(
    bot: App, heard: list[set[str]]
) -> None:
    now = bot.services.clock.now()
    async with bot.services.sessions() as db, db.begin():
        await enqueue(db, [result_for("r1", now), result_for("r2", now, "slack")], now)
        assert heard == []  # not before the commit: a sweep would not see the rows yet
    assert heard == [{"console", "slack"}]


async def test_a_rollback_or_work_due_later_wakes_nobody(bot: App, heard: list[set[str]]) -> None:
    now = bot.services.clock.now()
    async with bot.services.sessions() as db, db.begin():
        await enqueue(db, [result_for("later", now + WAKE_HORIZON * 2)], now)
    async with bot.services.sessions() as db, db.begin():
        await enqueue(db, [result_for("undone", now)], now)
        await db.rollback()
    assert heard == []


async def test_a_scheduler_delivers_what_is_queued_without_waiting_for_its_tick(
    bot: App, sender: RecordingSender
) -> None:
    scheduler = DeliveryScheduler(
        Dispatcher(bot.services, {"console": sender}), sweep_seconds=3600, listen=True
    )
    scheduler.start()
    try:
        for _ in range(100):  # the first sweep (at start) finds nothing and ends
            await asyncio.sleep(0.02)
            if not scheduler._running.locked():
                break
        now = bot.services.clock.now()
        async with bot.services.sessions() as db, db.begin():
            await enqueue(db, [result_for("r1", now)], now)
        for _ in range(250):  # the next tick is an hour away: only the wake-up can send it
            if sender.sent:
                break
            await asyncio.sleep(0.02)
    finally:
        await scheduler.shutdown()
    assert [d.key for d in sender.sent] == ["r1"]


@pytest.mark.postgres
async def test_the_listener_hears_other_processes_and_comes_back_after_a_disconnect(
    postgres_url: str,
) -> None:
    heard: asyncio.Queue[set[str]] = asyncio.Queue()
    listener = OutboxListener(postgres_url, heard.put_nowait)
    listener.start()
    other = await asyncpg.connect(asyncpg_dsn(postgres_url))
    try:
        await asyncio.wait_for(listener.connected.wait(), 10)
        assert await asyncio.wait_for(heard.get(), 5) == set()  # "look now" on connecting
        await other.execute(f"NOTIFY {NOTIFY_CHANNEL}, 'discord,slack'")
        assert await asyncio.wait_for(heard.get(), 5) == {"discord", "slack"}

        # The server drops the listening connection (a restart, an idle timeout)...
        await other.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        assert await asyncio.wait_for(heard.get(), 15) == set()  # ...and it is back
        await other.execute(f"NOTIFY {NOTIFY_CHANNEL}, 'slack'")
        assert await asyncio.wait_for(heard.get(), 5) == {"slack"}
    finally:
        await other.close()
        await listener.stop()
