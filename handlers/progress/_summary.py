"""`d2l progress`: where a member stands, per session, with a chart."""

from __future__ import annotations

import asyncio

from handlers.context import Context, UsageError
from handlers.progress._chart import progress_chart
from handlers.progress._common import course_end, load, missing_lines, standing
from handlers.text import plural
from handlers.types import Reply, ReplyField, ReplyFile
from handlers.web_links import member_link
from models.members import MEMBER
from models.progress import MemberProgress, cohort_median

WEB_FIELD = "On the web (private, 24 h)"  # the member page leaves its own link out


async def progress(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l progress` takes no arguments.")
    if ctx.enrollment.status != MEMBER:
        return Reply(
            text=f"You aren't a member of {ctx.cohort.name}, so there is no progress to show. "
            "`d2l join` to take part (your earlier work counts).",
            ephemeral=True,
        )
    items, everyone = await load(ctx)
    me = next(p for p in everyone if p.member_id == ctx.member.id)
    sessions = _chart_sessions(ctx, max((i.session for i in items), default=1))
    threshold = ctx.cohort.pass_threshold
    chart = await asyncio.to_thread(
        progress_chart,
        sessions,
        me.cumulative(sessions),
        cohort_median(everyone, sessions),
        [sum(i.session <= n for i in items) / len(items) if items else 0.0 for n in sessions],
        threshold,
        f"{me.name} · {ctx.cohort.name}",
    )
    fields = [ReplyField("Sessions", "\n".join(_per_session(me)) or "—", inline=False)]
    missing = missing_lines(me)
    if missing and not me.eligible:
        fields.append(ReplyField("Still to do", "\n".join(missing), inline=False))
    late = sum(r.late for r in me.results)
    fields.append(ReplyField(WEB_FIELD, await member_link(ctx), inline=False))
    return Reply(
        title=f"Your progress · {ctx.cohort.name}",
        text=f"{me.done} of {plural(me.total, 'piece')} of required work done "
        f"({me.share:.0%}); the certificate needs {threshold:.0%}. "
        f"{standing(me, course_end(ctx.cohort, items), ctx.now)}"
        + (f" {late} done late (late work still counts)." if late else ""),
        fields=tuple(fields),
        files=(ReplyFile("progress.png", chart, "image/png"),),
        footer="The chart: your completion per session, the cohort's median and the "
        "certificate line.",
        ephemeral=True,
    )


def _per_session(me: MemberProgress) -> list[str]:
    lines = []
    for number in sorted({r.item.session for r in me.results}):
        mine = [r for r in me.results if r.item.session == number]
        parts = []
        for kind, label, verb in (
            ("exercise", "exercises", "passed"),
            ("quiz", "quizzes", "completed"),
        ):
            of_kind = [r for r in mine if r.item.kind == kind]
            if of_kind:
                done = sum(r.done for r in of_kind)
                parts.append(f"{label} {verb} {done}/{len(of_kind)}")
        late = sum(r.late for r in mine)
        if late:
            parts.append(f"{late} late")
        assigned = any(r.item.due_at is not None for r in mine)
        name = f"Session {number}" if assigned else "Every exercise and quiz (none assigned)"
        lines.append(f"{name}: " + " · ".join(parts))
    return lines


def _chart_sessions(ctx: Context, last_with_work: int) -> list[int]:
    """Session numbers up to the later of the last one with work and the latest held."""
    held = [s.number for s in ctx.cohort.sessions if s.starts_at <= ctx.now]
    last = max([last_with_work, *held])
    return [s.number for s in ctx.cohort.sessions if s.number <= last] or [1]
