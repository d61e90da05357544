"""Cases and reference for `pairwise_sqdist` (d2l 2.1, 2.3): broadcasting."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode

F64 = torch.float64


def reference(X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=-1)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def points(n: int, d: int) -> torch.Tensor:
        return torch.randn(n, d, generator=g, dtype=F64)

    n, m, d = (int(v) for v in torch.randint(2, 12, (3,), generator=g))
    example = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=F64)
    return [
        Case("example", (example, torch.tensor([[1.0, 0.0], [3.0, 4.0], [1.0, 1.0]], dtype=F64))),
        Case("random_points", (points(n, d), points(m, d))),
        Case("different_sizes", (points(1, d + 3), points(m + 5, d + 3))),
        Case("one_dimension", (points(n, 1), points(n, 1))),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"pairwise_sqdist": reference})
