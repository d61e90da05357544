"""Outbox delivery to Discord channels and direct messages."""

from __future__ import annotations

import discord

from bot.platforms.discord_bot._events import ScheduledEvents
from bot.platforms.discord_bot._render import DEFAULT_PREFIX, render
from bot.platforms.discord_bot._threads import session_thread
from handlers.context import Services
from handlers.types import Reply
from models.tables import OutboxMessage


class DiscordSender:
    """Sends one outbox row as one message. The row id is the message's nonce and
    discord.py sets `enforce_nonce`, so Discord drops a retried send that already went
    through. Failures (including a 429 longer than the client waits) raise: the
    dispatcher retries with backoff."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.events = ScheduledEvents(client)

    async def reconcile(self, services: Services) -> int:
        """The servers' scheduled events, in line with the sessions (run by the dispatcher
        after each sweep's deliveries)."""
        return await self.events.reconcile(services)

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        channel: discord.abc.Messageable
        if direct:
            # POST /users/@me/channels (cached by discord.py after the first time).
            channel = await self.client.create_dm(discord.Object(int(message.target)))
        elif thread := (message.payload or {}).get("thread"):  # a session's thread (issue 16)
            name = str(message.payload.get("thread_name", ""))
            channel = await session_thread(self.client, int(message.target), int(thread), name)
        else:
            channel = self.client.get_partial_messageable(int(message.target))
        prefix = getattr(self.client, "prefix", DEFAULT_PREFIX)
        sent = await channel.send(**render(reply, prefix=prefix).kwargs(), nonce=str(message.id))
        return str(sent.id)
