"""Whole-bank checks (`studybot quiz validate`) and review exports (`quiz export`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from quizzes.questions._check import check_answer
from quizzes.questions._loader import Bank, BankError, load_bank
from quizzes.questions._render import LETTERS, RenderError, format_answer, render
from quizzes.questions._schema import Question

VALIDATION_SEEDS = 50


def validate_bank(directory: Path | None = None, seeds: int = VALIDATION_SEEDS) -> list[str]:
    """Every problem in the bank, as lines 'path: question id: field: message'; [] if none.

    Beyond the schema, each question is rendered for `seeds` seeds: the answer must be
    computable and finite, the key as displayed must be accepted, and a wrong choice rejected.
    """
    try:
        bank = load_bank(directory)
    except BankError as exc:
        return [str(p) for p in exc.problems]
    problems: list[str] = []
    for topic in bank.topics:
        for question in topic.questions:
            problems += _render_problems(topic.topic, question, seeds)
    return problems


def export_questions(bank: Bank, seed: int, topic: str | None = None) -> list[dict[str, Any]]:
    """Every question (or those of one topic) rendered with `seed`, as JSON-ready dicts."""
    keys = ("id", "topic", "section", "type", "prompt", "choices", "answer", "tolerance")
    out = []
    for q in bank.questions(topic):
        rq = render(q, seed, bank.topic_of(q.id).topic)
        data = rq.model_dump(mode="json", include=set(keys))
        out.append({k: data[k] for k in keys})
    return out


def _render_problems(topic: str, question: Question, seeds: int) -> list[str]:
    where = f"{topic}: question {question.id}"
    for seed in range(seeds):
        try:
            rq = render(question, seed, topic)
        except (RenderError, ArithmeticError, ValueError, TypeError, LookupError) as exc:
            return [f"{where}: answer: seed {seed}: {type(exc).__name__}: {exc}"]
        if isinstance(rq.answer, float) and not math.isfinite(rq.answer):
            return [f"{where}: answer: seed {seed}: not finite"]
        key = format_answer(rq) if rq.type == "numeric" else _key_text(rq.answer)
        if not check_answer(rq, key).correct:
            return [f"{where}: answer: seed {seed}: the key {key!r} is not accepted"]
        if rq.type == "single":
            wrong = next(x for x in LETTERS[: len(rq.choices)] if x != rq.answer)
            if check_answer(rq, wrong).correct:
                return [f"{where}: choices: seed {seed}: a wrong choice is accepted"]
        if len(set(rq.choices)) != len(rq.choices):
            return [f"{where}: choices: seed {seed}: two choices read the same"]
    return []


def _key_text(answer: object) -> str:
    if isinstance(answer, bool):
        return "true" if answer else "false"
    if isinstance(answer, tuple):
        return ",".join(answer)
    return str(answer)
