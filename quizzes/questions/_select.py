"""Choosing which questions a member gets, deterministically and without repeats."""

from __future__ import annotations

import random
from collections.abc import Collection

from quizzes.questions._loader import Bank
from quizzes.questions._schema import Question


def pick_questions(
    bank: Bank,
    n: int,
    seed: int,
    topic: str | None = None,
    exclude: Collection[str] = (),
) -> list[Question]:
    """Up to `n` distinct questions of `topic` (or of every topic), the same for the same seed.

    Questions whose ids are in `exclude` (say, those the member has already answered) come
    only after every other question has been used, so repeats happen only when the topic
    runs out.
    """
    pool = sorted(bank.questions(topic), key=lambda q: q.id)
    if topic is not None and not pool:
        raise KeyError(topic)
    rng = random.Random(f"pick:{seed}")
    fresh = [q for q in pool if q.id not in exclude]
    seen = [q for q in pool if q.id in exclude]
    rng.shuffle(fresh)
    rng.shuffle(seen)
    return (fresh + seen)[: max(n, 0)]
