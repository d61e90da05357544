"""`d2l leaderboard [quiz|code|all]`, `d2l admin streaks on|off`, `d2l admin quizstats`."""

from __future__ import annotations

from handlers.context import Context, UsageError
from handlers.quiz._common import bank, format_seconds, resolve_topic
from handlers.types import Reply, ReplyField
from models.quiz_play import (
    Standing,
    code_standings,
    current_streaks,
    question_stats,
    quiz_standings,
    set_streaks,
    streaks_enabled,
)

TOP = 10
BOARDS = ("quiz", "code", "all")
MAX_STATS_LINES = 40


async def leaderboard(ctx: Context) -> Reply:
    if len(ctx.args) > 1 or (ctx.args and ctx.args[0].lower() not in BOARDS):
        raise UsageError("Choose quiz, code or all.")
    which = ctx.args[0].lower() if ctx.args else "all"
    fields: list[ReplyField] = []
    if which in ("quiz", "all"):
        streaks = None
        if await streaks_enabled(ctx.db, ctx.cohort.id):
            streaks = await current_streaks(ctx.db, ctx.cohort.id)
        standings = await quiz_standings(ctx.db, ctx.cohort.id)
        fields.append(_field(ctx, "Quizzes", standings, "correct", streaks))
    if which in ("code", "all"):
        standings = await code_standings(ctx.db, ctx.cohort.id)
        fields.append(_field(ctx, "Code exercises", standings, "exercises", None))
    return Reply(
        title=f"Leaderboard · {ctx.cohort.name}",
        text="Quiz points: your best answer to each question, plus every live round. "
        "Code points: your best score on each exercise.",
        fields=tuple(fields),
        ephemeral=True,  # it carries the asker's own rank
    )


def _field(
    ctx: Context,
    name: str,
    standings: list[Standing],
    unit: str,
    streaks: dict[int, int] | None,
) -> ReplyField:
    if not standings:
        return ReplyField(name=name, value="No scores yet.", inline=False)
    ranks = _ranks(standings)
    lines = []
    for rank, s in zip(ranks[:TOP], standings[:TOP], strict=True):
        lines.append(f"{rank}. {s.name} — {_points(s)} ({s.detail} {unit})" + _flame(s, streaks))
    mine = next((i for i, s in enumerate(standings) if s.member_id == ctx.member.id), None)
    if mine is None:
        lines.append("You: no scores yet.")
    elif mine >= TOP:
        s = standings[mine]
        lines.append(f"You: #{ranks[mine]} of {len(standings)} — {_points(s)}" + _flame(s, streaks))
    else:
        lines.append(f"You: #{ranks[mine]} of {len(standings)}.")
    return ReplyField(name=name, value="\n".join(lines), inline=False)


def _ranks(standings: list[Standing]) -> list[int]:
    """Competition ranking: equal points share a rank (1, 2, 2, 4)."""
    ranks: list[int] = []
    for i, s in enumerate(standings):
        tied = i > 0 and round(s.points, 6) == round(standings[i - 1].points, 6)
        ranks.append(ranks[-1] if tied else i + 1)
    return ranks


def _points(s: Standing) -> str:
    value = round(s.points, 2)
    return f"{value:g} points"


def _flame(s: Standing, streaks: dict[int, int] | None) -> str:
    streak = (streaks or {}).get(s.member_id, 0)
    return f" 🔥{streak}" if streak >= 2 else ""


async def toggle_streaks(ctx: Context) -> Reply:
    if len(ctx.args) != 1 or ctx.args[0].lower() not in ("on", "off"):
        raise UsageError("Say `on` or `off`.")
    on = ctx.args[0].lower() == "on"
    await set_streaks(ctx.db, ctx.cohort.id, on, ctx.now)
    state = "shown again" if on else "hidden"
    return Reply(
        text=f"Streaks are {state} in quiz summaries and the leaderboard for {ctx.cohort.name}.",
        ephemeral=True,
    )


async def quizstats(ctx: Context) -> Reply:
    if len(ctx.args) > 1:
        raise UsageError("Give at most a topic.")
    topic = resolve_topic(ctx.args[0]) if ctx.args else None
    stats = await question_stats(ctx.db, ctx.cohort.id)
    if topic is not None:
        ids = {q.id for q in bank().questions(topic)}
        stats = [s for s in stats if s.question_id in ids]
    if not stats:
        return Reply(text="No answers yet.", ephemeral=True)
    lines = [
        f"{s.question_id} — {s.answers} answered · {s.share_correct:.0%} correct · median "
        + ("—" if s.median_ms is None else format_seconds(round(s.median_ms)))
        for s in stats[:MAX_STATS_LINES]
    ]
    if len(stats) > MAX_STATS_LINES:
        lines.append(f"… and {len(stats) - MAX_STATS_LINES} more (name a topic to narrow).")
    return Reply(
        title="Quiz statistics" + (f" · {topic}" if topic else ""),
        text="\n".join(lines),
        footer="Hardest first. Late answers count as not correct.",
        ephemeral=True,
    )
