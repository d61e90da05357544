"""Cases and reference for `pool2d` (d2l 7.5): max and average pooling with padding."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from quizzes.exercises.cases import Case, ExerciseCode

F64 = torch.float64


def reference(
    X: torch.Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    mode: str = "max",
) -> torch.Tensor:
    if mode == "max":
        return F.max_pool2d(X, tuple(kernel), tuple(stride), tuple(padding))
    return F.avg_pool2d(X, tuple(kernel), tuple(stride), tuple(padding), count_include_pad=True)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def images(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=F64)

    negative = -images(2, 3, 7, 6).abs() - 1.0  # padding with zeros would win every max
    example = torch.arange(9, dtype=F64).reshape(1, 1, 3, 3)
    return [
        Case("example", (example, (2, 2), (1, 1), (0, 0), "max")),
        Case("max_stride", (images(2, 3, 8, 9), (3, 2), (2, 2), (0, 0), "max")),
        Case("max_padding_negative_inputs", (negative, (3, 3), (2, 1), (1, 1), "max")),
        Case("avg_stride", (images(1, 2, 9, 7), (2, 3), (2, 3), (0, 0), "avg")),
        Case("avg_padding_counts_zeros", (images(2, 2, 6, 5), (3, 3), (2, 2), (1, 1), "avg")),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"pool2d": reference})
