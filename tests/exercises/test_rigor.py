"""Shortcuts that used to score made useless, and the wrong solutions the checks could not see.

Each is graded in this process over seeds 1-20 through the harness's calling conventions (see
in_process.py); the mistakes' own sweep is in test_mistakes.py.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from quizzes.exercises.bank import dropout, train_linreg_sgd
from tests.exercises.in_process import grade_in_process

SEEDS = range(1, 21)


def autograd_gradient(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-5
) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(x), x)
    return grad


def test_autograd_cannot_differentiate_the_hidden_functions_at_any_seed() -> None:
    # Even where autograd is allowed (this process), the functions are opaque to it.
    for seed in SEEDS:
        outcome = grade_in_process("numeric_grad", {"numeric_grad": autograd_gradient}, seed)
        assert outcome.score == 0, (seed, outcome)


def test_dropout_never_draws_p_near_one_half() -> None:
    for seed in SEEDS:
        for case in dropout.make_cases(seed):
            p = float(case.args[1])
            assert p in (0.0, 0.5, 1.0) or abs(p - 0.5) >= 0.25, (seed, case.name, p)
            if case.name in ("survivors_are_scaled", "drop_rate_matches_p"):
                assert p in dropout.P_VALUES


def dropout_by_position(
    X: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> torch.Tensor:
    """A mask that ignores the generator: the first p of the entries dropped, in order."""
    if not training or p == 0:
        return X.clone()
    keep = torch.arange(X.numel()) >= round(p * X.numel())
    return X * keep.reshape(X.shape) / max(1 - p, 1e-12)


def test_a_dropout_mask_that_depends_on_the_values_loses_points_at_every_seed() -> None:
    # Sorting by value first drops the smallest entries: the halves-by-value check sees it.
    def sorted_mask(
        X: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        if not training or p == 0:
            return X.clone()
        order = X.flatten().argsort()
        return (
            dropout_by_position(X.flatten()[order], p).flatten()[order.argsort()].reshape(X.shape)
        )

    for seed in SEEDS:
        outcome = grade_in_process("dropout", {"dropout": sorted_mask}, seed)
        assert outcome.score < outcome.max_score, (seed, outcome)


def full_batch_to_convergence(
    X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, epochs: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Lands on the least-squares optimum, which the old threshold check accepted."""
    w, b = torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype)
    for _ in range(500):
        err = X @ w + b - y
        w, b = w - 0.5 * X.T @ err / len(y), b - 0.5 * err.mean()
    return w, b


def test_regression_that_is_not_the_specified_sgd_loses_points_at_every_seed() -> None:
    for seed in SEEDS:
        solutions = {"train_linreg_sgd": full_batch_to_convergence}
        outcome = grade_in_process("train_linreg_sgd", solutions, seed)
        assert outcome.score == 0, (seed, outcome)


def test_on_the_books_problem_the_specified_sgd_trains_close_to_but_not_onto_the_optimum() -> None:
    case = train_linreg_sgd.make_cases(5)[0]
    w, b = train_linreg_sgd.reference(*case.args)
    near_w, near_b = full_batch_to_convergence(*case.args)
    gap = float((w - near_w).abs().max()) + float((b - near_b).abs())
    assert 1e-5 < gap < 0.02, gap
