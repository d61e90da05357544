"""Issue 16 on Slack, through the Bolt app and the fake Slack API: the welcome when someone
joins a bound channel (`member_joined_channel`), agreeing by button, one welcome for a member
linked across Slack and Discord, and the session thread as replies to the announcement."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.slack_app import SlackPlatform
from handlers.types import Invocation
from handlers.welcome import member_arrived
from models.cohorts import first_cohort
from models.conduct import agreements
from models.joining_tables import SessionThread
from models.tables import OutboxMessage
from tests.slack.conftest import SlackUser, buttons, click
from tests.slack.fake_slack import TEAM, FakeSlack

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)
DISCORD_GUILD, DISCORD_USER = "100000000000000001", "80351110224678999"


def joined(user: str, channel: str = "C1") -> dict[str, object]:
    return {"type": "member_joined_channel", "user": user, "channel": channel, "team": TEAM}


def posts(fake: FakeSlack, text: str) -> list[dict[str, object]]:
    return [
        c.params
        for c in fake.called("chat.postMessage")
        if text in json.dumps(c.params, ensure_ascii=False)
    ]


async def welcomes(app: App) -> list[OutboxMessage]:
    async with app.services.sessions() as db:
        return list(await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "welcome")))


async def test_joining_a_bound_channel_brings_one_welcome_dm_and_agree_works_by_button(
    app: App, platform: SlackPlatform, fake: FakeSlack, slack: SlackUser
) -> None:
    await app.bind_channel("slack", TEAM, "C1")
    dispatcher = Dispatcher(app.services, {"slack": platform.sender()})
    status, _ = await slack.event(joined("U7"))
    assert status == 200
    await dispatcher.run_once()
    (welcome,) = posts(fake, "Welcome to Test cohort!")
    assert welcome["channel"] == "DU7"
    agree = [b for b in buttons(welcome["blocks"]) if b["text"]["text"] == "I agree"]
    assert len(agree) == 1

    await slack.interact(click(fake, agree[0], ephemeral=False, user="U7"))
    async with app.services.sessions() as db:
        cohort = await first_cohort(db)
        assert cohort is not None
        assert len(await agreements(db, cohort.id)) == 1

    await slack.event(joined("U7"))  # leaves and comes back
    await slack.event(joined("U7", channel="C-elsewhere"))  # a channel that isn't bound
    await slack.event(joined("U8", channel="C-elsewhere"))
    await slack.event(joined(f"UBOT{TEAM}"))  # the bot itself, invited
    await dispatcher.run_once()
    assert len(posts(fake, "Welcome to Test cohort!")) == 1
    assert [m.target for m in await welcomes(app)] == ["U7"]


async def test_a_member_linked_across_slack_and_discord_is_welcomed_once(
    app: App, platform: SlackPlatform, fake: FakeSlack, slack: SlackUser
) -> None:
    await app.bind_channel("slack", TEAM, "C1")
    await app.bind_channel("discord", DISCORD_GUILD, "200000000000000001")
    await slack.event(joined("U7"))
    # Linking, at the router (tests/progress covers it on each platform); then the same
    # person joins the Discord server, as `on_member_join` reports it.
    (offer,) = await app.handle(_invocation("slack", TEAM, "U7", "link"))
    code = re.findall(r"`([A-Z0-9]{4}-[A-Z0-9]{4})`", offer.text)[0]
    (merged,) = await app.handle(
        _invocation("discord", DISCORD_GUILD, DISCORD_USER, f"link {code}")
    )
    assert not merged.is_error, merged.text
    assert await member_arrived(
        app.services,
        platform="discord",
        workspace_id=DISCORD_GUILD,
        user_id=DISCORD_USER,
        user_name="u7",
    )
    await Dispatcher(app.services, {"slack": platform.sender()}).run_once()
    assert [m.target for m in await welcomes(app)] == ["U7"]
    assert len(posts(fake, "Welcome to Test cohort!")) == 1


def _invocation(platform: str, workspace: str, user: str, text: str) -> Invocation:
    return Invocation(
        platform=platform,
        workspace_id=workspace,
        channel_id="D1" if platform == "slack" else "300000000000000003",
        user_id=user,
        user_name=user,
        text=text,
        is_direct=True,
    )


async def test_thread_posts_reply_in_the_announcement_thread_once(
    app: App, platform: SlackPlatform, fake: FakeSlack, slack: SlackUser, clock: FakeClock
) -> None:
    await app.bind_channel("slack", TEAM, "C1")
    clock.set(SESSION_1 - dt.timedelta(days=3))
    for _ in range(3):  # the announcement, then (a restart) the thread's first post
        await Dispatcher(app.services, {"slack": platform.sender()}).run_once()
    (announcement,) = [
        c
        for c in fake.called("chat.postMessage")
        if "📣" in json.dumps(c.params, ensure_ascii=False)
    ]
    ts = announcement.response["ts"]
    (intro,) = posts(fake, "🧵 Session 1")
    assert intro["channel"] == "C1" and intro["thread_ts"] == ts
    async with app.services.sessions() as db:
        assert [t.thread_ref for t in await db.scalars(select(SessionThread))] == [ts]
    assert "thread_ts" not in announcement.params
