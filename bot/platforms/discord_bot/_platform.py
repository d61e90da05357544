"""`DiscordPlatform`: log in, connect the gateway in the background, hand out the sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app import App
from bot.platforms.base import PlatformStartError
from bot.platforms.discord_bot._client import StudyClient
from bot.platforms.discord_bot._interactions import ACK_AFTER
from bot.platforms.discord_bot._sender import DiscordSender
from bot.settings import Settings

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0
DRAIN_TIMEOUT = 10.0  # how long stop() waits for answers in progress
PORTAL = "https://discord.com/developers/applications"


class DiscordStartError(PlatformStartError):
    """The bot could not connect; the message says what to fix."""


class DiscordPlatform:
    """The Discord gateway connection of one process (one shard: run one of these)."""

    name = "discord"

    def __init__(
        self,
        app: App,
        settings: Settings,
        *,
        ready_timeout: float = READY_TIMEOUT,
        guild_ready_timeout: float = 2.0,
        ack_after: float = ACK_AFTER,
    ) -> None:
        self.settings = settings
        self.ready_timeout = ready_timeout
        self.client = StudyClient(
            app,
            prefix=settings.discord_prefix,
            guild_ready_timeout=guild_ready_timeout,
            ack_after=ack_after,
            members_intent=settings.discord_members_intent,
        )
        self._task: asyncio.Task[None] | None = None
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)

    async def start(self) -> None:
        """Log in, connect, and return once the gateway is READY."""
        if self.settings.discord_token is None:
            raise DiscordStartError("DISCORD_TOKEN is not set (see docs/discord.md).")
        # discord.py reads both from class attributes: the only way to point it elsewhere.
        Route.BASE = self.settings.discord_api_url.rstrip("/")
        try:
            await self.client.login(self.settings.discord_token.get_secret_value())
            gateway = self.settings.discord_gateway_url
            if gateway is None:
                _, gateway, _ = await self.client.http.get_bot_gateway()
        except discord.LoginFailure as exc:
            await self._close()
            raise DiscordStartError(
                f"Discord rejected DISCORD_TOKEN: copy the bot token again from {PORTAL} "
                "(Bot → Reset Token)."
            ) from exc
        except (
            discord.HTTPException,
            discord.GatewayNotFound,
            aiohttp.ClientError,
            OSError,
        ) as exc:
            await self._close()
            raise DiscordStartError(
                f"could not reach Discord's API at {Route.BASE} ({exc}): check this host's "
                "network and firewall (or STUDYBOT_DISCORD_API_URL)"
            ) from exc
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        self._task.add_done_callback(_report_end)
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {self._task, ready}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready in done:
            log.info("connected to Discord as %s", self.client.user)
            return
        ready.cancel()
        failure = self._task.exception() if self._task in done else None
        await self.stop()
        raise DiscordStartError(_explain(failure, self.ready_timeout)) from failure

    async def stop(self) -> None:
        """Let the answers in progress go out, then close the gateway and the HTTP session."""
        if self._task is not None:
            await self.client.drain(DRAIN_TIMEOUT)
        await self._close()
        if self._task is not None:
            # close() already said goodbye on the socket; the loop may still sleep in a
            # reconnect backoff. Event handlers run in tasks of their own and go on.
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved

    def connected(self) -> bool:
        # discord.py clears "ready" while it reconnects and sets it again on READY/RESUMED.
        return self.client.is_ready() and not self.client.is_closed()

    def sender(self) -> DiscordSender:
        return DiscordSender(self.client)

    async def _close(self) -> None:
        if not self.client.is_closed():
            await self.client.close()


def _report_end(task: asyncio.Task[None]) -> None:
    """discord.py reconnects by itself; if its loop still ends, say so loudly."""
    if not task.cancelled() and task.exception() is not None:
        log.error("the Discord gateway connection ended", exc_info=task.exception())


def _explain(failure: BaseException | None, timeout: float) -> str:
    if isinstance(failure, discord.PrivilegedIntentsRequired):
        return (
            "Discord refused a privileged intent: turn on 'Message Content Intent' and "
            f"'Server Members Intent' under Bot → Privileged Gateway Intents at {PORTAL} "
            "(see docs/discord.md), or set STUDYBOT_DISCORD_MEMBERS_INTENT=false to run "
            "without welcoming people who join the server."
        )
    if isinstance(failure, discord.ConnectionClosed):
        return f"the Discord gateway closed the connection (code {failure.code})."
    if failure is not None:
        return f"the Discord gateway connection failed: {type(failure).__name__}: {failure}"
    return f"the Discord gateway did not become ready within {timeout:g} s."
