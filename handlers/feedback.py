"""Feedback on exercises (issue 22): `d2l hint NAME`, `d2l solution NAME`,
`d2l admin cohort solutions after-due|never` and `d2l admin exercisestats [NAME]`."""

from __future__ import annotations

from sqlalchemy import select

from handlers.context import Context, Refused, UsageError
from handlers.exercises import exercise_named
from handlers.router import Command, Router
from handlers.text import when
from handlers.types import Reply
from models.feedback import (
    exercise_stats,
    set_solutions_policy,
    solutions_policy,
    take_hint,
)
from models.feedback_tables import SOLUTION_POLICIES
from models.tables import Assignment
from quizzes.exercises.catalog import list_exercises


def register(router: Router) -> None:
    router.add(
        Command(
            name="hint",
            usage="hint NAME",
            summary="the exercise's next hint (up to 3); hints never change your score",
            handler=hint,
            group="Code exercises",
            details="Each `hint NAME` shows one more hint, with those you already took. "
            "Organizers see how many hints were taken.",
            examples=("hint softmax",),
            joins=True,
        )
    )
    router.add(
        Command(
            name="solution",
            usage="solution NAME",
            summary="a model solution, once the exercise's due time has passed",
            handler=solution,
            group="Code exercises",
            details="Organizers can keep solutions private with "
            "`d2l admin cohort solutions never`.",
            examples=("solution softmax",),
        )
    )
    router.add(
        Command(
            name="admin exercisestats",
            usage="admin exercisestats [NAME]",
            summary="per exercise: members who tried and passed, attempts to pass, each test's "
            "pass rate, the most frequent recognised mistakes and the hints taken",
            handler=admin_exercisestats,
            organizer_only=True,
            examples=("admin exercisestats", "admin exercisestats softmax"),
            group="Organizers",
        )
    )


async def hint(ctx: Context) -> Reply:
    if len(ctx.args) != 1:
        raise UsageError()
    spec = exercise_named(ctx.args[0])
    if not spec.hints:
        return Reply(text=f"`{spec.id}` has no hints.", ephemeral=True)
    taken = await take_hint(ctx.db, ctx.cohort.id, ctx.member.id, spec.id, len(spec.hints), ctx.now)
    lines = [f"Hint {n} of {len(spec.hints)}: {text}" for n, text in enumerate(spec.hints, 1)]
    if taken < len(spec.hints):
        more = f"`d2l hint {spec.id}` gives the next one. Hints don't change your score."
    else:
        more = "That's every hint. Hints don't change your score."
    return Reply(
        title=f"Hints for `{spec.id}`",
        text="\n".join(lines[:taken]),
        footer=more,
        ephemeral=True,
    )


async def solution(ctx: Context) -> Reply:
    if len(ctx.args) != 1:
        raise UsageError()
    spec = exercise_named(ctx.args[0])
    if not spec.solution:
        return Reply(text=f"`{spec.id}` has no model solution.", ephemeral=True)
    if await solutions_policy(ctx.db, ctx.cohort.id) == "never":
        return Reply(
            text="The organizers keep model solutions private in this study group.",
            ephemeral=True,
        )
    due = await ctx.db.scalar(
        select(Assignment.due_at).where(
            Assignment.cohort_id == ctx.cohort.id,
            Assignment.kind == "exercise",
            Assignment.ref == spec.id,
        )
    )
    if due is None:
        return Reply(
            text=f"`{spec.id}` has no due time yet; its model solution opens once it has "
            "passed (`d2l assignments` lists the due times).",
            ephemeral=True,
        )
    if ctx.now < due:
        return Reply(
            text=f"The model solution of `{spec.id}` opens after its due time, {when(due)}.",
            ephemeral=True,
        )
    return Reply(
        title=f"Model solution: `{spec.id}`",
        text=f"{spec.title} (d2l {spec.section}). One way to write it:",
        code=spec.solution,
        code_language="python",
        footer=f"`d2l exercise {spec.id}` shows the statement again.",
        ephemeral=True,
    )


async def set_solutions(ctx: Context, values: list[str]) -> str:
    """`admin cohort solutions after-due|never`; returns the note for the settings reply."""
    policy = " ".join(values).lower()
    if policy not in SOLUTION_POLICIES:
        raise Refused(f"`solutions` is one of: {', '.join(SOLUTION_POLICIES)}.")
    await set_solutions_policy(ctx.db, ctx.cohort.id, policy)
    if policy == "never":
        return "Model solutions: never shown."
    return "Model solutions: shown with `d2l solution NAME` once an exercise's due time has passed."


async def admin_exercisestats(ctx: Context) -> Reply:
    if len(ctx.args) > 1:
        raise UsageError()
    name = exercise_named(ctx.args[0]).id if ctx.args else None
    stats = await exercise_stats(ctx.db, ctx.cohort.id, name)
    titles = {spec.id: spec.title for spec in list_exercises()}
    if not stats:
        which = f"`{name}`" if name else "any exercise"
        return Reply(text=f"No graded work or hints for {which} yet.", ephemeral=True)
    blocks = [_block(item, titles.get(item["exercise"], item["exercise"])) for item in stats]
    return Reply(
        title="Exercise statistics" + (f": `{name}`" if name else ""),
        text="\n\n".join(blocks),
        ephemeral=True,
        footer="Mistakes are those the grader recognised; each counts once per submission.",
    )


def _block(item: dict[str, object], title: str) -> str:
    median = item["median_attempts_to_pass"]
    lines = [
        f"`{item['exercise']}` — {title}: {item['tried']} tried, {item['passed']} passed"
        + (f", median {median:g} attempts to pass" if isinstance(median, int | float) else "")
    ]
    tests = item["tests"]
    if isinstance(tests, list) and tests:
        rates = ", ".join(
            f"{t['name']} {t['pass_rate']:.0%}" for t in tests if t["pass_rate"] is not None
        )
        lines.append(f"Tests passed: {rates}")
    mistakes = item["mistakes"]
    if isinstance(mistakes, list) and mistakes:
        lines.append("Mistakes: " + ", ".join(f"{m['id']} ×{m['count']}" for m in mistakes))
    hints = item["hints"]
    if isinstance(hints, dict) and hints.get("taken"):
        lines.append(f"Hints: {hints['taken']} taken by {hints['members']} member(s)")
    return "\n".join(lines)
