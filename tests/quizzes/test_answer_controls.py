"""The platform-neutral parts of the answer controls: the command a picker sends and the
check of an answer form (what the Slack and Discord modals refuse in place)."""

from __future__ import annotations

from handlers.controls import box_error, picked_command
from handlers.types import AnswerBox


def box(low: float | None = None, high: float | None = None) -> AnswerBox:
    return AnswerBox("Answer", "Your answer", "P(A)?", "answer {text} q7", low=low, high=high)


def test_a_picker_sends_the_picked_letters_in_its_command() -> None:
    assert picked_command("answer {picked} q7", ["a", "c"]) == "answer a c q7"
    assert picked_command("answer {picked} q7", ["c", "c"]) == "answer c q7"


def test_nothing_picked_or_a_damaged_control_sends_nothing() -> None:
    assert picked_command("answer {picked} q7", []) is None
    assert picked_command("answer q7", ["a"]) is None


def test_a_value_that_is_not_one_word_cannot_add_words_to_the_command() -> None:
    # Slack and Discord only send the options' values, but a value is never trusted to be
    # a single letter: "a q9" would point the answer at another question.
    assert picked_command("answer {picked} q7", ["a q9", "b"]) == "answer b q7"


def test_a_form_refuses_what_is_not_a_number_and_what_is_out_of_range() -> None:
    problem = box_error(box(), "about a third")
    assert problem is not None and "as a number" in problem
    assert box_error(box(0, 1), "1.5") == "1.5 is out of range: the answer lies between 0 and 1."
    assert box_error(box(0, 1), "-0.1") is not None
    assert box_error(box(0, 1), "3/8") is None and box_error(box(0, 1), "37.5%") is None
    assert box_error(box(), "1e300") is None and box_error(box(), "1e999") is not None


def test_the_form_text_goes_into_the_command_as_one_word_sequence() -> None:
    assert box().command_for("  3 / 8 ") == "answer 3 / 8 q7"
