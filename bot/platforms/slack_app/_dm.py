"""Direct messages: commands typed to the bot, and `.py`/`.ipynb` files sent with `submit NAME`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack_app._render import unescape
from bot.platforms.slack_app._replies import Destination, deliver
from handlers.parsing import strip_prefix
from handlers.types import Attachment, Invocation, Reply
from quizzes.exercises.reader import MAX_FILE_BYTES, check_file_name

if TYPE_CHECKING:
    from bot.platforms.slack_app._listeners import Bridge

log = logging.getLogger(__name__)


async def handle_direct_message(
    bridge: Bridge, client: AsyncWebClient, team_id: str, event: dict[str, Any]
) -> None:
    channel, user = str(event["channel"]), str(event["user"])
    text = unescape(str(event.get("text") or "")).strip()
    text = strip_prefix(text) or text  # "d2l next", "/d2l next" and "next" alike
    dest = Destination(client=client, channel_id=channel, user_id=user, is_direct=True)
    files = event.get("files") or []
    attachments: tuple[Attachment, ...] = ()
    if files:
        try:
            attachments = (await read_file(client, files[0]),)
        except ValueError as exc:
            await deliver(bridge.clients, dest, [Reply(text=str(exc), is_error=True)])
            return
    if not text.strip():
        return
    # Message events often carry the sender's profile; no users:read scope needed for a name.
    profile = event.get("user_profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or profile.get("name")
    invocation = Invocation(
        platform="slack",
        workspace_id=team_id,
        channel_id=channel,
        user_id=user,
        user_name=str(name or user),
        text=text,
        attachments=attachments,
        is_direct=True,
    )
    await deliver(bridge.clients, dest, await bridge.app.handle(invocation))


async def read_file(client: AsyncWebClient, file: dict[str, Any]) -> Attachment:
    """Download a shared `.py`/`.ipynb` file with the bot token; the handler reads it."""
    name = str(file.get("name") or "")
    check_file_name(name)  # an UnreadableSubmission is a ValueError, with its sentence
    if int(file.get("size") or 0) > MAX_FILE_BYTES:
        raise ValueError(f"`{name[:80]}` is too big (the limit is {MAX_FILE_BYTES // 1024} KB).")
    url = file.get("url_private_download") or file.get("url_private")
    if not url:
        raise ValueError(f"Slack didn't give me a way to download `{name[:80]}`.")
    headers = {"Authorization": f"Bearer {client.token}"}
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(str(url), headers=headers) as response,
    ):
        if response.status != 200:
            log.warning("downloading %s answered %s", name, response.status)
            raise ValueError(f"I couldn't download `{name[:80]}` (HTTP {response.status}).")
        data = await response.content.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"`{name[:80]}` is too big (the limit is {MAX_FILE_BYTES // 1024} KB).")
    return Attachment(name=name, content=data)
