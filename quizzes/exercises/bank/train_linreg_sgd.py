"""Cases and reference for `train_linreg_sgd` (d2l 3.4): the specified SGD, run exactly."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

F64 = torch.float64


def reference(
    X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, epochs: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The SGD the statement specifies: the grader compares with this very run (same
    shuffles, same epochs), not only with the optimum, so a shortcut that lands near the
    optimum some other way does not pass."""
    return _sgd(X, y, lr, batch_size, epochs, seed, "")


def _sgd(
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
    mistake: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Minibatch SGD as a member writes it, with one named mistake put in (or none)."""
    g = torch.Generator().manual_seed(seed)
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for _ in range(epochs - 1 if mistake == "one_epoch_short" else epochs):
        order = torch.arange(n) if mistake == "no_shuffle" else torch.randperm(n, generator=g)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            err = X[idx] @ w + b - y[idx]
            size = 1 if mistake == "summed_gradients" else len(idx)
            w = w - lr * X[idx].T @ err / size
            if mistake != "bias_not_updated":
                b = b - lr * err.sum() / size
    return w, b


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(
        n: int, w: torch.Tensor, b: float, gen: torch.Generator = g
    ) -> tuple[torch.Tensor, torch.Tensor]:
        X = torch.randn(n, len(w), generator=gen, dtype=F64)
        y = X @ w + b + 0.01 * torch.randn(n, generator=gen, dtype=F64)
        return X, y

    def random_w(d: int) -> torch.Tensor:
        return torch.randn(d, generator=g, dtype=F64) * 2

    # Visible, so the same for every seed.
    book = problem(
        1000, torch.tensor([2.0, -3.4], dtype=F64), 4.2, torch.Generator().manual_seed(0)
    )
    b1, b2 = (float(v) for v in torch.randn(2, generator=g) * 2)
    return [
        Case("book_problem", (*book, 0.03, 10, 3, 0)),
        Case("random_problem", (*problem(400, random_w(4), b1), 0.03, 10, 3, seed + 1)),
        Case("wide_problem", (*problem(600, random_w(8), b2), 0.05, 20, 4, seed + 2)),
    ]


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def sgd_one_epoch_short(
    X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, epochs: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    return _sgd(X, y, lr, batch_size, epochs, seed, "one_epoch_short")


def sgd_without_shuffling(
    X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, epochs: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    return _sgd(X, y, lr, batch_size, epochs, seed, "no_shuffle")


def sgd_summed_gradients(
    X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, epochs: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    return _sgd(X, y, lr, batch_size, epochs, seed, "summed_gradients")


def sgd_fixed_bias(
    X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, epochs: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    return _sgd(X, y, lr, batch_size, epochs, seed, "bias_not_updated")


MISTAKES = (
    Mistake(
        "one_epoch_short",
        "this stops one epoch early: run every one of the `epochs` passes over the data",
        "3.4",
        {"train_linreg_sgd": sgd_one_epoch_short},
    ),
    Mistake(
        "no_shuffle",
        "this walks through the examples in their original order: shuffle the indices with "
        "torch.randperm at the start of every epoch",
        "3.4",
        {"train_linreg_sgd": sgd_without_shuffling},
    ),
    Mistake(
        "summed_gradients",
        "this sums the minibatch's gradients: the loss is the mean over the minibatch, so "
        "divide by its size",
        "3.4",
        {"train_linreg_sgd": sgd_summed_gradients},
    ),
    Mistake(
        "bias_not_updated",
        "this never updates the bias b: it takes a gradient step too",
        "3.4",
        {"train_linreg_sgd": sgd_fixed_bias},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"train_linreg_sgd": reference}
)
