"""Cases and reference for `conv2d` (d2l 7.2-7.4): channels, stride and padding."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from quizzes.exercises.cases import Case, ExerciseCode

F64 = torch.float64


def reference(
    X: torch.Tensor,
    K: torch.Tensor,
    b: torch.Tensor,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    return F.conv2d(X, K, b, stride=tuple(stride), padding=tuple(padding))


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(
        batch: int, c_in: int, c_out: int, hw: tuple[int, int], k: tuple[int, int]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        X = torch.randn(batch, c_in, *hw, generator=g, dtype=F64)
        K = torch.randn(c_out, c_in, *k, generator=g, dtype=F64)
        return X, K, torch.randn(c_out, generator=g, dtype=F64)

    example = (
        torch.arange(9, dtype=F64).reshape(1, 1, 3, 3),
        torch.arange(4, dtype=F64).reshape(1, 1, 2, 2),
        torch.zeros(1, dtype=F64),
    )
    return [
        Case("example", (*example, (1, 1), (0, 0))),
        Case("multi_channel", (*problem(2, 3, 4, (6, 7), (3, 3)), (1, 1), (0, 0))),
        Case("padding", (*problem(2, 2, 3, (5, 5), (3, 3)), (1, 1), (1, 1))),
        Case("stride_and_padding", (*problem(1, 3, 2, (9, 8), (3, 2)), (2, 3), (1, 2))),
        Case("large_stride", (*problem(3, 1, 2, (7, 10), (2, 3)), (4, 3), (0, 1))),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"conv2d": reference})
