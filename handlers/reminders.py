"""`d2l remind`: personal reminders by direct message, opt-in, at offsets a member chooses."""

from __future__ import annotations

from handlers.context import Context, UsageError
from handlers.planning import plan_cohort
from handlers.progress import set_nudges
from handlers.router import Command, Router
from handlers.text import format_offset, parse_duration
from handlers.types import Reply

MAX_OFFSETS = 5


def register(router: Router) -> None:
    router.add(
        Command(
            name="remind",
            usage="remind [on [OFFSETS…] | off]",
            summary="personal reminders by direct message before each session",
            details="`d2l remind on` uses 24h and 1h before; give your own like `d2l remind on "
            "2d 30m`. `d2l remind off` stops them (and the friendly progress nudges).",
            handler=remind,
            examples=("remind on", "remind on 48h 2h", "remind off"),
        )
    )


async def remind(ctx: Context) -> Reply:
    enrollment = ctx.enrollment
    if not ctx.args:
        return _status(ctx, "")
    action, rest = ctx.args[0].lower(), ctx.args[1:]
    if action == "off":
        if rest:
            raise UsageError("`d2l remind off` takes nothing after it.")
        enrollment.dm_reminders = False
        await set_nudges(ctx.db, ctx.cohort.id, ctx.member.id, False, ctx.now)
        await plan_cohort(ctx.db, ctx.cohort, ctx.now)
        return _status(ctx, "Personal reminders are off.")
    if action != "on":
        raise UsageError(f"`{action}`? Say `on` or `off`.")
    if rest:
        offsets = []
        for word in rest:
            delta = parse_duration(word)
            if delta is None or delta.days > 14:
                raise UsageError(f"`{word}` is not an offset like 24h, 2d or 30m (at most 14d).")
            offsets.append(int(delta.total_seconds() // 60))
        if len(set(offsets)) > MAX_OFFSETS:
            raise UsageError(f"At most {MAX_OFFSETS} reminders per session.")
        enrollment.dm_offsets = sorted(set(offsets), reverse=True)
    enrollment.dm_reminders = True
    await ctx.db.flush()
    await plan_cohort(ctx.db, ctx.cohort, ctx.now)
    return _status(ctx, "Personal reminders are on.")


def _status(ctx: Context, note: str) -> Reply:
    enrollment = ctx.enrollment
    offsets = ", ".join(format_offset(m) for m in sorted(enrollment.dm_offsets, reverse=True))
    if enrollment.dm_reminders:
        state = f"You get a direct message {offsets} before each session."
        hint = "`d2l remind off` to stop."
    else:
        state = "You get no personal reminders (the channel still gets its own)."
        hint = "`d2l remind on` for 24h and 1h before, or `d2l remind on 2d 30m`."
    return Reply(text=" ".join(p for p in (note, state, hint) if p), ephemeral=True)
