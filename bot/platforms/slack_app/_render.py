"""Neutral replies as Block Kit: pure functions, no network.

Everything a reply says may echo members or program output, so all of it is escaped (`&`,
`<`, `>`) before Slack sees it; that alone neutralises `<!channel>`, `<!here>`, `<!everyone>`,
`<!subteam^…>` and `<@U…>`. Time tokens are converted only after escaping, so nobody can
smuggle markup in through them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from bot.platforms.console import render_plain
from bot.platforms.hints import LABELS, TITLE, render_hints
from handlers.text import format_local, localise_tokens
from handlers.types import AnswerBox, Choice, Picker, Reply, ReplyField, ReplyFile

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTONS = 25
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK = 3000
# Above this much text a chat message stops being readable: the whole reply goes as a file.
MAX_TOTAL = 12000
ACTION_PREFIX = "d2l_choice_"

# `<t:…>` after escaping: `&lt;t:1700000000:F&gt;`.
_ESCAPED_TIME = re.compile(r"&lt;t:(-?\d{1,12}):([tTdDfFR])&gt;")
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
# Markdown's **bold** (handlers' and organizers' texts use it; Discord shows it) is *bold* in
# Slack's mrkdwn; code spans and blocks are left as written.
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)
_BOLD = re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*")
_FORMATS = {
    "t": "{time}",
    "T": "{time_secs}",
    "d": "{date_short_pretty}",
    "D": "{date_long_pretty}",
    "f": "{date_short_pretty} {time}",
    "F": "{date_short_pretty} {time}",  # "Today 18:00", "Jan 12, 2027 18:00"
    "R": "{ago}",
}


@dataclass(frozen=True)
class SlackMessage:
    """What goes to `chat.postMessage` or a `response_url`, plus files to upload after it."""

    text: str  # the notification / accessibility fallback
    blocks: list[dict[str, Any]]
    files: tuple[ReplyFile, ...] = ()


def escape(text: str) -> str:
    """Slack's three control characters, plus bare broadcast words defused with a zero-width
    space (harmless without `link_names`, but some clients still highlight them)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def unescape(text: str) -> str:
    """Slack escapes `&`, `<`, `>` in what members type (slash command text, messages)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn(text: str, timezone: str) -> str:
    """Escaped text with time tokens turned into Slack dates (shown in each reader's zone)."""

    def date(match: re.Match[str]) -> str:
        unix, style = int(match.group(1)), match.group(2)
        moment = dt.datetime.fromtimestamp(unix, tz=dt.UTC)
        fallback = escape(format_local(moment, timezone, style)).replace("|", "/")
        return f"<!date^{unix}^{_FORMATS[style]}|{fallback}>"

    return _ESCAPED_TIME.sub(date, escape(_slack_bold(text)))


def _slack_bold(text: str) -> str:
    parts = _CODE.split(text)
    return "".join(p if i % 2 else _BOLD.sub(r"*\1*", p) for i, p in enumerate(parts))


def plain(text: str, timezone: str) -> str:
    """For plain_text objects, which can't show dates: tokens spelled out in the cohort zone."""
    return escape(localise_tokens(text, timezone))


def render(reply: Reply) -> SlackMessage:
    """A reply as blocks within Slack's limits; what doesn't fit goes along as a text file."""
    reply = render_hints(reply, slack_command, plain=(TITLE, LABELS))
    zone = reply.timezone
    blocks: list[dict[str, Any]] = []
    overflow = False
    if reply.title:
        blocks.append(_header(reply.title, zone))
    body = (":warning: " if reply.is_error else "") + reply.text
    if body.strip():
        chunks = _chunks(mrkdwn(body, zone), MAX_SECTION)
        blocks.extend(_section(c) for c in chunks)
    field_blocks, cut = _fields(reply.fields, zone)
    blocks.extend(field_blocks)
    overflow |= cut
    if reply.code is not None:
        code = reply.code.replace("```", "``\u200b`")  # a fence inside would end the block
        for chunk in _chunks(escape(code), MAX_SECTION - 8):
            blocks.append(_section(f"```\n{chunk}\n```"))
    blocks.extend(_choices(reply.choices, zone))
    blocks.extend(answer_controls(reply))
    if reply.footer:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _cut(mrkdwn(reply.footer, zone), MAX_SECTION)}
                ],
            }
        )
    total = len(reply.text) + len(reply.code or "") + sum(len(f.value) for f in reply.fields)
    if len(blocks) > MAX_BLOCKS or total > MAX_TOTAL:
        blocks, overflow = _summary(reply), True
    files = reply.files
    if overflow:
        full = render_plain(reply).encode("utf-8")
        files = (ReplyFile("reply.txt", full, "text/plain"), *files)
    return SlackMessage(text=fallback(reply), blocks=blocks, files=files)


def slack_command(words: str) -> str:
    """A command hint in Slack's syntax: only the slash command works in channels."""
    return f"/d2l {words}"


def fallback(reply: Reply) -> str:
    """The top-level `text`: what notifications and screen readers show."""
    head = reply.title or ""
    body = reply.text.strip() or (reply.fields[0].value if reply.fields else "")
    joined = f"{head}: {body}" if head and body else head or body or "studybot"
    return _cut(mrkdwn(joined, reply.timezone), MAX_FALLBACK)


def _summary(reply: Reply) -> list[dict[str, Any]]:
    """The blocks of a reply too long for a message: its start, and where the rest is."""
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append(_header(reply.title, reply.timezone))
    lead = _cut(mrkdwn(reply.text, reply.timezone), 1500) if reply.text.strip() else ""
    note = "_This answer is too long for a message: it is attached in full as `reply.txt`._"
    blocks.append(_section(f"{lead}\n\n{note}" if lead else note))
    blocks.extend(_choices(reply.choices, reply.timezone)[:2])
    return blocks


