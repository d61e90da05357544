"""Turning console input lines into messages.

A line is one message from the current member; `@name ` at the start of a line sends it as
member `name`; a message continues over the following lines while a ``` fence is open, so
code can follow a command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_SENDER = re.compile(r"@([A-Za-z0-9_.\-]{1,32})(?:\s+|$)")


@dataclass(frozen=True)
class ConsoleMessage:
    sender: str | None  # None: the current member
    text: str


class ScriptReader:
    """Feed lines one at a time; complete messages come out of `feed` and `finish`."""

    def __init__(self) -> None:
        self._sender: str | None = None
        self._lines: list[str] = []

    @property
    def pending(self) -> bool:
        """A fenced block is open and the message needs more lines."""
        return bool(self._lines)

    def feed(self, line: str) -> ConsoleMessage | None:
        line = line.rstrip("\r\n")
        if not self._lines:
            self._sender, line = split_sender(line)
        self._lines.append(line)
        text = "\n".join(self._lines)
        if text.count("```") % 2 == 1:
            return None
        return self._flush()

    def finish(self) -> ConsoleMessage | None:
        """End of input: an unclosed fence still delivers what was typed."""
        return self._flush() if self._lines else None

    def _flush(self) -> ConsoleMessage:
        message = ConsoleMessage(sender=self._sender, text="\n".join(self._lines))
        self._lines = []
        self._sender = None
        return message


def split_sender(line: str) -> tuple[str | None, str]:
    match = _SENDER.match(line)
    if match is None:
        return None, line
    return match.group(1), line[match.end() :]


def read_script(lines: Iterable[str]) -> Iterator[ConsoleMessage]:
    reader = ScriptReader()
    for line in lines:
        message = reader.feed(line)
        if message is not None:
            yield message
    last = reader.finish()
    if last is not None:
        yield last
