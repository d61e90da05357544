"""A thread per session and channel: opened on the announcement, once, across restarts; the
recording goes to the thread and the channel once."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from models.joining_tables import SessionThread
from models.tables import OutboxMessage
from tests.joining.conftest import Console

THREAD = "› thread “Session 1: Introduction and preliminaries”"


async def _count(app: App, model: type, *where: object) -> int:
    async with app.services.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_the_announcement_opens_the_thread_with_the_reading_list(console: Console) -> None:
    await console.command(":wait 6d")
    printed = console.printed()
    announcement = printed.index("📣 Session 1: Introduction and preliminaries")
    intro = printed.index(f"[bot → #console {THREAD}")
    assert announcement < intro
    thread_post = printed[intro:]
    assert "Reading list" in thread_post and "2.1 Data Manipulation" in thread_post
    assert "`d2l ask QUESTION`" in thread_post
    [announced] = [m for m in await console.sent("announcement") if m.key == "announce:1:1"]
    async with console.app.services.sessions() as db:
        thread = await db.scalar(select(SessionThread))
    assert thread is not None and thread.thread_ref == announced.delivered_ref


async def test_a_restart_keeps_the_one_thread(console: Console, sqlite_url: str) -> None:
    await console.command(":wait 6d")
    clock = console.app.services.clock
    assert isinstance(clock, FakeClock)
    restarted = await App.create(console.app.services.settings, clock=FakeClock(clock.now()))
    try:
        dispatcher = Dispatcher(
            restarted.services, {"console": console.adapter.dispatcher.senders["console"]}
        )
        await dispatcher.run_once()
        await dispatcher.run_once()
        assert await _count(restarted, SessionThread) == 1
        assert await _count(restarted, OutboxMessage, OutboxMessage.kind == "thread") == 1
    finally:
        await restarted.close()


async def test_the_recording_goes_to_the_channel_and_the_thread_once(console: Console) -> None:
    await console.command(":wait 9d")  # past session 1
    console.printed()
    reply = await console.text("olga", "d2l admin session 1 recording https://example.org/rec1")
    assert "posted it to the cohort's channels and the session's threads" in reply
    printed = console.printed()
    assert printed.count("🎥 Recording of session 1") == 2
    assert f"#console {THREAD}" in printed
    await console.text("olga", "d2l admin session 1 recording https://example.org/rec1")
    assert "🎥 Recording" not in console.printed()
    assert len(await console.sent("recording")) == 2
