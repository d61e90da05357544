"""The Discord adapter: `!d2l` messages, the `/d2l` command group, buttons and outbox
delivery, through discord.py.

The names load on first use, so the CLI can register `bench discord` without importing
discord.py and the whole bot.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.platforms.discord_bot._client import StudyClient, intents
    from bot.platforms.discord_bot._platform import DiscordPlatform, DiscordStartError
    from bot.platforms.discord_bot._render import DiscordMessage, render
    from bot.platforms.discord_bot._sender import DiscordSender

__all__ = [
    "DiscordMessage",
    "DiscordPlatform",
    "DiscordSender",
    "DiscordStartError",
    "StudyClient",
    "intents",
    "render",
]
_HOMES = {
    "StudyClient": "_client",
    "intents": "_client",
    "DiscordPlatform": "_platform",
    "DiscordStartError": "_platform",
    "DiscordMessage": "_render",
    "render": "_render",
    "DiscordSender": "_sender",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
