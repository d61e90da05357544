"""The one command grammar: `d2l <command> [args]`, optionally followed by a fenced code block."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

PREFIXES = ("/d2l", "!d2l", "d2l")
FENCE = "```"
# Control characters other than tab and newline are noise from pastes and binary files.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.\-]{0,20}")


@dataclass(frozen=True)
class ParsedMessage:
    words: tuple[str, ...]
    code: str | None = None
    code_language: str = ""


def strip_prefix(text: str, prefixes: tuple[str, ...] = PREFIXES) -> str | None:
    """The text after a command prefix, or None if the message isn't addressed to the bot."""
    stripped = text.lstrip()
    for prefix in prefixes:
        if stripped[: len(prefix)].lower() == prefix:
            rest = stripped[len(prefix) :]
            if not rest or rest[0].isspace():
                return rest.lstrip()
    return None


def clean(text: str) -> str:
    """Normalise line ends and drop control characters that have no place in a command."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def parse_message(text: str) -> ParsedMessage:
    """Split a message into command words and an optional fenced code block.

    Everything before the first ``` fence is the command; the fence's first line may name a
    language; the code runs to the closing fence or, if there is none, to the end.
    """
    text = clean(text)
    head, fence, tail = text.partition(FENCE)
    code: str | None = None
    language = ""
    if fence:
        first_line, newline, body = tail.partition("\n")
        if not newline:  # ```code``` on one line
            body, first_line = first_line, ""
        elif not _LANGUAGE.fullmatch(first_line.strip()):
            body, first_line = tail, ""  # the fence's first line is already code
        language = first_line.strip()
        code = body.split(FENCE, 1)[0]
        code = code.removesuffix("\n")
    return ParsedMessage(words=tuple(split_words(head)), code=code, code_language=language)


def split_words(text: str) -> list[str]:
    """Shell-like words (quotes group words); unbalanced quotes fall back to plain spaces."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()
