"""Every listed mistake loses points and is named by the diagnosis; model solutions don't.

The sweep over seeds 1-20 grades in this process (the bank's code is trusted); one seed per
mistake, and per model solution, then goes through the real sandbox as a member's file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.sandbox import Evaluator
from quizzes.exercises.catalog import get_exercise, list_exercises
from quizzes.exercises.grader import grade, load_code
from quizzes.exercises.source_check import check_source
from tests.exercises.in_process import grade_in_process, member_source

SEEDS = range(1, 21)
IDS = [spec.id for spec in list_exercises()]
MISTAKES = [(exercise, m.id) for exercise in IDS for m in load_code(exercise).mistakes]


def _mistake(exercise: str, mistake_id: str):  # type: ignore[no-untyped-def]
    return next(m for m in load_code(exercise).mistakes if m.id == mistake_id)


@pytest.mark.parametrize("exercise", IDS)
def test_every_exercise_lists_at_least_three_mistakes_with_a_section(exercise: str) -> None:
    mistakes = load_code(exercise).mistakes
    assert len(mistakes) >= 3
    assert len({m.id for m in mistakes}) == len(mistakes)
    spec = get_exercise(exercise)
    for m in mistakes:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", m.id)
        assert re.fullmatch(r"\d+\.\d+", m.section)
        assert "\n" not in m.message and 20 < len(m.message) <= 200
        assert set(m.functions) == set(spec.functions), m.id


@pytest.mark.parametrize(("exercise", "mistake_id"), MISTAKES)
def test_a_mistake_loses_points_and_is_diagnosed_at_every_seed(
    exercise: str, mistake_id: str
) -> None:
    mistake = _mistake(exercise, mistake_id)
    for seed in SEEDS:
        outcome = grade_in_process(exercise, mistake.functions, seed)
        assert outcome.score < outcome.max_score, (seed, outcome)
        assert mistake_id in outcome.diagnosed, (seed, outcome)


@pytest.mark.parametrize(("exercise", "mistake_id"), MISTAKES)
def test_a_mistake_reads_as_a_member_file_without_forbidden_calls(
    exercise: str, mistake_id: str
) -> None:
    source = member_source(_mistake(exercise, mistake_id).functions)
    assert check_source(source, get_exercise(exercise).forbidden) == []


@pytest.mark.sandbox
@pytest.mark.asyncio(loop_scope="module")
async def test_each_mistake_is_diagnosed_through_the_sandbox(bwrap: Evaluator) -> None:
    for index, (exercise, mistake_id) in enumerate(MISTAKES):
        seed = SEEDS[index % len(SEEDS)]
        source = member_source(_mistake(exercise, mistake_id).functions)
        result = await grade(exercise, source, bwrap, seed=seed)
        assert result.score < result.max_score, (exercise, mistake_id, result)
        named = {t.mistake["id"] for t in result.tests if t.mistake is not None}
        assert mistake_id in named, (exercise, mistake_id, result)


def _solution_functions(exercise: str) -> dict[str, Any]:
    """The YAML's model solution, run here as the trusted code it is."""
    spec = get_exercise(exercise)
    assert spec.solution is not None
    namespace: dict[str, Any] = {}
    exec(compile(spec.solution, f"{exercise}.yaml:solution", "exec"), namespace)
    return {name: namespace[name] for name in spec.functions}


@pytest.mark.parametrize("exercise", IDS)
def test_the_model_solution_has_full_marks_at_every_seed_and_no_forbidden_call(
    exercise: str,
) -> None:
    spec = get_exercise(exercise)
    assert spec.solution is not None and 1 <= len(spec.hints) <= 3
    assert check_source(spec.solution, spec.forbidden) == []
    functions = _solution_functions(exercise)
    for seed in SEEDS:
        outcome = grade_in_process(exercise, functions, seed)
        assert outcome.score == outcome.max_score, (seed, outcome)


@pytest.mark.sandbox
@pytest.mark.asyncio(loop_scope="module")
async def test_every_model_solution_has_full_marks_through_the_sandbox(bwrap: Evaluator) -> None:
    for index, spec in enumerate(list_exercises()):
        assert spec.solution is not None
        result = await grade(spec.id, spec.solution, bwrap, seed=SEEDS[index])
        assert (result.status, result.score) == ("passed", spec.max_score), (spec.id, result)
