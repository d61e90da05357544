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
class PickOption:
    """One option of a `Picker`: what it shows and the value it contributes."""

    label: str
    value: str


@dataclass(frozen=True)
class Picker:
    """Tick one or more options, then submit (checkboxes and a Submit button on Slack, a
    multi-select menu on Discord). Submitting sends `command` with `{picked}` replaced by
    the ticked values, space-separated, as if the member had typed it."""

    options: tuple[PickOption, ...]
    command: str  # e.g. "answer {picked} q42"
    placeholder: str = "Pick every correct choice"
    submit_label: str = "Submit"


@dataclass(frozen=True)
class AnswerBox:
    """A button that opens a form with one text input (a Slack or Discord modal); submitting
    sends `command` with `{text}` replaced by what was typed. A number is expected: text that
    isn't one, or lies outside [low, high], is refused inside the form (see
    `handlers.controls.box_error`)."""

    label: str  # the button, e.g. "Answer"
    title: str  # the form's title (Slack allows 24 characters, Discord 45)
    prompt: str  # the question, shown above the input where the platform can
    command: str  # e.g. "answer {text} q42"
    placeholder: str = "0.375, 3/8 or 37.5%"
    low: float | None = None
    high: float | None = None

    def command_for(self, text: str) -> str:
        return self.command.replace("{text}", " ".join(text.split()))


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
    # Answer controls (issue 18): at most one of each per reply; console shows typed forms.
    picker: Picker | None = None
    answer_box: AnswerBox | None = None
    files: tuple[ReplyFile, ...] = ()
    footer: str | None = None
    ephemeral: bool = False
    # Replaces the (public) message whose control sent the command, e.g. a live question
    # showing its answer count; adapters drop it when the command didn't come from one.
    replaces_source: bool = False
    # The cohort's IANA zone: used to spell times out where a platform can't localise them.
    timezone: str = "UTC"
    is_error: bool = False
