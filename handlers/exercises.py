"""Code exercises in chat: `d2l exercises`, `d2l exercise NAME`, `d2l submit NAME` + code.

Submitting only queues the work (a grading job, bot.grading_queue): a grading worker runs it
in the sandbox and the result comes back through the outbox.
"""

from __future__ import annotations

import datetime as dt
import difflib
import secrets

from sqlalchemy import select

from handlers.conduct_text import conduct_gate
from handlers.context import Context, Refused, UsageError
from handlers.router import Command, Router
from handlers.submission_source import download_linked, read_submission
from handlers.text import when
from handlers.types import Reply, ReplyField
from models.submissions import active_for_member, best_scores, count_since, queue_length
from models.tables import Assignment, Submission
from quizzes.exercises.catalog import UnknownExercise, get_exercise, list_exercises
from quizzes.exercises.reader import UnreadableSubmission
from quizzes.exercises.result import SEED_BITS
from quizzes.exercises.source_check import SourceError, check_source, missing_functions
from quizzes.exercises.spec import ExerciseSpec

MAX_CODE_BYTES = 64_000
RATE_WINDOW = dt.timedelta(minutes=10)
RATE_LIMIT = 10  # submissions per member per window
MAX_QUEUE = 50  # submissions waiting for a worker, for everyone together
SECONDS_PER_JOB = 3  # for the "try again in N s" estimate


def register(router: Router) -> None:
    router.add(
        Command(
            name="exercises",
            usage="exercises",
            summary="the code exercises, their due times and your best scores",
            handler=list_all,
            group="Code exercises",
        )
    )
    router.add(
        Command(
            name="exercise",
            usage="exercise NAME",
            summary="an exercise's statement, signature, starter code and examples",
            handler=show,
            group="Code exercises",
            examples=("exercise softmax",),
        )
    )
    router.add(
        Command(
            name="submit",
            usage="submit NAME ```code``` | submit NAME URL",
            summary="submit code for an exercise; it is graded in a sandbox and you get the "
            "result as a direct message",
            handler=submit,
            group="Code exercises",
            details="Put the code in a fenced block after the command, attach a .py/.ipynb file "
            "in Slack or Discord, or give a link to a GitHub file, a gist or a Colab notebook "
            "kept on GitHub. In a notebook the code cells count, in order; shell and magic "
            "commands, `from d2l import ...` and cells tagged `skip-grading` are left out. "
            "Hidden tests use new random inputs each time; your best attempt counts and every "
            "attempt is kept.",
            examples=(
                "submit softmax ```python\nimport torch\ndef softmax(X): ...\n```",
                "submit softmax https://github.com/me/d2l/blob/main/softmax.ipynb",
            ),
            joins=True,
            before=download_linked,
        )
    )


