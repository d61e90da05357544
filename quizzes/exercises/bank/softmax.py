"""Cases and reference for `softmax` (d2l 4.4)."""

from __future__ import annotations

import torch

from quizzes.exercises.bank._mistakes import same_output
from quizzes.exercises.cases import Case, ExerciseCode, Mistake


def reference(X: torch.Tensor) -> torch.Tensor:
    return torch.softmax(X, dim=1)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)
    n, q = (int(v) for v in torch.randint(2, 9, (2,), generator=g))
    huge = (torch.rand(n, q, generator=g, dtype=torch.float64) * 2 - 1) * 1000
    huge[0, 0] = 1000.0  # the naive formula's inf / inf
    huge[-1] = -1000.0 + torch.rand(q, generator=g, dtype=torch.float64)
    return [
        Case("example", (torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype=torch.float64),)),
        Case("random_logits", (torch.randn(n, q, generator=g, dtype=torch.float64) * 3,)),
        Case("huge_logits", (huge,)),
        Case("single_row", (torch.randn(1, q, generator=g, dtype=torch.float64),)),
        Case("single_column", (torch.randn(n, 1, generator=g, dtype=torch.float64),)),
    ]


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def softmax_without_max(X: torch.Tensor) -> torch.Tensor:
    e = torch.exp(X)
    return e / e.sum(dim=1, keepdim=True)


def softmax_global_max(X: torch.Tensor) -> torch.Tensor:
    e = torch.exp(X - X.max())
    return e / e.sum(dim=1, keepdim=True)


def softmax_over_columns(X: torch.Tensor) -> torch.Tensor:
    e = torch.exp(X - X.max(dim=0, keepdim=True).values)
    return e / e.sum(dim=0, keepdim=True)


def softmax_over_everything(X: torch.Tensor) -> torch.Tensor:
    e = torch.exp(X - X.max())
    return e / e.sum()


MISTAKES = (
    Mistake(
        "no_max_subtraction",
        "this is what softmax gives without subtracting the row maximum: exp(1000) overflows "
        "to inf, and inf / inf is NaN",
        "4.4",
        {"softmax": softmax_without_max},
        recognise=same_output(softmax_without_max),
    ),
    Mistake(
        "global_max",
        "this is softmax shifted by the largest entry of the whole matrix instead of each "
        "row's own maximum: a row far below it underflows to 0 / 0",
        "4.4",
        {"softmax": softmax_global_max},
        recognise=same_output(softmax_global_max),
    ),
    Mistake(
        "wrong_axis",
        "this normalises each column (dim=0) instead of each row: the rows must sum to 1",
        "4.4",
        {"softmax": softmax_over_columns},
    ),
    Mistake(
        "whole_matrix",
        "this divides by the sum over the whole matrix, not over each row",
        "4.4",
        {"softmax": softmax_over_everything},
    ),
)


EXERCISE = ExerciseCode(make_cases=make_cases, references={"softmax": reference}, mistakes=MISTAKES)
