"""Naming a person in a command: a platform mention or a platform id, never a display name
(anyone can take someone else's)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from handlers.context import Context, Refused
from models.members import DISCORD_ID, FIND_AN_ID, SLACK_ID, identity_key, member_for_identity
from models.tables import Identity

# Slack escapes mentions as <@U123|name> (or <@U123>); Discord writes <@123> or <@!123>.
_SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_DISCORD_MENTION = re.compile(r"<@!?(\d{15,22})>")


@dataclass(frozen=True)
class Mentioned:
    member_id: int
    name: str
    key: str  # the identity named, as in STUDYBOT_COHORT__ORGANIZERS
    keys: tuple[str, ...]  # every identity of that member


async def mentioned(ctx: Context, word: str, *, create: bool) -> Mentioned:
    """The member a mention or id names. With `create`, a person who hasn't talked to the
    bot yet gets a member record when the mention says where they are."""
    inv = ctx.invocation
    platform, workspace, user, name = _parse(inv.platform, inv.workspace_id, word)
    query = select(Identity).where(Identity.platform == platform, Identity.user_id == user)
    if platform != "discord":  # Discord ids are global; a Discord member has one per server
        query = query.where(Identity.workspace_id == workspace)
    identity = await ctx.db.scalar(query.order_by(Identity.id).limit(1))
    if identity is None:
        if not create or workspace is None:
            raise Refused(
                f"{word} hasn't talked to the bot yet. Mention them where they are, or ask "
                "them to send `d2l help` first."
            )
        member = await member_for_identity(
            ctx.db,
            platform=platform,
            workspace_id=workspace,
            user_id=user,
            display_name=name or user,
            now=ctx.now,
        )
        member_id, shown = member.id, member.display_name
    else:
        member_id, shown = identity.member_id, identity.display_name
    identities = await ctx.db.scalars(select(Identity).where(Identity.member_id == member_id))
    keys = tuple(identity_key(i.platform, i.workspace_id, i.user_id) for i in identities)
    key = identity_key(platform, workspace or "", user)
    return Mentioned(member_id=member_id, name=shown, key=key, keys=keys)


def _parse(platform: str, workspace: str, word: str) -> tuple[str, str | None, str, str]:
    """(platform, workspace or None when unknown, user id, name if the mention carries one)."""
    if platform == "slack" and (found := _SLACK_MENTION.fullmatch(word)):
        return "slack", workspace, found[1], found[2] or ""
    if platform == "discord" and (found := _DISCORD_MENTION.fullmatch(word)):
        return "discord", workspace, found[1], ""
    if found := SLACK_ID.fullmatch(word):
        return "slack", found[1].upper(), found[2].upper(), ""
    if found := DISCORD_ID.fullmatch(word):
        return "discord", workspace if platform == "discord" else None, found[1], ""
    if platform == "console":  # console names are the identities themselves
        user = word.removeprefix("console:").removeprefix("@")
        if user:
            return "console", workspace, user, user
    raise Refused(
        f"`{word}` isn't a mention or a platform id. Mention the person (type @ and pick them) "
        f"or give their id: slack:T…:U… or discord:… — {FIND_AN_ID}"
    )
