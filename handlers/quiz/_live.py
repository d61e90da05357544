"""Live rounds: `d2l quiz live TOPIC [N]`, `d2l quiz next`, `d2l quiz live stop`, and the
private answers members send while a question is open. The state lives in `live_rounds`,
so any bot process can serve the next message."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Context, Refused, UsageError
from handlers.quiz._common import (
    bank,
    live_pick_seed,
    live_seed,
    parse_count,
    question_card,
    rendered,
    resolve_topic,
    time_limit,
)
from handlers.quiz._distribution import distribution
from handlers.quiz._grading import feedback, grade, schedule_review, store
from handlers.text import plural, when
from handlers.types import Reply
from models.outbox import Planned, enqueue
from models.quiz_play import (
    Standing,
    find_attempt,
    round_in_channel,
    round_in_cohort,
    round_standings,
)
from models.quiz_tables import LiveRound
from models.tables import OutboxMessage, QuizAttempt
from quizzes.questions import explain, pick_questions

MEDALS = ("🥇", "🥈", "🥉")


async def _round_here(ctx: Context, *, lock: bool = False) -> LiveRound | None:
    """The round in this channel; in a direct message, the cohort's running round."""
    inv = ctx.invocation
    found = await round_in_channel(
        ctx.db, inv.platform, inv.workspace_id, inv.channel_id, lock=lock
    )
    if found is None and inv.is_direct and not lock:
        found = await round_in_cohort(ctx.db, ctx.cohort.id)
    return found


async def start(ctx: Context) -> Reply | list[Reply]:
    if ctx.args and ctx.args[0].lower() == "stop":
        return await stop(ctx)
    if not 1 <= len(ctx.args) <= 2:
        raise UsageError("Name the topic, and if you like the number of questions.")
    running = await _round_here(ctx)
    if running is not None:
        raise Refused(
            f"A live round is already running here (question {running.position + 1} of "
            f"{len(running.question_ids)}): `d2l quiz next` or `d2l quiz live stop`."
        )
    topic = resolve_topic(ctx.args[0])
    count = parse_count(ctx.args[1] if len(ctx.args) == 2 else None)
    inv = ctx.invocation
    game = LiveRound(
        cohort_id=ctx.cohort.id,
        platform=inv.platform,
        workspace_id=inv.workspace_id,
        channel_id=inv.channel_id,
        started_by=ctx.member.id,
        topic=topic,
        question_ids=[],
        seeds=[],
        position=0,
        question_started_at=ctx.now,
        status="asking",
        created_at=ctx.now,
    )
    ctx.db.add(game)
    await ctx.db.flush()
    questions = pick_questions(bank(), count, live_pick_seed(game.id), topic=topic)
    game.question_ids = [q.id for q in questions]
    game.seeds = [live_seed(game.id, q.id) for q in questions]
    await _plan_results(ctx, game)
    title = bank().topic(topic).title
    opening = Reply(
        title=f"Live round: {title}",
        text=f"{plural(len(questions), 'question')}, everyone gets the same numbers. Answer "
        "privately with `d2l answer VALUE` or the buttons; a correct answer earns 500 to "
        "1000 points, more the faster you are.",
    )
    return [opening, _card(game)]


def _channel(game: LiveRound) -> tuple[str, str, str]:
    return (game.platform, game.workspace_id, game.channel_id)


def _card(game: LiveRound, answered: int | None = None) -> Reply:
    qid, seed = game.question_ids[game.position], game.seeds[game.position]
    rq = rendered(qid, seed)
    deadline = game.question_started_at + time_limit(rq)
    card = question_card(
        rq,
        title=f"Live · question {game.position + 1} of {len(game.question_ids)}",
        ref=f"r{game.id}-{game.position + 1}",
        deadline=deadline,
        ephemeral=False,
        how="answer privately",
    )
    # Each reader sees the deadline in their own time: relative on Discord, local on Slack.
    closes = f"⏳ Answers close {when(deadline, 'R')} (at {when(deadline, 't')})."
    if answered is not None:
        closes += f" 🙋 {plural(answered, 'answer')} so far."
    return replace(card, text=f"{card.text}\n{closes}")


# When each live question's message last showed a new count, per process (keyed by the
# database too, since round ids repeat across databases): the count is edited at most once
# a second (Slack and Discord both rate-limit message edits).
COUNT_EVERY = dt.timedelta(seconds=1)
_count_shown: dict[tuple[str, int, int], dt.datetime] = {}


