"""`d2l name "Full Name"`: the name printed on the member's certificate (issue 21)."""

from __future__ import annotations

import unicodedata

from handlers.context import Context, Refused
from handlers.types import Reply
from models.tables import Member

MAX_NAME = 100  # members.certificate_name


async def certificate_name(ctx: Context) -> str:
    return await name_of(ctx, ctx.member.id)


async def name_of(ctx: Context, member_id: int) -> str:
    """What a member's certificate says: the name they set, else their display name."""
    member = await ctx.db.get(Member, member_id)
    assert member is not None
    return member.certificate_name or member.display_name


async def set_name(ctx: Context) -> str:
    """Shows, sets (`name Jürgen Müller`) or clears (`name -`) the certificate name."""
    wanted = " ".join(ctx.args).strip()
    if not wanted:
        return f"Your certificate will read: {await certificate_name(ctx)}."
    member = await ctx.db.get(Member, ctx.member.id)
    assert member is not None
    if wanted == "-":
        member.certificate_name = None
        return f"Cleared: your certificate will read your display name, {member.display_name}."
    if len(wanted) > MAX_NAME or any(unicodedata.category(c) == "Cc" for c in wanted):
        raise Refused(f"A name is one line of at most {MAX_NAME} characters.")
    member.certificate_name = wanted
    return (
        f"Your certificate will read: {wanted}. A certificate already issued keeps the name it "
        "was issued with."
    )


async def name_command(ctx: Context) -> Reply:
    return Reply(text=await set_name(ctx), ephemeral=True)
