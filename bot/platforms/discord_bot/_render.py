"""Neutral replies as Discord messages: content or one embed, files, buttons, within limits.

One `Reply` always becomes exactly one Discord message, so an outbox row maps to one message
and one nonce. What doesn't fit Discord's limits goes into an attached text file, and the
message says so.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any

import discord

from bot.platforms.console import render_plain
from bot.platforms.discord_bot._buttons import PER_ROW, choices_view
from bot.platforms.discord_bot._controls import add_controls
from bot.platforms.hints import FIELD_NAMES, FOOTER, LABELS, TITLE, Form, render_hints
from handlers.text import localise_tokens
from handlers.types import AnswerBox, Choice, Picker, Reply, ReplyFile

# Discord's documented limits.
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
FILES_LIMIT = 10
BUTTONS_LIMIT = 25
FILE_BYTES_LIMIT = 10 * 1024 * 1024  # without server boosts

OVERFLOW_NAME = "reply.txt"
OVERFLOW_NOTE = "(Too long for one Discord message: the full text is in the attached file.)"
# A short preview in front of the overflow note; the file holds the rest.
PREVIEW_CHARS = 1500
DEFAULT_PREFIX = "!d2l"  # the `discord_prefix` setting's default
ERROR_COLOUR = discord.Colour.red()
INFO_COLOUR = discord.Colour.blurple()


@dataclass(frozen=True)
class DiscordMessage:
    """What to send: keyword arguments for `Messageable.send`/interaction responses."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()
    files: tuple[ReplyFile, ...] = ()
    choices: tuple[Choice, ...] = ()
    ephemeral: bool = False
    picker: Picker | None = None
    answer_box: AnswerBox | None = None

    def kwargs(self) -> dict[str, Any]:
        """Fresh arguments for one send (discord.File objects are single-use)."""
        args: dict[str, Any] = {
            "content": self.content,
            "embeds": list(self.embeds),
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        if self.files:
            args["files"] = [
                discord.File(io.BytesIO(f.content), filename=f.name) for f in self.files
            ]
        if self.choices or self.picker or self.answer_box:
            view = choices_view(self.choices)
            rows = -(-len(self.choices) // PER_ROW)  # the controls go below the buttons
            add_controls(view, self.picker, self.answer_box, row=rows)
            args["view"] = view
        return args


def render(reply: Reply, *, prefix: str = DEFAULT_PREFIX) -> DiscordMessage:
    """A reply as one Discord message that respects every limit; command hints as `/d2l …`
    where a subcommand exists, else with the message prefix (`!d2l …`)."""
    plain = (TITLE, FOOTER, FIELD_NAMES, LABELS)  # embeds show no Markdown there
    reply = render_hints(reply, discord_form(prefix), plain=plain)
    files = [f for f in reply.files if len(f.content) <= FILE_BYTES_LIMIT]
    notes = [f"(`{f.name}` is too large to attach.)" for f in reply.files if f not in files]
    choices = reply.choices[:BUTTONS_LIMIT]
    if len(reply.choices) > BUTTONS_LIMIT:
        notes.append("More choices: " + ", ".join(f"`{c.command}`" for c in reply.choices[25:]))
    body = _join(reply.text, _code_block(reply), *notes)
    embeds: tuple[discord.Embed, ...] = ()
    if reply.title or reply.fields or reply.footer:
        embed, overflow = _embed(reply, body)
        content, embeds = None, (embed,)
    else:
        overflow = len(body) > CONTENT_LIMIT
        content = _preview(body, CONTENT_LIMIT) if overflow else body or None
    if overflow:
        files.insert(0, ReplyFile(OVERFLOW_NAME, render_plain(reply).encode(), "text/plain"))
    return DiscordMessage(
        content=content,
        embeds=embeds,
        files=tuple(files[:FILES_LIMIT]),
        choices=choices,
        ephemeral=reply.ephemeral,
        picker=reply.picker,
        answer_box=reply.answer_box,
    )


@functools.cache
def discord_form(prefix: str) -> Form:
    """How a command hint reads in Discord: `/d2l rsvp yes` when `rsvp` is a typed subcommand
    of `/d2l`, else `!d2l admin cohort` (the message prefix; `run` would hide the command)."""

    def form(words: str) -> str:
        first, *rest = words.split()
        two_words = f"{first} {rest[0]}" if rest else ""
        if first in _subcommands() and two_words not in _two_word_commands():
            return f"/d2l {words}"
        return f"{prefix} {words}"

    return form


@functools.cache
def _subcommands() -> frozenset[str]:
    from bot.platforms.discord_bot._commands import d2l_group  # imports the App: not at load

    return frozenset(c.name for c in d2l_group(None).commands if c.name != "run")


@functools.cache
def _two_word_commands() -> frozenset[str]:
    """`quiz live`, `quiz stop`: the router's, which no subcommand option spells."""
    from handlers import build_router

    return frozenset(name for name in build_router().commands if " " in name)


def _embed(reply: Reply, body: str) -> tuple[discord.Embed, bool]:
    """One embed, and whether anything had to be cut (then the full text goes in a file)."""
    overflow = False
    # Discord renders <t:…> tokens in descriptions and field values only: spell them out
    # (in the cohort's zone) in the title, field names and the footer.
    title = localise_tokens(reply.title, reply.timezone) if reply.title else None
    footer = localise_tokens(reply.footer or "", reply.timezone)
    if title and len(title) > TITLE_LIMIT:
        title, overflow = _cut(title, TITLE_LIMIT), True
    # Room kept for the footer and the overflow note, so the 6000-character total holds.
    footer_room = min(FOOTER_LIMIT, len(footer) + len(OVERFLOW_NOTE) + 1)
    budget = EMBED_TOTAL_LIMIT - footer_room - len(title or "")
    if len(body) > min(DESCRIPTION_LIMIT, budget):
        body, overflow = _preview(body, min(DESCRIPTION_LIMIT, budget)), True
    budget -= len(body)
    embed = discord.Embed(
        title=title,
        description=body or None,
        colour=ERROR_COLOUR if reply.is_error else INFO_COLOUR,
    )
    fields = reply.fields
    if len(fields) > FIELD_LIMIT:  # the last slot says what is missing
        fields, overflow = fields[: FIELD_LIMIT - 1], True
    for field in fields:
        name = _cut(localise_tokens(field.name, reply.timezone) or "\u200b", FIELD_NAME_LIMIT)
        value = field.value.strip() or "\u200b"
        if len(value) > FIELD_VALUE_LIMIT:
            value, overflow = _cut(value, FIELD_VALUE_LIMIT), True
        if len(name) + len(value) > budget - 100:
            overflow = True
            break
        budget -= len(name) + len(value)
        embed.add_field(name=name, value=value, inline=field.inline)
    missing = len(reply.fields) - len(embed.fields)
    if missing:
        embed.add_field(name="…", value=f"{missing} more in the attached file", inline=False)
    if overflow:
        footer = _join(footer, OVERFLOW_NOTE, sep=" ")
    if footer:
        embed.set_footer(text=_cut(footer, FOOTER_LIMIT))
    return embed, overflow


def _code_block(reply: Reply) -> str:
    if reply.code is None:
        return ""
    return f"```{reply.code_language}\n{reply.code}\n```"


def _preview(text: str, limit: int) -> str:
    """The start of `text`, cut at a line break, with a note that the rest is attached."""
    room = min(PREVIEW_CHARS, limit - len(OVERFLOW_NOTE) - 10)
    head = text[:room]
    if "\n" in head[room // 2 :]:
        head = head[: head.rindex("\n")]
    if head.count("```") % 2 == 1:  # don't leave a code block open
        head += "\n```"
    return f"{head}\n…\n{OVERFLOW_NOTE}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(*parts: str, sep: str = "\n\n") -> str:
    return sep.join(p for p in parts if p)
