"""Plain-text rendering of neutral replies, for terminals."""

from __future__ import annotations

from bot.platforms.hints import render_hints
from handlers.text import localise_tokens
from handlers.types import Reply

INDENT = "  "


def render_plain(reply: Reply) -> str:
    """A reply as plain text, times spelled out in the cohort's zone."""
    reply = render_hints(reply, console_command, plain=())
    parts: list[str] = []
    if reply.title:
        parts.append(reply.title)
        parts.append("=" * min(len(reply.title), 72))
    if reply.text:
        parts.append(reply.text)
    for field in reply.fields:
        value = field.value.strip()
        if "\n" in value:
            parts.append(f"{field.name}:")
            parts.extend(INDENT + line for line in value.splitlines())
        else:
            parts.append(f"{field.name}: {value}")
    if reply.code is not None:
        parts.append("```" + reply.code_language)
        parts.append(reply.code)
        parts.append("```")
    if reply.choices:
        parts.append("Choices (type the command to pick one):")
        parts.extend(f"{INDENT}[{c.label}]  {c.command}" for c in reply.choices)
    parts.extend(_typed_controls(reply))
    if reply.footer:
        parts.append(reply.footer)
    return localise_tokens("\n".join(parts), reply.timezone)


def _typed_controls(reply: Reply) -> list[str]:
    """A terminal has no checkboxes or forms: each control shows the command it would send."""
    lines = []
    if reply.picker is not None:
        typed = reply.picker.command.replace("{picked}", "LETTERS")
        lines.append(f"{reply.picker.placeholder} (type the letters, e.g. a c):  {typed}")
    if reply.answer_box is not None:
        box = reply.answer_box
        lines.append(f"{INDENT}[{box.label}]  {box.command.replace('{text}', 'VALUE')}")
    return lines


def console_command(words: str) -> str:
    """A command hint as typed in the console."""
    return f"d2l {words}"
