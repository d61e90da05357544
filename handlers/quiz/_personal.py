"""`d2l quiz [TOPIC] [N]`, `d2l quiz stop` and `d2l review [N]`: a member's own questions."""

from __future__ import annotations

from handlers.context import Context, Refused, UsageError
from handlers.quiz._common import (
    MAX_COUNT,
    bank,
    known_question,
    parse_count,
    personal_seed,
    resolve_topic,
)
from handlers.quiz._runs import ask, finish, resume, start_run
from handlers.text import plural, when
from handlers.types import Choice, Reply, ReplyField
from models.quiz_play import answered_question_ids, due_cards, next_review, open_run
from quizzes.questions import list_topics, pick_questions

DEFAULT_REVIEW_COUNT = 10


async def quiz(ctx: Context) -> Reply | list[Reply]:
    if len(ctx.args) > 2:
        raise UsageError("Give a topic and, if you like, a number of questions.")
    run = await open_run(ctx.db, ctx.cohort.id, ctx.member.id)
    if not ctx.args:
        if run is not None:  # the open question again (its clock keeps running)
            return await resume(ctx, run)
        return topics_overview()
    if run is not None:
        raise Refused(
            f"You are in the middle of a {'review' if run.mode == 'review' else 'quiz'} "
            f"(question {run.position + 1} of {len(run.question_ids)}): answer it with "
            "`d2l answer …`, or `d2l quiz stop` first."
        )
    topic = resolve_topic(ctx.args[0])
    count = parse_count(ctx.args[1] if len(ctx.args) == 2 else None)
    run = await start_run(ctx, "personal", topic, [])
    seen = await answered_question_ids(ctx.db, ctx.member.id)
    seed = personal_seed(ctx.member.id, f"quiz:{topic}", run.id)
    questions = pick_questions(bank(), count, seed, topic=topic, exclude=seen)
    run.question_ids = [q.id for q in questions]
    return await ask(ctx, run)


def topics_overview() -> Reply:
    topics = list_topics(bank())
    fields = tuple(
        ReplyField(
            name=f"{t.id} — {t.title}",
            value=f"d2l chapter {t.chapter} · {plural(t.questions, 'question')}",
            inline=False,
        )
        for t in topics
    )
    return Reply(
        title="Quiz topics",
        text=f"Start with `d2l quiz TOPIC [N]` (N questions, default 5, at most {MAX_COUNT}). "
        "Only you see your quiz; the numbers are drawn for you.",
        fields=fields,
        choices=tuple(Choice(f"Start: {t.title}", f"quiz {t.id}") for t in topics),
        footer="`d2l review` brings back the questions you missed.",
        ephemeral=True,
    )


async def stop(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l quiz stop` takes nothing after it.")
    run = await open_run(ctx.db, ctx.cohort.id, ctx.member.id)
    if run is None:
        raise Refused("You have no quiz in progress.")
    return await finish(ctx, run, "stopped")


async def review(ctx: Context) -> Reply:
    if len(ctx.args) > 1:
        raise UsageError("Give at most a number of questions.")
    count = parse_count(ctx.args[0]) if ctx.args else DEFAULT_REVIEW_COUNT
    if await open_run(ctx.db, ctx.cohort.id, ctx.member.id) is not None:
        raise Refused("Finish your open quiz first (or `d2l quiz stop`).")
    cards = [c for c in await due_cards(ctx.db, ctx.cohort.id, ctx.member.id, ctx.now)]
    question_ids = [c.question_id for c in cards if known_question(c.question_id)][:count]
    if not question_ids:
        upcoming = await next_review(ctx.db, ctx.cohort.id, ctx.member.id)
        if upcoming is None:
            text = "Nothing to review: questions you miss in quizzes come back here."
        else:
            text = f"Nothing is due yet. Your next review is due {when(upcoming, 'R')}."
        return Reply(text=text, ephemeral=True)
    run = await start_run(ctx, "review", None, question_ids)
    return await ask(ctx, run)
