"""Outbox delivery through Slack: channels, direct messages, files, rate limits."""

from __future__ import annotations

import datetime as dt

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.console._adapter import advance
from bot.platforms.slack_app import SlackPlatform
from handlers.types import Choice, Reply, ReplyFile
from models.tables import OutboxMessage
from tests.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)


def row(target: str = "C1", workspace: str = TEAM) -> OutboxMessage:
    return OutboxMessage(id=1, key="k", platform="slack", workspace_id=workspace, target=target)


async def test_a_channel_message_is_posted_and_its_ts_returned(
    platform: SlackPlatform, fake: FakeSlack
) -> None:
    reply = Reply(
        text="Session 1 tomorrow", title="Reminder", choices=(Choice("Going", "rsvp 1 yes"),)
    )
    ts = await platform.sender().send(row(), reply, direct=False)
    [posted] = fake.called("chat.postMessage")
    assert posted.params["channel"] == "C1" and posted.token == BOT_TOKEN
    assert posted.params["blocks"][0]["type"] == "header"
    assert posted.params["text"] == "Reminder: Session 1 tomorrow"
    assert ts == posted.response["ts"]


async def test_a_direct_message_opens_the_conversation_first(
    platform: SlackPlatform, fake: FakeSlack
) -> None:
    await platform.sender().send(row(target="U42"), Reply(text="psst"), direct=True)
    assert [c.method for c in fake.calls] == ["conversations.open", "chat.postMessage"]
    assert fake.calls[0].params["users"] == "U42"
    assert fake.calls[1].params["channel"] == "DU42"


async def test_files_are_uploaded_with_the_v2_flow(
    platform: SlackPlatform, fake: FakeSlack
) -> None:
    reply = Reply(
        text="Your certificate", files=(ReplyFile("cert.pdf", b"%PDF-1.4", "application/pdf"),)
    )
    await platform.sender().send(row(), reply, direct=False)
    methods = [c.method for c in fake.calls]
    assert methods == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert fake.called("files.getUploadURLExternal")[0].params["filename"] == "cert.pdf"
    assert fake.called("upload")[0].params["content"] == b"%PDF-1.4"
    assert fake.called("files.completeUploadExternal")[0].params["channel_id"] == "C1"


async def test_a_429_is_waited_out_and_retried_once(
    platform: SlackPlatform, fake: FakeSlack
) -> None:
    fake.rate_limit("chat.postMessage", retry_after="0")
    ts = await platform.sender().send(row(), Reply(text="hello"), direct=False)
    assert len(fake.called("chat.postMessage")) == 2
    assert ts is not None


async def test_a_long_retry_after_is_left_to_the_dispatchers_backoff(
    platform: SlackPlatform, fake: FakeSlack
) -> None:
    fake.rate_limit("chat.postMessage", retry_after="120")
    with pytest.raises(SlackApiError):
        await platform.sender().send(row(), Reply(text="hello"), direct=False)
    assert len(fake.called("chat.postMessage")) == 1


async def test_the_dispatcher_delivers_to_a_bound_channel_and_stores_the_ts(
    app: App, platform: SlackPlatform, fake: FakeSlack, clock: FakeClock
) -> None:
    await app.bind_channel("slack", TEAM, "C1")
    dispatcher = Dispatcher(app.services, {"slack": platform.sender()})
    fake.rate_limit("chat.postMessage", retry_after="0")  # the first send meets a 429
    await advance(clock, dispatcher, SESSION_1 - dt.timedelta(days=2))
    # (not the replies in the announcement's thread: tests/slack/test_joining.py)
    posted = [c for c in fake.called("chat.postMessage") if "thread_ts" not in c.params]
    assert [p.params["channel"] for p in posted] == ["C1", "C1"]
    async with app.services.sessions() as db:
        sent = (
            await db.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.status == "sent", OutboxMessage.kind == "announcement"
                )
            )
        ).all()
    assert [m.delivered_ref for m in sent] == [posted[-1].response["ts"]]
    assert "Session 1" in posted[-1].params["text"]
