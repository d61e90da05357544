"""Command hints in each platform's syntax, through the real renderers (issue 21)."""

from __future__ import annotations

import json

from bot.platforms.console import render_plain
from bot.platforms.discord_bot import render as render_discord
from bot.platforms.slack_app._render import render as render_slack
from handlers.types import Choice, Reply, ReplyField

REPLY = Reply(
    title="Use `d2l rsvp yes` today",
    text="Say `d2l rsvp yes`, or ask an organizer to run `d2l admin cohort`.",
    fields=(ReplyField("`d2l next`", "Then `d2l quiz stop` or `d2l session 2`."),),
    choices=(Choice("`d2l leave`", "leave"),),
    footer="`d2l help COMMAND` explains one command.",
)


def test_slack_says_slash_d2l_and_shows_no_backticks_in_headers_or_buttons() -> None:
    message = render_slack(REPLY)
    blocks = json.dumps(message.blocks, ensure_ascii=False)
    assert "`/d2l rsvp yes`" in blocks and "`/d2l admin cohort`" in blocks
    assert "`/d2l help COMMAND` explains" in blocks  # the footer is mrkdwn
    assert "`d2l" not in blocks and "!d2l" not in blocks
    header = message.blocks[0]["text"]["text"]
    assert header == "Use /d2l rsvp yes today"
    button = message.blocks[-2]["elements"][0]["text"]["text"]
    assert button == "/d2l leave"
    assert "/d2l rsvp yes" in message.text  # the notification text too


def test_discord_uses_the_subcommand_where_there_is_one_else_the_prefix() -> None:
    message = render_discord(REPLY, prefix="?study")
    embed = message.embeds[0]
    assert embed.title == "Use /d2l rsvp yes today"
    assert "`/d2l rsvp yes`" in (embed.description or "")
    assert "`?study admin cohort`" in (embed.description or "")  # no `/d2l admin` subcommand
    field = embed.fields[0]
    assert field.name == "/d2l next"
    assert "`?study quiz stop`" in (field.value or "")  # not a `quiz` topic
    assert "`/d2l session 2`" in (field.value or "")
    assert embed.footer.text == "/d2l help COMMAND explains one command."
    assert [c.label for c in message.choices] == ["?study leave"]


def test_the_console_keeps_the_typed_form() -> None:
    text = render_plain(REPLY)
    assert "`d2l rsvp yes`" in text and "`d2l admin cohort`" in text
    assert "/d2l" not in text and "!d2l" not in text


def test_only_code_spans_that_start_with_d2l_are_hints() -> None:
    reply = Reply(text="`softmax` and d2l 2.6, `d2l`, `x d2l next`", title="`softmax`")
    slack = render_slack(reply)
    assert "`softmax` and d2l 2.6, `d2l`, `x d2l next`" in json.dumps(slack.blocks)
    assert slack.blocks[0]["text"]["text"] == "softmax"
