"""`d2l link` and `d2l unlink`: one person, one member, across Slack, Discord and the console.

`d2l link` gives a one-time code (8 characters of Crockford base32: 40 bits) that expires in
15 minutes. Entering it with `d2l link CODE` on another platform merges the two members into
one, with their history combined (see models.merge). Only a hash of the code is stored. A
member who enters 5 wrong, used or expired codes within 15 minutes must wait: with 40 bits,
guessing a live code is hopeless even across many accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, func, select, update

from handlers.context import Context, UsageError
from handlers.router import Command, Router
from handlers.types import Reply
from models.merge import merge_members, split_identity
from models.progress_tables import LinkCode, LinkFailure
from models.tables import Identity, Member

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
LOOK_ALIKES = str.maketrans("OIL", "011")
CODE_CHARS = 8
CODE_TTL = dt.timedelta(minutes=15)
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES = 5

PLATFORM_NAMES = {"slack": "Slack", "discord": "Discord", "console": "the console"}


def register(router: Router) -> None:
    router.add(
        Command(
            name="link",
            usage="link [CODE]",
            summary="joins your accounts on Slack and Discord into one member",
            details="Say `d2l link` on one platform to get a one-time code (valid 15 minutes), "
            "then `d2l link CODE` on the other. Your work, quiz answers and RSVPs are combined "
            "and the best scores count. `d2l unlink` separates them again.",
            handler=link,
            group="Your account",
            examples=("link", "link 7KQ2-M9XD"),
        )
    )
    router.add(
        Command(
            name="unlink",
            usage="unlink",
            summary="separates the account you're using from your other linked accounts",
            details="The account you say it from becomes a member of its own; the history "
            "recorded so far stays with your other account(s).",
            handler=unlink,
            group="Your account",
        )
    )


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    return f"{raw[:4]}-{raw[4:]}"


def code_hash(code: str) -> str:
    raw = code.upper().replace("-", "").replace(" ", "").translate(LOOK_ALIKES)
    return hashlib.sha256(raw.encode()).hexdigest()


async def link(ctx: Context) -> Reply:
    if not ctx.args:
        return await _issue(ctx)
    if len(ctx.args) != 1:
        raise UsageError("Give just the code, like `d2l link 7KQ2-M9XD`.")
    return await _redeem(ctx, ctx.args[0])


async def _current_identity(ctx: Context) -> Identity:
    inv = ctx.invocation
    identity = await ctx.db.scalar(
        select(Identity).where(
            Identity.platform == inv.platform,
            Identity.workspace_id == inv.workspace_id,
            Identity.user_id == inv.user_id,
        )
    )
    assert identity is not None  # the router created it
    return identity


async def _issue(ctx: Context) -> Reply:
    identity = await _current_identity(ctx)
    # A new code replaces the member's unused ones.
    await ctx.db.execute(
        delete(LinkCode).where(LinkCode.member_id == ctx.member.id, LinkCode.used_at.is_(None))
    )
    code = new_code()
    ctx.db.add(
        LinkCode(
            code_hash=code_hash(code),
            member_id=ctx.member.id,
            identity_id=identity.id,
            created_at=ctx.now,
            expires_at=ctx.now + CODE_TTL,
        )
    )
    await ctx.db.flush()
    return Reply(
        title="🔗 Your link code",
        text=f"`{code}`\nOn your other platform, say `d2l link {code}` within "
        f"{CODE_TTL.seconds // 60} minutes. It works once. Keep it to yourself: whoever "
        "enters it joins your account.",
        ephemeral=True,
    )


async def _redeem(ctx: Context, typed: str) -> Reply:
    me = ctx.member.id
    since = ctx.now - FAILURE_WINDOW
    failures = list(
        await ctx.db.scalars(
            select(LinkFailure.at)
            .where(LinkFailure.member_id == me, LinkFailure.at > since)
            .order_by(LinkFailure.at)
        )
    )
    if len(failures) >= MAX_FAILURES:
        wait = failures[-MAX_FAILURES] + FAILURE_WINDOW - ctx.now
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        return _refused(
            f"Too many wrong link codes. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}."
        )
    found = await ctx.db.scalar(select(LinkCode).where(LinkCode.code_hash == code_hash(typed)))
    if found is not None and found.member_id == me:
        return _refused(
            "That code is for linking this account to another one: enter it on your other "
            "platform (Slack or Discord), not here."
        )
    problem = await _problem(ctx, found)
    if problem is not None or found is None:
        ctx.db.add(LinkFailure(member_id=me, at=ctx.now))
        await ctx.db.flush()
        left = MAX_FAILURES - len(failures) - 1
        return _refused(f"{problem} ({left} tries left in the next 15 minutes.)")
    claimed = await ctx.db.execute(
        update(LinkCode)
        .where(LinkCode.id == found.id, LinkCode.used_at.is_(None))
        .values(used_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return _refused("That code has just been used.")
    issuer = found.member_id
    survivor, absorbed = min(issuer, me), max(issuer, me)
    await merge_members(ctx.db, survivor, absorbed)
    member = await ctx.db.get(Member, survivor, populate_existing=True)
    assert member is not None
    platforms = await _platforms(ctx, survivor)
    return Reply(
        title="🔗 Accounts linked",
        text=f"You are one member now, {member.display_name}, on {platforms}. Your exercises, "
        "quiz answers, RSVPs and questions are combined, and the best scores count. "
        "`d2l unlink` separates this account again.",
        ephemeral=True,
    )


async def _problem(ctx: Context, found: LinkCode | None) -> str | None:
    """Why a code can't link this account, or None."""
    if found is None:
        return "That link code isn't valid. Check it, or ask for a new one with `d2l link`."
    if found.used_at is not None:
        return "That link code has already been used; ask for a new one with `d2l link`."
    if found.expires_at <= ctx.now:
        return "That link code has expired; ask for a new one with `d2l link`."
    # A person has one account per workspace: two accounts in one workspace are two people.
    theirs = await _workspaces(ctx, found.member_id)
    if theirs & await _workspaces(ctx, ctx.member.id):
        return (
            "That code belongs to another account in this same workspace, so it can't be "
            "yours: enter your own code from your other platform."
        )
    return None


async def _workspaces(ctx: Context, member_id: int) -> set[tuple[str, str]]:
    rows = await ctx.db.execute(
        select(Identity.platform, Identity.workspace_id).where(Identity.member_id == member_id)
    )
    return {(platform, workspace) for platform, workspace in rows}


async def _platforms(ctx: Context, member_id: int) -> str:
    names = await ctx.db.scalars(
        select(Identity.platform).where(Identity.member_id == member_id).distinct()
    )
    return " and ".join(sorted(PLATFORM_NAMES.get(p, p) for p in names))


async def unlink(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l unlink` takes no arguments.")
    count = await ctx.db.scalar(
        select(func.count()).select_from(Identity).where(Identity.member_id == ctx.member.id)
    )
    if (count or 0) < 2:
        return Reply(text="This account isn't linked to another one.", ephemeral=True)
    identity = await _current_identity(ctx)
    await split_identity(ctx.db, identity, ctx.now)
    where = PLATFORM_NAMES.get(identity.platform, identity.platform)
    return Reply(
        text=f"Unlinked: your account on {where} is a member of its own again. The history "
        "recorded so far stays with your other account; work done here now counts "
        "separately. `d2l link` joins them again.",
        ephemeral=True,
    )


def _refused(text: str) -> Reply:
    return Reply(text=text, ephemeral=True, is_error=True)
