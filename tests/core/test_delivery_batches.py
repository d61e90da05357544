"""Long batches: outcomes are committed as they go, and what a slow batch can't send in
time goes back before its claim runs out, so no other process sends it too."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from bot import delivery
from bot.app import App
from bot.clock import FakeClock
from bot.delivery import COMMIT_EVERY, Dispatcher
from handlers.types import Reply
from models.outbox import CLAIM_SECONDS, enqueue
from models.tables import OutboxMessage
from tests.core.test_wakeup import result_for


@dataclass
class CountingSender:
    pause: float = 0.0
    die_after: int | None = None  # the process dies (cancelled) at this send
    sent: list[str] = field(default_factory=list)

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        if self.die_after is not None and len(self.sent) == self.die_after:
            raise asyncio.CancelledError
        await asyncio.sleep(self.pause)
        self.sent.append(message.key)
        return f"ref-{len(self.sent)}"


async def queue(bot: App, count: int) -> None:
    now = bot.services.clock.now()
    async with bot.services.sessions() as db, db.begin():
        await enqueue(db, [result_for(f"r{i:03}", now) for i in range(count)], now)


async def statuses(bot: App) -> dict[str, int]:
    async with bot.services.sessions() as db:
        rows = await db.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.kind == "grading_result")  # not the cohort's own reminders
            .group_by(OutboxMessage.status)
        )
    return {status: count for status, count in rows.all()}


async def test_a_process_that_dies_mid_batch_resends_at_most_one_commits_worth(
    bot: App, clock: FakeClock
) -> None:
    await queue(bot, 60)
    dying = CountingSender(die_after=COMMIT_EVERY + 5)
    with pytest.raises(asyncio.CancelledError):
        await Dispatcher(bot.services, {"console": dying}).run_once(plan=False)
    assert (await statuses(bot))["sent"] == COMMIT_EVERY  # the first commit stands

    clock.advance(dt.timedelta(seconds=CLAIM_SECONDS + 1))  # its claims run out
    survivor = CountingSender()
    await Dispatcher(bot.services, {"console": survivor}).run_once()
    assert await statuses(bot) == {"sent": 60}
    twice = set(dying.sent) & set(survivor.sent)
    assert len(twice) == 5  # sent but not yet committed when the process died
    assert set(dying.sent) | set(survivor.sent) == {f"r{i:03}" for i in range(60)}


async def test_a_slow_batch_gives_back_what_it_cannot_send_before_its_claim_runs_out(
    bot: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "CLAIM_SECONDS", 0.5)  # give back after 0.25 s
    await queue(bot, 12)
    sender = CountingSender(pause=0.1)
    stats = await Dispatcher(bot.services, {"console": sender}).run_once(plan=False)
    assert stats.deferred > 0  # given back at least once, then claimed again
    assert sorted(sender.sent) == [f"r{i:03}" for i in range(12)]  # each once
    assert await statuses(bot) == {"sent": 12}
