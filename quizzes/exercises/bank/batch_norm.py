"""Cases and reference for `batch_norm` (d2l 8.5), with PyTorch's running statistics."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

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


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def _batch_norm(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float,
    momentum: float,
    training: bool,
    mistake: str,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Batch norm as a member writes it, with one named mistake put in."""
    dims = (0,) if X.dim() == 2 else (0, 2, 3)
    shape = (1, -1) if X.dim() == 2 else (1, -1, 1, 1)
    if training or mistake == "batch_stats_in_eval":
        mean = X.mean(dim=dims)
        var = ((X - mean.reshape(shape)) ** 2).mean(dim=dims)
        m = X.numel() // X.shape[1]
        unbiased = var if mistake == "biased_running_var" else var * m / (m - 1)
        keep = momentum if mistake == "momentum_reversed" else 1 - momentum
        new_mean = keep * running_mean + (1 - keep) * mean
        new_var = keep * running_var + (1 - keep) * unbiased
    else:
        mean, var = running_mean, running_var
    if not training:
        new_mean, new_var = running_mean.clone(), running_var.clone()
    centred = X - mean.reshape(shape)
    if mistake == "eps_outside_sqrt":
        X_hat = centred / (torch.sqrt(var.reshape(shape)) + eps)
    else:
        X_hat = centred / torch.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * X_hat + beta.reshape(shape), new_mean, new_var


def batch_norm_biased_running_var(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float,
    momentum: float,
    training: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    args = (X, gamma, beta, running_mean, running_var, eps, momentum, training)
    return _batch_norm(*args, "biased_running_var")


def batch_norm_batch_stats_in_eval(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float,
    momentum: float,
    training: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    args = (X, gamma, beta, running_mean, running_var, eps, momentum, training)
    return _batch_norm(*args, "batch_stats_in_eval")


def batch_norm_momentum_reversed(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float,
    momentum: float,
    training: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    args = (X, gamma, beta, running_mean, running_var, eps, momentum, training)
    return _batch_norm(*args, "momentum_reversed")


def batch_norm_eps_outside_sqrt(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float,
    momentum: float,
    training: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    args = (X, gamma, beta, running_mean, running_var, eps, momentum, training)
    return _batch_norm(*args, "eps_outside_sqrt")


def batch_norm_running_in_place(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float,
    momentum: float,
    training: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    args = (X, gamma, beta, running_mean, running_var, eps, momentum, training)
    Y, new_mean, new_var = _batch_norm(*args, "")
    running_mean.copy_(new_mean)  # what nn.BatchNorm does to its buffers, forbidden here
    running_var.copy_(new_var)
    return Y, running_mean, running_var


MISTAKES = (
    Mistake(
        "biased_running_var",
        "this updates the running variance with the biased batch variance (the book's way); "
        "here, as in PyTorch, it gets the unbiased one, σ²·m/(m - 1)",
        "8.5",
        {"batch_norm": batch_norm_biased_running_var},
    ),
    Mistake(
        "batch_stats_in_eval",
        "this normalises with the batch's statistics in evaluation mode: outside training, "
        "use the running mean and variance",
        "8.5",
        {"batch_norm": batch_norm_batch_stats_in_eval},
    ),
    Mistake(
        "momentum_reversed",
        "this keeps momentum of the old running statistic (the book's convention); here "
        "running = (1 - momentum)·running + momentum·batch, as in PyTorch",
        "8.5",
        {"batch_norm": batch_norm_momentum_reversed},
    ),
    Mistake(
        "eps_outside_sqrt",
        "this adds eps after the square root: divide by √(σ² + eps)",
        "8.5",
        {"batch_norm": batch_norm_eps_outside_sqrt},
    ),
    Mistake(
        "running_stats_in_place",
        "this updates running_mean and running_var in place: return new tensors and leave "
        "the inputs as they were",
        "8.5",
        {"batch_norm": batch_norm_running_in_place},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"batch_norm": reference}
)
