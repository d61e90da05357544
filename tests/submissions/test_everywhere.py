"""The same Colab notebook scores the same with the same notes on every platform: the console
(a local file), Slack (a file shared in a DM, and pasted into the submit modal: the real bolt
app behind signed requests, a fake Slack API) and Discord (an attachment, and a fenced block:
the real discord.py client against a fake gateway). Each adapter only passes the bytes on."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.discord_bot import DiscordPlatform
from bot.platforms.slack_app import SlackPlatform
from tests.conftest import Chat, make_settings
from tests.discord.conftest import discord_settings, say
from tests.discord.fake_discord import FakeDiscord
from tests.exercises.conftest import ForkServerExecutor
from tests.scenarios.conftest import _strings
from tests.slack.conftest import TEAM, SlackUser, slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_interactions import file_event
from tests.submissions.conftest import graded
from tests.submissions.notebooks import COLAB_NOTES, colab_notebook

Send = Callable[[], Awaitable[str]]  # submits the notebook; returns the bot's answer text
WAYS = [
    "console-file",
    "slack-dm-file",
    "slack-modal-paste",
    "slack-modal-file",
    "discord-attachment",
    "discord-fenced",
]


@pytest.fixture(params=WAYS)
async def submitted(
    request: pytest.FixtureRequest, sqlite_url: str, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[tuple[App, Send]]:
    app = await App.create(make_settings(sqlite_url), clock=clock)
    notebook = colab_notebook()
    try:
        if request.param == "console-file":
            path = tmp_path / "work.ipynb"
            path.write_bytes(notebook)
            chat = Chat(app, tmp_path / "out")
            yield app, lambda: chat.text(f"submit softmax {path}")
        elif request.param.startswith("slack"):
            fake = await FakeSlack().start()
            platform = SlackPlatform(
                app, slack_settings(app.services.settings, fake), host="127.0.0.1"
            )
            await platform.start()
            try:
                async with aiohttp.ClientSession() as session:
                    slack = SlackUser(session, platform, fake)
                    if request.param == "slack-dm-file":
                        yield app, lambda: _slack_dm(slack, fake, notebook)
                    else:
                        as_file = request.param == "slack-modal-file"
                        yield app, lambda: _slack_modal(slack, fake, notebook, as_file=as_file)
            finally:
                await platform.stop()
                await fake.stop()
        else:
            discord = FakeDiscord()
            await discord.start()
            bot = DiscordPlatform(
                app,
                discord_settings(sqlite_url, discord),
                ready_timeout=5,
                guild_ready_timeout=0.05,
            )
            await bot.start()
            try:
                fenced = request.param == "discord-fenced"
                yield app, lambda: _discord(discord, notebook, fenced=fenced)
            finally:
                await bot.stop()
                await discord.close()
    finally:
        await app.close()


async def _slack_dm(slack: SlackUser, fake: FakeSlack, notebook: bytes) -> str:
    fake.files["work.ipynb"] = notebook
    status, _ = await slack.event(file_event(fake, "work.ipynb"))
    assert status == 200
    await slack.platform.idle(10)
    return "\n".join(call.params["text"] for call in fake.called("chat.postMessage"))


async def _slack_modal(slack: SlackUser, fake: FakeSlack, notebook: bytes, *, as_file: bool) -> str:
    await slack.command("submit softmax")
    view = fake.called("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    if as_file:  # the modal's file input: Slack has uploaded it, the bot downloads it
        fake.files["work.ipynb"] = notebook
        uploaded = file_event(fake, "work.ipynb")["files"]
        pasted: dict[str, Any] = {"file": {"file": {"type": "file_input", "files": uploaded}}}
    else:  # the notebook's JSON pasted into the code input
        pasted = {"code": {"code": {"type": "plain_text_input", "value": notebook.decode()}}}
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": "U1", "username": "name-U1", "team_id": TEAM},
        "view": {**view, "id": "V1", "team_id": TEAM, "state": {"values": pasted}},
    }
    status, _ = await slack.interact(submission)
    assert status == 200
    assert len(fake.called("download")) == (1 if as_file else 0)
    return "\n".join(_strings(hook) for hook in fake.hooks())


async def _discord(fake: FakeDiscord, notebook: bytes, *, fenced: bool) -> str:
    if fenced:
        await say(fake, f"!d2l submit softmax\n```\n{notebook.decode()}\n```")
    else:
        await say(fake, "!d2l submit softmax", attachments=[fake.add_file("work.ipynb", notebook)])
    await fake.wait_for(lambda: len(fake.sent) > 0)
    return "\n".join(sent.text() for sent in fake.sent)


async def test_a_colab_notebook_scores_the_same_with_the_same_notes_everywhere(
    submitted: tuple[App, Send], executor: ForkServerExecutor
) -> None:
    app, send = submitted
    answer = await send()
    assert "Grading submission #1 for `softmax`" in answer, answer
    for note in COLAB_NOTES:
        assert note in answer, answer
    [stored] = await graded(app, executor)
    # The first, unstable version would fail the huge-logits test: the last one was graded.
    assert (stored.status, stored.score, stored.max_score) == ("passed", 8, 8)
    # Cell 1 held only `!pip install`: it is not graded at all; the d2l import is commented.
    assert "pip" not in stored.code and "# cell 1\n" not in stored.code
    [d2l] = [line for line in stored.code.splitlines() if "d2l" in line]
    assert d2l.startswith("pass  # left out")
