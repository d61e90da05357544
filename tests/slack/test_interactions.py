"""Buttons, the code modal and files sent in a direct message, end to end."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.app import App
from bot.platforms.slack_app import render
from handlers.context import Context
from handlers.router import Command
from handlers.types import Attachment, Choice, Invocation, Reply, ReplyFile
from tests.slack.conftest import SlackUser, buttons, click
from tests.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack


@pytest.fixture
def received(app: App) -> list[Invocation]:
    """Test commands: `tbuttons` offers buttons, `tpick X` and `submit NAME` echo what they got."""
    seen: list[Invocation] = []

    async def pick(ctx: Context) -> Reply:
        choices = (Choice("Yes", "tpick yes"), Choice("No", "tpick no"))
        return Reply(text="Coming?", choices=choices, ephemeral=True)

    async def answer(ctx: Context) -> Reply:
        seen.append(ctx.invocation)
        return Reply(text=f"{ctx.member.display_name} said {ctx.args[0]}", ephemeral=True)

    async def submit(ctx: Context) -> Reply:
        seen.append(ctx.invocation)
        return Reply(text=f"grading {ctx.args[0]}", code=ctx.code, ephemeral=True)

    app.router.add(Command("tbuttons", "tbuttons", "test", pick))
    app.router.add(Command("tpick", "tpick X", "test", answer))
    # Another engineer builds the real `submit`; this stand-in echoes the code it receives.
    app.router.commands["submit"] = Command("submit", "submit NAME", "test", submit)
    return seen


async def test_a_button_runs_its_command_for_the_member_who_clicked(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    await slack.command("tbuttons")
    [question] = fake.hooks()
    no = buttons(question["blocks"])[1]
    status, _ = await slack.interact(click(fake, no, ephemeral=True))
    assert status == 200
    [invocation] = received
    assert (invocation.text, invocation.user_id, invocation.channel_id) == ("tpick no", "U2", "C1")
    answer = fake.hooks()[-1]
    assert answer["text"] == "name-U2 said no"
    # The private question is replaced by its answer.
    assert answer["replace_original"] is True and answer["response_type"] == "ephemeral"


async def test_a_button_in_a_shared_message_leaves_it_for_the_others(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    message = render(Reply(text="RSVP", choices=(Choice("Yes", "tpick yes"),)))
    await slack.interact(click(fake, buttons(message.blocks)[0], ephemeral=False, user="U3"))
    [answer] = fake.hooks()
    assert answer["replace_original"] is False
    assert answer["text"] == "name-U3 said yes"


async def test_submit_without_code_opens_a_modal_whose_submission_is_graded(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    status, _ = await slack.command("submit softmax")
    assert status == 200
    [opened] = fake.called("views.open")
    assert opened.params["trigger_id"] == "trigger-1"
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["blocks"][0]["element"]["multiline"] is True
    assert received == [] and fake.hooks() == []

    code = "def softmax(x):\n    return x if 0 < 1 else x"
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "study"},
        "user": {"id": "U1", "username": "name-U1", "team_id": TEAM},
        "api_app_id": "A111",
        "trigger_id": "trigger-view",
        "view": {
            **view,
            "id": "V1",
            "team_id": TEAM,
            "state": {"values": {"code": {"code": {"type": "plain_text_input", "value": code}}}},
        },
    }
    status, body = await slack.interact(submission)
    assert status == 200 and body == ""
    [invocation] = received
    assert invocation.text == f"submit softmax\n```python\n{code}\n```"
    [answer] = fake.hooks()  # through the slash command's response_url
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "grading softmax"
    assert "0 &lt; 1" in json.dumps(answer["blocks"])


async def test_an_empty_modal_is_refused_in_place(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    await slack.command("submit softmax")
    view = fake.called("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    blank = {"code": {"code": {"type": "plain_text_input", "value": "   "}}}
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": "U1", "username": "n", "team_id": TEAM},
        "view": {**view, "id": "V1", "team_id": TEAM, "state": {"values": blank}},
    }
    status, body = await slack.interact(submission)
    assert status == 200
    assert json.loads(body)["response_action"] == "errors"
    assert received == []


async def test_submit_with_code_goes_straight_to_the_router(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    await slack.command("submit softmax ```return 1```")
    assert fake.called("views.open") == []
    assert received[0].text == "submit softmax ```return 1```"


def file_event(fake: FakeSlack, name: str, text: str = "submit softmax") -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "file_share",
        "channel": "DU1",
        "channel_type": "im",
        "user": "U1",
        "text": text,
        "ts": "1800000003.000100",
        "files": [
            {
                "id": "F9",
                "name": name,
                "size": len(fake.files.get(name, b"")),
                "url_private_download": f"{fake.url}/files/{name}",
            }
        ],
    }


async def test_a_python_file_in_a_dm_is_downloaded_with_the_bot_token_and_submitted(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    fake.files["solution.py"] = b"def softmax(x):\n    return x & 1\n"
    status, _ = await slack.event(file_event(fake, "solution.py"))
    assert status == 200
    [download] = fake.called("download")
    assert download.token == BOT_TOKEN
    [invocation] = received
    assert invocation.is_direct and invocation.channel_id == "DU1"
    assert invocation.text == "submit softmax"
    assert invocation.attachments == (
        Attachment("solution.py", b"def softmax(x):\n    return x & 1\n"),
    )
    [posted] = fake.called("chat.postMessage")
    assert posted.params["channel"] == "DU1"
    assert "grading softmax" in posted.params["text"]


async def test_a_notebook_reaches_the_handler_as_the_file_it_is(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Softmax"]},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import math"]},
            {"cell_type": "code", "source": "def softmax(x):\n    return x"},
        ],
        "nbformat": 4,
    }
    fake.files["work.ipynb"] = json.dumps(notebook).encode()
    await slack.event(file_event(fake, "work.ipynb"))
    [invocation] = received  # the platform-neutral reader in `submit` reads it
    assert invocation.attachments == (Attachment("work.ipynb", fake.files["work.ipynb"]),)


async def test_other_files_are_refused_politely(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    fake.files["photo.png"] = b"\x89PNG"
    await slack.event(file_event(fake, "photo.png"))
    assert received == [] and fake.called("download") == []
    [posted] = fake.called("chat.postMessage")
    assert ".py" in posted.params["text"]


async def test_a_plain_dm_is_a_command(slack: SlackUser, fake: FakeSlack) -> None:
    event = {"type": "message", "channel": "DU1", "channel_type": "im", "user": "U1"}
    await slack.event({**event, "text": "d2l help", "ts": "1800000004.1"})
    [posted] = fake.called("chat.postMessage")
    assert posted.params["channel"] == "DU1" and "d2l next" in json.dumps(posted.params)


async def test_bots_and_channel_messages_are_ignored(slack: SlackUser, fake: FakeSlack) -> None:
    base = {"type": "message", "text": "d2l help", "ts": "1800000005.1", "user": "U1"}
    await slack.event({**base, "channel": "C1", "channel_type": "channel"})
    await slack.event({**base, "channel": "DU1", "channel_type": "im", "bot_id": "B1"})
    await slack.event(
        {**base, "channel": "DU1", "channel_type": "im", "subtype": "message_changed"}
    )
    assert fake.called("chat.postMessage") == []


@pytest.fixture
def with_files(app: App) -> None:
    """`tfile private` answers privately with a file; `tfile public` in the channel."""

    async def tfile(ctx: Context) -> Reply:
        private = ctx.args[0] == "private"
        data = ReplyFile("plan.ics", b"BEGIN:VCALENDAR", "text/calendar")
        return Reply(text="your file", files=(data,), ephemeral=private)

    app.router.add(Command("tfile", "tfile WHO", "test", tfile))


@pytest.mark.usefixtures("with_files")
async def test_a_private_file_goes_to_the_members_dm(slack: SlackUser, fake: FakeSlack) -> None:
    await slack.command("tfile private", user="U5", channel="C1")
    assert fake.called("conversations.open")[0].params["users"] == "U5"
    [complete] = fake.called("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DU5"
    assert fake.called("upload")[0].params["content"] == b"BEGIN:VCALENDAR"
    assert fake.hooks()[0]["response_type"] == "ephemeral"


@pytest.mark.usefixtures("with_files")
async def test_a_channel_file_falls_back_to_the_dm_when_the_bot_isnt_in_the_channel(
    slack: SlackUser, fake: FakeSlack
) -> None:
    fake.fail("files.completeUploadExternal", "not_in_channel")
    await slack.command("tfile public", user="U5", channel="C1")
    completes = fake.called("files.completeUploadExternal")
    assert [c.params["channel_id"] for c in completes] == ["C1", "DU5"]


async def test_a_dm_uses_the_senders_profile_name(
    slack: SlackUser, fake: FakeSlack, received: list[Invocation]
) -> None:
    event = {
        "type": "message",
        "channel": "DU8",
        "channel_type": "im",
        "user": "U8",
        "text": "tpick maybe",
        "ts": "1800000006.1",
        "user_profile": {"display_name": "Grace", "real_name": "Grace H"},
    }
    await slack.event(event)
    [invocation] = received
    assert invocation.user_name == "Grace"
    assert "Grace said maybe" in fake.called("chat.postMessage")[0].params["text"]
