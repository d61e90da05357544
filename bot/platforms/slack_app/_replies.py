"""Answering one interaction (slash command, button, modal, DM) after it has been acked."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack_app._clients import Clients
from bot.platforms.slack_app._render import SlackMessage, render
from handlers.types import Reply, ReplyFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Destination:
    """Where the answers to one interaction go."""

    client: AsyncWebClient  # carries the workspace's bot token
    channel_id: str
    user_id: str
    response_url: str | None = None
    is_direct: bool = False
    # A button in a private (ephemeral) message: the first private answer replaces it.
    replace_original: bool = False
    # A control on a public message: the response_url that can replace that message (for
    # replies marked `replaces_source`, such as a live question's answer count).
    source_url: str | None = None


async def deliver(clients: Clients, dest: Destination, replies: Sequence[Reply]) -> None:
    """Send each reply; a failure of one is logged and doesn't stop the others."""
    for index, reply in enumerate(replies):
        if reply.replaces_source:
            await _replace_source(clients, dest, reply)
            continue
        message = render(reply)
        replace = dest.replace_original and index == 0 and reply.ephemeral
        try:
            await _post(clients, dest, reply, message, replace=replace)
            if message.files:
                await upload(dest.client, dest, message.files, private=reply.ephemeral)
        except Exception:
            log.exception("could not deliver a reply in channel %s", dest.channel_id)


async def _replace_source(clients: Clients, dest: Destination, reply: Reply) -> None:
    """Replace the public message a control was on; nothing when there is none."""
    if not dest.source_url:
        return
    message = render(reply)
    body = {
        "response_type": "in_channel",
        "replace_original": True,
        "text": message.text,
        "blocks": message.blocks,
    }
    try:
        await clients.webhook(dest.source_url).send_dict(body)
    except Exception:
        log.exception("could not update the message in channel %s", dest.channel_id)


async def _post(
    clients: Clients, dest: Destination, reply: Reply, message: SlackMessage, *, replace: bool
) -> None:
    # A response_url works in any conversation, even ones the bot isn't a member of.
    if dest.response_url:
        body: dict[str, Any] = {
            "response_type": "ephemeral" if reply.ephemeral else "in_channel",
            "text": message.text,
            "blocks": message.blocks,
            "replace_original": replace,
        }
        response = await clients.webhook(dest.response_url).send_dict(body)
        if response.status_code == 200:
            return
        log.warning("response_url answered %s: %s", response.status_code, response.body)
    if dest.is_direct:
        await dest.client.chat_postMessage(
            channel=dest.channel_id, text=message.text, blocks=message.blocks, unfurl_links=False
        )
    elif reply.ephemeral:
        await dest.client.chat_postEphemeral(
            channel=dest.channel_id, user=dest.user_id, text=message.text, blocks=message.blocks
        )
    else:
        await dest.client.chat_postMessage(
            channel=dest.channel_id, text=message.text, blocks=message.blocks, unfurl_links=False
        )


async def upload(
    client: AsyncWebClient, dest: Destination, files: Sequence[ReplyFile], *, private: bool
) -> None:
    """Files can't be ephemeral: private ones go to the member's DM, others to the channel
    (or the DM as well if the bot isn't in that channel)."""
    channel = dest.channel_id
    if private and not dest.is_direct:
        channel = await open_dm(client, dest.user_id)
    try:
        await upload_files(client, channel, files)
    except SlackApiError as exc:
        if channel == dest.channel_id and not dest.is_direct:
            log.info("uploading to %s failed (%s): sending to the DM", channel, exc)
            await upload_files(client, await open_dm(client, dest.user_id), files)
        else:
            raise


async def upload_files(client: AsyncWebClient, channel: str, files: Sequence[ReplyFile]) -> None:
    await client.files_upload_v2(
        channel=channel,
        file_uploads=[{"filename": f.name, "content": f.content, "title": f.name} for f in files],
    )


async def open_dm(client: AsyncWebClient, user_id: str) -> str:
    response = await client.conversations_open(users=user_id)
    channel: dict[str, Any] = response["channel"]
    return str(channel["id"])
