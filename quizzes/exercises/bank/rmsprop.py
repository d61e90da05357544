"""Cases and reference for `rmsprop_step` (d2l 12.8), checked against torch.optim.RMSprop."""

from __future__ import annotations

from typing import Any

import torch

from quizzes.exercises.bank import _optim
from quizzes.exercises.cases import Case, ExerciseCode

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


EXERCISE = ExerciseCode(
    make_cases=make_cases, references={"rmsprop_step": reference}, expected=expected
)
