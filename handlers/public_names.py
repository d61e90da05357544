"""`d2l leaderboard public on|off [NAME]`: whether the public web leaderboard shows you by
a name you choose (default off: you appear there as "a member")."""

from __future__ import annotations

from sqlalchemy import delete, select

from handlers.context import Context, Refused, UsageError
from handlers.router import Command, Router
from handlers.types import Reply
from models.web_tables import PublicName

MAX_NAME = 40


def register(router: Router) -> None:
    router.add(
        Command(
            name="leaderboard public",
            usage="leaderboard public on|off [NAME]",
            summary="show you on the public web leaderboard by a name you choose, or not",
            details='Off by default: the web page lists you as "a member". `on` shows your '
            "display name, or the NAME you give; `off` hides it again. The chat leaderboard "
            "is unchanged.",
            handler=leaderboard_public,
            examples=(
                "leaderboard public on",
                "leaderboard public on Ada L.",
                "leaderboard public off",
            ),
        )
    )


async def leaderboard_public(ctx: Context) -> Reply:
    if not ctx.args or ctx.args[0].lower() not in ("on", "off"):
        raise UsageError("Say `on` (optionally with a name) or `off`.")
    mine = await ctx.db.scalar(
        select(PublicName).where(
            PublicName.cohort_id == ctx.cohort.id, PublicName.member_id == ctx.member.id
        )
    )
    if ctx.args[0].lower() == "off":
        if ctx.args[1:]:
            raise UsageError("`off` takes no name.")
        await ctx.db.execute(
            delete(PublicName).where(
                PublicName.cohort_id == ctx.cohort.id, PublicName.member_id == ctx.member.id
            )
        )
        return Reply(text='The public leaderboard shows you as "a member" again.', ephemeral=True)
    name = " ".join(ctx.args[1:]).strip() or ctx.member.display_name
    if len(name) > MAX_NAME or not name.isprintable():
        raise Refused(f"A public name is one line of at most {MAX_NAME} characters.")
    if mine is None:
        ctx.db.add(
            PublicName(
                cohort_id=ctx.cohort.id, member_id=ctx.member.id, name=name, chosen_at=ctx.now
            )
        )
    else:
        mine.name, mine.chosen_at = name, ctx.now
    return Reply(
        text=f"The public leaderboard on the web shows you as {name!r} now; "
        "`d2l leaderboard public off` hides your name again.",
        ephemeral=True,
    )
