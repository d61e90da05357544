"""What every progress command needs: the required work and the members' progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from handlers.context import Context
from handlers.schedule import SESSION_LENGTH
from handlers.text import plural, when
from models.progress import ItemResult, MemberProgress, WorkItem, cohort_progress, required_work
from models.tables import Cohort, Session

MAX_LISTED = 8


async def load(
    ctx: Context, member_ids: Collection[int] | None = None
) -> tuple[list[WorkItem], list[MemberProgress]]:
    catalog = ctx.services.catalog
    items = await required_work(ctx.db, ctx.cohort, catalog.exercises, catalog.quiz_topics)
    progress = await cohort_progress(ctx.db, ctx.cohort, items, ctx.now, member_ids)
    return items, progress


async def mine(ctx: Context) -> tuple[list[WorkItem], MemberProgress]:
    items, progress = await load(ctx, [ctx.member.id])
    return items, progress[0]


def describe(result: ItemResult) -> str:
    item = result.item
    how = f"`d2l submit {item.ref}`" if item.kind == "exercise" else f"`d2l quiz {item.ref}`"
    if item.due_at is None:  # not assigned: the whole catalog is required
        return f"{item.kind} `{item.ref}` — {how}"
    due = when(item.due_at, "f")
    return f"{item.kind} `{item.ref}` (session {item.session}, due {due}) — {how}"


def missing_lines(progress: MemberProgress) -> list[str]:
    missing = progress.missing
    lines = [f"• {describe(r)}" for r in missing[:MAX_LISTED]]
    if len(missing) > MAX_LISTED:
        lines.append(f"… and {len(missing) - MAX_LISTED} more.")
    return lines


def course_end(cohort: Cohort, items: Sequence[WorkItem]) -> Session | None:
    """The last session with required work: the certificate waits until it has taken place."""
    last = max((item.session for item in items), default=None)
    return next((s for s in cohort.sessions if s.number == last), None)


def course_over(end: Session, now: dt.datetime, length: dt.timedelta = SESSION_LENGTH) -> bool:
    """Whether the last session with required work is over (`length`: the cohort's)."""
    return end.starts_at + length <= now


def standing(progress: MemberProgress, end: Session | None, now: dt.datetime) -> str:
    """One sentence: eligible, on track, or behind and by how much. `end`: the last session
    with required work, after which the certificate can be issued."""
    if progress.total == 0:
        return "No work is required yet."
    if progress.eligible:
        if end is not None and not course_over(end, now):
            return (
                "✅ You have done enough of the whole course; the certificate can be issued "
                f"once session {end.number} has taken place ({when(end.starts_at, 'D')})."
            )
        return "✅ You have done enough for the certificate: `d2l certificate`."
    due = progress.due_so_far
    done_due = sum(r.done for r in due)
    more = f"{progress.needed} more piece{'s' if progress.needed != 1 else ''} of work"
    if progress.on_pace:
        return f"👍 On track for the certificate: {more} to go."
    return (
        f"⚠️ Behind pace: you've done {done_due} of the {plural(len(due), 'piece')} of work "
        "due so far. "
        f"The certificate needs {more}."
    )
