"""Cases and reference for `layer_norm` (d2l 11.7): value and gradient."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

F64 = torch.float64


def reference(X: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float) -> torch.Tensor:
    return F.layer_norm(X, (X.shape[-1],), gamma, beta, eps)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(*shape: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        d = shape[-1]
        X = torch.randn(*shape, generator=g, dtype=F64) * 3 + 2
        return X, torch.randn(d, generator=g, dtype=F64), torch.randn(d, generator=g, dtype=F64)

    flat = problem(4, 6)
    flat[0][1] = 0.25 + 1e-4 * torch.randn(6, generator=g, dtype=F64)  # eps dominates the var
    ones, zeros = torch.ones(3, dtype=F64), torch.zeros(3, dtype=F64)
    example = torch.tensor([[1.0, 2.0, 3.0], [2.0, 2.0, 8.0]], dtype=F64)
    grad_case = problem(2, 3, 5)
    cotangent = torch.randn(2, 3, 5, generator=g, dtype=F64)
    return [
        Case("example", (example, ones, zeros, 1e-5)),
        Case("batch_of_sequences", (*problem(2, 4, 7), 1e-5)),
        Case("eps_inside_the_root", (*flat, 1e-3)),
        Case("gradient", (*grad_case, 1e-5), mode="grad", grad_args=(0, 1, 2), cotangent=cotangent),
    ]


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def layer_norm_eps_outside_sqrt(
    X: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float
) -> torch.Tensor:
    mean = X.mean(dim=-1, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=-1, keepdim=True)
    return gamma * (X - mean) / (torch.sqrt(var) + eps) + beta


def layer_norm_unbiased_var(
    X: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float
) -> torch.Tensor:
    mean = X.mean(dim=-1, keepdim=True)
    var = ((X - mean) ** 2).sum(dim=-1, keepdim=True) / (X.shape[-1] - 1)
    return gamma * (X - mean) / torch.sqrt(var + eps) + beta


def layer_norm_over_batch(
    X: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float
) -> torch.Tensor:
    mean = X.mean(dim=0, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=0, keepdim=True)
    return gamma * (X - mean) / torch.sqrt(var + eps) + beta


def layer_norm_detached_statistics(
    X: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float
) -> torch.Tensor:
    mean = X.mean(dim=-1, keepdim=True).detach()
    var = ((X - mean) ** 2).mean(dim=-1, keepdim=True).detach()
    return gamma * (X - mean) / torch.sqrt(var + eps) + beta


MISTAKES = (
    Mistake(
        "eps_outside_sqrt",
        "this adds eps after the square root: divide by √(σ² + eps), which matters for "
        "nearly constant rows",
        "8.5",
        {"layer_norm": layer_norm_eps_outside_sqrt},
    ),
    Mistake(
        "unbiased_variance",
        "this divides the variance by d - 1: layer norm uses the biased variance, divided by d",
        "8.5",
        {"layer_norm": layer_norm_unbiased_var},
    ),
    Mistake(
        "over_the_batch",
        "this normalises each feature over the batch (batch norm): layer norm normalises each "
        "token over its own features, the last dimension",
        "11.7",
        {"layer_norm": layer_norm_over_batch},
    ),
    Mistake(
        "detached_statistics",
        "this detaches the mean and variance, so the gradient misses their dependence on X",
        "5.3",
        {"layer_norm": layer_norm_detached_statistics},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"layer_norm": reference}
)
