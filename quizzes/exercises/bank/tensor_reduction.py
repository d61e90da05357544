"""Cases and reference for `tensor_reduction` (d2l 6.5): a custom layer's forward pass."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode

F64 = torch.float64


def reference(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    return torch.einsum("bi,bj,ijk->bk", X, X, W)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(b: int, i: int, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        X = torch.randn(b, i, generator=g, dtype=F64)
        return X, torch.randn(i, i, k, generator=g, dtype=F64)

    grad_case = problem(3, 4, 2)
    cotangent = torch.randn(3, 2, generator=g, dtype=F64)
    example = (torch.tensor([[1.0, 2.0]], dtype=F64), torch.ones(2, 2, 1, dtype=F64))
    return [
        Case("example", example),
        Case("random_layer", problem(4, 5, 3)),
        Case("batch_of_one", problem(1, 3, 6)),
        Case("asymmetric_weights", problem(2, 6, 1)),
        Case("gradient", grad_case, mode="grad", grad_args=(0, 1), cotangent=cotangent),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"tensor_reduction": reference})
