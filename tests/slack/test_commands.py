"""Slash commands over HTTP: signed requests in, Block Kit out through the response_url."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from bot.app import App
from handlers.context import Context
from handlers.router import Command
from handlers.types import Invocation, Reply
from tests.slack.conftest import SIGNING_SECRET, SlackUser, signed_headers
from tests.slack.fake_slack import FakeSlack


async def test_next_is_acked_and_answered_with_blocks(slack: SlackUser, fake: FakeSlack) -> None:
    status, ack = await slack.command("next")
    assert status == 200 and ack == ""
    [answer] = fake.hooks()
    assert answer["blocks"][0]["type"] == "header"
    assert "session 1" in answer["text"]
    assert "<!date^" in str(answer["blocks"])


async def test_help_is_private(slack: SlackUser, fake: FakeSlack) -> None:
    await slack.command("help")
    [answer] = fake.hooks()
    assert answer["response_type"] == "ephemeral"
    assert any("d2l next" in str(b) for b in answer["blocks"])


async def test_an_unknown_command_gets_a_private_error(slack: SlackUser, fake: FakeSlack) -> None:
    await slack.command("nxet")
    [answer] = fake.hooks()
    assert answer["response_type"] == "ephemeral"
    assert "I don't know `nxet`" in answer["text"]
    assert "d2l next" in answer["text"]


async def test_a_wrong_signature_gets_401_and_nothing_runs(
    slack: SlackUser, fake: FakeSlack
) -> None:
    body = slack.command_body("next")
    status, _ = await slack.post(
        body, "application/x-www-form-urlencoded", signed_headers(body, secret="not-the-secret")
    )
    assert status == 401
    await slack.platform.idle(5)
    assert fake.calls == []


async def test_a_stale_signature_gets_401_and_nothing_runs(
    slack: SlackUser, fake: FakeSlack
) -> None:
    body = slack.command_body("next")
    old = signed_headers(body, timestamp=int(time.time()) - 600)
    status, _ = await slack.post(body, "application/x-www-form-urlencoded", old)
    assert status == 401
    await slack.platform.idle(5)
    assert fake.calls == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": ""},
    ],
    ids=["unsigned", "timestamp-not-a-number", "empty-signature"],
)
async def test_unsigned_or_garbled_headers_get_401(
    slack: SlackUser, fake: FakeSlack, headers: dict[str, str]
) -> None:
    status, _ = await slack.post(
        slack.command_body("next"), "application/x-www-form-urlencoded", headers or {"X-Other": "1"}
    )
    assert status == 401
    assert fake.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
        ("[1, 2, 3]", "application/json"),
        ("{not json", "application/json"),
        ("command=%2Fd2l&text=next", "application/x-www-form-urlencoded"),
        ('{"type": "block_actions", "actions": []}', "application/json"),
        ('{"type": "event_callback", "event": "x"}', "application/json"),
        ("hello=world", "application/x-www-form-urlencoded"),
    ],
    ids=[
        "payload-not-json",
        "payload-a-list",
        "json-a-list",
        "json-broken",
        "command-without-team-user-channel",
        "actions-empty",
        "event-not-an-object",
        "unknown-form",
    ],
)
async def test_a_malformed_body_gets_400_and_the_bot_keeps_working(
    slack: SlackUser, fake: FakeSlack, body: str, content_type: str
) -> None:
    status, _ = await slack.post(body, content_type)
    assert status == 400
    await slack.platform.idle(5)
    assert fake.calls == []
    status, _ = await slack.command("help")
    assert status == 200 and len(fake.hooks()) == 1


async def test_non_utf8_bytes_get_400(slack: SlackUser) -> None:
    body = b"command=%2Fd2l&text=\xff\xfe"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    headers |= {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest.hexdigest()}
    async with slack.session.post(slack.url, data=body, headers=headers) as response:
        assert response.status in (400, 401)


async def test_member_text_arrives_unescaped_and_is_escaped_on_the_way_back(
    slack: SlackUser, fake: FakeSlack
) -> None:
    # Slack escapes what members type: `<!channel>` arrives as `&lt;!channel&gt;`.
    await slack.command("help &lt;!channel&gt; &amp;")
    [answer] = fake.hooks()
    assert "<!channel>" not in json.dumps(answer)
    assert "&lt;!channel&gt;" in answer["text"]


async def test_the_slash_command_text_is_the_router_text(
    app: App, slack: SlackUser, fake: FakeSlack
) -> None:
    seen: list[Invocation] = []

    async def echo(ctx: Context) -> Reply:
        seen.append(ctx.invocation)
        return Reply(text=f"got {ctx.args} code={ctx.code!r}")

    app.router.add(Command(name="techo", usage="techo", summary="test", handler=echo))
    await slack.command("techo a < b", user="U7", channel="C9")
    [invocation] = seen
    assert invocation.platform == "slack"
    assert (invocation.workspace_id, invocation.channel_id, invocation.user_id) == (
        "T111",
        "C9",
        "U7",
    )
    assert invocation.user_name == "name-U7"
    assert invocation.text == "techo a < b"
    assert fake.hooks()[0]["response_type"] == "in_channel"


async def test_slacks_url_verification_is_answered_with_the_challenge(slack: SlackUser) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    status, text = await slack.post(body, "application/json")
    assert status == 200 and "abc123" in text


async def test_stopping_lets_answers_in_flight_finish(slack: SlackUser, fake: FakeSlack) -> None:
    body = slack.command_body("next")
    status, _ = await slack.post(body, "application/x-www-form-urlencoded")
    assert status == 200
    await slack.platform.stop()  # SIGTERM right after the ack
    assert len(fake.hooks()) == 1


async def test_every_commands_examples_render_within_slacks_limits(
    app: App, slack: SlackUser, fake: FakeSlack
) -> None:
    examples = [e for c in app.router.commands.values() for e in c.examples] or ["help"]
    for example in examples:
        fake.calls.clear()
        status, _ = await slack.command(example)
        assert status == 200, example
        answers = fake.hooks()
        assert answers, f"no answer to {example!r}"
        for answer in answers:
            assert answer["text"], example
            assert len(answer["blocks"]) <= 50, example
            for block in answer["blocks"]:
                assert len(block.get("text", {}).get("text", "")) <= 3000, example
            assert "Sorry, something went wrong" not in answer["text"], example


async def test_an_expired_response_url_falls_back_to_the_web_api(
    slack: SlackUser, fake: FakeSlack
) -> None:
    fake.expired_hooks = 2
    await slack.command("help", user="U4", channel="C4")  # private
    await slack.command("nxet", user="U4", channel="C4")  # private too (an error)
    ephemerals = fake.called("chat.postEphemeral")
    assert [(c.params["channel"], c.params["user"]) for c in ephemerals] == [("C4", "U4")] * 2
    assert fake.hooks() == []
