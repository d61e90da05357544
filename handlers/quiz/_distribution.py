"""The answer distribution of a live question, as text bars (one per choice), posted with the
explanation when the question closes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from string import ascii_lowercase as LETTERS

from handlers.text import plural
from quizzes.questions import RenderedQuestion, check_answer

BAR_WIDTH = 12
FULL, EMPTY = "█", "░"


def distribution(rq: RenderedQuestion, answers: Sequence[str | None]) -> str:
    """How the room answered: a bar per choice (✅ on the key), or, for a numeric question,
    correct against wrong. `answers` are the stored texts (None: time ran out)."""
    given = [check_answer(rq, a) for a in answers if a is not None]
    read = [g for g in given if g.ok and g.given is not None]
    counts: Counter[str] = Counter()
    rows: list[tuple[str, bool]] = []
    if rq.type in ("single", "multiple"):
        key = _letters(rq.answer)
        for g in read:
            counts.update(_letters(g.given))
        rows = [(f"{x})", x in key) for x in LETTERS[: len(rq.choices)]]
        labels = {f"{x})": x for x in LETTERS[: len(rq.choices)]}
    elif rq.type == "true_false":
        counts.update("True" if g.given else "False" for g in read)
        rows = [("True", rq.answer is True), ("False", rq.answer is False)]
        labels = {"True": "True", "False": "False"}
    else:
        counts.update("correct" if g.correct else "wrong" for g in read)
        rows = [("correct", True), ("wrong", False)]
        labels = {"correct": "correct", "wrong": "wrong"}
    total = len(answers)
    lines = [f"How the room answered ({plural(total, 'answer')}):"]
    for label, right in rows:
        n = counts[labels[label]]
        filled = round(BAR_WIDTH * n / total) if total else 0
        bar = FULL * filled + EMPTY * (BAR_WIDTH - filled)
        lines.append(f"`{label:>7} {bar}` {n}{' ✅' if right else ''}")
    return "\n".join(lines)


def _letters(value: object) -> tuple[str, ...]:
    """A single-choice letter or a multiple-choice tuple of letters, as a tuple."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple):
        return tuple(str(x) for x in value)
    return ()
