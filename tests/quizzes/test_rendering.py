"""Rendering is deterministic per seed, differs between members, and never leaks templates."""

from __future__ import annotations

from quizzes.questions import (
    Bank,
    explain,
    instance_seed,
    list_topics,
    pick_questions,
    render,
    render_for,
    tolerance_hint,
)


def test_instance_seed_is_stable_across_processes() -> None:
    # A fixed value: Python's salted hash() would change it on every start.
    assert instance_seed("slack:T1:U1", "prob-bayes-one-test", 0) == 3593510842500269471


def test_instance_seed_differs_by_member_question_and_attempt() -> None:
    seeds = {
        instance_seed(member, question, attempt)
        for member in ("alice", "bob")
        for question in ("q1", "q2")
        for attempt in (0, 1)
    }
    assert len(seeds) == 8


def test_the_same_member_and_attempt_see_the_same_question(bank: Bank) -> None:
    a = render_for(bank, "prob-bayes-two-tests", "alice", 0)
    b = render_for(bank, "prob-bayes-two-tests", "alice", 0)
    assert a == b


def test_two_members_get_different_numbers(bank: Bank) -> None:
    alice = render_for(bank, "prob-bayes-two-tests", "alice", 0)
    bob = render_for(bank, "prob-bayes-two-tests", "bob", 0)
    assert alice.params != bob.params and alice.prompt != bob.prompt
    assert alice.answer != bob.answer


def test_a_new_attempt_gets_new_numbers(bank: Bank) -> None:
    first = render_for(bank, "opt-momentum-two-steps", "alice", 0)
    second = render_for(bank, "opt-momentum-two-steps", "alice", 1)
    assert first.params != second.params


def test_choices_are_shuffled_per_seed_and_the_key_follows_them(bank: Bank) -> None:
    question = bank.question("opt-saddle-point")
    orders = set()
    for seed in range(30):
        rq = render(question, seed, "optimization")
        orders.add(rq.choices)
        assert isinstance(rq.answer, str)
        assert rq.choices["abcd".index(rq.answer)] == "A saddle point"
    assert len(orders) > 1


def test_unshuffled_choices_keep_their_order(bank: Bank) -> None:
    question = bank.question("prob-mse-decomposition").model_copy(update={"shuffle": False})
    rq = render(question, 5, "probability")
    assert rq.choices == ("0.25", "0.46", "0.19", "0.07") and rq.answer == "a"


def test_a_rendered_question_carries_topic_section_and_link(bank: Bank) -> None:
    rq = render_for(bank, "opt-adam-two-steps", "carol", 2)
    assert (rq.topic, rq.section) == ("optimization", "12.10")
    assert rq.link == "https://d2l.ai/chapter_optimization/adam.html"


def test_the_explanation_shows_the_key_and_the_d2l_link(bank: Bank) -> None:
    rq = render_for(bank, "prob-bayes-one-test", "alice", 0)
    text = explain(rq)
    assert text.startswith("Answer: ") and rq.link in text and "2.6" in text
    assert "rounded to 3 significant digits" in tolerance_hint(rq)


def test_a_multiple_choice_key_reads_as_one_list(bank: Bank) -> None:
    rq = render_for(bank, "opt-minibatch-tradeoffs", "alice", 0)
    first = explain(rq).splitlines()[0]
    assert len(rq.answer) > 1 and first.count(") ") == len(rq.answer)
    assert ".;" not in first


def test_topics_are_listed_with_counts(bank: Bank) -> None:
    topics = {t.id: t for t in list_topics(bank)}
    assert set(topics) == {"probability", "optimization"}
    assert topics["optimization"].questions == len(bank.questions("optimization"))


def test_picking_is_deterministic_and_has_no_repeats(bank: Bank) -> None:
    seed = instance_seed("alice", "quiz:probability", 0)
    first = pick_questions(bank, 5, seed, topic="probability")
    again = pick_questions(bank, 5, seed, topic="probability")
    assert [q.id for q in first] == [q.id for q in again]
    assert len({q.id for q in first}) == 5
    assert all(q.id.startswith("prob-") for q in first)


def test_picking_differs_between_members(bank: Bank) -> None:
    alice = pick_questions(bank, 5, instance_seed("alice", "quiz", 0))
    bob = pick_questions(bank, 5, instance_seed("bob", "quiz", 0))
    assert [q.id for q in alice] != [q.id for q in bob]


def test_answered_questions_come_only_after_the_fresh_ones(bank: Bank) -> None:
    all_ids = [q.id for q in bank.questions("optimization")]
    answered = set(all_ids[:-3])
    picked = pick_questions(bank, 5, 42, topic="optimization", exclude=answered)
    assert {q.id for q in picked[:3]} == set(all_ids[-3:])
    assert all(q.id in answered for q in picked[3:])


def test_picking_more_than_the_topic_holds_returns_each_once(bank: Bank) -> None:
    picked = pick_questions(bank, 1000, 1, topic="probability")
    assert len(picked) == len(bank.questions("probability"))


def test_parameters_for_a_seed_never_change(bank: Bank) -> None:
    # Stored attempts are replayed from (question id, seed): sampling must stay stable.
    rq = render(bank.question("prob-bayes-positive-then-negative"), 12345)
    assert rq.params == {"prior": 0.08, "sens1": 0.97, "fp1": 0.06, "sens2": 0.84, "fp2": 0.1}
