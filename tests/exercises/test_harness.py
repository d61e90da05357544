"""The harness runs ordinary Python submissions the way a member would expect."""

from __future__ import annotations

from quizzes.exercises.grader import grade
from tests.exercises.conftest import ForkServerExecutor
from tests.exercises.solutions import SOLUTIONS


async def test_a_submission_may_define_classes_and_dataclasses(
    executor: ForkServerExecutor,
) -> None:
    source = """
from __future__ import annotations
from dataclasses import dataclass
import torch

@dataclass(frozen=True)
class Stable:
    dim: int = 1

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        e = torch.exp(X - X.max(dim=self.dim, keepdim=True).values)
        return e / e.sum(dim=self.dim, keepdim=True)

softmax = Stable()
"""
    result = await grade("softmax", source, executor, seed=3)
    assert result.status == "passed"


async def test_a_python_float_is_accepted_for_a_scalar_value(executor: ForkServerExecutor) -> None:
    source = SOLUTIONS["cross_entropy"].replace(".mean()", ".mean().item()")
    result = await grade("cross_entropy", source, executor, seed=3)
    failed = {t.name for t in result.tests if not t.passed}
    assert failed == {"gradient", "extreme_gradient"}  # a float carries no gradient


async def test_a_list_is_accepted_where_a_tuple_is_expected(executor: ForkServerExecutor) -> None:
    source = SOLUTIONS["streaming_mean_var"].replace(
        "return mean, m2 / (n - 1 if unbiased else n)",
        "return [mean, m2 / (n - 1 if unbiased else n)]",
    )
    result = await grade("streaming_mean_var", source, executor, seed=3)
    assert result.status == "passed"


async def test_the_submission_output_is_captured(executor: ForkServerExecutor) -> None:
    source = SOLUTIONS["softmax"].replace(
        "def softmax(X):\n", "def softmax(X):\n    print(X.shape)\n"
    )
    result = await grade("softmax", source, executor, seed=3)
    assert result.status == "passed"
    assert "torch.Size([2, 3])" in result.stdout
