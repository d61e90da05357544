"""Cases and reference for `sgd_momentum_step` (d2l 12.6), checked against torch.optim.SGD."""

from __future__ import annotations

from typing import Any

import torch

from quizzes.exercises.bank import _optim
from quizzes.exercises.cases import Case, ExerciseCode

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


EXERCISE = ExerciseCode(
    make_cases=make_cases, references={"sgd_momentum_step": reference}, expected=expected
)
