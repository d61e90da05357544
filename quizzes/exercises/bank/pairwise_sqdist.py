"""Cases and reference for `pairwise_sqdist` (d2l 2.1, 2.3): broadcasting."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

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


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def sqdist_square_root(X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=-1).sqrt()


def sqdist_single_cross_term(X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    return (X**2).sum(dim=1)[:, None] + (Y**2).sum(dim=1)[None, :] - X @ Y.T


def sqdist_transposed(X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    return ((Y[:, None, :] - X[None, :, :]) ** 2).sum(dim=-1)


MISTAKES = (
    Mistake(
        "not_squared",
        "this takes the square root: the exercise asks for squared distances",
        "2.3",
        {"pairwise_sqdist": sqdist_square_root},
    ),
    Mistake(
        "cross_term_once",
        "this expands ‖x - y‖² as ‖x‖² + ‖y‖² - x·y: the cross term is 2·x·y",
        "2.3",
        {"pairwise_sqdist": sqdist_single_cross_term},
    ),
    Mistake(
        "transposed",
        "this returns the (m, n) matrix of Y's rows against X's: D[i, j] pairs X[i] with Y[j]",
        "2.3",
        {"pairwise_sqdist": sqdist_transposed},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"pairwise_sqdist": reference}
)
