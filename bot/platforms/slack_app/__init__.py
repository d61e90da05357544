"""The Slack adapter: `/d2l` over HTTP or Socket Mode, Block Kit replies, outbox delivery.

The names load on first use, so the CLI can register `bench slack` without importing
slack-bolt and the whole bot.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.platforms.slack_app._platform import SlackPlatform
    from bot.platforms.slack_app._render import SlackMessage, escape, render
    from bot.platforms.slack_app._sender import SlackSender

__all__ = ["SlackMessage", "SlackPlatform", "SlackSender", "escape", "render"]
_HOMES = {
    "SlackPlatform": "_platform",
    "SlackMessage": "_render",
    "escape": "_render",
    "render": "_render",
    "SlackSender": "_sender",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
