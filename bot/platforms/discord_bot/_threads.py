"""A session's thread on Discord: a public thread opened on the announcement message. Such a
thread has the message's id, so opening it again after a restart finds the same one."""

from __future__ import annotations

from typing import Literal

import discord

# "A thread has already been created for this message": it is there, with the message's id.
THREAD_ALREADY_CREATED = 160004
ARCHIVE_AFTER_MINUTES: Literal[10080] = (
    10080  # a week, Discord's longest: sessions are a week or two apart
)


async def session_thread(
    client: discord.Client, channel_id: int, message_id: int, name: str
) -> discord.PartialMessageable:
    """The thread on `message_id`, opened now if nobody opened it yet."""
    try:
        await client.http.start_thread_with_message(
            channel_id,
            message_id,
            name=name or "Session",
            auto_archive_duration=ARCHIVE_AFTER_MINUTES,
            rate_limit_per_user=None,
        )
    except discord.HTTPException as exc:
        if exc.code != THREAD_ALREADY_CREATED:
            raise
    return client.get_partial_messageable(message_id, type=discord.ChannelType.public_thread)
