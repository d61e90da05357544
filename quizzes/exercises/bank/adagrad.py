"""Cases and reference for `adagrad_step` (d2l 12.7), checked against torch.optim.Adagrad."""

from __future__ import annotations

from typing import Any

import torch

from quizzes.exercises.bank import _optim
from quizzes.exercises.cases import Case, ExerciseCode, Mistake

HYPER = {"lr": 0.1, "eps": 1e-10}


def reference(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (s,) = state
    s = s + grad**2
    return param - lr * grad / (torch.sqrt(s) + eps), (s,)


def make_cases(seed: int) -> list[Case]:
    special = [("tiny_gradients", {}, 1e-9), ("large_eps", {"eps": 0.5}, 1.0)]
    return _optim.make_cases(seed, HYPER, special, n_state=1)


def expected(case: Case) -> Any:
    def make(params: list[torch.Tensor], hp: dict[str, Any]) -> torch.optim.Optimizer:
        return torch.optim.Adagrad(params, lr=hp["lr"], eps=hp["eps"], foreach=False)

    return _optim.torch_rollout(case, make, ["sum"])


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def adagrad_eps_inside_sqrt(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (s,) = state
    s = s + grad**2
    return param - lr * grad / torch.sqrt(s + eps), (s,)


def adagrad_no_accumulation(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    s = grad**2
    return param - lr * grad / (torch.sqrt(s) + eps), (s,)


def adagrad_without_sqrt(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (s,) = state
    s = s + grad**2
    return param - lr * grad / (s + eps), (s,)


MISTAKES = (
    Mistake(
        "eps_inside_sqrt",
        "this puts eps inside the square root (the book's form); here, as in torch.optim, it "
        "is added after: √s + eps",
        "12.7",
        {"adagrad_step": adagrad_eps_inside_sqrt},
    ),
    Mistake(
        "no_accumulation",
        "this keeps only the latest squared gradient: Adagrad's s adds up every g² so far",
        "12.7",
        {"adagrad_step": adagrad_no_accumulation},
    ),
    Mistake(
        "no_square_root",
        "this divides by s instead of √s",
        "12.7",
        {"adagrad_step": adagrad_without_sqrt},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES,
    make_cases=make_cases,
    references={"adagrad_step": reference},
    expected=expected,
)
