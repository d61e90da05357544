"""Personal quizzes: one private question at a time, graded on the server's clock."""

from __future__ import annotations

from bot.app import App
from bot.clock import FakeClock
from handlers.quiz import personal_seed
from quizzes.questions import format_answer, load_bank
from tests.conftest import Chat
from tests.quizplay.conftest import (
    attempts,
    instance,
    kahoot,
    limit_s,
    open_question,
    right_answer,
    seconds,
    wrong_answer,
)


async def test_quiz_without_a_topic_lists_the_topics_and_how_to_start(talk: Chat) -> None:
    [reply] = await talk.say("quiz", as_="alice")
    assert reply.ephemeral
    text = await talk.text("quiz", as_="alice")
    assert "probability — Probability and statistics" in text
    assert "optimization — " in text
    assert "d2l quiz TOPIC [N]" in text


async def test_a_full_quiz_answered_right_and_wrong_ends_with_a_summary(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    replies = await talk.say("quiz probability 3", as_="alice")
    assert [r.ephemeral for r in replies] == [True]
    assert "Quiz · question 1 of 3" in (replies[0].title or "")
    first = await open_question(bot, "alice")
    assert first.prompt in replies[0].text  # the stored instance is the one shown

    clock.advance(seconds(4))
    text = await talk.text(f"answer {right_answer(first)}", as_="alice")
    assert f"✅ Correct! +{kahoot(4, limit_s(first))} points (4.0 s)" in text
    assert f"Answer: {format_answer(first)}" in text
    assert f"d2l.ai section {first.section}, {first.link}" in text
    assert "question 2 of 3" in text

    second = await open_question(bot, "alice")
    text = await talk.text(f"answer {wrong_answer(second)}", as_="alice")
    assert "❌ Not quite" in text and f"Answer: {format_answer(second)}" in text

    third = await open_question(bot, "alice")
    clock.advance(seconds(10))
    text = await talk.text(f"d2l answer {right_answer(third)}", as_="alice")
    assert "Quiz summary · probability" in text
    assert "Done: 2 of 3 questions answered correctly" in text
    assert f"{kahoot(4, limit_s(first)) + kahoot(10, limit_s(third))} points, in 0 min 14 s" in text
    assert "🔥 Streak: 1 correct answer in a row." in text
    assert len({first.id, second.id, third.id}) == 3


async def test_each_answer_is_stored_with_its_instance_and_server_time(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await talk.say("quiz optimization 2", as_="bob")
    rq = await open_question(bot, "bob")
    clock.advance(seconds(7.25))
    await talk.say(f"answer {right_answer(rq)}", as_="bob")
    stored = (await attempts(bot, "bob"))[0]
    assert (stored.question_id, stored.seed, stored.topic) == (rq.id, rq.seed, "optimization")
    assert stored.params == rq.params
    assert stored.answer_given == right_answer(rq)
    assert stored.correct is True and stored.mode == "personal"
    assert stored.time_ms == 7250
    assert stored.points == kahoot(7.25, limit_s(rq))
    assert stored.answered_at is not None and stored.answered_at - stored.asked_at == seconds(7.25)


async def test_numbers_are_drawn_per_member_and_per_attempt() -> None:
    question = next(q for q in load_bank().questions("probability") if q.params)
    alice = instance(question.id, personal_seed(1, question.id, 1))
    bob = instance(question.id, personal_seed(2, question.id, 1))
    alice_again = instance(question.id, personal_seed(1, question.id, 2))
    assert alice.params != bob.params
    assert alice.params != alice_again.params
    assert alice == instance(question.id, personal_seed(1, question.id, 1))


async def test_an_answer_after_the_time_limit_is_recorded_as_too_late(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await talk.say("quiz probability 2", as_="alice")
    rq = await open_question(bot, "alice")
    taken = limit_s(rq) + 1
    clock.advance(seconds(taken))
    text = await talk.text(f"answer {right_answer(rq)}", as_="alice")
    assert f"⏰ Too late: {taken // 60} min {taken % 60} s after the question" in text
    assert "No points" in text and f"Answer: {format_answer(rq)}" in text
    assert "question 2 of 2" in text  # the quiz goes on
    late = (await attempts(bot, "alice"))[0]
    assert late.correct is False and late.points == 0
    assert late.time_ms == (limit_s(rq) + 1) * 1000


async def test_an_unreadable_answer_keeps_the_question_open_and_records_nothing(
    talk: Chat, bot: App
) -> None:
    await talk.say("quiz optimization 1", as_="alice")
    rq = await open_question(bot, "alice")
    nonsense = "3,5" if rq.type == "numeric" else "zebra"
    text = await talk.text(f"answer {nonsense}", as_="alice")
    assert "The question is still open." in text
    assert [a.answered_at for a in await attempts(bot, "alice")] == [None]
    assert "Done: 1 of 1 question" in await talk.text(f"answer {right_answer(rq)}", as_="alice")


async def test_a_second_press_of_a_button_does_not_answer_the_next_question(
    talk: Chat, bot: App
) -> None:
    await talk.say("quiz probability 2", as_="alice")
    stored = (await attempts(bot, "alice"))[0]
    rq = instance(stored.question_id, stored.seed)
    press = f"answer {right_answer(rq)} q{stored.id}"
    assert "✅ Correct!" in await talk.text(press, as_="alice")
    assert "You already answered that question; it counts once." in await talk.text(
        press, as_="alice"
    )
    assert [a.answered_at is not None for a in await attempts(bot, "alice")] == [True, False]


async def test_nobody_can_answer_someone_elses_question(talk: Chat, bot: App) -> None:
    await talk.say("quiz probability 1", as_="alice")
    stored = (await attempts(bot, "alice"))[0]
    text = await talk.text(f"answer a q{stored.id}", as_="bob")
    assert "That question was asked to someone else" in text
    assert (await attempts(bot, "alice"))[0].answered_at is None


async def test_bad_input_gets_clear_messages(talk: Chat) -> None:
    assert "Did you mean `probability`?" in await talk.text("quiz probabilty", as_="alice")
    assert "must be 1 to 20, not `21`" in await talk.text("quiz probability 21", as_="alice")
    assert "must be 1 to 20, not `0`" in await talk.text("quiz probability 0", as_="alice")
    assert "must be 1 to 20, not `many`" in await talk.text("quiz probability many", as_="alice")
    assert "You have no open question" in await talk.text("answer 0.5", as_="alice")
    assert "Write your answer after `answer`" in await talk.text("answer", as_="alice")
    assert "You have no quiz in progress" in await talk.text("quiz stop", as_="alice")
    assert "Usage: `d2l quiz [TOPIC] [N]`" in await talk.text("quiz prob 2 3", as_="alice")


async def test_a_unique_prefix_names_the_topic(talk: Chat) -> None:
    assert "Quiz · question 1 of 1" in await talk.text("quiz optim 1", as_="alice")


async def test_quiz_again_shows_the_open_question_and_a_new_topic_must_wait(
    talk: Chat, bot: App
) -> None:
    await talk.say("quiz probability 2", as_="alice")
    rq = await open_question(bot, "alice")
    assert rq.prompt in await talk.text("quiz", as_="alice")
    assert "in the middle of a quiz" in await talk.text("quiz optimization", as_="alice")


async def test_stopping_a_quiz_keeps_what_was_answered(talk: Chat, bot: App) -> None:
    await talk.say("quiz probability 3", as_="alice")
    rq = await open_question(bot, "alice")
    await talk.say(f"answer {right_answer(rq)}", as_="alice")
    text = await talk.text("quiz stop", as_="alice")
    assert "Stopped: 1 of 1 question answered correctly" in text
    assert "You have no open question" in await talk.text("answer 1", as_="alice")


async def test_the_buttons_commands_start_a_quiz_and_answer_it(talk: Chat, bot: App) -> None:
    [topics] = await talk.say("quiz", as_="alice")
    start = next(c.command for c in topics.choices if c.command == "quiz probability")
    [card] = await talk.say(f"{start} 20", as_="alice")
    for _ in range(20):
        rq = await open_question(bot, "alice")
        if card.choices:
            break
        *_, card = await talk.say(f"answer {right_answer(rq)}", as_="alice")
    assert card.choices, "no choice question among 20"
    wanted = "true" if rq.answer is True else "false" if rq.answer is False else rq.answer
    [button] = [c for c in card.choices if c.command.split()[1] == wanted]
    assert "✅ Correct!" in "\n".join(r.text for r in await talk.say(button.command, as_="alice"))


async def test_asking_again_after_the_time_ran_out_counts_a_miss_and_moves_on(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await talk.say("quiz probability 2", as_="alice")
    rq = await open_question(bot, "alice")
    clock.advance(seconds(limit_s(rq) + 30))
    text = await talk.text("quiz", as_="alice")
    assert "Time ran out on question 1." in text and f"Answer: {format_answer(rq)}" in text
    assert "question 2 of 2" in text
    missed = (await attempts(bot, "alice"))[0]
    assert (missed.answer_given, missed.correct, missed.points) == (None, False, 0)
