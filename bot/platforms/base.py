"""What a chat platform adapter offers the runner: start, stop, and a sender for the outbox."""

from __future__ import annotations

from typing import Protocol

from bot.delivery import Sender


class PlatformStartError(RuntimeError):
    """A platform cannot start as configured; the message is one sentence saying what to
    fix (`studybot` prints it instead of a traceback)."""


class Platform(Protocol):
    """A connected chat platform (Slack, Discord). The console is driven differently."""

    name: str  # the `platform` value of its invocations and outbox rows

    async def start(self) -> None:
        """Connect or start serving; return once ready (raise with a clear message if not)."""
        ...

    async def stop(self) -> None:
        """Disconnect gracefully; in-flight replies finish."""
        ...

    def connected(self) -> bool:
        """Whether it can receive and send right now (`GET /healthz`)."""
        ...

    def sender(self) -> Sender:
        """Delivers outbox messages to this platform's channels and direct messages."""
        ...
