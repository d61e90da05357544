"""Rendering neutral replies within Discord's limits (unit tests, no network)."""

from __future__ import annotations

import discord

from bot.platforms.discord_bot import render
from bot.platforms.discord_bot._buttons import choice_custom_id, command_of
from bot.platforms.discord_bot._render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_LIMIT,
    FIELD_VALUE_LIMIT,
    OVERFLOW_NAME,
)
from handlers.types import Choice, Reply, ReplyField, ReplyFile


def embed_size(embed: discord.Embed) -> int:
    return len(embed)  # discord.py counts what Discord counts against 6000


def test_a_short_plain_reply_is_content() -> None:
    message = render(Reply(text="Hello <t:1799773200:F>"))
    assert message.content == "Hello <t:1799773200:F>" and not message.embeds and not message.files


def test_long_text_goes_into_a_file_with_a_preview() -> None:
    text = "\n".join(f"line {i} " + "x" * 60 for i in range(200))
    message = render(Reply(text=text))
    assert message.content is not None and len(message.content) <= CONTENT_LIMIT
    assert "attached file" in message.content
    (file,) = message.files
    assert file.name == OVERFLOW_NAME and b"line 199" in file.content


def test_a_long_code_block_is_not_left_open_in_the_preview() -> None:
    message = render(Reply(text="Output:", code="print(1)\n" * 400, code_language="python"))
    assert message.content is not None and message.content.count("```") % 2 == 0


def test_at_most_25_fields_and_the_rest_in_the_file() -> None:
    fields = tuple(ReplyField(f"Field {i}", f"value {i}") for i in range(40))
    (embed,) = render(Reply(text="Many", title="Fields", fields=fields)).embeds
    assert len(embed.fields) == FIELD_LIMIT
    assert embed.fields[-1].value == "16 more in the attached file"
    assert render(Reply(text="x", title="t", fields=fields)).files[0].name == OVERFLOW_NAME


def test_every_embed_limit_holds_for_huge_input() -> None:
    fields = tuple(ReplyField("n" * 300, "v" * 2000, inline=False) for _ in range(30))
    reply = Reply(text="d" * 9000, title="t" * 400, fields=fields, footer="f" * 3000)
    (embed,) = render(reply).embeds
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert all(len(f.value or "") <= FIELD_VALUE_LIMIT for f in embed.fields)
    assert embed_size(embed) <= EMBED_TOTAL_LIMIT


def test_mentions_are_neutralised_on_everything_sent() -> None:
    kwargs = render(Reply(text="@everyone look <@123> <@&456>")).kwargs()
    mentions = kwargs["allowed_mentions"]
    assert mentions.to_dict() == {"parse": []}  # no @everyone, user, role or reply pings


def test_errors_are_red_and_files_are_attached() -> None:
    reply = Reply(
        text="Nope",
        title="Error",
        is_error=True,
        files=(ReplyFile("plot.png", b"\x89PNG", "image/png"),),
    )
    message = render(reply)
    assert message.embeds[0].colour == discord.Colour.red()
    (file,) = message.kwargs()["files"]
    assert file.filename == "plot.png"


def test_choices_become_buttons_in_rows_of_five() -> None:
    choices = tuple(Choice(f"Option {i}", f"quiz answer {i}") for i in range(7))
    view = render(Reply(text="Pick", choices=choices)).kwargs()["view"]
    rows = view.to_components()
    assert [len(r["components"]) for r in rows] == [5, 2]
    assert rows[0]["components"][0]["custom_id"] == "d2l:quiz answer 0"


def test_a_command_too_long_for_a_custom_id_still_round_trips() -> None:
    command = "quiz answer " + "x" * 200
    custom_id = choice_custom_id(command)
    assert len(custom_id) <= 100
    assert command_of(custom_id) == command


def test_time_tokens_are_spelled_out_where_discord_does_not_render_them() -> None:
    token = "<t:1799773200:F>"  # Tue 12 Jan 2027, 17:00 UTC
    reply = Reply(
        text=f"Starts {token}",
        title=f"Session at {token}",
        fields=(ReplyField("When", token),),
        footer=f"until {token}",
        timezone="Europe/Berlin",
    )
    (embed,) = render(reply).embeds
    assert embed.description == f"Starts {token}"  # rendered by Discord per reader
    assert embed.fields[0].value == token
    assert embed.title == "Session at Tue 12 Jan 2027, 18:00 CET"
    assert embed.footer.text == "until Tue 12 Jan 2027, 18:00 CET"
