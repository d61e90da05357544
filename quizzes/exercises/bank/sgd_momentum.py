"""Cases and reference for `sgd_momentum_step` (d2l 12.6), checked against torch.optim.SGD."""

from __future__ import annotations

from typing import Any

import torch

from quizzes.exercises.bank import _optim
from quizzes.exercises.cases import Case, ExerciseCode, Mistake

HYPER = {"lr": 0.05, "momentum": 0.9}


def reference(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    momentum: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (velocity,) = state
    velocity = grad.clone() if t == 1 else momentum * velocity + grad
    return param - lr * velocity, (velocity,)


def make_cases(seed: int) -> list[Case]:
    special = [("heavy_momentum", {"momentum": 0.99, "lr": 0.01}, 1.0)]
    special.append(("no_momentum", {"momentum": 0.0, "lr": 0.1}, 1.0))
    return _optim.make_cases(seed, HYPER, special, n_state=1)


def expected(case: Case) -> Any:
    def make(params: list[torch.Tensor], hp: dict[str, Any]) -> torch.optim.Optimizer:
        return torch.optim.SGD(params, lr=hp["lr"], momentum=hp["momentum"], foreach=False)

    if case.kwargs["momentum"] == 0.0:  # torch.optim keeps no buffer: the velocity is g
        trajectory, _ = _optim.torch_rollout(case, make, [])
        return trajectory, (case.args[1][-1].clone(),)
    return _optim.torch_rollout(case, make, ["momentum_buffer"])


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def momentum_dampened(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    momentum: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (v,) = state
    v = momentum * v + (1 - momentum) * grad
    return param - lr * v, (v,)


def momentum_lr_inside(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    momentum: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (v,) = state
    v = momentum * v + lr * grad
    return param - v, (v,)


def momentum_forgotten(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    momentum: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    return param - lr * grad, (grad.clone(),)


def momentum_in_place(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor],
    t: int,
    lr: float,
    momentum: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    (v,) = state
    v.mul_(momentum).add_(grad)
    param.sub_(lr * v)
    return param, (v,)


MISTAKES = (
    Mistake(
        "dampened",
        "this averages the gradient into the velocity, (1 - momentum)·g: here v ← momentum·v "
        "+ g, with no dampening",
        "12.6",
        {"sgd_momentum_step": momentum_dampened},
    ),
    Mistake(
        "lr_inside_velocity",
        "this puts the learning rate inside the velocity (v ← momentum·v + lr·g): the "
        "statement keeps it outside, x ← x - lr·v, so the returned velocity differs",
        "12.6",
        {"sgd_momentum_step": momentum_lr_inside},
    ),
    Mistake(
        "no_momentum",
        "this is plain gradient descent: the velocity must carry momentum·v from step to step",
        "12.6",
        {"sgd_momentum_step": momentum_forgotten},
    ),
    Mistake(
        "updated_in_place",
        "this updates the parameter and the velocity in place (as torch.optim does): return "
        "new tensors and leave the inputs as they were",
        "12.6",
        {"sgd_momentum_step": momentum_in_place},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES,
    make_cases=make_cases,
    references={"sgd_momentum_step": reference},
    expected=expected,
)
