"""GitHub beside the chat platforms of a process: the runner starts it, the dispatcher
delivers its outbox rows through its sender."""

from __future__ import annotations

from bot.delivery import Sender
from bot.github._client import GitHubClient
from bot.github._sender import GitHubSender
from handlers.context import Services
from handlers.github_sync import PLATFORM, apply_settings


class GitHubPublisher:
    """Publishes to `STUDYBOT_GITHUB_REPO` (only built when a token is set)."""

    name = PLATFORM

    def __init__(self, services: Services) -> None:
        settings = services.settings
        assert settings.github_token is not None and settings.github_repo is not None
        self.services = services
        self.client = GitHubClient(
            settings.github_api_url, settings.github_token.get_secret_value(), settings.github_repo
        )
        self._sender = GitHubSender(services, self.client, settings.github_category)
        self._started = False

    async def start(self) -> None:
        """Nothing to connect: GitHub is called when there is something to publish."""
        await apply_settings(self.services)
        self._started = True

    async def stop(self) -> None:
        await self.client.close()
        self._started = False

    def connected(self) -> bool:
        return self._started

    def sender(self) -> Sender:
        return self._sender
