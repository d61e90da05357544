"""Cases and reference for `rmsprop_step` (d2l 12.8), checked against torch.optim.RMSprop."""

from __future__ import annotations

from typing import Any

import torch

from quizzes.exercises.bank import _optim
from quizzes.exercises.cases import Case, ExerciseCode, Mistake

HYPER = {"lr": 0.01, "gamma": 0.9, "eps": 1e-8}


def reference(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    gamma: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (s,) = state
    s = gamma * s + (1 - gamma) * grad**2
    return param - lr * grad / (torch.sqrt(s) + eps), (s,)


def make_cases(seed: int) -> list[Case]:
    special = [("tiny_gradients", {}, 1e-8), ("large_eps", {"eps": 0.5}, 1.0)]
    return _optim.make_cases(seed, HYPER, special, n_state=1)


def expected(case: Case) -> Any:
    def make(params: list[torch.Tensor], hp: dict[str, Any]) -> torch.optim.Optimizer:
        return torch.optim.RMSprop(
            params, lr=hp["lr"], alpha=hp["gamma"], eps=hp["eps"], foreach=False
        )

    return _optim.torch_rollout(case, make, ["square_avg"])


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def rmsprop_eps_inside_sqrt(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    gamma: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (s,) = state
    s = gamma * s + (1 - gamma) * grad**2
    return param - lr * grad / torch.sqrt(s + eps), (s,)


def rmsprop_gamma_swapped(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    gamma: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (s,) = state
    s = (1 - gamma) * s + gamma * grad**2
    return param - lr * grad / (torch.sqrt(s) + eps), (s,)


def rmsprop_accumulating(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    gamma: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (s,) = state
    s = s + grad**2
    return param - lr * grad / (torch.sqrt(s) + eps), (s,)


MISTAKES = (
    Mistake(
        "eps_inside_sqrt",
        "this puts eps inside the square root (the book's form); here, as in torch.optim, it "
        "is added after: √s + eps",
        "12.8",
        {"rmsprop_step": rmsprop_eps_inside_sqrt},
    ),
    Mistake(
        "gamma_swapped",
        "this swaps γ and 1 - γ: s ← γ·s + (1 - γ)·g² keeps most of the old average",
        "12.8",
        {"rmsprop_step": rmsprop_gamma_swapped},
    ),
    Mistake(
        "sum_not_average",
        "this adds up every g² (that is Adagrad): RMSProp keeps a leaky average, γ·s + (1 - γ)·g²",
        "12.8",
        {"rmsprop_step": rmsprop_accumulating},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES,
    make_cases=make_cases,
    references={"rmsprop_step": reference},
    expected=expected,
)
