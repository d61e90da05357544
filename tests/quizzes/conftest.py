"""Shared helpers for the quiz tests: rendering a family over many seeds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from quizzes.questions import Bank, RenderedQuestion, instance_seed, load_bank, render

# The issue asks for at least 200 seeds per parametrized family.
SEEDS = 200


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_bank()


def instances(bank: Bank, question_id: str, n: int = SEEDS) -> Iterator[RenderedQuestion]:
    """The question as `n` different members would see it on their first attempt."""
    question = bank.question(question_id)
    topic = bank.topic_of(question_id).topic
    for i in range(n):
        yield render(question, instance_seed(f"member-{i}", question_id, 0), topic)


def parametrized_ids(bank: Bank, topic: str) -> set[str]:
    return {q.id for q in bank.questions(topic) if q.parametrized}
