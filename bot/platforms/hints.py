"""Command hints in each platform's own syntax (issue 21).

Handlers write a hint in one neutral form, `` `d2l rsvp yes` ``; each adapter calls
`render_hints` once, at the top of its renderer, with how its platform spells a command
(`/d2l rsvp yes` in Slack, `/d2l …` or `!d2l …` in Discord, `d2l …` in the console).

Parts a platform shows as plain text (Slack headers and button labels, Discord titles, footers
and field names) can't show code spans, so there every backtick pair is dropped as well:
`` `d2l next` `` becomes `/d2l next`, never a literal `` `/d2l next` ``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection

from handlers.types import Choice, Reply, ReplyField

# A neutral hint: a code span that starts with `d2l `.
HINT = re.compile(r"`d2l ([^`\n]+)`")
_SPAN = re.compile(r"`([^`\n]+)`")

Form = Callable[[str], str]  # "rsvp yes" → "/d2l rsvp yes"

# Names of the reply parts that `plain` may list.
TITLE, FOOTER, FIELD_NAMES, LABELS = "title", "footer", "field names", "labels"


def render_hints(reply: Reply, form: Form, *, plain: Collection[str] = (LABELS,)) -> Reply:
    """`reply` with every neutral hint in the platform's syntax (`form`); the parts named in
    `plain` lose their code spans' backticks too."""

    def rich(text: str) -> str:
        return HINT.sub(lambda m: f"`{form(m.group(1))}`", text)

    def flat(text: str) -> str:
        return _SPAN.sub(lambda m: m.group(1), rich(text))

    def part(name: str, text: str) -> str:
        return flat(text) if name in plain else rich(text)

    fields = tuple(
        ReplyField(part(FIELD_NAMES, f.name), rich(f.value), f.inline) for f in reply.fields
    )
    choices = tuple(Choice(part(LABELS, c.label), c.command) for c in reply.choices)
    return dataclasses.replace(
        reply,
        text=rich(reply.text),
        title=part(TITLE, reply.title) if reply.title else reply.title,
        fields=fields,
        choices=choices,
        footer=part(FOOTER, reply.footer) if reply.footer else reply.footer,
    )
