"""Checking a typed answer against a rendered question, and the text shown afterwards."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from quizzes.questions._parse import (
    UnreadableAnswer,
    check_range,
    parse_multiple,
    parse_number,
    parse_single,
    parse_true_false,
)
from quizzes.questions._render import Answer, RenderedQuestion, format_answer, format_number


class AnswerResult(BaseModel):
    """The outcome of checking one answer. `ok` is False when the text could not be read
    (then `correct` is False and `message` says how to answer); no exception is raised."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    correct: bool
    message: str
    given: Answer | None = None


def check_answer(rq: RenderedQuestion, text: str) -> AnswerResult:
    """Read `text` as an answer to `rq` and grade it."""
    try:
        given = _parse(rq, text)
    except UnreadableAnswer as exc:
        return AnswerResult(ok=False, correct=False, message=str(exc))
    correct = is_correct(rq, given)
    if correct:
        return AnswerResult(ok=True, correct=True, message="Correct!", given=given)
    message = f"Not quite. The answer is {format_answer(rq)}."
    return AnswerResult(ok=True, correct=False, message=message, given=given)


def is_correct(rq: RenderedQuestion, given: Answer) -> bool:
    """Whether an already parsed answer matches the key (numeric answers within tolerance)."""
    if rq.type == "numeric":
        assert isinstance(rq.answer, float) and rq.tolerance is not None
        if not isinstance(given, float):
            return False
        if rq.magnitude:
            given = abs(given) if rq.answer >= 0 else -abs(given)
        return abs(given - rq.answer) <= rq.tolerance.allowed(rq.answer)
    return given == rq.answer


def explain(rq: RenderedQuestion) -> str:
    """The text shown after answering: the key, why, and where in d2l to read more."""
    return (
        f"Answer: {format_answer(rq)}\n{rq.explanation.strip()}\n"
        f"Read more: d2l.ai section {rq.section}, {rq.link}"
    )


def tolerance_hint(rq: RenderedQuestion) -> str:
    """A short note on how precise a numeric answer must be ('' for other types)."""
    if rq.type != "numeric" or rq.tolerance is None:
        return ""
    parts = []
    if rq.tolerance.sig:
        parts.append(f"rounded to {rq.tolerance.sig} significant digits")
    if rq.tolerance.rel:
        parts.append(f"within {rq.tolerance.rel:.1%}")
    if rq.tolerance.abs:
        parts.append(f"within ±{format_number(rq.tolerance.abs)}")
    sign = " Either sign is accepted." if rq.magnitude else ""
    return "Accepted " + " or ".join(parts) + " of the exact value." + sign


def _parse(rq: RenderedQuestion, text: str) -> Answer:
    if rq.type == "numeric":
        low, high = rq.answer_range or (None, None)
        return check_range(parse_number(text), low, high)
    if rq.type == "true_false":
        return parse_true_false(text)
    if rq.type == "single":
        return parse_single(text, rq.choices)
    return parse_multiple(text, rq.choices)
