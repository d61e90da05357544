"""Friendly nudges: one direct message per session, only below pace, never after opting out."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from models.tables import OutboxMessage
from tests.conftest import Chat
from tests.core.conftest import RecordingSender
from tests.progress.conftest import submit

AFTER_SESSION_1 = dt.datetime(2027, 1, 13, 17, 5, tzinfo=dt.UTC)  # session 1 + 1 day
AFTER_SESSION_2 = dt.datetime(2027, 1, 27, 17, 5, tzinfo=dt.UTC)


def nudged(sender: RecordingSender) -> list[str]:
    return [d.target for d in sender.sent if d.kind == "progress_nudge"]


async def test_members_below_pace_get_one_nudge_per_session(
    talk: Chat, bot: App, clock: FakeClock, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await talk.say("help", as_="olga")
    await talk.text("admin assign softmax due 2027-01-12 session 1", as_="olga")
    await talk.text("admin assign adam_step due 2027-01-26 session 2", as_="olga")
    for name in ("ann", "bob"):
        await talk.say("join", as_=name)
    await submit(bot, "ann", "softmax", 8)
    await dispatcher.run_once()  # plans the nudges ahead
    assert nudged(sender) == []

    clock.set(AFTER_SESSION_1)
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert nudged(sender) == ["bob"]  # ann is on pace; olga organizes
    [nudge] = [d for d in sender.sent if d.kind == "progress_nudge" and d.target == "bob"]
    assert nudge.direct
    assert "Of the work due so far you've done 0 of 1" in nudge.reply.text
    assert "exercise `softmax`" in nudge.reply.text

    await submit(bot, "bob", "softmax", 8)  # bob catches up; ann falls behind in session 2
    await submit(bot, "bob", "adam_step", 8)
    clock.set(AFTER_SESSION_2)
    await dispatcher.run_once()
    assert nudged(sender) == ["bob", "ann"]


async def test_nudges_off_is_respected_even_for_a_nudge_already_planned(
    talk: Chat, bot: App, clock: FakeClock, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await talk.say("help", as_="olga")
    await talk.text("admin assign softmax due 2027-01-12 session 1", as_="olga")
    await talk.say("join", as_="cid")
    clock.set(dt.datetime(2027, 1, 10, tzinfo=dt.UTC))
    await dispatcher.run_once()  # cid's nudge for session 1 is planned now
    assert "Progress nudges are off" in await talk.text("nudges off", as_="cid")
    clock.set(AFTER_SESSION_1)
    await dispatcher.run_once()
    assert nudged(sender) == []
    async with bot.services.sessions() as db:
        row = await db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "progress_nudge"))
    assert row is not None
    assert row.status == "cancelled"  # the next planning withdrew it
    assert "Progress nudges are on" in await talk.text("nudges on", as_="cid")
    clock.set(AFTER_SESSION_2)
    await dispatcher.run_once()
    assert nudged(sender) == ["cid"]


async def test_a_cohort_without_assignments_sends_no_nudges(
    talk: Chat, clock: FakeClock, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await talk.say("join", as_="ann")
    clock.set(AFTER_SESSION_1)
    await dispatcher.run_once()
    assert nudged(sender) == []


async def test_remind_off_stops_the_nudges_too(
    talk: Chat, clock: FakeClock, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await talk.say("help", as_="olga")
    await talk.text("admin assign softmax due 2027-01-12 session 1", as_="olga")
    await talk.text("remind off", as_="cid")
    await talk.say("join", as_="dan")
    assert "Progress nudges are off" in await talk.text("nudges", as_="cid")
    clock.set(AFTER_SESSION_1)
    await dispatcher.run_once()
    assert nudged(sender) == ["dan"]
