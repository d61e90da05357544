"""The Discord adapter: `!d2l` messages, the `/d2l` command, buttons and outbox delivery,
through discord.py."""

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
