"""Spaced repetition of missed questions (SM-2) and the scoring rules."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from handlers.quiz import speed_points
from handlers.quiz._sm2 import Sm2, next_state, quality
from models.quiz_tables import ReviewCard
from tests.conftest import Chat
from tests.quizplay.conftest import attempts, open_question, right_answer, wrong_answer

DAY = dt.timedelta(days=1)


def test_sm2_intervals_are_one_day_six_days_then_times_the_easiness() -> None:
    card = Sm2()
    intervals = []
    for _ in range(4):
        card = next_state(card, 4)  # quality 4 leaves the easiness at 2.5
        intervals.append(card.interval_days)
    assert intervals == [1, 6, 15, 38]
    assert card.easiness == pytest.approx(2.5)


def test_a_failed_recall_starts_the_card_over_and_keeps_its_easiness() -> None:
    card = next_state(next_state(Sm2(), 5), 5)
    failed = next_state(card, 1)
    assert (failed.interval_days, failed.repetitions) == (1, 0)
    assert failed.easiness == card.easiness == pytest.approx(2.7)


def test_the_easiness_never_drops_below_1_3() -> None:
    card = Sm2()
    for _ in range(20):
        card = next_state(card, 3)
    assert card.easiness == pytest.approx(1.3)


def test_quality_comes_from_correctness_and_speed() -> None:
    assert [quality(True, t, 120_000) for t in (10_000, 60_000, 100_000)] == [5, 4, 3]
    assert quality(False, 1_000, 120_000) == 1
    assert quality(True, 130_000, 120_000) == 1  # late


@pytest.mark.parametrize(
    ("taken_ms", "correct", "points"),
    [
        (0, True, 1000),
        (499, True, 1000),
        (500, True, 998),
        (60_000, True, 750),
        (120_000, True, 500),
        (120_001, True, 0),
        (1_000, False, 0),
    ],
)
def test_speed_points_follow_kahoot(taken_ms: int, correct: bool, points: int) -> None:
    assert speed_points(correct, taken_ms, dt.timedelta(seconds=120)) == points


async def cards(app: App) -> list[ReviewCard]:
    async with app.services.sessions() as db:
        return list(await db.scalars(select(ReviewCard)))


async def test_a_missed_question_comes_back_when_due_and_not_before(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    assert "Nothing to review" in await talk.text("review", as_="alice")
    await talk.say("quiz probability 1", as_="alice")
    missed = await open_question(bot, "alice")
    await talk.say(f"answer {wrong_answer(missed)}", as_="alice")
    start = clock.now()

    clock.advance(DAY - dt.timedelta(minutes=1))
    assert "Nothing is due yet" in await talk.text("review", as_="alice")
    clock.set(start + DAY)
    text = await talk.text("review", as_="alice")
    assert "Review · question 1 of 1" in text and missed.id in text
    again = await open_question(bot, "alice")
    assert again.id == missed.id and again.seed != missed.seed  # new numbers
    assert "Review summary" in await talk.text(f"answer {right_answer(again)}", as_="alice")
    [card] = await cards(bot)
    assert (card.repetitions, card.interval_days) == (1, 1)
    assert card.due_at == clock.now() + DAY

    clock.advance(DAY)
    await talk.say("review", as_="alice")
    await talk.say(f"answer {right_answer(await open_question(bot, 'alice'))}", as_="alice")
    [card] = await cards(bot)
    assert (card.repetitions, card.interval_days) == (2, 6)
    clock.advance(5 * DAY)
    assert "Nothing is due yet" in await talk.text("review", as_="alice")
    assert [a.mode for a in await attempts(bot, "alice")] == ["personal", "review", "review"]


async def test_a_miss_in_review_resets_the_card(talk: Chat, bot: App, clock: FakeClock) -> None:
    await talk.say("quiz optimization 1", as_="bob")
    await talk.say(f"answer {wrong_answer(await open_question(bot, 'bob'))}", as_="bob")
    clock.advance(DAY)
    await talk.say("review", as_="bob")
    await talk.say(f"answer {wrong_answer(await open_question(bot, 'bob'))}", as_="bob")
    [card] = await cards(bot)
    assert (card.repetitions, card.interval_days, card.lapses) == (0, 1, 2)
    assert card.due_at == clock.now() + DAY


async def test_correct_answers_outside_review_make_no_cards(talk: Chat, bot: App) -> None:
    await talk.say("quiz probability 1", as_="carol")
    await talk.say(f"answer {right_answer(await open_question(bot, 'carol'))}", as_="carol")
    assert await cards(bot) == []
