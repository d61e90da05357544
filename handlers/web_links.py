"""`d2l web`: private links to the member's page and the organizer dashboard (issue 17).

A link carries the member, the identity that asked for it and the role it opens, plus its
expiry, signed with a key kept in the database (so every process signs and checks alike).
Altering any part breaks the signature; the web pages also check that the identity still
belongs to the member and, for the dashboard, that they are still an organizer.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.context import Context, UsageError
from handlers.router import Command, Router
from handlers.types import Reply
from models.web_tables import WebKey

LINK_LIFETIME = dt.timedelta(hours=24)
MEMBER, ORGANIZER = "member", "organizer"
SALT = "studybot-web-link"
KEY_ID = 1  # one key: a fixed id makes two processes creating it at once collide, not fork


class LinkRefused(Exception):
    """A link that can't be opened; the message says why, for the visitor."""


@dataclass(frozen=True)
class LinkClaims:
    member_id: int
    role: str  # member | organizer
    platform: str
    workspace_id: str
    user_id: str
    expires: dt.datetime


def register(router: Router) -> None:
    router.add(
        Command(
            name="web",
            usage="web",
            summary="a private link to your page on the web (and organizers' dashboard)",
            details="The link is valid for 24 hours and only for you: it opens your progress, "
            "your work session by session and your certificate. Organizers also get a link to "
            "the dashboard. Ask again for a fresh link.",
            handler=web,
        )
    )


# Without a public address the links name this machine: say so rather than hand out links
# that only work on the bot's own host (or, in a console run with the pages off, nowhere).
NO_PUBLIC_URL = (
    "Note: the web pages have no public address yet, so these links work only on the bot's "
    "own machine; an organizer sets STUDYBOT_PUBLIC_URL to the address they are served at."
)


async def web(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l web` takes no arguments.")
    lines = [f"Your page: {await member_link(ctx)}"]
    if ctx.is_organizer:
        lines.append(f"Organizer dashboard: {await signed_link(ctx, ORGANIZER)}")
    lines.append("These links are for you alone and work for 24 hours; `d2l web` makes new ones.")
    if ctx.services.settings.public_url is None:
        lines.append(NO_PUBLIC_URL)
    return Reply(text="\n".join(lines), ephemeral=True)


async def member_link(ctx: Context) -> str:
    return await signed_link(ctx, MEMBER)


async def signed_link(ctx: Context, role: str) -> str:
    """The URL of the member page (`member`) or the dashboard (`organizer`) for the caller."""
    inv = ctx.invocation
    claims = LinkClaims(
        member_id=ctx.member.id,
        role=role,
        platform=inv.platform,
        workspace_id=inv.workspace_id,
        user_id=inv.user_id,
        expires=ctx.now + LINK_LIFETIME,
    )
    token = make_token(await web_secret(ctx.db, ctx.now), claims)
    path = "organize" if role == ORGANIZER else "me"
    return f"{public_base(ctx.services.settings)}/{path}/{token}"


def public_base(settings: Settings) -> str:
    """Where the pages are reached from outside: STUDYBOT_PUBLIC_URL, else this machine."""
    return settings.public_url or f"http://localhost:{settings.port}"


async def web_secret(db: AsyncSession, now: dt.datetime) -> str:
    """The signing key, made on first use."""
    found = await db.scalar(select(WebKey.secret).where(WebKey.id == KEY_ID))
    if found is not None:
        return found
    try:
        async with db.begin_nested():
            db.add(WebKey(id=KEY_ID, secret=secrets.token_urlsafe(48), created_at=now))
    except IntegrityError:  # another process made it first: use theirs
        pass
    secret = await db.scalar(select(WebKey.secret).where(WebKey.id == KEY_ID))
    assert secret is not None
    return secret


def make_token(secret: str, claims: LinkClaims) -> str:
    payload = {
        "m": claims.member_id,
        "r": claims.role,
        "i": [claims.platform, claims.workspace_id, claims.user_id],
        "x": int(claims.expires.timestamp()),
    }
    return str(URLSafeSerializer(secret, salt=SALT).dumps(payload))


def read_token(secret: str, token: str, now: dt.datetime) -> LinkClaims:
    """The claims of a link made with `secret`; LinkRefused if altered, malformed or expired."""
    try:
        payload: Any = URLSafeSerializer(secret, salt=SALT).loads(token)
        member_id, role, identity, expiry = (payload["m"], payload["r"], payload["i"], payload["x"])
        platform, workspace_id, user_id = (str(part) for part in identity)
        expires = dt.datetime.fromtimestamp(int(expiry), tz=dt.UTC)
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkRefused("This link is not valid. Ask the bot for a new one: `d2l web`.") from exc
    if role not in (MEMBER, ORGANIZER) or not isinstance(member_id, int):
        raise LinkRefused("This link is not valid. Ask the bot for a new one: `d2l web`.")
    if expires <= now:
        raise LinkRefused(
            "This link has expired (links work for 24 hours): `d2l web` makes a new one."
        )
    return LinkClaims(member_id, role, platform, workspace_id, user_id, expires)
