"""Neutral replies as GitHub Markdown: a title and a body, times spelled out in the
cohort's zone (a repository page has no reader's zone to show them in)."""

from __future__ import annotations

import re

from handlers.text import localise_tokens
from handlers.types import Reply

# `@name` on GitHub notifies that account: text the bot copies (speaker names, notes)
# must not ping people, so an @ before a name gets a zero-width joiner.
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")


def to_markdown(reply: Reply) -> tuple[str, str]:
    """(title, body) of a Discussion, a comment or a file."""
    parts: list[str] = []
    if reply.text:
        parts.append(reply.text)
    for field in reply.fields:
        value = field.value.strip()
        if "\n" in value:
            items = "\n".join(f"- {line}" for line in value.splitlines() if line.strip())
            parts.append(f"**{field.name}**\n\n{items}")
        else:
            parts.append(f"**{field.name}:** {value}")
    if reply.footer:
        parts.append(f"_{reply.footer}_")
    body = localise_tokens("\n\n".join(parts), reply.timezone)
    title = localise_tokens(reply.title or "", reply.timezone)
    return _MENTION.sub("@\u2060", title), _MENTION.sub("@\u2060", body)


def marker(key: str) -> str:
    """The hidden line that says which outbox row made a post, so a post made just before
    a crash is found again instead of made twice."""
    return f"<!-- studybot:{key} -->"
