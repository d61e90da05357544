"""Gateway and REST payloads for the fake Discord, typed with discord.py's own TypedDicts
(`discord/types/*`): `mypy tests/discord` catches a fake drifting from the real shapes."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only shapes for mypy; importing them at run time hits a cycle
    from discord.types.appinfo import AppInfo
    from discord.types.channel import DMChannel, TextChannel
    from discord.types.gateway import ReadyEvent
    from discord.types.guild import Guild
    from discord.types.interactions import (
        ApplicationCommandInteraction,
        MessageComponentInteraction,
    )
    from discord.types.member import Member
    from discord.types.message import Attachment, Message
    from discord.types.role import Role
    from discord.types.user import User

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "100000000000000001"
CHANNEL_ID = "200000000000000001"
ALICE_ID = "300000000000000001"
BOB_ID = "300000000000000002"

_ids = itertools.count(500_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def user(user_id: str, name: str, *, bot: bool = False) -> User:
    return {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "avatar": None,
        "global_name": name.title(),
        "bot": bot,
    }


BOT_USER = user(BOT_ID, "studybot", bot=True)


def member(joined: str | None = None) -> Member:
    return {"roles": [], "joined_at": joined or now_iso(), "deaf": False, "mute": False, "flags": 0}


def app_info() -> AppInfo:
    return {
        "id": APP_ID,
        "name": "studybot",
        "description": "",
        "icon": None,
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user("1", "owner"),
        "summary": "",
        "verify_key": "0" * 64,
        "flags": 1 << 19,  # GATEWAY_MESSAGE_CONTENT
    }


def ready(session_id: str, resume_url: str) -> ReadyEvent:
    return {
        "v": 10,
        "user": BOT_USER,
        "guilds": [{"id": GUILD_ID, "unavailable": True}],
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "shard": [0, 1],
        "application": {"id": APP_ID, "flags": 1 << 19},
    }


def everyone_role() -> Role:
    return {
        "id": GUILD_ID,
        "name": "@everyone",
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "position": 0,
        "permissions": str((1 << 11) | (1 << 10)),  # send and view messages
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel(channel_id: str = CHANNEL_ID, name: str = "study-group") -> TextChannel:
    return {
        "id": channel_id,
        "name": name,
        "type": 0,
        "guild_id": GUILD_ID,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


def guild() -> Guild:
    return {
        "id": GUILD_ID,
        "name": "d2l study group",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "emojis": [],
        "stickers": [],
        "features": [],
        "description": None,
        "incidents_data": None,
        "owner_id": ALICE_ID,
        "region": "",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [everyone_role()],
        "mfa_level": 0,
        "nsfw_level": 0,
        "application_id": None,
        "system_channel_id": CHANNEL_ID,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "banner": None,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "stage_instances": [],
        "guild_scheduled_events": [],
        "member_count": 3,
        "channels": [text_channel()],
        "members": [],
        "threads": [],
    }


def dm_channel(channel_id: str, recipient: User) -> DMChannel:
    return {
        "id": channel_id,
        "name": "",
        "type": 1,
        "last_message_id": None,
        "recipients": [recipient],
    }


def attachment(name: str, url: str, size: int) -> Attachment:
    return {"id": snowflake(), "filename": name, "size": size, "url": url, "proxy_url": url}


def message(
    content: str,
    *,
    author: User,
    channel_id: str = CHANNEL_ID,
    guild_id: str | None = GUILD_ID,
    attachments: list[Attachment] | None = None,
    message_id: str | None = None,
    edited: bool = False,
) -> Message:
    payload: Message = {
        "id": message_id or snowflake(),
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": now_iso() if edited else None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }
    if guild_id is not None:
        payload["guild_id"] = guild_id
        payload["member"] = member()
    return payload


def _interaction_base(token: str, author: User, channel_id: str) -> dict[str, Any]:
    return {
        "id": snowflake(),
        "application_id": APP_ID,
        "token": token,
        "version": 1,
        "guild_id": GUILD_ID,
        "channel_id": channel_id,
        "channel": text_channel(channel_id),
        "member": {**member(), "user": author, "permissions": str((1 << 11) | (1 << 10))},
        "app_permissions": str((1 << 11) | (1 << 10)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,  # discord.py reads it unconditionally
    }


def slash(
    token: str,
    author: User,
    subcommand: str,
    options: dict[str, str | int],
    *,
    attachments: dict[str, Any] | None = None,
    autocomplete: str | None = None,
    channel_id: str = CHANNEL_ID,
) -> ApplicationCommandInteraction:
    """`/d2l SUBCOMMAND` with string and integer options (and attachment options resolved by
    id); `autocomplete` names the option being typed (its value is sent as typed, a string)."""
    opts: list[Any] = []
    for name, value in options.items():
        if name == autocomplete:
            kind = 4 if isinstance(value, int) else 3
            opts.append({"name": name, "type": kind, "value": str(value), "focused": True})
        else:
            opts.append({"name": name, "type": 4 if isinstance(value, int) else 3, "value": value})
    sub: dict[str, Any] = {"name": subcommand, "type": 1, "options": opts}
    data: dict[str, Any] = {"id": snowflake(), "name": "d2l", "type": 1, "options": [sub]}
    if attachments:
        opts += [{"name": name, "type": 11, "value": a["id"]} for name, a in attachments.items()]
        data["resolved"] = {"attachments": {a["id"]: a for a in attachments.values()}}
    payload: ApplicationCommandInteraction = {
        **_interaction_base(token, author, channel_id),  # type: ignore[typeddict-item]
        "type": 4 if autocomplete else 2,
        "data": data,
    }
    return payload


def run(
    token: str,
    author: User,
    text: str,
    *,
    attachments: dict[str, Any] | None = None,
    autocomplete: bool = False,
    channel_id: str = CHANNEL_ID,
    code: str | None = None,
) -> ApplicationCommandInteraction:
    """`/d2l run text: TEXT`: any command text, as after `!d2l`."""
    return slash(
        token,
        author,
        "run",
        {"text": text, **({"code": code} if code is not None else {})},
        attachments=attachments,
        autocomplete="text" if autocomplete else None,
        channel_id=channel_id,
    )


def button_click(
    token: str, author: User, custom_id: str, clicked: dict[str, Any]
) -> MessageComponentInteraction:
    """A click on a button of `clicked` (a message the fake recorded)."""
    payload: MessageComponentInteraction = {
        **_interaction_base(token, author, str(clicked["channel_id"])),  # type: ignore[typeddict-item]
        "type": 3,
        "data": {"custom_id": custom_id, "component_type": 2},
        "message": clicked,
    }
    return payload
