"""Slack answering 5xx for a while: the real slack_sdk sender fails, the outbox retries on
its backoff schedule (5 s, 10 s, …) and the message is posted exactly once when Slack is back;
a batch stops hammering Slack after a few failures in a row."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import PAUSE_AFTER_FAILURES, Dispatcher
from bot.platforms.slack_app import SlackPlatform
from models.outbox import backoff
from models.tables import OutboxMessage
from tests.slack.fake_slack import TEAM, FakeSlack

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)
OUTAGE = dt.timedelta(seconds=12)


async def announcements(app: App) -> list[OutboxMessage]:
    async with app.services.sessions() as db:
        rows = await db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "announcement")
            .order_by(OutboxMessage.id)
        )
        return list(rows)


def posted(fake: FakeSlack) -> list[str]:
    """Channels of the chat.postMessage calls Slack accepted."""
    calls = fake.called("chat.postMessage")
    return [str(c.params["channel"]) for c in calls if c.response.get("ok")]


async def test_an_outage_of_a_few_seconds_is_retried_and_posted_once(
    app: App, platform: SlackPlatform, fake: FakeSlack, clock: FakeClock
) -> None:
    await app.bind_channel("slack", TEAM, "C1")
    dispatcher = Dispatcher(app.services, {"slack": platform.sender()})
    start = SESSION_1 - dt.timedelta(days=3)  # the announcement falls due
    clock.set(start)
    statuses = itertools.cycle([500, 502, 503])
    fake.outage(lambda: next(statuses) if clock.now() < start + OUTAGE else None)

    tries: list[dt.timedelta] = []
    for _ in range(10):
        tries.append(clock.now() - start)
        if (await dispatcher.run_once()).sent:
            break
        [row] = await announcements(app)
        assert row.status == "pending" and row.next_attempt_at is not None
        assert row.next_attempt_at - clock.now() == backoff(row.attempts)
        clock.set(row.next_attempt_at)

    # tried at 0 s and 5 s (both in the outage), then at 15 s: 3 s after Slack came back
    assert tries == [dt.timedelta(seconds=s) for s in (0, 5, 15)]
    statuses_seen = [c.response.get("status") for c in fake.called("chat.postMessage")]
    assert statuses_seen == [500, 502, None]
    assert posted(fake) == ["C1"]
    [row] = await announcements(app)
    assert (row.status, row.attempts) == ("sent", 3)
    assert row.delivered_ref == fake.called("chat.postMessage")[-1].response["ts"]
    assert "Session 1" in fake.called("chat.postMessage")[-1].params["text"]


async def test_a_batch_pauses_after_failures_in_a_row_and_all_go_out_once_later(
    app: App, platform: SlackPlatform, fake: FakeSlack, clock: FakeClock
) -> None:
    channels = [f"C{i}" for i in range(1, 8)]
    for channel in channels:
        await app.bind_channel("slack", TEAM, channel)
    dispatcher = Dispatcher(app.services, {"slack": platform.sender()})
    start = SESSION_1 - dt.timedelta(days=3)
    clock.set(start)
    fake.outage(lambda: 503 if clock.now() < start + OUTAGE else None)

    stats = await dispatcher.run_once()
    assert (stats.failed, stats.deferred, stats.sent) == (PAUSE_AFTER_FAILURES, 4, 0)
    assert len(fake.called("chat.postMessage")) == PAUSE_AFTER_FAILURES  # the rest wait
    rows = await announcements(app)
    assert {r.next_attempt_at for r in rows} == {start + backoff(1)}
    assert sorted(r.attempts for r in rows) == [0] * 4 + [1] * PAUSE_AFTER_FAILURES

    clock.set(start + backoff(1))  # still down: the same again
    stats = await dispatcher.run_once()
    assert (stats.failed, stats.deferred) == (PAUSE_AFTER_FAILURES, 4)
    clock.set(start + OUTAGE + dt.timedelta(seconds=10))  # Slack is back
    stats = await dispatcher.run_once()
    assert (stats.sent, stats.failed) == (7, 0)
    assert sorted(posted(fake)) == sorted(channels)  # each channel exactly once
    assert all(r.status == "sent" for r in await announcements(app))