def _header(title: str, zone: str) -> dict[str, Any]:
    text = _cut(plain(title, zone), MAX_HEADER)
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _fields(fields: tuple[ReplyField, ...], zone: str) -> tuple[list[dict[str, Any]], bool]:
    """Inline fields side by side (≤ 10 per section), the others as sections of their own."""
    blocks: list[dict[str, Any]] = []
    row: list[dict[str, str]] = []
    cut = False

    def flush() -> None:
        if row:
            blocks.append({"type": "section", "fields": list(row)})
            row.clear()

    for field in fields:
        text = f"*{mrkdwn(field.name, zone)}*\n{mrkdwn(field.value, zone)}"
        if field.inline:
            cut |= len(text) > MAX_FIELD
            row.append({"type": "mrkdwn", "text": _cut(text, MAX_FIELD)})
            if len(row) == MAX_FIELDS:
                flush()
        else:
            flush()
            cut |= len(text) > MAX_SECTION
            blocks.append(_section(_cut(text, MAX_SECTION)))
    flush()
    return blocks, cut


def _choices(choices: tuple[Choice, ...], zone: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    usable = [c for c in choices if len(c.command) <= MAX_BUTTON_VALUE]
    for start in range(0, len(usable), MAX_BUTTONS):
        buttons = [
            {
                "type": "button",
                "action_id": f"{ACTION_PREFIX}{start + i}",
                "text": {
                    "type": "plain_text",
                    "text": _cut(plain(choice.label, zone), MAX_BUTTON_LABEL) or "…",
                    "emoji": True,
                },
                "value": choice.command,
            }
            for i, choice in enumerate(usable[start : start + MAX_BUTTONS])
        ]
        blocks.append({"type": "actions", "elements": buttons})
    return blocks


# Answer controls (issue 18): checkboxes with a Submit button in one actions block, and an
# Answer button whose value carries what its modal needs (Slack keeps no state for us).
PICK_BLOCK = "d2l_pick"
PICK_TICK = "d2l_pick_tick"
PICK_SUBMIT = "d2l_pick_submit"
BOX_OPEN = "d2l_box_open"
MAX_CHECKBOXES = 10
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150


def answer_controls(reply: Reply) -> list[dict[str, Any]]:
    """The blocks of a reply's picker and answer box (none if it has neither)."""
    blocks = []
    if reply.picker is not None and len(reply.picker.command) <= MAX_BUTTON_VALUE:
        blocks.append(_picker(reply.picker, reply.timezone))
    if reply.answer_box is not None:
        blocks.append(_answer_box(reply.answer_box, reply.timezone))
    return blocks


def _picker(picker: Picker, zone: str) -> dict[str, Any]:
    options = [
        {
            "text": {"type": "plain_text", "text": _cut(plain(o.label, zone), MAX_OPTION_TEXT)},
            "value": o.value[:MAX_OPTION_VALUE],
        }
        for o in picker.options[:MAX_CHECKBOXES]
    ]
    submit = {
        "type": "button",
        "action_id": PICK_SUBMIT,
        "style": "primary",
        "text": {"type": "plain_text", "text": _cut(plain(picker.submit_label, zone), 75)},
        "value": picker.command,
    }
    ticks = {"type": "checkboxes", "action_id": PICK_TICK, "options": options}
    return {"type": "actions", "block_id": PICK_BLOCK, "elements": [ticks, submit]}


def _answer_box(box: AnswerBox, zone: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": BOX_OPEN,
                "style": "primary",
                "text": {"type": "plain_text", "text": _cut(plain(box.label, zone), 75)},
                "value": box_value(box, zone),
            }
        ],
    }


def box_value(box: AnswerBox, zone: str) -> str:
    """The box as the button's value (≤ 2000 characters): the prompt is cut to fit."""
    data: dict[str, Any] = {
        "command": box.command,
        "title": box.title,
        "placeholder": box.placeholder,
        "low": box.low,
        "high": box.high,
    }
    room = MAX_BUTTON_VALUE - len(json.dumps({**data, "prompt": ""}, ensure_ascii=False)) - 10
    data["prompt"] = _cut(localise_tokens(box.prompt, zone), max(room, 1))
    return json.dumps(data, ensure_ascii=False)


def box_from_value(value: str) -> AnswerBox | None:
    """The box an Answer button carries; None if the value isn't one (forged or damaged)."""
    try:
        data = json.loads(value)
        box = AnswerBox(
            label="Answer",
            title=str(data["title"]),
            prompt=str(data["prompt"]),
            command=str(data["command"]),
            placeholder=str(data.get("placeholder") or ""),
            low=None if data.get("low") is None else float(data["low"]),
            high=None if data.get("high") is None else float(data["high"]),
        )
    except (ValueError, TypeError, KeyError):
        return None
    return box if "{text}" in box.command else None


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Never leave half an entity (`&am`) or half a date token behind.
    amp, lt = cut.rfind("&"), cut.rfind("<")
    for start, end in ((amp, ";"), (lt, ">")):
        if start != -1 and end not in cut[start:]:
            cut = cut[:start]
    return cut + "…"


def _chunks(text: str, limit: int) -> list[str]:
    """Split at line ends where possible, never inside an entity or a date token."""
    chunks: list[str] = []
    while len(text) > limit:
        at = text.rfind("\n", 0, limit)
        if at <= limit // 2:
            at = limit
            for opener, closer in (("&", ";"), ("<", ">")):
                start = text.rfind(opener, 0, at)
                if start != -1 and closer not in text[start:at]:
                    at = start
            at = at or limit
        chunks.append(text[:at])
        text = text[at:].lstrip("\n")
    if text:
        chunks.append(text)
    return chunks
