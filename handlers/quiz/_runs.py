"""A member's run of questions (a personal quiz or a review), one question at a time."""

from __future__ import annotations

from handlers.context import Context, Refused
from handlers.quiz._common import personal_seed, question_card, rendered, time_limit
from handlers.quiz._grading import Outcome, feedback, grade, schedule_review, store
from handlers.text import plural
from handlers.types import Reply
from models.quiz_play import current_streaks, instance_attempts, open_run, streaks_enabled
from models.quiz_tables import QuizRun
from models.tables import QuizAttempt
from quizzes.questions import RenderedQuestion, explain

MODE_TITLES = {"personal": "Quiz", "review": "Review"}


async def start_run(ctx: Context, mode: str, topic: str | None, question_ids: list[str]) -> QuizRun:
    run = QuizRun(
        cohort_id=ctx.cohort.id,
        member_id=ctx.member.id,
        mode=mode,
        topic=topic,
        question_ids=question_ids,
        position=0,
        status="open",
        started_at=ctx.now,
    )
    ctx.db.add(run)
    await ctx.db.flush()
    return run


async def ask(ctx: Context, run: QuizRun) -> Reply:
    """Store the run's current question as an open attempt and show it."""
    qid = run.question_ids[run.position]
    rq = rendered(qid, personal_seed(ctx.member.id, qid, run.id))
    attempt = QuizAttempt(
        cohort_id=ctx.cohort.id,
        member_id=ctx.member.id,
        question_id=qid,
        topic=rq.topic,
        seed=rq.seed,
        params=dict(rq.params),
        mode=run.mode,
        asked_at=ctx.now,
    )
    ctx.db.add(attempt)
    await ctx.db.flush()
    run.current_attempt_id = attempt.id
    return card(run, attempt)


def card(run: QuizRun, attempt: QuizAttempt) -> Reply:
    rq = rendered(attempt.question_id, attempt.seed)
    title = f"{MODE_TITLES[run.mode]} · question {run.position + 1} of {len(run.question_ids)}"
    return question_card(
        rq,
        title=title,
        ref=f"q{attempt.id}",
        deadline=attempt.asked_at + time_limit(rq),
        ephemeral=True,
        how="`d2l quiz stop` to give up",
    )


async def current_attempt(ctx: Context, run: QuizRun) -> QuizAttempt:
    attempt = None
    if run.current_attempt_id is not None:
        attempt = await ctx.db.get(QuizAttempt, run.current_attempt_id)
    if attempt is None:  # the row was deleted under us: ask again
        raise Refused("Your current question was lost; `d2l quiz stop` and start again.")
    return attempt


async def answer_in_run(
    ctx: Context, text: str, attempt_id: int | None, *, run: QuizRun | None = None
) -> list[Reply]:
    """Grade the member's open question (the one a button names, if it names one), then
    show the next question or the summary. `run`: the open run, already locked."""
    if run is None:
        run = await open_run(ctx.db, ctx.cohort.id, ctx.member.id, lock=True)
    if attempt_id is not None:
        await _check_reference(ctx, run, attempt_id)
    if run is None:
        raise Refused("You have no open question. Start with `d2l quiz TOPIC` or `d2l review`.")
    attempt = await current_attempt(ctx, run)
    rq = rendered(attempt.question_id, attempt.seed)
    outcome = grade(rq, text, attempt.asked_at, ctx.now)
    if not outcome.readable:
        return [Reply(text=f"{outcome.message} The question is still open.", ephemeral=True)]
    await _record(ctx, run, attempt, rq, text, outcome)
    return [Reply(text=feedback(rq, outcome), ephemeral=True), await _move_on(ctx, run)]


async def _record(
    ctx: Context,
    run: QuizRun,
    attempt: QuizAttempt,
    rq: RenderedQuestion,
    text: str | None,
    outcome: Outcome,
) -> None:
    """Store an answer (None: the time ran out) and plan its spaced-repetition review."""
    store(attempt, text, outcome, ctx.now)
    await schedule_review(
        ctx.db,
        cohort_id=ctx.cohort.id,
        member_id=ctx.member.id,
        rq=rq,
        outcome=outcome,
        in_review=run.mode == "review",
        now=ctx.now,
    )


async def _move_on(ctx: Context, run: QuizRun) -> Reply:
    run.position += 1
    if run.position < len(run.question_ids):
        return await ask(ctx, run)
    return await finish(ctx, run, "finished")


async def resume(ctx: Context, run: QuizRun) -> list[Reply]:
    """`d2l quiz` during a run: the open question again, or, if its time ran out, a miss
    (stored without an answer) and the next question."""
    attempt = await current_attempt(ctx, run)
    rq = rendered(attempt.question_id, attempt.seed)
    if ctx.now - attempt.asked_at <= time_limit(rq):
        return [card(run, attempt)]
    outcome = grade(rq, "", attempt.asked_at, ctx.now)
    await _record(ctx, run, attempt, rq, None, outcome)
    missed = Reply(
        text=f"Time ran out on question {run.position + 1}.\n{explain(rq)}", ephemeral=True
    )
    return [missed, await _move_on(ctx, run)]


async def _check_reference(ctx: Context, run: QuizRun | None, attempt_id: int) -> None:
    attempt = await ctx.db.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.cohort_id != ctx.cohort.id:
        raise Refused("That question doesn't exist here.")
    if attempt.member_id != ctx.member.id:
        raise Refused(
            "That question was asked to someone else; start your own with `d2l quiz TOPIC`."
        )
    if attempt.answered_at is not None:
        raise Refused("You already answered that question; it counts once.")
    if run is None or run.current_attempt_id != attempt_id:
        raise Refused("That question is no longer open.")


async def finish(ctx: Context, run: QuizRun, status: str) -> Reply:
    """Close the run and sum it up: score, points, time and the member's streak."""
    run.status, run.ended_at, run.current_attempt_id = status, ctx.now, None
    await ctx.db.flush()
    seeds = [personal_seed(ctx.member.id, qid, run.id) for qid in run.question_ids]
    attempts = await instance_attempts(ctx.db, ctx.member.id, seeds)
    right = sum(1 for a in attempts if a.correct)
    points = round(sum(a.points for a in attempts))
    minutes, seconds = divmod(round((ctx.now - run.started_at).total_seconds()), 60)
    verb = "Done" if status == "finished" else "Stopped"
    lines = [
        f"{verb}: {right} of {plural(len(attempts), 'question')} answered correctly, "
        f"{points} points, in {minutes} min {seconds} s."
        if attempts
        else f"{verb} before any question was answered."
    ]
    if await streaks_enabled(ctx.db, ctx.cohort.id):
        streak = (await current_streaks(ctx.db, ctx.cohort.id)).get(ctx.member.id, 0)
        lines.append(f"🔥 Streak: {plural(streak, 'correct answer')} in a row.")
    lines.append("Missed questions come back in `d2l review`; `d2l leaderboard` for the ranking.")
    title = f"{MODE_TITLES[run.mode]} summary" + (f" · {run.topic}" if run.topic else "")
    return Reply(title=title, text="\n".join(lines), ephemeral=True)
