"""Cases and reference for `adam_step` (d2l 12.10), checked against torch.optim.Adam."""

from __future__ import annotations

from typing import Any

import torch

from quizzes.exercises.bank import _optim
from quizzes.exercises.cases import Case, ExerciseCode, Mistake

HYPER = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def reference(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    v, s = state
    v = beta1 * v + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad**2
    v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
    return param - lr * v_hat / (torch.sqrt(s_hat) + eps), (v, s)


def make_cases(seed: int) -> list[Case]:
    special = [("tiny_gradients", {}, 1e-9), ("large_eps", {"eps": 0.1}, 1.0)]
    special.append(("other_betas", {"beta1": 0.5, "beta2": 0.9, "lr": 0.05}, 1.0))
    return _optim.make_cases(seed, HYPER, special, n_state=2)


def expected(case: Case) -> Any:
    def make(params: list[torch.Tensor], hp: dict[str, Any]) -> torch.optim.Optimizer:
        betas = (hp["beta1"], hp["beta2"])
        return torch.optim.Adam(params, lr=hp["lr"], betas=betas, eps=hp["eps"], foreach=False)

    return _optim.torch_rollout(case, make, ["exp_avg", "exp_avg_sq"])


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def adam_without_bias_correction(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    v, s = state
    v = beta1 * v + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad**2
    return param - lr * v / (torch.sqrt(s) + eps), (v, s)


def adam_eps_inside_sqrt(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    v, s = state
    v = beta1 * v + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad**2
    v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
    return param - lr * v_hat / torch.sqrt(s_hat + eps), (v, s)


def adam_corrected_state(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    v, s = state
    v = (beta1 * v + (1 - beta1) * grad) / (1 - beta1**t)
    s = (beta2 * s + (1 - beta2) * grad**2) / (1 - beta2**t)
    return param - lr * v / (torch.sqrt(s) + eps), (v, s)


def adam_in_place(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    v, s = state
    v.mul_(beta1).add_((1 - beta1) * grad)
    s.mul_(beta2).add_((1 - beta2) * grad**2)
    v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
    param.sub_(lr * v_hat / (torch.sqrt(s_hat) + eps))
    return param, (v, s)


MISTAKES = (
    Mistake(
        "no_bias_correction",
        "this skips the bias correction v / (1 - β1^t), s / (1 - β2^t): the first steps come "
        "out far too small",
        "12.10",
        {"adam_step": adam_without_bias_correction},
    ),
    Mistake(
        "eps_inside_sqrt",
        "this puts eps inside the square root: Adam divides by √ŝ + eps",
        "12.10",
        {"adam_step": adam_eps_inside_sqrt},
    ),
    Mistake(
        "corrected_state_kept",
        "this stores the bias-corrected v̂ and ŝ as the state: keep the uncorrected v and s, "
        "and correct them afresh at each step",
        "12.10",
        {"adam_step": adam_corrected_state},
    ),
    Mistake(
        "updated_in_place",
        "this updates the parameter and the moments in place (as torch.optim does): return "
        "new tensors and leave the inputs as they were",
        "12.10",
        {"adam_step": adam_in_place},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"adam_step": reference}, expected=expected
)
