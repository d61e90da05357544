"""Cases and reference for `tensor_reduction` (d2l 6.5): a custom layer's forward pass."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

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


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def reduction_diagonal_only(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    return (X**2) @ W.diagonal(dim1=0, dim2=1).T


def reduction_linear(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    return X @ W.sum(dim=1)


def reduction_over_batch(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    i, k = W.shape[0], W.shape[2]
    XW = (X @ W.permute(0, 2, 1).reshape(i, k * i)).reshape(-1, k, i)
    return (XW * X[:, None, :]).sum(dim=-1).sum(dim=0, keepdim=True).expand(len(X), k)


MISTAKES = (
    Mistake(
        "diagonal_only",
        "this keeps only the pairs a = b: every pair (a, b) counts, in both orders",
        "6.5",
        {"tensor_reduction": reduction_diagonal_only},
    ),
    Mistake(
        "linear_in_x",
        "this uses x only once (Σ W[a, b, k]·x_a): the layer is quadratic, x_a·x_b",
        "6.5",
        {"tensor_reduction": reduction_linear},
    ),
    Mistake(
        "mixes_the_batch",
        "this sums over the examples of the batch: each row of X gets its own output row",
        "6.5",
        {"tensor_reduction": reduction_over_batch},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"tensor_reduction": reference}
)
