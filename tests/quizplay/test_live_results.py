"""A live question's results (explanation and how the room answered) are posted exactly once:
by the outbox when its time runs out, or by `quiz next` / `quiz live stop` before that."""

from __future__ import annotations

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from tests.conftest import Chat
from tests.core.conftest import RecordingSender
from tests.quizplay.conftest import limit_s, live_question, right_answer, seconds, wrong_answer

RESULTS = "How the room answered"


async def start_round(talk: Chat, n: int = 2) -> None:
    await talk.say("help", as_="olga")
    await talk.say(f"quiz live probability {n}", as_="olga")


def posted(sender: RecordingSender) -> list[str]:
    return [d.reply.text for d in sender.sent if d.kind == "live_results"]


async def test_results_are_posted_when_time_runs_out_and_not_again_on_quiz_next(
    talk: Chat, bot: App, clock: FakeClock, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await start_round(talk)
    _, q1 = await live_question(bot)
    await talk.say(f"answer {right_answer(q1)}", as_="alice")
    await talk.say(f"answer {wrong_answer(q1)}", as_="bob")
    await dispatcher.run_once()
    assert posted(sender) == []  # still open: nothing is revealed early
    clock.advance(seconds(limit_s(q1) + 1))
    await dispatcher.run_once()
    [results] = posted(sender)
    assert f"{RESULTS} (2 answers)" in results and "1 of 2 answers correct" in results
    assert sender.sent[-1].target == "console"  # in the round's channel

    text = await talk.text("quiz next", as_="olga")
    assert RESULTS not in text and "posted when time ran out" in text
    assert "Live · question 2 of 2" in text
    await dispatcher.run_once()
    assert len(posted(sender)) == 1


async def test_quiz_next_before_the_deadline_posts_the_results_and_the_outbox_does_not(
    talk: Chat, bot: App, clock: FakeClock, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await start_round(talk)
    _, q1 = await live_question(bot)
    await talk.say(f"answer {right_answer(q1)}", as_="alice")
    text = await talk.text("quiz next", as_="olga")
    assert f"{RESULTS} (1 answer)" in text
    _, q2 = await live_question(bot)
    clock.advance(seconds(max(limit_s(q1), limit_s(q2)) + 1))
    await dispatcher.run_once()
    # Question 1 was revealed by the command; question 2's time ran out: only it is posted.
    [results] = posted(sender)
    assert f"{RESULTS} (0 answers)" in results and q2.explanation.strip()[:40] in results


async def test_stopping_a_round_posts_the_open_question_once(
    talk: Chat, bot: App, clock: FakeClock, dispatcher: Dispatcher, sender: RecordingSender
) -> None:
    await start_round(talk)
    _, q1 = await live_question(bot)
    await talk.say(f"answer {right_answer(q1)}", as_="alice")
    text = await talk.text("quiz live stop", as_="olga")
    assert f"{RESULTS} (1 answer)" in text and "Round stopped" in text
    clock.advance(seconds(limit_s(q1) + 1))
    await dispatcher.run_once()
    assert posted(sender) == []
