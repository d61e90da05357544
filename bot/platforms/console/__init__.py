"""The console adapter: how a newcomer meets the bot, and how tests script it."""

from bot.platforms.console._adapter import ConsoleAdapter
from bot.platforms.console._render import render_plain
from bot.platforms.console._script import ConsoleMessage, ScriptReader, read_script

__all__ = ["ConsoleAdapter", "ConsoleMessage", "ScriptReader", "read_script", "render_plain"]
