"""Leaderboards, streaks and the organizers' per-question statistics."""

from __future__ import annotations

import datetime as dt
import itertools

from bot.app import App
from bot.clock import FakeClock
from models.tables import QuizAttempt, Submission
from tests.conftest import Chat
from tests.quizplay.conftest import member_id, open_question, right_answer, wrong_answer

SEEDS = itertools.count(1)


async def add_attempts(
    app: App, user: str, rows: list[tuple[str, bool, float, int]], mode: str = "personal"
) -> None:
    """Store answered attempts directly: (question id, correct, points, time in ms)."""
    mid = await member_id(app, user)
    now = app.services.clock.now()
    async with app.services.sessions() as db, db.begin():
        for i, (qid, correct, points, ms) in enumerate(rows):
            at = now + dt.timedelta(seconds=i)
            db.add(
                QuizAttempt(
                    cohort_id=1,
                    member_id=mid,
                    question_id=qid,
                    topic="probability",
                    seed=next(SEEDS),
                    params={},
                    answer_given="x",
                    correct=correct,
                    points=points,
                    mode=mode,
                    asked_at=at,
                    answered_at=at,
                    time_ms=ms,
                )
            )


async def test_the_leaderboard_shows_the_top_ten_and_my_own_rank(talk: Chat, bot: App) -> None:
    names = [f"m{i:02}" for i in range(12)]
    for i, name in enumerate(names):
        await talk.say("join", as_=name)
        await add_attempts(bot, name, [("prob-q", True, 1000.0 - 10 * i, 1000)])
    text = await talk.text("leaderboard quiz", as_="m11")
    assert "1. m00 — 1000 points (1 correct)" in text
    assert "10. m09 — 910 points" in text
    assert "m10 —" not in text
    assert "You: #12 of 12 — 890 points" in text
    assert "You: #1 of 12." in await talk.text("leaderboard quiz", as_="m00")
    assert "You: no scores yet." in await talk.text("leaderboard quiz", as_="newcomer")


async def test_replaying_a_question_counts_only_its_best_answer_but_live_rounds_add_up(
    talk: Chat, bot: App
) -> None:
    await talk.say("join", as_="alice")
    await add_attempts(bot, "alice", [("prob-a", True, 900.0, 1), ("prob-a", True, 700.0, 1)])
    await add_attempts(bot, "alice", [("prob-a", True, 600.0, 1)], mode="live")
    assert "1. alice — 1500 points" in await talk.text("leaderboard quiz", as_="alice")


async def test_the_code_leaderboard_sums_the_best_score_of_each_exercise(
    talk: Chat, bot: App
) -> None:
    await talk.say("join", as_="alice")
    await talk.say("join", as_="bob")
    assert "Code exercises: No scores yet." in await talk.text("leaderboard code", as_="bob")
    now = bot.services.clock.now()
    async with bot.services.sessions() as db, db.begin():
        for user, exercise, score in [
            ("alice", "softmax", 0.5),
            ("alice", "softmax", 1.0),
            ("alice", "adam_step", 0.75),
            ("bob", "softmax", 1.0),
        ]:
            db.add(
                Submission(
                    cohort_id=1,
                    member_id=await member_id(bot, user),
                    exercise_id=exercise,
                    code="...",
                    seed=1,
                    status="passed",
                    score=score,
                    created_at=now,
                )
            )
    text = await talk.text("leaderboard all", as_="bob")
    assert "1. alice — 1.75 points (2 exercises)" in text
    assert "2. bob — 1 points (1 exercises)" in text
    assert "Quizzes:" in text and "Code exercises:" in text
    assert "Choose quiz, code or all" in await talk.text("leaderboard chess", as_="bob")


async def test_streaks_show_until_an_organizer_turns_them_off(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await talk.say("help", as_="olga")
    await talk.say("quiz probability 3", as_="alice")
    for answer in (wrong_answer, right_answer, right_answer):
        clock.advance(dt.timedelta(seconds=3))
        text = await talk.text(f"answer {answer(await open_question(bot, 'alice'))}", as_="alice")
    assert "🔥 Streak: 2 correct answers in a row." in text
    assert "🔥2" in await talk.text("leaderboard quiz", as_="alice")

    assert "for organizers" in await talk.text("admin streaks off", as_="alice")
    assert "Streaks are hidden" in await talk.text("admin streaks off", as_="olga")
    assert "🔥" not in await talk.text("leaderboard quiz", as_="alice")
    await talk.say("quiz probability 1", as_="alice")
    text = await talk.text(f"answer {right_answer(await open_question(bot, 'alice'))}", as_="alice")
    assert "Done" in text and "Streak" not in text
    assert "Streaks are shown again" in await talk.text("admin streaks on", as_="olga")
    assert "🔥3" in await talk.text("leaderboard quiz", as_="alice")
    assert "Say `on` or `off`" in await talk.text("admin streaks maybe", as_="olga")


async def test_quizstats_give_share_correct_and_median_time_per_question(
    talk: Chat, bot: App
) -> None:
    await talk.say("help", as_="olga")
    await talk.say("join", as_="alice")
    await add_attempts(
        bot,
        "alice",
        [
            ("prob-even", True, 1.0, 1000),
            ("prob-even", False, 0.0, 10000),
            ("prob-even", True, 1.0, 3000),
            ("prob-even", True, 1.0, 2000),
            ("prob-odd", False, 0.0, 5000),
            ("prob-odd", False, 0.0, 1000),
            ("prob-odd", True, 1.0, 3000),
        ],
    )
    assert "for organizers" in await talk.text("admin quizstats", as_="alice")
    text = await talk.text("admin quizstats", as_="olga")
    assert "prob-odd — 3 answered · 33% correct · median 3.0 s" in text
    assert "prob-even — 4 answered · 75% correct · median 2.5 s" in text
    assert text.index("prob-odd") < text.index("prob-even")  # hardest first
    assert "No answers yet" in await talk.text("admin quizstats optimization", as_="olga")
