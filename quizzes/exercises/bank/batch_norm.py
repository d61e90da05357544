"""Cases and reference for `batch_norm` (d2l 8.5), with PyTorch's running statistics."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from quizzes.exercises.cases import Case, ExerciseCode

F64 = torch.float64


def reference(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float,
    momentum: float,
    training: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    mean, var = running_mean.clone(), running_var.clone()  # updated in place below
    Y = F.batch_norm(X, mean, var, gamma, beta, training, momentum, eps)
    return Y, mean, var


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(*shape: int) -> tuple[torch.Tensor, ...]:
        c = shape[1]
        X = torch.randn(*shape, generator=g, dtype=F64) * 2 + 1
        gamma, beta = (
            torch.rand(c, generator=g, dtype=F64) + 0.5,
            torch.randn(c, generator=g, dtype=F64),
        )
        running_mean = torch.randn(c, generator=g, dtype=F64)
        running_var = torch.rand(c, generator=g, dtype=F64) + 0.5
        return X, gamma, beta, running_mean, running_var

    ones, zeros = torch.ones(2, dtype=F64), torch.zeros(2, dtype=F64)
    example = torch.tensor([[1.0, 2.0], [3.0, 6.0]], dtype=F64)
    return [
        Case("example", (example, ones, zeros, zeros, ones, 1e-5, 0.1, True)),
        Case("train_2d", (*problem(5, 3), 1e-5, 0.1, True)),
        Case("train_4d", (*problem(3, 2, 4, 5), 1e-5, 0.2, True)),
        Case("small_batch_running_var", (*problem(2, 4), 1e-5, 0.5, True)),
        Case("eval_uses_running_stats", (*problem(2, 3, 3, 3), 1e-3, 0.1, False)),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"batch_norm": reference})
