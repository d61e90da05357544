"""Cases and reference for `adagrad_step` (d2l 12.7), checked against torch.optim.Adagrad."""

from __future__ import annotations

from typing import Any

import torch

from quizzes.exercises.bank import _optim
from quizzes.exercises.cases import Case, ExerciseCode

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


EXERCISE = ExerciseCode(
    make_cases=make_cases, references={"adagrad_step": reference}, expected=expected
)
