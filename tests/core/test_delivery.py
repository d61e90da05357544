"""Announcements and reminders go out once, at the right time, on SQLite and PostgreSQL;
a restarted bot catches up without duplicates; too-late messages are skipped; failures retry."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.console._adapter import advance
from models.outbox import MAX_ATTEMPTS, backoff
from models.tables import OutboxMessage
from tests.conftest import Chat
from tests.core.conftest import RecordingSender

# Session 1 of the test cohort: Tue 12 Jan 2027, 18:00 Berlin = 17:00 UTC.
SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)


async def test_announcement_and_reminders_go_out_once_at_their_times(
    dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock
) -> None:
    await advance(clock, dispatcher, SESSION_1 + dt.timedelta(minutes=5))
    session_1 = [d for d in sender.sent if "Session 1" in (d.reply.title or "")]
    assert [(d.kind, d.at) for d in session_1] == [
        ("announcement", SESSION_1 - dt.timedelta(days=3)),
        ("thread", SESSION_1 - dt.timedelta(days=3)),  # the thread opened on it (issue 16)
        ("reminder", SESSION_1 - dt.timedelta(hours=24)),
        ("reminder", SESSION_1 - dt.timedelta(hours=1)),
    ]
    assert "meets in 3 days" in session_1[0].reply.text
    assert "starts in 1 hour" in (session_1[3].reply.title or "")
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert len(sender.sent) == 4  # nothing twice


async def test_reminders_keep_the_local_time_across_dst(
    dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("help", as_="olga")
    # Session 6 is on Tue 23 Mar 2027, session 7 on Tue 6 Apr 2027, after Berlin's DST change.
    clock.set(dt.datetime(2027, 4, 1, tzinfo=dt.UTC))
    await advance(clock, dispatcher, dt.datetime(2027, 4, 6, 17, 0, tzinfo=dt.UTC))
    last = [d for d in sender.sent if d.kind == "reminder"][-1]
    assert last.at == dt.datetime(2027, 4, 6, 15, 0, tzinfo=dt.UTC)  # 17:00 CEST = 1h before


async def test_a_restarted_bot_catches_up_once(
    bot: App, sender: RecordingSender, clock: FakeClock
) -> None:
    first = Dispatcher(bot.services, {"console": sender})
    await first.run_once()  # plans the session-1 messages
    clock.set(SESSION_1 - dt.timedelta(days=2))  # the bot was down over the announcement
    again = Dispatcher(bot.services, {"console": sender})
    await again.run_once()
    await again.run_once()
    await first.run_once()
    assert sender.kinds() == ["announcement", "thread"]


async def test_reminders_that_are_too_late_are_skipped_not_sent(
    bot: App, sender: RecordingSender, clock: FakeClock
) -> None:
    dispatcher = Dispatcher(bot.services, {"console": sender})
    await dispatcher.run_once()
    clock.set(SESSION_1 + dt.timedelta(minutes=10))  # down until after the session started
    await dispatcher.run_once()
    async with bot.services.sessions() as db:
        rows = list(await db.scalars(select(OutboxMessage).where(OutboxMessage.key.like("%:1:%"))))
    session_1 = [r for r in rows if r.payload.get("session_id") == 1]
    assert session_1
    assert {r.status for r in session_1} == {"skipped"}
    assert all("too late" in (r.last_error or "") for r in session_1)
    assert not [d for d in sender.sent if "Session 1" in (d.reply.title or "")]


async def test_of_several_overdue_reminders_only_the_latest_is_sent(
    bot: App, sender: RecordingSender, clock: FakeClock
) -> None:
    dispatcher = Dispatcher(bot.services, {"console": sender})
    await dispatcher.run_once()
    clock.set(SESSION_1 - dt.timedelta(minutes=30))  # both 24h and 1h reminders are due
    await dispatcher.run_once()
    reminders = [d for d in sender.sent if d.kind == "reminder"]
    assert len(reminders) == 1
    assert "starts in 30 minutes" in (reminders[0].reply.title or "")


async def test_failed_sends_retry_with_backoff_then_give_up_visibly(
    bot: App, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("help", as_="olga")
    dispatcher = Dispatcher(bot.services, {"console": sender})
    clock.set(SESSION_1 - dt.timedelta(days=3))
    sender.fail_times = 2
    await dispatcher.run_once()
    assert sender.sent == []
    clock.set(clock.now() + backoff(1) - dt.timedelta(seconds=1))
    await dispatcher.run_once()
    assert sender.fail_times == 1  # not retried before its pause is over
    clock.set(clock.now() + dt.timedelta(seconds=2))
    await dispatcher.run_once()
    assert sender.sent == []  # second failure; the next try waits twice as long
    assert sender.fail_times == 0
    clock.set(clock.now() + backoff(2) + dt.timedelta(seconds=1))
    await dispatcher.run_once()
    assert sender.kinds() == ["announcement"]

    sender.fail_times = 100
    clock.set(SESSION_1 - dt.timedelta(hours=24))  # the 24h reminder keeps failing
    for _ in range(MAX_ATTEMPTS + 2):
        await dispatcher.run_once()
        clock.set(clock.now() + dt.timedelta(minutes=10))
    text = await talk.text("admin outbox", as_="olga")
    assert "failed: 2" in text  # the reminder and the first post in the session's thread
    assert "ConnectionError: chat API answered 503" in text
    sender.fail_times = 0
    assert "2 failed messages are queued again" in await talk.text("admin outbox retry", as_="olga")
    await dispatcher.run_once()
    assert sender.kinds().count("reminder") == 1


async def test_personal_reminders_go_only_to_members_who_opted_in(
    dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("help", as_="olga")
    assert "Session reminders: on, 48h, 30m before each session" in await talk.text(
        "remind on 30m 48h", as_="bob"
    )
    await talk.text("remind on", as_="carol")
    await talk.text("remind off", as_="carol")
    await advance(clock, dispatcher, SESSION_1)
    direct = [(d.target, d.at) for d in sender.sent if d.direct and d.kind != "welcome"]
    assert direct == [
        ("bob", SESSION_1 - dt.timedelta(hours=48)),
        ("bob", SESSION_1 - dt.timedelta(minutes=30)),
    ]
    assert "Session reminders: off" in await talk.text("remind", as_="carol")


async def test_assignment_reminders_skip_members_who_completed_it(
    bot: App, dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    from models.tables import Member, Submission

    await talk.text("join", as_="olga")  # an organizer who joined gets them too
    await talk.text("join", as_="bob")
    text = await talk.text("admin assign softmax due 2027-01-20 18:00", as_="olga")
    assert "Assigned exercise `softmax` (Stable softmax) for session 1" in text
    async with bot.services.sessions() as db, db.begin():
        bob = await db.scalar(select(Member).where(Member.display_name == "bob"))
        assert bob is not None
        db.add(
            Submission(
                cohort_id=1,
                member_id=bob.id,
                exercise_id="softmax",
                code="...",
                seed=1,
                status="passed",
                score=10,
                max_score=10,
                created_at=clock.now(),
            )
        )
    due = dt.datetime(2027, 1, 20, 17, 0, tzinfo=dt.UTC)
    await advance(clock, dispatcher, due)
    nudges = [(d.target, d.at) for d in sender.sent if d.kind == "assignment_reminder"]
    assert nudges == [("olga", due - dt.timedelta(hours=48)), ("olga", due - dt.timedelta(hours=2))]
    async with bot.services.sessions() as db:
        skipped = list(
            await db.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "assignment_reminder", OutboxMessage.target == "bob"
                )
            )
        )
    assert {m.last_error for m in skipped} == {"already completed"}


async def test_moving_a_session_moves_its_pending_reminders(
    dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("help", as_="olga")
    await dispatcher.run_once()
    text = await talk.text("admin session 1 date 2027-01-14", as_="olga")
    assert "Session 1 is now Thu 14 Jan 2027, 18:00 CET" in text
    moved = SESSION_1 + dt.timedelta(days=2)
    await advance(clock, dispatcher, moved)
    kinds_at = [(d.kind, d.at) for d in sender.sent if d.kind != "notice"]
    assert ("reminder", moved - dt.timedelta(hours=1)) in kinds_at
    assert ("reminder", SESSION_1 - dt.timedelta(hours=1)) not in kinds_at
    notices = [d for d in sender.sent if d.kind == "notice"]
    assert len(notices) == 1
    assert "moved to" in notices[0].reply.text


async def test_two_dispatchers_never_send_the_same_message(bot: App, clock: FakeClock) -> None:
    left, right = RecordingSender(clock), RecordingSender(clock)
    one = Dispatcher(bot.services, {"console": left})
    two = Dispatcher(bot.services, {"console": right})
    await one.plan(full=True)
    clock.set(SESSION_1 - dt.timedelta(minutes=90))  # announcement and 24h reminder are due
    await asyncio.gather(one.run_once(plan=False), two.run_once(plan=False))
    keys = [d.key for d in left.sent + right.sent]
    assert keys
    assert len(keys) == len(set(keys))


async def test_a_recording_link_after_the_session_is_posted_once(
    dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("help", as_="olga")
    clock.set(SESSION_1 + dt.timedelta(hours=3))
    for _ in range(2):
        await talk.text("admin session 1 recording https://video.example/s1", as_="olga")
    await dispatcher.run_once()
    posts = [d for d in sender.sent if d.kind == "recording"]
    assert len(posts) == 1
    assert "https://video.example/s1" in posts[0].reply.text


async def test_two_first_messages_at_once_create_one_member(bot: App) -> None:
    from sqlalchemy import func

    from handlers.types import Invocation
    from models.tables import Member

    def first(text: str) -> Invocation:
        return Invocation(
            platform="slack",
            workspace_id="T1",
            channel_id="C1",
            user_id="U9",
            user_name="newcomer",
            text=text,
        )

    replies = await asyncio.gather(bot.handle(first("next")), bot.handle(first("schedule")))
    assert all(not r[0].is_error for r in replies)
    async with bot.services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Member)) == 1
