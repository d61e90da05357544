"""The group's GitHub repository (issue 20): Discussions for session announcements, a
comment per recording, and the schedule file, all delivered from the outbox."""

from bot.github._client import GitHubClient, rate_limit_wait
from bot.github._publisher import GitHubPublisher
from bot.github._render import marker, to_markdown
from bot.github._sender import GitHubSender

__all__ = [
    "GitHubClient",
    "GitHubPublisher",
    "GitHubSender",
    "marker",
    "rate_limit_wait",
    "to_markdown",
]
