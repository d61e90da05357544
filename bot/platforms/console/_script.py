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
# `d2l submit NAME` alone on a line: its code may follow in a fence on the next line.
_BARE_SUBMIT = re.compile(r"^\s*(?:[/!]?d2l\s+)?submit\s+\S+\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ConsoleMessage:
    sender: str | None  # None: the current member
    text: str


class ScriptReader:
    """Feed lines one at a time; complete messages come out of `feed` and `finish`."""

    def __init__(self) -> None:
        self._sender: str | None = None
        self._lines: list[str] = []
        self._held: ConsoleMessage | None = None  # a bare submit, waiting for its code

    @property
    def pending(self) -> bool:
        """A fenced block is open (or a submit waits for its code block)."""
        return bool(self._lines) or self._held is not None

    @property
    def awaiting_code(self) -> bool:
        return self._held is not None

    def feed(self, line: str) -> list[ConsoleMessage]:
        """Messages completed by this line (none, one, or a held submit plus this line's)."""
        line = line.rstrip("\r\n")
        done: list[ConsoleMessage] = []
        if self._held is not None:
            held, self._held = self._held, None
            if line.lstrip().startswith("```"):
                self._sender, self._lines = held.sender, [held.text]
            else:
                done.append(held)
        if not self._lines:
            self._sender, line = split_sender(line)
        self._lines.append(line)
        text = "\n".join(self._lines)
        if text.count("```") % 2 == 1:
            return done
        message = self._flush()
        if _BARE_SUBMIT.match(message.text):
            self._held = message
            return done
        return [*done, message]

    def finish(self) -> ConsoleMessage | None:
        """End of input: an unclosed fence or a held submit still delivers what was typed."""
        if self._lines:
            return self._flush()
        held, self._held = self._held, None
        return held

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
        yield from reader.feed(line)
    last = reader.finish()
    if last is not None:
        yield last
