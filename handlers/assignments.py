"""Assignments: organizers attach exercises and quizzes to sessions with a due time;
members see what's due and what they have done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from handlers.context import Context, Refused, UsageError
from handlers.planning import plan_cohort
from handlers.router import Command, Router
from handlers.text import parse_local_datetime, when
from handlers.types import Reply
from models.tables import Assignment, Session
from models.work import completed_assignments


def register(router: Router) -> None:
    router.add(
        Command(
            name="assignments",
            usage="assignments",
            summary="the cohort's assignments, their due times and whether you've done them",
            handler=list_assignments,
        )
    )
    router.add(
        Command(
            name="admin assign",
            usage="admin assign EXERCISE|QUIZ due DATE [HH:MM] [session N]",
            summary="attach an exercise or a quiz to a session with a due time",
            details="The time is in the cohort's zone (default: the session time). Without "
            "`session N` the work belongs to the last session before the due time. Assigning the "
            "same work again changes its due time.",
            handler=assign,
            organizer_only=True,
            group="Organizers",
            examples=(
                "admin assign softmax due 2027-01-25",
                "admin assign probability due 2027-02-08 20:00 session 2",
            ),
        )
    )


async def assign(ctx: Context) -> Reply:
    args = list(ctx.args)
    if len(args) < 3 or args[1].lower() != "due":
        raise UsageError()
    ref = args[0]
    session_number: int | None = None
    if len(args) >= 5 and args[-2].lower() == "session":
        if not args[-1].isdigit():
            raise Refused(f"`{args[-1]}` is not a session number.")
        session_number = int(args[-1])
        args = args[:-2]
    catalog = ctx.services.catalog
    kind = catalog.kind_of(ref)
    if kind is None:
        known = sorted(catalog.exercises) + sorted(catalog.quiz_topics)
        raise Refused(
            f"`{ref}` is neither an exercise nor a quiz topic. Known: "
            f"{', '.join(known) or 'none yet'}."
        )
    try:
        due = parse_local_datetime(args[2:], ctx.timezone, ctx.cohort.session_time)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    if due <= ctx.now:
        raise Refused(f"{when(due)} has already passed.")
    session = _session_for(ctx, due, session_number)
    existing = await ctx.db.scalar(
        select(Assignment).where(
            Assignment.cohort_id == ctx.cohort.id, Assignment.kind == kind, Assignment.ref == ref
        )
    )
    if existing is None:
        ctx.db.add(
            Assignment(
                cohort_id=ctx.cohort.id,
                session_id=session.id if session else None,
                kind=kind,
                ref=ref,
                due_at=due,
                created_at=ctx.now,
            )
        )
        verb = "Assigned"
    else:
        existing.due_at, existing.session_id = due, session.id if session else None
        verb = "Moved"
    await ctx.db.flush()
    await plan_cohort(ctx.db, ctx.cohort, ctx.now)
    where = f" for session {session.number}" if session else ""
    return Reply(
        text=f"{verb} {kind} `{ref}` ({catalog.title_of(kind, ref)}){where}, due "
        f"{when(due)}. Members who haven't done it are reminded 48h and 2h before."
    )


def _session_for(ctx: Context, due: dt.datetime, number: int | None) -> Session | None:
    sessions = ctx.cohort.sessions
    if number is not None:
        found = next((s for s in sessions if s.number == number), None)
        if found is None:
            raise Refused(f"There is no session {number}.")
        return found
    before = [s for s in sessions if s.starts_at < due]
    return before[-1] if before else (sessions[0] if sessions else None)


async def list_assignments(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l assignments` takes no arguments.")
    rows = list(
        await ctx.db.scalars(
            select(Assignment)
            .where(Assignment.cohort_id == ctx.cohort.id)
            .order_by(Assignment.due_at)
        )
    )
    if not rows:
        return Reply(text="Nothing has been assigned yet.", ephemeral=True)
    numbers = {s.id: s.number for s in ctx.cohort.sessions}
    completed = await completed_assignments(ctx.db, rows, ctx.member.id)
    lines = []
    for a in rows:
        done = a.id in completed
        mark = "✓ done" if done else ("✗ missed" if a.due_at <= ctx.now else "… to do")
        session = f"session {numbers[a.session_id]} · " if a.session_id in numbers else ""
        lines.append(f"{mark} — {a.kind} `{a.ref}` · {session}due {when(a.due_at)}")
    return Reply(title=f"Assignments of {ctx.cohort.name}", text="\n".join(lines), ephemeral=True)
