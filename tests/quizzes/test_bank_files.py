"""The shipped banks: they validate, meet the content requirements, and every question
renders and grades its own key correctly for many seeds."""

from __future__ import annotations

import math

import pytest

from quizzes.questions import Bank, check_answer, format_answer, load_bank, validate_bank
from quizzes.questions._render import LETTERS
from tests.quizzes.conftest import instances

ALL_IDS = [q.id for q in load_bank().questions()]


def test_every_shipped_bank_file_validates() -> None:
    assert validate_bank() == []


@pytest.mark.parametrize("topic", ["probability", "optimization"])
def test_each_topic_has_at_least_30_questions(bank: Bank, topic: str) -> None:
    assert len(bank.questions(topic)) >= 30


def test_at_least_24_questions_are_parametrized(bank: Bank) -> None:
    assert sum(q.parametrized for q in bank.questions()) >= 24


def test_every_question_has_an_explanation_a_section_and_a_d2l_link(bank: Bank) -> None:
    for q in bank.questions():
        assert len(q.explanation) > 40, q.id
        assert q.link.startswith("https://d2l.ai/chapter_"), q.id
        assert q.section.split(".")[0] in {"2", "12", "22"}, q.id


def test_ids_are_unique_across_topics(bank: Bank) -> None:
    assert len(ALL_IDS) == len(set(ALL_IDS))


def test_every_question_type_is_used(bank: Bank) -> None:
    assert {q.type for q in bank.questions()} == {"single", "multiple", "true_false", "numeric"}


@pytest.mark.parametrize("question_id", ALL_IDS)
def test_question_renders_and_grades_its_key_for_many_seeds(bank: Bank, question_id: str) -> None:
    prompts = set()
    for rq in instances(bank, question_id, n=100):
        prompts.add(rq.prompt)
        assert "{" not in rq.prompt and "}" not in rq.prompt
        assert "{" not in rq.explanation
        if isinstance(rq.answer, float):
            assert math.isfinite(rq.answer)
            assert check_answer(rq, format_answer(rq)).correct
            assert check_answer(rq, repr(rq.answer)).correct
            assert rq.tolerance is not None
            off = 3 * rq.tolerance.allowed(rq.answer) + 1e-9
            assert not check_answer(rq, repr(rq.answer + off)).correct
            if not rq.magnitude or abs(rq.answer) > off:
                assert not check_answer(rq, repr(rq.answer - off)).correct
        elif isinstance(rq.answer, bool):
            assert check_answer(rq, str(rq.answer).lower()).correct
            assert not check_answer(rq, str(not rq.answer).lower()).correct
        elif isinstance(rq.answer, str):
            assert check_answer(rq, rq.answer).correct
            for wrong in LETTERS[: len(rq.choices)]:
                if wrong != rq.answer:
                    assert not check_answer(rq, wrong).correct
        else:
            assert check_answer(rq, ",".join(rq.answer)).correct
            assert not check_answer(rq, rq.answer[0]).correct or len(rq.answer) == 1
            extras = [x for x in LETTERS[: len(rq.choices)] if x not in rq.answer]
            for w in extras:
                assert not check_answer(rq, ",".join((*rq.answer, w))).correct
    if bank.question(question_id).parametrized:
        assert len(prompts) > 1, "a parametrized question should vary between members"
