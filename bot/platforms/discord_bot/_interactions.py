"""Answering interactions (the `/d2l` subcommands and button clicks) within Discord's 3 seconds.

A reply that is ready within `ack_after` seconds is sent as the interaction's response, with
its own visibility. A slower one is deferred ("thinking…") and sent as a followup; if that
reply is private but the placeholder was public, the placeholder is deleted and the reply
follows as an ephemeral message (the first followup would otherwise inherit the public flag).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import discord

from bot.platforms.discord_bot._render import DEFAULT_PREFIX, render
from handlers.types import Reply

log = logging.getLogger(__name__)

# Discord drops an interaction not answered within 3 s; leave room for the round trip.
ACK_AFTER = 1.5


async def answer(
    interaction: discord.Interaction[Any],
    work: Awaitable[list[Reply]],
    *,
    private: bool = False,
    ack_after: float = ACK_AFTER,
) -> None:
    """Run `work` and send its replies; `private` makes every reply ephemeral."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=ack_after)
    deferred = task not in done
    if deferred:
        await interaction.response.defer(thinking=True, ephemeral=private)
    replies = await task or [Reply(text="Done.", ephemeral=True)]
    prefix = getattr(interaction.client, "prefix", DEFAULT_PREFIX)  # for the command hints
    for index, reply in enumerate(replies):
        if reply.replaces_source:  # a live question's count: edit the card the control is on
            await _update_source(interaction, reply, prefix)
            continue
        message = render(reply, prefix=prefix)
        ephemeral = private or reply.ephemeral
        if index == 0 and not deferred:
            await interaction.response.send_message(**message.kwargs(), ephemeral=ephemeral)
            continue
        if index == 0 and ephemeral and not private:
            await interaction.delete_original_response()
        await interaction.followup.send(**message.kwargs(), ephemeral=ephemeral, wait=True)


async def _update_source(interaction: discord.Interaction[Any], reply: Reply, prefix: str) -> None:
    """Edit the message whose control sent the command; nothing when there is none."""
    source = interaction.message
    if source is None:
        return
    kwargs = render(reply, prefix=prefix).kwargs()
    kwargs.pop("files", None)
    try:
        await source.edit(**kwargs)
    except discord.HTTPException:
        log.exception("could not update message %s", source.id)
