"""Answers are read the way people type them; anything unreadable gets a message, never an
exception."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.questions import RenderedQuestion, Tolerance, check_answer
from quizzes.questions._parse import UnreadableAnswer, parse_multiple, parse_number

CHOICES = ("Exactly one", "Two", "Infinitely many", "It depends")


def rendered(kind: str, answer: object, **extra: object) -> RenderedQuestion:
    return RenderedQuestion.model_validate(
        {
            "id": "demo",
            "topic": "demo",
            "section": "2.6",
            "link": "https://d2l.ai/chapter_preliminaries/probability.html",
            "type": kind,
            "prompt": "A question?",
            "choices": CHOICES if kind in ("single", "multiple") else (),
            "answer": answer,
            "tolerance": Tolerance(rel=0.01) if kind == "numeric" else None,
            "params": {},
            "explanation": "Because.",
            "seed": 0,
            **extra,
        }
    )


NUMERIC = rendered("numeric", 0.375)


@pytest.mark.parametrize(
    "text", ["0.375", "3/8", "37.5%", "3.75e-1", ".375", " 0.375 ", "3 / 8", "0.37500", "+0.375"]
)
def test_a_number_is_accepted_in_every_usual_form(text: str) -> None:
    result = check_answer(NUMERIC, text)
    assert result.ok and result.correct, result.message


@pytest.mark.parametrize(("text", "value"), [("-2", -2.0), ("− 2", -2.0), ("1e3", 1000.0)])
def test_signs_unicode_minus_and_exponents_are_read(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["0.4", "3/7", "40%"])
def test_a_number_outside_the_tolerance_is_wrong(text: str) -> None:
    result = check_answer(NUMERIC, text)
    assert result.ok and not result.correct
    assert "0.375" in result.message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "empty"),
        ("abc", "as a number"),
        ("0,375", "dot"),
        ("1/0", "zero"),
        ("nan", "as a number"),
        ("inf", "as a number"),
        ("1e999", "too large"),
        ("x" * 500, "too long"),
    ],
)
def test_unreadable_numbers_get_a_clear_message(text: str, hint: str) -> None:
    result = check_answer(NUMERIC, text)
    assert not result.ok and not result.correct
    assert hint in result.message


SINGLE = rendered("single", "a")


@pytest.mark.parametrize(
    "text", ["a", "A", "(a)", "a)", "a.", "1", "exactly one", " Exactly  One "]
)
def test_a_choice_is_accepted_by_letter_number_or_text(text: str) -> None:
    assert check_answer(SINGLE, text).correct


@pytest.mark.parametrize("text", ["b", "2", "Two"])
def test_another_choice_is_wrong(text: str) -> None:
    result = check_answer(SINGLE, text)
    assert result.ok and not result.correct


@pytest.mark.parametrize("text", ["e", "5", "a,b", "maybe"])
def test_an_impossible_single_choice_is_unreadable(text: str) -> None:
    result = check_answer(SINGLE, text)
    assert not result.ok and "a to d" in result.message


MULTIPLE = rendered("multiple", ("a", "c"))


@pytest.mark.parametrize("text", ["a,c", "a c", "ac", "c, a", "A and C", "1 3", "a;c", "a, c, a"])
def test_multiple_choices_are_accepted_in_any_separator_and_order(text: str) -> None:
    assert check_answer(MULTIPLE, text).correct


@pytest.mark.parametrize("text", ["a", "a,b,c", "b,d"])
def test_a_partial_or_extra_selection_is_wrong(text: str) -> None:
    result = check_answer(MULTIPLE, text)
    assert result.ok and not result.correct


def test_multiple_letters_are_sorted_and_deduplicated() -> None:
    assert parse_multiple("c a c", CHOICES) == ("a", "c")


TRUE = rendered("true_false", True)


@pytest.mark.parametrize("text", ["t", "T", "true", "True.", "yes", "y"])
def test_true_is_accepted_in_several_spellings(text: str) -> None:
    assert check_answer(TRUE, text).correct


@pytest.mark.parametrize("text", ["f", "false", "no", "N"])
def test_false_spellings_are_wrong_when_the_answer_is_true(text: str) -> None:
    result = check_answer(TRUE, text)
    assert result.ok and not result.correct


def test_an_unreadable_true_false_answer_gets_a_message() -> None:
    result = check_answer(TRUE, "perhaps")
    assert not result.ok and "true or false" in result.message


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_checking_any_text_never_raises(text: str) -> None:
    for rq in (NUMERIC, SINGLE, MULTIPLE, TRUE):
        result = check_answer(rq, text)
        assert result.ok or (not result.correct and result.message)


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_every_finite_float_round_trips_through_the_parser(value: float) -> None:
    assert parse_number(repr(value)) == value


@given(st.integers(-(10**6), 10**6), st.integers(1, 10**6))
def test_fractions_are_divided(num: int, den: int) -> None:
    assert math.isclose(parse_number(f"{num}/{den}"), num / den)


def test_unreadable_answer_is_a_value_error_for_direct_callers() -> None:
    with pytest.raises(UnreadableAnswer):
        parse_number("three")