def _exercise(name: str) -> ExerciseSpec:
    try:
        return get_exercise(name)
    except UnknownExercise:
        ids = [e.id for e in list_exercises()]
        close = difflib.get_close_matches(name, ids, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        raise Refused(f"There is no exercise `{name}`.{hint} `d2l exercises` lists them.") from None


exercise_named = _exercise  # `hint`, `solution` and `admin exercisestats` (handlers.feedback)


async def list_all(ctx: Context) -> Reply:
    best = await best_scores(ctx.db, ctx.member.id)
    due = {
        a.ref: a.due_at
        for a in await ctx.db.scalars(
            select(Assignment).where(
                Assignment.cohort_id == ctx.cohort.id, Assignment.kind == "exercise"
            )
        )
    }
    lines = []
    for spec in list_exercises():
        score = best.get(spec.id)
        if score is None:
            best_text = "not tried yet"
        else:  # the same form for every score: "best 6/6 ✓", "best 0/8"
            full = " ✓" if score[0] >= score[1] else ""
            best_text = f"best {score[0]:g}/{spec.max_score}{full}"
        due_text = f" · due {when(due[spec.id], 'f')}" if spec.id in due else ""
        lines.append(f"{spec.section:>5} `{spec.id}` — {spec.title} · {best_text}{due_text}")
    return Reply(
        title="Code exercises",
        text="\n".join(lines),
        ephemeral=True,
        footer="`d2l exercise NAME` shows one; `d2l submit NAME` + code grades it.",
    )


async def show(ctx: Context) -> Reply:
    if len(ctx.args) != 1:
        raise UsageError()
    spec = _exercise(ctx.args[0])
    fields = [
        ReplyField("Signature", f"`{spec.signature}`", inline=False),
        ReplyField("Section", f"{spec.section} {spec.section_title} — {spec.link}", inline=False),
        ReplyField("Points", str(spec.max_score)),
        ReplyField("Time limit", f"{spec.time_limit:g} s"),
    ]
    if spec.forbidden:
        fields.append(
            ReplyField("Not allowed", ", ".join(f"`{f}`" for f in spec.forbidden), inline=False)
        )
    examples = spec.render_examples()
    text = spec.statement.strip() + ("\n\nExamples:\n" + examples if examples else "")
    return Reply(
        title=f"Exercise `{spec.id}`: {spec.title}",
        text=text,
        fields=tuple(fields),
        code=spec.starter,
        code_language="python",
        footer=f"Submit with `d2l submit {spec.id}` followed by your code in a ``` block."
        + (f" Stuck? `d2l hint {spec.id}` gives a hint." if spec.hints else ""),
    )


async def submit(ctx: Context) -> Reply:
    if len(ctx.args) not in (1, 2):
        raise UsageError("Name the exercise, then the code in a ``` block (or a link).")
    spec = _exercise(ctx.args[0])
    gate = await conduct_gate(
        ctx.db, ctx.cohort, ctx.member.id, ctx.services.settings.cohort.conduct_file
    )
    if gate is not None:
        return gate
    try:
        read = await read_submission(ctx)
    except UnreadableSubmission as exc:
        return Reply(text=str(exc), ephemeral=True, is_error=True)
    if read is None:
        raise Refused(
            f"Put your code after the command in a ``` block: `d2l submit "
            f"{spec.id}` then ```python … ```, attach a .py/.ipynb file, or give a link."
        )
    code = read.code
    size = len(code.encode("utf-8", "replace"))
    if size > MAX_CODE_BYTES:
        raise Refused(f"That code is {size // 1000} KB; the limit is {MAX_CODE_BYTES // 1000} KB.")
    notes = list(read.notes)
    try:
        violations = check_source(code, spec.forbidden)
        problems = [str(v) for v in violations if v.kind == "forbidden"]
        notes += [str(v) for v in violations if v.kind != "forbidden"]
        # Graded, a wrong name scores 0 and costs an attempt: say so at once (issue 21).
        wrong_name = None if problems else missing_functions(code, spec.functions)
        problems += [wrong_name] if wrong_name else []
    except SourceError as exc:
        problems = [str(exc)]
    if problems:
        listed = "\n".join(f"• {p}" for p in problems[:5])
        return Reply(
            text=f"Not graded — fix these first (nothing was recorded):\n{listed}"
            + _notes_text(notes),
            ephemeral=True,
            is_error=True,
        )
    now = ctx.now
    running = await active_for_member(ctx.db, ctx.member.id)
    if running is not None:
        return Reply(
            text=f"Your submission #{running.id} ({running.exercise_id}) is still being "
            "graded; wait for its result before sending another.",
            ephemeral=True,
            is_error=True,
        )
    if await count_since(ctx.db, ctx.member.id, now - RATE_WINDOW) >= RATE_LIMIT:
        return Reply(
            text=f"That's {RATE_LIMIT} submissions in {RATE_WINDOW.seconds // 60} "
            "minutes; take a breath and try again in a few minutes.",
            ephemeral=True,
            is_error=True,
        )
    waiting = await queue_length(ctx.db)
    if waiting >= MAX_QUEUE:
        return Reply(
            text=f"The graders are busy ({waiting} submissions waiting); try again in "
            f"{waiting * SECONDS_PER_JOB} s.",
            ephemeral=True,
            is_error=True,
        )
    due = await ctx.db.scalar(
        select(Assignment.due_at).where(
            Assignment.cohort_id == ctx.cohort.id,
            Assignment.kind == "exercise",
            Assignment.ref == spec.id,
        )
    )
    inv = ctx.invocation
    submission = Submission(
        cohort_id=ctx.cohort.id,
        member_id=ctx.member.id,
        exercise_id=spec.id,
        code=code,
        seed=secrets.randbits(SEED_BITS),
        status="queued",
        late=due is not None and now > due,
        reply_to={
            "platform": inv.platform,
            "workspace_id": inv.workspace_id,
            "channel_id": inv.channel_id,
            "user_id": inv.user_id,
        },
        created_at=now,
    )
    ctx.db.add(submission)
    await ctx.db.flush()
    await ctx.services.grading.defer(ctx.db, submission.id)
    ahead = f" ({waiting} ahead of you)" if waiting else ""
    return Reply(
        text=f"Grading submission #{submission.id} for `{spec.id}`{ahead}… the result "
        "comes as a direct message." + _notes_text(notes),
        ephemeral=True,
    )


def _notes_text(notes: list[str]) -> str:
    return "".join(f"\n• {note}" for note in notes[:8])
