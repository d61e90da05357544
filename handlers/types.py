"""Platform-neutral values: what a message to the bot is, and what the bot answers.

Adapters build an `Invocation` from a Slack request, a Discord event or a console line, and
render a `Reply` as Block Kit, an embed or plain text. Times inside reply text are written as
`<t:UNIX:STYLE>` tokens (Discord's own syntax) so every adapter can show each reader their own
local time; see `handlers.text.when`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes


@dataclass(frozen=True)
class Invocation:
    """One message addressed to the bot, with the command prefix (`d2l`, `/d2l`, `!d2l`) removed."""

    platform: str  # console | slack | discord
    workspace_id: str  # Slack team, Discord guild, "local" in the console
    channel_id: str
    user_id: str
    user_name: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    is_direct: bool = False


@dataclass(frozen=True)
class ReplyField:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Choice:
    """A button. Pressing it sends `command` as if the member had typed it."""

    label: str
    command: str


@dataclass(frozen=True)
class ReplyFile:
    name: str
    content: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    text: str
    title: str | None = None
    fields: tuple[ReplyField, ...] = ()
    code: str | None = None
    code_language: str = ""
    choices: tuple[Choice, ...] = ()
    files: tuple[ReplyFile, ...] = ()
    footer: str | None = None
    ephemeral: bool = False
    # The cohort's IANA zone: used to spell times out where a platform can't localise them.
    timezone: str = "UTC"
    is_error: bool = False
