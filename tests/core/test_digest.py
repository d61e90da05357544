"""Assignment reminders come as one DM per member and reminder time, listing every
assignment due then (issue 21), through the console and the real Slack/Discord renderers."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.console import render_plain
from bot.platforms.console._adapter import advance
from bot.platforms.discord_bot import render as render_discord
from bot.platforms.slack_app._render import render as render_slack
from models.tables import Member, OutboxMessage, Submission
from tests.conftest import Chat
from tests.core.conftest import RecordingSender

DUE = dt.datetime(2027, 1, 20, 17, 0, tzinfo=dt.UTC)  # 18:00 in Berlin


async def _pass(bot: App, name: str, exercise: str, at: dt.datetime) -> None:
    async with bot.services.sessions() as db, db.begin():
        member = await db.scalar(select(Member).where(Member.display_name == name))
        assert member is not None
        db.add(
            Submission(
                cohort_id=1,
                member_id=member.id,
                exercise_id=exercise,
                code="...",
                seed=1,
                status="passed",
                score=10,
                max_score=10,
                created_at=at,
            )
        )


async def test_one_dm_per_reminder_time_lists_every_assignment_due(
    bot: App, dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("join", as_="bob")
    for work in ("softmax", "adam_step", "probability"):
        await talk.text(f"admin assign {work} due 2027-01-20 18:00", as_="olga")
    await talk.text("admin assign softmax due 2027-01-20 18:00", as_="olga")  # again: no twin
    await advance(clock, dispatcher, DUE - dt.timedelta(hours=3))
    dms = [d for d in sender.sent if d.kind == "assignment_reminder"]
    assert [(d.target, d.at) for d in dms] == [("bob", DUE - dt.timedelta(hours=48))]
    first = dms[0].reply
    assert first.title == "📝 3 assignments are due soon"
    for shown in (
        render_plain(first),
        json.dumps(render_slack(first).blocks, ensure_ascii=False),
        json.dumps([e.to_dict() for e in render_discord(first).embeds], ensure_ascii=False),
    ):
        for ref in ("softmax", "adam_step", "probability"):
            assert f"`{ref}`" in shown
    assert "/d2l submit softmax" in json.dumps(render_slack(first).blocks)

    await _pass(bot, "bob", "softmax", clock.now())
    await advance(clock, dispatcher, DUE)
    last = [d for d in sender.sent if d.kind == "assignment_reminder"][1:]
    assert [(d.target, d.at) for d in last] == [("bob", DUE - dt.timedelta(hours=2))]
    text = render_plain(last[0].reply)
    assert "adam_step" in text and "probability" in text and "softmax" not in text


async def test_work_due_at_another_time_gets_its_own_dm_and_done_work_none(
    bot: App, dispatcher: Dispatcher, sender: RecordingSender, clock: FakeClock, talk: Chat
) -> None:
    await talk.text("join", as_="bob")
    await talk.text("admin assign softmax due 2027-01-20 18:00", as_="olga")
    await talk.text("admin assign adam_step due 2027-01-21 18:00", as_="olga")
    await _pass(bot, "bob", "adam_step", clock.now())
    await advance(clock, dispatcher, DUE + dt.timedelta(days=1))
    dms = [d for d in sender.sent if d.kind == "assignment_reminder"]
    assert [d.at for d in dms] == [DUE - dt.timedelta(hours=48), DUE - dt.timedelta(hours=2)]
    assert all("softmax" in (d.reply.title or "") for d in dms)


async def test_joining_by_a_work_command_plans_the_members_reminders_at_once(
    bot: App, talk: Chat
) -> None:
    await talk.text("admin assign softmax due 2027-01-08 18:00", as_="olga")  # in 4 days
    assert "joined" in await talk.text("quiz probability", as_="carl")  # joins, no `join`
    async with bot.services.sessions() as db:
        carl = await db.scalar(select(Member.id).where(Member.display_name == "carl"))
        keys = list(
            await db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("digest:%")))
        )
    # planned with the command, not by the next sweep minutes later
    assert any(k.startswith("digest:") and k.endswith(f":{carl}") for k in keys), keys


async def test_a_pending_reminder_of_the_release_before_is_replaced_by_the_digest(
    bot: App, talk: Chat
) -> None:
    await talk.text("join", as_="bob")  # he wants assignment reminders: only the key retires it
    async with bot.services.sessions() as db, db.begin():
        bob = await db.scalar(select(Member.id).where(Member.display_name == "bob"))
        db.add(
            OutboxMessage(
                key="due:7:2880:1", kind="assignment_reminder", cohort_id=1, platform="console",
                workspace_id="local", target="bob", payload={"assignment_id": 7, "member_id": bob},
                due_at=DUE, status="pending", created_at=DUE - dt.timedelta(days=9),
            )
        )  # fmt: skip
    await talk.text("admin assign softmax due 2027-01-20 18:00", as_="olga")  # plans the cohort
    async with bot.services.sessions() as db:
        old = await db.scalar(select(OutboxMessage).where(OutboxMessage.key == "due:7:2880:1"))
    assert old is not None
    assert (old.status, old.last_error) == ("cancelled", "replaced by a digest")
