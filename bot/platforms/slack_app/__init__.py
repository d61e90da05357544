"""The Slack adapter: `/d2l` over HTTP or Socket Mode, Block Kit replies, outbox delivery."""

from bot.platforms.slack_app._platform import SlackPlatform
from bot.platforms.slack_app._render import SlackMessage, escape, render
from bot.platforms.slack_app._sender import SlackSender

__all__ = ["SlackMessage", "SlackPlatform", "SlackSender", "escape", "render"]
