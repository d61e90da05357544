"""`d2l admin outbox`: what the bot has sent, what waits, and what failed (and retrying it)."""

from __future__ import annotations

from sqlalchemy import and_, func, select, update

from handlers.context import Context, UsageError
from handlers.router import Command, Router
from handlers.text import when
from handlers.types import Reply, ReplyField
from models.joining_tables import DiscordEventError
from models.outbox import MAX_ATTEMPTS
from models.tables import OutboxMessage


def register(router: Router) -> None:
    router.add(
        Command(
            name="admin outbox",
            usage="admin outbox [retry [N]]",
            summary="messages the bot sends on its own: counts, failures, and retrying them",
            details=f"Failed messages gave up after {MAX_ATTEMPTS} attempts with growing pauses "
            "(about half an hour). `retry` puts them back in the queue; `retry N` just message "
            "#N.",
            handler=outbox,
            organizer_only=True,
            group="Organizers",
        )
    )


async def outbox(ctx: Context) -> Reply:
    mine = OutboxMessage.cohort_id == ctx.cohort.id
    if ctx.args and ctx.args[0].lower() == "retry":
        return await _retry(ctx, ctx.args[1:])
    if ctx.args:
        raise UsageError()
    counts = dict(
        (
            await ctx.db.execute(
                select(OutboxMessage.status, func.count())
                .where(mine)
                .group_by(OutboxMessage.status)
            )
        ).all()
    )
    failed = list(
        await ctx.db.scalars(
            select(OutboxMessage)
            .where(mine, OutboxMessage.status == "failed")
            .order_by(OutboxMessage.due_at.desc())
            .limit(10)
        )
    )
    upcoming = await ctx.db.scalar(
        select(func.min(OutboxMessage.due_at)).where(mine, OutboxMessage.status == "pending")
    )
    order = ("pending", "claimed", "sent", "skipped", "failed", "cancelled")
    fields = [ReplyField(status, str(counts.get(status, 0))) for status in order]
    lines = [
        f"#{m.id} {m.kind} to {m.platform}:{m.target} due {when(m.due_at)} — {m.last_error}"
        for m in failed
    ]
    text = "\n".join(lines) if lines else "Nothing has failed."
    if lines:
        text += "\n`d2l admin outbox retry` queues them all again (`retry N`: just #N)."
    # Discord servers whose scheduled events can't be kept (issue 16), until a sync works.
    problems = await ctx.db.scalars(
        select(DiscordEventError.error).where(DiscordEventError.cohort_id == ctx.cohort.id)
    )
    text += "".join(f"\n⚠️ {problem}" for problem in problems)
    footer = f"Next message due {when(upcoming)}." if upcoming is not None else None
    return Reply(title="Outbox", text=text, fields=tuple(fields), footer=footer, ephemeral=True)


async def _retry(ctx: Context, args: list[str]) -> Reply:
    """Failed messages back in the queue: all of them, or the one numbered (the web
    dashboard's button per message)."""
    which = OutboxMessage.cohort_id == ctx.cohort.id
    if args:
        number = args[0].lstrip("#")
        if len(args) > 1 or not number.isdigit() or len(number) > 12:
            raise UsageError("Give one message number, as `d2l admin outbox` lists them.")
        which = and_(which, OutboxMessage.id == int(number))
    result = await ctx.db.execute(
        update(OutboxMessage)
        .where(which, OutboxMessage.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    if args and count == 0:
        return Reply(
            text=f"Message #{number} isn't a failed message of {ctx.cohort.name}: "
            "nothing to retry.",
            ephemeral=True,
            is_error=True,
        )
    if args:
        return Reply(text=f"Message #{number} is queued again.", ephemeral=True)
    return Reply(text=f"{count} failed messages are queued again.", ephemeral=True)
