"""Playing quizzes in chat: personal quizzes, live rounds, review, leaderboards and stats.

Every answer is a `QuizAttempt`; the state between messages (runs, rounds, review cards,
settings) is in `models.quiz_tables`, so any bot process can serve the next message."""

from __future__ import annotations

from handlers.quiz._answer import answer
from handlers.quiz._boards import leaderboard, quizstats, toggle_streaks
from handlers.quiz._common import (
    DEFAULT_TIME_LIMIT_S,
    live_pick_seed,
    live_seed,
    personal_seed,
    speed_points,
)
from handlers.quiz._live import RESULTS_KIND as LIVE_RESULTS_KIND
from handlers.quiz._live import advance, render_live_results, start
from handlers.quiz._personal import quiz, review, stop
from handlers.router import Command, Router

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "LIVE_RESULTS_KIND",
    "live_pick_seed",
    "live_seed",
    "personal_seed",
    "register",
    "render_live_results",
    "speed_points",
]

GROUP = "Quizzes"


def register(router: Router) -> None:
    for command in (
        Command(
            name="quiz",
            usage="quiz [TOPIC] [N]",
            summary="a private quiz of N questions (default 5, at most 20); no topic lists them",
            details="One question at a time; answer with the buttons or `d2l answer VALUE`. "
            "Your numbers are drawn for you, so sharing answers doesn't help. Each question "
            "has a time limit (120 s unless the question sets one) kept by the server.",
            handler=quiz,
            group=GROUP,
            examples=("quiz probability", "quiz optimization 10"),
            joins=bool,  # with a topic: `d2l quiz` alone only lists the topics
        ),
        Command(
            name="answer",
            usage="answer VALUE",
            summary="answer your open question (a letter, true/false, or a number like 3/8)",
            handler=answer,
            group=GROUP,
            examples=("answer b", "answer 0.375"),
            joins=True,
        ),
        Command(
            name="quiz answer",
            usage="quiz answer VALUE",
            summary="the same as `d2l answer VALUE`",
            handler=answer,
            group=GROUP,
            joins=True,
        ),
        Command(
            name="quiz stop",
            usage="quiz stop",
            summary="give up your quiz or review (answered questions still count)",
            handler=stop,
            group=GROUP,
        ),
        Command(
            name="review",
            usage="review [N]",
            summary="spaced repetition of the questions you missed, most overdue first",
            details="A missed question comes back a day later; each correct review spaces it "
            "out (1 day, 6 days, then longer: SM-2); a miss starts it over.",
            handler=review,
            group=GROUP,
            joins=True,
        ),
        Command(
            name="leaderboard",
            usage="leaderboard [quiz|code|all]",
            summary="the top 10 and your own rank",
            handler=leaderboard,
            group=GROUP,
            examples=("leaderboard quiz",),
        ),
        Command(
            name="quiz live",
            usage="quiz live TOPIC [N] | quiz live stop",
            summary="run a timed round in this channel; everyone answers privately",
            details="Everyone sees the same numbers. A correct answer earns 500 to 1000 points, "
            "more the faster it comes (full points under half a second). `d2l quiz next` "
            "reveals the answer and the leaderboard and moves on.",
            handler=start,
            organizer_only=True,
            group="Organizers",
            examples=("quiz live optimization 5",),
        ),
        Command(
            name="quiz next",
            usage="quiz next",
            summary="reveal the live question's answer and leaderboard, then ask the next",
            handler=advance,
            organizer_only=True,
            group="Organizers",
        ),
        Command(
            name="admin streaks",
            usage="admin streaks on|off",
            summary="show or hide answer streaks for the cohort",
            handler=toggle_streaks,
            organizer_only=True,
            group="Organizers",
        ),
        Command(
            name="admin quizstats",
            usage="admin quizstats [TOPIC]",
            summary="per-question answers, share correct and median time",
            handler=quizstats,
            organizer_only=True,
            group="Organizers",
        ),
    ):
        router.add(command)
