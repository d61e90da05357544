"""The Block Kit renderer: structure, Slack's limits, escaping and local times."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from bot.platforms.slack_app import render
from bot.platforms.slack_app._render import (
    MAX_BLOCKS,
    MAX_FIELD,
    MAX_SECTION,
    escape,
    mrkdwn,
    unescape,
)
from handlers.text import when
from handlers.types import Choice, Reply, ReplyField, ReplyFile

MOMENT = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)


def kinds(reply: Reply) -> list[str]:
    return [b["type"] for b in render(reply).blocks]


def test_each_part_of_a_reply_has_its_block() -> None:
    reply = Reply(
        title="Session 1",
        text="Read chapter 2.",
        fields=(ReplyField("Speaker", "Ada"), ReplyField("Where", "Room 4")),
        code="print(1)",
        choices=(Choice("Yes", "rsvp 1 yes"), Choice("No", "rsvp 1 no")),
        footer="d2l help",
    )
    assert kinds(reply) == ["header", "section", "section", "section", "actions", "context"]
    blocks = render(reply).blocks
    assert blocks[2]["fields"][0]["text"] == "*Speaker*\nAda"
    assert blocks[3]["text"]["text"] == "```\nprint(1)\n```"


def test_buttons_send_their_command_and_have_unique_action_ids() -> None:
    choices = tuple(Choice(f"Option {i}", f"quiz answer 1 {i}") for i in range(30))
    blocks = render(Reply(text="Pick one", choices=choices)).blocks
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["value"] for b in buttons] == [c.command for c in choices]
    assert len({b["action_id"] for b in buttons}) == 30
    assert all(len(b["elements"]) <= 25 for b in blocks if b["type"] == "actions")


def test_every_message_has_a_text_fallback() -> None:
    assert render(Reply(text="", title="Only a title")).text == "Only a title"
    assert render(Reply(text="", fields=(ReplyField("a", "b"),))).text == "b"
    assert render(Reply(text="")).text


def test_inline_fields_go_ten_to_a_section_and_others_get_their_own() -> None:
    fields = (*(ReplyField(f"f{i}", "v") for i in range(23)), ReplyField("w", "long", False))
    blocks = render(Reply(text="", fields=fields)).blocks
    assert [len(b.get("fields", [])) for b in blocks] == [10, 10, 3, 0]
    assert blocks[-1]["text"]["text"] == "*w*\nlong"


def test_limits_hold_for_long_text_fields_and_code() -> None:
    reply = Reply(
        title="T" * 400,
        text=("line of text\n" * 600)[:7000],
        fields=(ReplyField("big", "x" * 5000), ReplyField("wide", "y" * 5000, inline=False)),
        code="z" * 4000,
    )
    message = render(reply)
    assert len(message.blocks) <= MAX_BLOCKS
    for block in message.blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if "text" in block and block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION
        for field in block.get("fields", []):
            assert len(field["text"]) <= MAX_FIELD
    # Something was cut, so the whole reply is attached as a file.
    assert [f.name for f in message.files] == ["reply.txt"]
    assert b"y" * 5000 in message.files[0].content


def test_a_very_long_reply_is_sent_as_a_file_with_a_short_message() -> None:
    reply = Reply(title="Log", text="out\n" * 10_000, files=(ReplyFile("chart.png", b"png"),))
    message = render(reply)
    assert len(message.blocks) <= 3
    assert "reply.txt" in json.dumps(message.blocks)
    assert [f.name for f in message.files] == ["reply.txt", "chart.png"]


def test_many_sections_never_exceed_fifty_blocks() -> None:
    reply = Reply(text="", fields=tuple(ReplyField(f"n{i}", "v", inline=False) for i in range(80)))
    message = render(reply)
    assert len(message.blocks) <= MAX_BLOCKS
    assert message.files and message.files[0].name == "reply.txt"


def test_markup_from_members_and_programs_is_escaped_everywhere() -> None:
    hostile = "<!channel> <!here> <!everyone> <!subteam^S123|team> <@U123> a & b <http://x|y>"
    reply = Reply(
        title=hostile,
        text=hostile,
        fields=(ReplyField(hostile, hostile),),
        code=hostile,
        choices=(Choice(hostile, "help"),),
        footer=hostile,
    )
    message = render(reply)
    wire = json.dumps(message.blocks) + message.text
    for mention in ("<!channel>", "<!here>", "<!everyone>", "<!subteam^", "<@U123>", "<http"):
        assert mention not in wire
    assert "&lt;!channel&gt;" in message.text
    assert "a &amp; b" in message.text


def test_bare_broadcast_words_are_defused() -> None:
    assert escape("hi @channel and @here, @everyone") == (
        "hi @\u200bchannel and @\u200bhere, @\u200beveryone"
    )


def test_time_tokens_become_slack_dates_with_a_local_fallback() -> None:
    text = mrkdwn(f"Starts {when(MOMENT)} ({when(MOMENT, 't')})", "Europe/Berlin")
    assert text == (
        "Starts <!date^1799773200^{date_short_pretty} {time}|Tue 12 Jan 2027, 18:00 CET> "
        "(<!date^1799773200^{time}|18:00 CET>)"
    )


def test_time_tokens_are_converted_after_escaping() -> None:
    # A token can't carry markup: its parts are digits and a style letter.
    text = mrkdwn("<t:1799773200:F|<!channel>> <!channel><t:1:F>", "UTC")
    assert "<!channel>" not in text
    assert "<!date^1^" in text


def test_titles_spell_times_out_in_the_cohort_zone() -> None:
    block = render(
        Reply(text="", title=f"Session at {when(MOMENT)}", timezone="Asia/Tokyo")
    ).blocks[0]
    assert block["text"]["text"] == "Session at Wed 13 Jan 2027, 02:00 JST"


def test_errors_are_marked() -> None:
    assert render(Reply(text="nope", is_error=True)).blocks[0]["text"]["text"] == ":warning: nope"


def test_code_cannot_close_its_own_block() -> None:
    block = render(Reply(text="", code="a = '```'\n<b>")).blocks[0]
    assert block["text"]["text"].count("```") == 2
    assert "&lt;b&gt;" in block["text"]["text"]


def test_unescape_undoes_slacks_escaping() -> None:
    assert unescape("a &lt; b &amp;&amp; c &gt; d &amp;lt;") == "a < b && c > d &lt;"


@given(st.text(max_size=8000), st.text(max_size=300))
def test_any_text_renders_within_limits_without_live_markup(text: str, title: str) -> None:
    message = render(Reply(text=text, title=title or None, fields=(ReplyField("f", text),)))
    assert len(message.blocks) <= MAX_BLOCKS
    wire = json.dumps(message.blocks, ensure_ascii=False)
    assert "<!channel" not in wire and "<@" not in wire
    for block in message.blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= MAX_SECTION
            # No half entity left at a cut.
            assert not block["text"]["text"].rstrip("…").endswith(("&", "&a", "&am", "&l", "&g"))


def test_markdown_bold_becomes_slack_bold_outside_code() -> None:
    """The code of conduct and other texts write **bold**; Slack's mrkdwn bolds *once*."""
    text = "1. **Be kind.** Keep `x**2**` and ```y**z**``` as written; 2**3 is a power."
    shown = mrkdwn(text, "UTC")
    assert shown.startswith("1. *Be kind.* Keep `x**2**`")
    assert "```y**z**```" in shown and "2**3 is a power" in shown
    assert "**" not in shown.replace("`x**2**`", "").replace("```y**z**```", "").replace("2**3", "")
