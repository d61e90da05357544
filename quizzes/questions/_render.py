"""Rendering a question for one seed: numbers drawn, answer computed, choices shuffled."""

from __future__ import annotations

import math
import random
import string
from typing import Any

from pydantic import BaseModel, ConfigDict

from quizzes.questions._params import sample_params
from quizzes.questions._registry import AnswerValue, get_answer_function
from quizzes.questions._schema import ParamValue, Question, QuestionType, Tolerance

LETTERS = string.ascii_lowercase
# The canonical answer: numeric -> float; single -> a letter; multiple -> sorted letters;
# true_false -> bool.
Answer = float | bool | str | tuple[str, ...]


class RenderedQuestion(BaseModel):
    """A question as one member sees it, with its answer key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    topic: str
    section: str
    link: str
    type: QuestionType
    prompt: str
    choices: tuple[str, ...]
    answer: Answer
    tolerance: Tolerance | None
    params: dict[str, ParamValue]
    explanation: str
    seed: int
    time_limit_s: int | None = None
    magnitude: bool = False
    answer_range: tuple[float, float] | None = None


class RenderError(ValueError):
    """An answer function returned something unusable for its question."""


def render(question: Question, seed: int, topic: str = "") -> RenderedQuestion:
    """Draw the parameters for `seed`, compute the answer and fill in the templates."""
    params = sample_params(question.params, seed)
    shown_params = {k: Shown(v) if _is_number(v) else v for k, v in params.items()}
    choices = tuple(c.text.format(**shown_params) for c in question.choices)
    order = list(range(len(choices)))
    if question.shuffle and choices:
        # The id is part of the seed: questions shown with one seed (a live round) would
        # otherwise share an order, and a key written first would stay at a) for everyone.
        random.Random(f"{question.id}:{seed}:choices").shuffle(order)
    raw = _raw_answer(question, params)
    answer = _canonical(question, raw, order)
    shown = _display(answer, tuple(choices[i] for i in order))
    return RenderedQuestion(
        id=question.id,
        topic=topic,
        section=question.section,
        link=question.link,
        type=question.type,
        prompt=question.prompt.format(**shown_params),
        choices=tuple(choices[i] for i in order),
        answer=answer,
        tolerance=question.tolerance,
        params=params,
        explanation=question.explanation.format(**shown_params, answer=shown),
        seed=seed,
        time_limit_s=question.time_limit_s,
        magnitude=question.magnitude,
        answer_range=question.answer_range,
    )


class Shown(float):
    """A parameter as a formula shows it (issue 21): `{a}` is 2 not 2.0, and `{b:+}` is a
    signed term, "+ 2" or "− 0.5", so a template writes `{a}x² {b:+}x`, never "+ (-0.5)x"."""

    def __format__(self, spec: str) -> str:
        if spec == "+":
            sign = "−" if self < 0 else "+"
            return f"{sign} {_plain(abs(float(self)))}"
        return _plain(float(self)) if spec == "" else format(float(self), spec)


def _plain(x: float) -> str:
    text = f"{x:.12g}"
    return "0" if text == "-0" else text


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def format_answer(rq: RenderedQuestion) -> str:
    """The answer key as a person would write it (a letter and text, a number, True/False)."""
    return _display(rq.answer, rq.choices)


def format_number(x: float) -> str:
    """Four significant digits, without a trailing exponent for ordinary magnitudes (and
    never "-0")."""
    text = f"{x:.4g}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _raw_answer(question: Question, params: dict[str, ParamValue]) -> AnswerValue:
    if question.answer is not None:
        return get_answer_function(question.answer)(**params)
    if question.type == "true_false":
        return bool(question.correct)
    return frozenset(i for i, c in enumerate(question.choices) if c.correct)


def _canonical(question: Question, raw: AnswerValue, order: list[int]) -> Answer:
    kind = question.type
    if kind == "numeric":
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise RenderError(f"{question.id}: numeric answer {raw!r} is not a finite number")
        return float(raw)
    if kind == "true_false":
        if not isinstance(raw, bool):
            raise RenderError(f"{question.id}: true_false answer {raw!r} is not a bool")
        return raw
    indices = _indices(question, raw)
    letters = tuple(sorted(LETTERS[order.index(i)] for i in indices))
    if kind == "single":
        if len(letters) != 1:
            raise RenderError(f"{question.id}: single choice needs one answer, got {raw!r}")
        return letters[0]
    if not letters:
        raise RenderError(f"{question.id}: multiple choice needs at least one correct choice")
    return letters


def _indices(question: Question, raw: AnswerValue) -> frozenset[int]:
    found: Any = raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        found = frozenset([raw])
    if not isinstance(found, frozenset) or not all(
        isinstance(i, int) and 0 <= i < len(question.choices) for i in found
    ):
        raise RenderError(f"{question.id}: answer {raw!r} is not a valid choice index")
    return found


def _display(answer: Answer, choices: tuple[str, ...]) -> str:
    if isinstance(answer, bool):
        return "True" if answer else "False"
    if isinstance(answer, float):
        return format_number(answer)
    letters = (answer,) if isinstance(answer, str) else answer
    # Several choices share one line: drop each one's full stop so it reads "b) …; c) …".
    end = "." if len(letters) > 1 else ""
    return "; ".join(f"{x}) {choices[LETTERS.index(x)].rstrip(end)}" for x in letters)