async def _count_update(ctx: Context, game: LiveRound, qid: str, seed: int) -> Reply | None:
    """The question card with its answer count, to replace the message the answer's control
    was on; None if the count changed less than a second ago."""
    database = ctx.services.settings.database_url
    key = (database, game.id, game.position)
    shown = _count_shown.get(key)
    if shown is not None and ctx.now - shown < COUNT_EVERY:
        return None
    _count_shown[key] = ctx.now
    for done in [k for k in _count_shown if k[:2] == key[:2] and k[2] < game.position]:
        del _count_shown[done]
    await ctx.db.flush()
    answered = await ctx.db.scalar(
        select(func.count()).where(
            QuizAttempt.mode == "live", QuizAttempt.question_id == qid, QuizAttempt.seed == seed
        )
    )
    return replace(_card(game, int(answered or 0)), replaces_source=True)


async def advance(ctx: Context) -> list[Reply]:
    if ctx.args:
        raise UsageError("`d2l quiz next` takes nothing after it.")
    game = await _round_here(ctx, lock=True)
    if game is None:
        raise Refused("No live round is running here. Start one with `d2l quiz live TOPIC`.")
    replies = [await _reveal(ctx, game)]
    if game.position + 1 < len(game.question_ids):
        game.position += 1
        game.question_started_at = ctx.now
        await _plan_results(ctx, game)
        replies.append(_card(game))
    else:
        game.status, game.ended_at = "finished", ctx.now
        replies.append(await _final(ctx, game, "Final leaderboard"))
    return replies


async def stop(ctx: Context) -> list[Reply]:
    game = await _round_here(ctx, lock=True)
    if game is None:
        raise Refused("No live round is running here.")
    game.status, game.ended_at = "stopped", ctx.now
    final = await _final(ctx, game, "Round stopped · leaderboard")
    await ctx.db.flush()
    if await _take_results(ctx.db, game, game.position):
        return [await _results(ctx.db, game, game.position), final]
    return [final]


async def _reveal(ctx: Context, game: LiveRound) -> Reply:
    await ctx.db.flush()
    if await _take_results(ctx.db, game, game.position):
        return await _results(ctx.db, game, game.position)
    standings = await round_standings(ctx.db, game.seeds[: game.position + 1])
    return Reply(
        title=f"Question {game.position + 1}: closed",
        text="Its answer and how the room answered were posted when time ran out.",
        footer=_board(standings, limit=5),
    )


async def _results(db: AsyncSession, game: LiveRound, index: int) -> Reply:
    """Question `index` of the round revealed: explanation, share correct, a bar per choice,
    and the leaderboard so far."""
    rq = rendered(game.question_ids[index], game.seeds[index])
    answers = await db.execute(
        select(QuizAttempt.correct, QuizAttempt.answer_given).where(
            QuizAttempt.mode == "live",
            QuizAttempt.question_id == rq.id,
            QuizAttempt.seed == rq.seed,
        )
    )
    given = list(answers)
    right = sum(1 for correct, _ in given if correct)
    standings = await round_standings(db, game.seeds[: index + 1])
    bars = distribution(rq, [text for _, text in given])
    return Reply(
        title=f"Question {index + 1}: the answer",
        text=f"{explain(rq)}\n{right} of {plural(len(given), 'answer')} correct.\n{bars}",
        footer=_board(standings, limit=5),
    )


# The results of each question are posted once: by the outbox when its time runs out, or by
# `quiz next` / `quiz live stop` before that. Whoever changes the pending outbox row first
# wins (the dispatcher claims it, the command cancels it), so they can't both post.
RESULTS_KIND = "live_results"


def _results_key(game: LiveRound, index: int) -> str:
    return f"live-results:{game.id}:{index + 1}"


async def _plan_results(ctx: Context, game: LiveRound) -> None:
    rq = rendered(game.question_ids[game.position], game.seeds[game.position])
    planned = Planned(
        key=_results_key(game, game.position),
        kind=RESULTS_KIND,
        platform=game.platform,
        workspace_id=game.workspace_id,
        target=game.channel_id,
        payload={"round_id": game.id, "index": game.position},
        due_at=game.question_started_at + time_limit(rq),
        cohort_id=game.cohort_id,
    )
    await enqueue(ctx.db, [planned], ctx.now, reschedule=False)


