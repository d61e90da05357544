"""Command hints written in another platform's syntax (issue 21), for the scenario drivers."""

from __future__ import annotations

import functools
import re

from bot.platforms.discord_bot._render import _subcommands
from handlers import build_router


@functools.cache
def _words() -> str:
    """The router's first words (`rsvp`, `admin`, …): `d2l` before one of them is a hint."""
    firsts = {name.split()[0] for name in build_router().commands}
    return "|".join(sorted(firsts, key=len, reverse=True))


def foreign_hints(platform: str, text: str) -> list[str]:
    """Every hint in `text` that `platform` would not understand as written."""
    words = _words()
    bare = re.findall(rf"(?<![\w/!.-])d2l (?:{words})\b", text)
    slash = re.findall(rf"(?<![\w/])/d2l ((?:{words})\b)", text)
    bang = re.findall(rf"(?<!\w)!d2l (?:{words})\b", text)
    if platform == "console":
        return [f"/d2l {w}" for w in slash] + bang
    if platform == "slack":
        return bare + bang
    # Discord: the slash form only where `/d2l` has that subcommand.
    return bare + [f"/d2l {w}" for w in slash if w not in _subcommands()]
