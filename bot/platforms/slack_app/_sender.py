"""Outbox delivery to Slack channels and direct messages."""

from __future__ import annotations

from bot.platforms.slack_app._clients import Clients
from bot.platforms.slack_app._render import render
from bot.platforms.slack_app._replies import open_dm, upload_files
from handlers.types import Reply
from models.tables import OutboxMessage


class SlackSender:
    """`chat.postMessage` to `message.target` (a channel, or a user's DM when `direct`).

    A 429 is waited out once (the client's retry handler honours `Retry-After`); anything else
    raises, and the dispatcher retries the row with backoff.
    """

    def __init__(self, clients: Clients) -> None:
        self.clients = clients

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        client = await self.clients.for_team(message.workspace_id)
        channel = await open_dm(client, message.target) if direct else message.target
        rendered = render(reply)
        response = await client.chat_postMessage(
            channel=channel,
            text=rendered.text,
            blocks=rendered.blocks,
            unfurl_links=False,
            # A session's thread: replies to its announcement (issue 16).
            thread_ts=(message.payload or {}).get("thread"),
        )
        if rendered.files:
            await upload_files(client, channel, rendered.files)
        ts = response.get("ts")
        return str(ts) if ts else None