async def _take_results(db: AsyncSession, game: LiveRound, index: int) -> bool:
    """True if the caller should post question `index`'s results: its outbox row was still
    pending (now cancelled) or there is none (a round from before the rows existed)."""
    key = _results_key(game, index)
    taken = await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key == key, OutboxMessage.status == "pending")
        .values(status="cancelled", last_error="revealed in the channel by a command")
    )
    if getattr(taken, "rowcount", 0) == 1:
        return True
    return await db.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is None


async def render_live_results(db: AsyncSession, message: OutboxMessage) -> Reply:
    """The outbox row of a question whose time ran out; LookupError if the round is gone."""
    game = await db.get(LiveRound, int(message.payload.get("round_id", 0)))
    index = int(message.payload.get("index", -1))
    if game is None or not 0 <= index < len(game.question_ids):
        raise LookupError("the live round no longer exists")
    return await _results(db, game, index)


async def _final(ctx: Context, game: LiveRound, title: str) -> Reply:
    await ctx.db.flush()
    standings = await round_standings(ctx.db, game.seeds[: game.position + 1])
    if not standings:
        return Reply(title=title, text="Nobody answered this round.")
    winner = standings[0]
    return Reply(
        title=title,
        text=_board(standings, limit=10),
        footer=f"Well played, {winner.name}! `d2l leaderboard` has the cohort's ranking.",
    )


def _board(standings: list[Standing], *, limit: int) -> str:
    if not standings:
        return "Leaderboard: no answers yet."
    lines = [
        f"{MEDALS[i] if i < len(MEDALS) else f'{i + 1}.'} {s.name} — {round(s.points)} points "
        f"({s.detail} correct)"
        for i, s in enumerate(standings[:limit])
    ]
    return "Leaderboard:\n" + "\n".join(lines)


async def live_question_waiting(ctx: Context) -> bool:
    """Whether this channel's live question is open and the member hasn't answered it."""
    game = await _round_here(ctx)
    if game is None:
        return False
    qid, seed = game.question_ids[game.position], game.seeds[game.position]
    if await find_attempt(ctx.db, ctx.member.id, qid, seed) is not None:
        return False
    return ctx.now - game.question_started_at <= time_limit(rendered(qid, seed))


async def answer_live(
    ctx: Context, text: str, round_id: int | None, number: int | None
) -> Reply | list[Reply] | None:
    """Answer the open question of the round a button names, or of the round running in
    this channel. None when there is no round to answer here."""
    game = await ctx.db.get(LiveRound, round_id) if round_id is not None else await _round_here(ctx)
    if round_id is not None and (game is None or game.cohort_id != ctx.cohort.id):
        raise Refused("That live round isn't running here.")
    inv = ctx.invocation
    here = (inv.platform, inv.workspace_id, inv.channel_id)
    if game is not None and not inv.is_direct and here != _channel(game):
        raise Refused("That live round is running in another channel; answer it there.")
    if game is None:
        return None
    if game.status != "asking":
        raise Refused("That live round is over.")
    current = game.position + 1
    if number is not None and number != current:
        raise Refused(f"Question {number} of that round is closed; question {current} is open.")
    qid, seed = game.question_ids[game.position], game.seeds[game.position]
    if await find_attempt(ctx.db, ctx.member.id, qid, seed) is not None:
        return Reply(
            text=f"You already answered question {current}; your first answer counts.",
            ephemeral=True,
        )
    rq = rendered(qid, seed)
    outcome = grade(rq, text, game.question_started_at, ctx.now)
    if not outcome.readable:
        return Reply(text=f"{outcome.message} The question is still open.", ephemeral=True)
    attempt = QuizAttempt(
        cohort_id=ctx.cohort.id,
        member_id=ctx.member.id,
        question_id=qid,
        topic=rq.topic,
        seed=seed,
        params=dict(rq.params),
        mode="live",
        asked_at=game.question_started_at,
    )
    store(attempt, text, outcome, ctx.now)
    ctx.db.add(attempt)
    await schedule_review(
        ctx.db,
        cohort_id=ctx.cohort.id,
        member_id=ctx.member.id,
        rq=rq,
        outcome=outcome,
        in_review=False,
        now=ctx.now,
    )
    if outcome.late:  # the question is closed for everyone: the answer can be shown
        return [Reply(text=feedback(rq, outcome), ephemeral=True)]
    got = Reply(
        text=f"Got it: `{text[:40]}` for question {current}, in {outcome.taken_ms / 1000:.1f} s. "
        "The answer is revealed when the organizer moves on.",
        ephemeral=True,
    )
    update = await _count_update(ctx, game, qid, seed) if number is not None else None
    return [got] if update is None else [got, update]
