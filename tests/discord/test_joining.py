"""Issue 16 on Discord, through discord.py and the fake Discord: the welcome on joining the
server, agreeing by button, the session thread on the announcement, and the guild scheduled
events that the dispatcher's sweep keeps in line with the sessions."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.discord_bot import DiscordPlatform
from models.conduct import agreements
from models.joining_tables import DiscordEvent, SessionThread
from models.tables import OutboxMessage, Session
from tests.discord import payloads as p
from tests.discord.conftest import say
from tests.discord.fake_discord import FakeDiscord

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)  # Tue 12 Jan 2027, 18:00 Berlin
DANA_ID = "80351110224678999"
DANA = p.user(DANA_ID, "dana")


def sweep(app: App, platform: DiscordPlatform) -> Dispatcher:
    """A fresh dispatcher, as after a restart (a new sender, nothing kept in memory)."""
    return Dispatcher(app.services, {"discord": platform.sender()})


async def until(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Gateway events are handled in tasks of their own: wait for their effect."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def count(app: App, model: type, *where: object) -> int:
    async with app.services.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def synced(app: App) -> list[DiscordEvent]:
    async with app.services.sessions() as db:
        return list(await db.scalars(select(DiscordEvent).order_by(DiscordEvent.id)))


def welcomes(fake: FakeDiscord) -> list[str]:
    return [s.channel_id for s in fake.sent if "Welcome to Test cohort!" in s.text()]


async def test_joining_the_server_brings_one_welcome_and_its_button_records_the_agreement(
    app: App, platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    dana = {**p.member(), "user": DANA, "guild_id": p.GUILD_ID}
    await fake.dispatch("GUILD_MEMBER_ADD", dana)
    await until(lambda: _queued(app, "welcome"))
    await sweep(app, platform).run_once()
    assert welcomes(fake) == [fake.dm_channel(DANA_ID)]
    (welcome,) = [s for s in fake.sent if "Welcome to Test cohort!" in s.text()]
    assert [b["label"] for b in welcome.buttons] == ["Join", "I agree"]

    click = p.button_click(
        f"token-{p.snowflake()}", DANA, welcome.buttons[1]["custom_id"], welcome.message
    )
    await fake.dispatch("INTERACTION_CREATE", click)
    await fake.wait_for(lambda: any("you agreed to the code" in s.text() for s in fake.sent))
    async with app.services.sessions() as db:
        assert len(await agreements(db, 1)) == 1

    await fake.dispatch("GUILD_MEMBER_ADD", dana)  # leaves, comes back, joins by command
    await say(fake, "!d2l join", author=DANA)
    await fake.wait_for(lambda: any("You've joined" in s.text() for s in fake.sent))
    await sweep(app, platform).run_once()
    assert len(welcomes(fake)) == 1


async def test_a_bot_joining_the_server_gets_no_welcome(
    app: App, platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    robot = {**p.member(), "user": p.user("80351110224678000", "robot", bot=True)}
    await fake.dispatch("GUILD_MEMBER_ADD", {**robot, "guild_id": p.GUILD_ID})
    await fake.dispatch("GUILD_MEMBER_ADD", {**p.member(), "user": DANA, "guild_id": p.GUILD_ID})
    await until(lambda: _queued(app, "welcome"))
    assert await count(app, OutboxMessage, OutboxMessage.kind == "welcome") == 1


async def _queued(app: App, kind: str) -> bool:
    return await count(app, OutboxMessage, OutboxMessage.kind == kind) > 0


async def test_the_announcement_opens_one_thread_that_gets_the_reading_list_and_the_recording(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, clock: FakeClock
) -> None:
    await say(fake, "!d2l join", channel_id="200000000000000002")  # alice organizes
    await fake.wait_sent(1)
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    clock.set(SESSION_1 - dt.timedelta(days=3))
    await sweep(app, platform).run_once()  # the announcement
    (announcement,) = [s for s in fake.sent if "📣 Session 1" in s.text()]
    message_id = announcement.message["id"]
    await sweep(app, platform).run_once()  # a restart: the thread and its first post
    await sweep(app, platform).run_once()
    opened = fake.calls_to(f"/messages/{message_id}/threads", "POST")
    assert len(opened) == 1 and opened[0].body["name"].startswith("Session 1: ")
    (intro,) = [s for s in fake.sent if "🧵 Session 1" in s.text()]
    assert intro.channel_id == message_id  # the thread has the message's id
    assert "Reading list" in intro.text() and "d2l ask QUESTION`" in intro.text()
    assert await count(app, SessionThread) == 1

    clock.set(SESSION_1 + dt.timedelta(hours=3))
    for _ in range(2):  # saved twice: posted once
        await say(fake, "!d2l admin session 1 recording https://example.org/rec1")
    await fake.wait_for(lambda: sum("Saved the recording" in s.text() for s in fake.sent) == 2)
    await sweep(app, platform).run_once()
    recordings = [s.channel_id for s in fake.sent if "🎥 Recording of session 1" in s.text()]
    assert sorted(recordings) == sorted([p.CHANNEL_ID, message_id])


async def test_each_upcoming_session_gets_one_scheduled_event_and_a_second_sweep_changes_nothing(
    app: App, platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    dispatcher = sweep(app, platform)
    await dispatcher.run_once()
    assert len(fake.events) == 20
    async with app.services.sessions() as db:
        first = await db.scalar(select(Session).where(Session.number == 1))
    assert first is not None
    (event,) = [e for e in fake.events.values() if e["name"].startswith("Session 1: ")]
    assert dt.datetime.fromisoformat(event["scheduled_start_time"]) == SESSION_1
    assert event["entity_type"] == 3 and event["entity_metadata"]["location"]
    rows = await synced(app)
    assert {r.event_id for r in rows} == set(fake.events)

    writes = len(
        fake.calls_to("scheduled-events", "POST") + fake.calls_to("scheduled-events", "PATCH")
    )
    await dispatcher.run_once()
    await sweep(app, platform).run_once()  # and after a restart
    after = len(
        fake.calls_to("scheduled-events", "POST") + fake.calls_to("scheduled-events", "PATCH")
    )
    assert after == writes
    assert [(r.event_id, r.fingerprint) for r in await synced(app)] == [
        (r.event_id, r.fingerprint) for r in rows
    ]


async def test_a_session_moved_in_chat_moves_the_same_event_and_next_shows_interested(
    app: App, platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    await say(fake, "!d2l join", channel_id="200000000000000002")  # alice organizes
    await fake.wait_sent(1)
    await sweep(app, platform).run_once()
    (before,) = [e for e in fake.events.values() if e["name"].startswith("Session 1: ")]
    event_id = before["id"]

    await say(fake, "!d2l admin session 1 time 19:30")
    await fake.wait_for(lambda: any("Session 1 is now" in s.text() for s in fake.sent[1:]))
    fake.events[event_id]["user_count"] = 4  # four people pressed "Interested"
    await sweep(app, platform).run_once()
    moved = fake.events[event_id]
    assert dt.datetime.fromisoformat(moved["scheduled_start_time"]) == SESSION_1 + dt.timedelta(
        minutes=90
    )
    assert len([e for e in fake.events.values() if e["name"].startswith("Session 1: ")]) == 1
    (row,) = [r for r in await synced(app) if r.event_id == event_id]
    assert row.starts_at == SESSION_1 + dt.timedelta(minutes=90) and row.interested == 4

    await say(fake, "!d2l rsvp yes")
    await say(fake, "!d2l next")
    await fake.wait_for(lambda: any("interested on Discord" in s.text() for s in fake.sent))
    (answer,) = [s for s in fake.sent if "interested on Discord" in s.text()]
    assert "1 going · 0 maybe · 4 interested on Discord" in answer.text()


async def test_without_manage_events_the_403_is_logged_once_and_shown_in_admin_outbox(
    app: App,
    platform: DiscordPlatform,
    fake: FakeDiscord,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await say(fake, "!d2l join", channel_id="200000000000000002")  # alice organizes
    await fake.wait_sent(1)
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    fake.forbid_events = True
    clock.set(SESSION_1 - dt.timedelta(days=3))
    with caplog.at_level(logging.WARNING):
        stats = await sweep(app, platform).run_once()
        await sweep(app, platform).run_once()  # a restart does not log it again
    assert stats.sent >= 1  # the announcement went out all the same
    assert any("📣 Session 1" in s.text() for s in fake.sent)
    logged = [r for r in caplog.records if "Manage Events" in r.getMessage()]
    assert len(logged) == 1
    assert fake.events == {}

    await say(fake, "!d2l admin outbox")
    await fake.wait_for(
        lambda: any(s.text().startswith("Outbox") or "Outbox" in s.text() for s in fake.sent)
    )
    (outbox,) = [s for s in fake.sent if "Manage Events" in s.text()]
    assert "403" in outbox.text()

    fake.forbid_events = False  # the permission is given: the next sweep syncs and clears it
    await sweep(app, platform).run_once()
    assert len(fake.events) > 0
    await say(fake, "!d2l admin outbox")
    await fake.wait_for(lambda: sum("Outbox" in s.text() for s in fake.sent) == 2)
    assert "Manage Events" not in [s for s in fake.sent if "Outbox" in s.text()][-1].text()


async def test_a_sync_that_fails_half_way_keeps_what_it_created_and_never_duplicates(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    fake.creates_left = 3  # Discord refuses the fourth creation
    with caplog.at_level(logging.WARNING):
        await sweep(app, platform).run_once()
    assert len(fake.events) == 3 and len(await synced(app)) == 3
    assert any("syncing discord failed" in r.getMessage() for r in caplog.records)
    fake.creates_left = None
    await sweep(app, platform).run_once()
    names = sorted(e["name"] for e in fake.events.values())
    assert len(names) == 20 and len(set(names)) == 20
    assert {r.event_id for r in await synced(app)} == set(fake.events)


async def test_a_session_removed_from_the_plan_has_its_event_cancelled(
    app: App, platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await app.bind_channel("discord", p.GUILD_ID, p.CHANNEL_ID)
    await sweep(app, platform).run_once()
    async with app.services.sessions() as db, db.begin():
        last = await db.scalar(select(Session).where(Session.number == 20))
        assert last is not None
        await db.delete(last)
    (event,) = [e for e in fake.events.values() if e["name"].startswith("Session 20: ")]
    await sweep(app, platform).run_once()
    assert fake.events[event["id"]]["status"] == 4  # cancelled
    cancelled = [r for r in await synced(app) if r.event_id == event["id"]]
    assert [r.status for r in cancelled] == ["cancelled"]
    still = [e for e in fake.events.values() if e["status"] == 1]
    assert len(still) == 19
