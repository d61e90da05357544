"""Grading end to end through the real bubblewrap evaluator."""

from __future__ import annotations

import pytest

from bot.sandbox import Evaluator
from quizzes.exercises.catalog import list_exercises
from quizzes.exercises.grader import grade
from tests.exercises.conftest import run_unchecked
from tests.exercises.solutions import SOLUTIONS

pytestmark = [pytest.mark.sandbox, pytest.mark.asyncio(loop_scope="module")]


async def test_every_model_solution_passes_in_the_sandbox(bwrap: Evaluator) -> None:
    for spec in list_exercises():
        result = await grade(spec.id, SOLUTIONS[spec.id], bwrap, seed=11)
        assert (result.status, result.score) == ("passed", spec.max_score), (spec.id, result)


async def test_an_unstable_softmax_fails_the_huge_logits_in_the_sandbox(bwrap: Evaluator) -> None:
    source = "import torch\n\ndef softmax(X):\n    return X.exp() / X.exp().sum(1, keepdim=True)\n"
    result = await grade("softmax", source, bwrap, seed=11)
    assert {t.name for t in result.tests if not t.passed} == {"huge_logits"}
    assert result.status == "partial"


async def test_a_tensor_subclass_gains_nothing_in_the_sandbox(bwrap: Evaluator) -> None:
    source = """
import torch

class Always(torch.Tensor):
    def __eq__(self, other):
        return True

def softmax(X):
    return X.as_subclass(Always)
"""
    result = await grade("softmax", source, bwrap, seed=11)
    assert (result.status, result.score) == ("failed", 0)


async def test_an_endless_case_is_cut_and_the_others_still_count(bwrap: Evaluator) -> None:
    source = SOLUTIONS["softmax"] + "\n_real = softmax\n\ndef softmax(X):\n"
    source += "    while X.shape[1] == 1:\n        pass\n    return _real(X)\n"
    result = await grade("softmax", source, bwrap, seed=11)
    assert {t.name: t.message for t in result.tests if not t.passed} == {
        "single_column": "timed out"
    }
    assert result.status == "partial"


async def test_a_hard_exit_gains_nothing_in_the_sandbox(bwrap: Evaluator) -> None:
    source = "import os\n\ndef softmax(X):\n    os._exit(0)\n"
    result = await run_unchecked(bwrap, "softmax", source)
    assert (result.status, result.score) == ("error", 0)
