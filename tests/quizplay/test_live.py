"""Live rounds: one question for the whole channel, private answers, speed-weighted points."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from handlers.types import Invocation
from quizzes.questions import format_answer
from tests.conftest import Chat, make_settings
from tests.core.conftest import CATALOG
from tests.quizplay.conftest import (
    attempts,
    kahoot,
    limit_s,
    live_question,
    right_answer,
    seconds,
    wrong_answer,
)


async def start_round(talk: Chat, topic: str = "probability", n: int = 2) -> None:
    await talk.say("help", as_="olga")  # olga organizes the cohort (by her console id)
    replies = await talk.say(f"quiz live {topic} {n}", as_="olga")
    assert [r.ephemeral for r in replies] == [False, False]  # the channel sees it


async def test_a_round_with_three_members_scores_by_speed_and_ranks_them(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await start_round(talk)
    _, q1 = await live_question(bot)
    t1 = limit_s(q1)
    clock.advance(seconds(1))
    [ack] = await talk.say(f"answer {right_answer(q1)}", as_="alice")
    assert ack.ephemeral and "Got it" in ack.text and format_answer(q1) not in ack.text
    clock.advance(seconds(29))
    await talk.say(f"answer {right_answer(q1)}", as_="bob")  # 30 s
    clock.advance(seconds(2))
    await talk.say(f"answer {wrong_answer(q1)}", as_="carol")  # 32 s
    alice, bob = kahoot(1, t1), kahoot(30, t1)

    text = await talk.text("quiz next", as_="olga")
    assert f"Question 1: the answer\n{'=' * 22}\nAnswer: {format_answer(q1)}" in text
    assert "2 of 3 answers correct." in text
    assert text.index(f"alice — {alice} points") < text.index(f"bob — {bob} points")
    assert text.index(f"bob — {bob} points") < text.index("carol — 0 points")
    assert "Live · question 2 of 2" in text

    _, q2 = await live_question(bot)
    assert q2.id != q1.id
    t2 = limit_s(q2)
    clock.advance(seconds(0.3))
    await talk.say(f"answer {right_answer(q2)}", as_="bob")  # under half a second: full
    clock.advance(seconds(5))
    await talk.say(f"answer {right_answer(q2)}", as_="carol")
    clock.advance(seconds(t2))
    late = await talk.text(f"answer {right_answer(q2)}", as_="alice")
    assert "⏰ Too late" in late and f"Answer: {format_answer(q2)}" in late
    bob += 1000
    carol = kahoot(5.3, t2)

    text = await talk.text("quiz next", as_="olga")
    assert "Final leaderboard" in text
    board = text[text.index("Final leaderboard") :]
    expected = sorted([("alice", alice), ("bob", bob), ("carol", carol)], key=lambda p: -p[1])
    positions = [board.index(f"{name} — {points} points") for name, points in expected]
    assert positions == sorted(positions)
    assert "No live round is running here" in await talk.text("quiz next", as_="olga")
    stored = await attempts(bot, "alice")
    assert [(a.mode, a.correct, a.points) for a in stored] == [
        ("live", True, alice),
        ("live", False, 0),
    ]


async def test_everyone_in_a_round_gets_the_same_numbers(talk: Chat, bot: App) -> None:
    await start_round(talk, "optimization", 1)
    game, rq = await live_question(bot)
    for name in ("alice", "bob"):
        await talk.say(f"answer {wrong_answer(rq)}", as_=name)
    alice, bob = (await attempts(bot, "alice"))[0], (await attempts(bot, "bob"))[0]
    assert alice.seed == bob.seed == game.seeds[0]
    assert alice.params == bob.params == rq.params


async def test_only_the_first_answer_to_a_live_question_counts(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await start_round(talk)
    _, rq = await live_question(bot)
    await talk.say(f"answer {wrong_answer(rq)}", as_="alice")
    text = await talk.text(f"answer {right_answer(rq)}", as_="alice")
    assert "already answered question 1; your first answer counts" in text
    assert [a.correct for a in await attempts(bot, "alice")] == [False]


async def test_a_button_for_a_closed_live_question_is_refused(talk: Chat, bot: App) -> None:
    await start_round(talk)
    game, _ = await live_question(bot)
    await talk.say("quiz next", as_="olga")
    text = await talk.text(f"answer a r{game.id}-1", as_="alice")
    assert "Question 1 of that round is closed; question 2 is open." in text
    assert "isn't running here" in await talk.text("answer a r999-1", as_="alice")


async def test_only_organizers_run_live_rounds(talk: Chat) -> None:
    await talk.say("help", as_="olga")
    assert "for organizers" in await talk.text("quiz live probability", as_="alice")
    assert "for organizers" in await talk.text("quiz next", as_="alice")
    assert "No live round is running here" in await talk.text("quiz next", as_="olga")
    assert "Did you mean `optimization`" in await talk.text("quiz live optimisation", as_="olga")
    await talk.say("quiz live probability 2", as_="olga")
    assert "already running here" in await talk.text("quiz live probability", as_="olga")
    stopped = await talk.text("quiz live stop", as_="olga")
    assert "Round stopped" in stopped and "Nobody answered" in stopped


async def test_a_round_goes_on_in_another_bot_process(
    talk: Chat, bot: App, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    await start_round(talk)
    _, rq = await live_question(bot)
    await talk.say(f"answer {right_answer(rq)}", as_="alice")
    other = await App.create(make_settings(database_url), clock=clock, catalog=CATALOG)
    try:
        text = await Chat(other, tmp_path / "other").text("quiz next", as_="olga")
    finally:
        await other.close()
    assert f"Answer: {format_answer(rq)}" in text and "alice — 1000 points" in text


async def test_a_round_is_answered_in_its_own_channel(talk: Chat, bot: App) -> None:
    await start_round(talk)
    game, rq = await live_question(bot)
    elsewhere = Invocation("console", "local", "random", "alice", "alice", "")
    await bot.handle(replace(elsewhere, text="help"))
    [reply] = await bot.handle(replace(elsewhere, text=f"answer {right_answer(rq)} r{game.id}-1"))
    assert "running in another channel" in reply.text
    [reply] = await bot.handle(replace(elsewhere, text=f"answer {right_answer(rq)}"))
    assert "You have no open question" in reply.text  # no round runs in #random
    assert await attempts(bot, "alice") == []


async def test_a_direct_message_answers_the_cohorts_running_round(talk: Chat, bot: App) -> None:
    await start_round(talk)
    _, rq = await live_question(bot)
    direct = Invocation("console", "local", "dm-bob", "bob", "bob", "", is_direct=True)
    [reply] = await bot.handle(replace(direct, text=f"answer {right_answer(rq)}"))
    assert reply.ephemeral and "Got it" in reply.text
    assert [(a.mode, a.correct) for a in await attempts(bot, "bob")] == [("live", True)]
