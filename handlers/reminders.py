"""`d2l remind`: which personal direct messages a member gets, kind by kind."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.context import Context, Refused, UsageError
from handlers.planning import plan_cohort
from handlers.progress import set_nudges
from handlers.router import Command, Router
from handlers.text import format_offset, parse_duration
from handlers.types import Reply
from models.members import MEMBER
from models.progress_tables import NudgeOptOut

MAX_OFFSETS = 5


KINDS = {
    "sessions": "sessions",
    "session": "sessions",
    "assignments": "assignments",
    "assignment": "assignments",
    "nudges": "nudges",
    "nudge": "nudges",
}


def register(router: Router) -> None:
    router.add(
        Command(
            name="remind",
            usage="remind [on|off] [sessions|assignments|nudges] [OFFSETS…]",
            summary="your direct messages: session reminders, assignment reminders, nudges",
            details="`d2l remind on` turns all three on (sessions 24h and 1h before; give "
            "your own like `d2l remind on 2d 30m`). `d2l remind off` stops every personal "
            "direct message. Name one kind to change only it: `d2l remind on sessions 2h`, "
            "`d2l remind off assignments`, `d2l remind off nudges`. Members get assignment "
            "reminders and nudges unless they turn them off; session reminders are opt-in.",
            handler=remind,
            examples=("remind on", "remind on sessions 48h 2h", "remind off assignments"),
            joins=_turns_something_on,
        )
    )


def _turns_something_on(args: Sequence[str]) -> bool:
    """`remind on …` asks for messages, so it joins; the status and `remind off` don't."""
    return bool(args) and args[0].lower() == "on"


async def remind(ctx: Context) -> Reply:
    if not ctx.args:
        return await _status(ctx, "")
    action, rest = ctx.args[0].lower(), ctx.args[1:]
    if action not in ("on", "off"):
        raise UsageError(f"`{action}`? Say `on` or `off`.")
    kinds = ["sessions", "assignments", "nudges"]
    if rest and rest[0].lower() in KINDS:
        kinds, rest = [KINDS[rest[0].lower()]], rest[1:]
    on = action == "on"
    if rest and (not on or "sessions" not in kinds):
        raise UsageError("Offsets like `2h` only go with `d2l remind on` or `remind on sessions`.")
    enrollment = ctx.enrollment
    if "sessions" in kinds:
        if rest:
            enrollment.dm_offsets = _offsets(rest)
        enrollment.dm_reminders = on
    if "assignments" in kinds:
        enrollment.assignment_reminders = on
    if "nudges" in kinds:
        await set_nudges(ctx.db, ctx.cohort.id, ctx.member.id, on, ctx.now)
    await ctx.db.flush()
    await plan_cohort(ctx.db, ctx.cohort, ctx.now)
    changed = "All personal direct messages" if len(kinds) == 3 else kinds[0].capitalize()
    return await _status(ctx, f"{changed}: {action}.")


def _offsets(words: list[str]) -> list[int]:
    offsets = []
    for word in words:
        delta = parse_duration(word)
        if delta is None or delta.days > 14:
            raise Refused(f"`{word}` is not an offset like 24h, 2d or 30m (at most 14d).")
        offsets.append(int(delta.total_seconds() // 60))
    if len(set(offsets)) > MAX_OFFSETS:
        raise Refused(f"At most {MAX_OFFSETS} reminders per session.")
    return sorted(set(offsets), reverse=True)


async def _status(ctx: Context, note: str) -> Reply:
    enrollment = ctx.enrollment
    offsets = ", ".join(format_offset(m) for m in sorted(enrollment.dm_offsets, reverse=True))
    nudges = await ctx.db.get(NudgeOptOut, (ctx.cohort.id, ctx.member.id)) is None
    sessions = f"on, {offsets} before each session" if enrollment.dm_reminders else "off"
    lines = [
        f"Session reminders: {sessions}",
        f"Assignment reminders: {'on' if enrollment.assignment_reminders else 'off'}",
        f"Progress nudges: {'on' if nudges else 'off'}",
    ]
    if enrollment.status != MEMBER:
        lines.append("You aren't a member, so none of these are sent: `d2l join`.")
    hint = "`d2l remind on|off [sessions|assignments|nudges]` changes them."
    return Reply(text="\n".join(p for p in (note, *lines, hint) if p), ephemeral=True)
