"""Adagrad, RMSProp, Adadelta, Adam, AMSGrad and schedule keys agree with an independent
method over 200 member seeds: torch.optim with the epsilon the question states, the book's
update iterated by hand, or the book's scheduler classes. See optim_support for the book's
and PyTorch's epsilon placement.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch

from quizzes.questions import Bank
from tests.quizzes.optim_support import (
    Checks,
    Params,
    assert_key_agrees,
    registrar,
    run,
    scalar,
)

CHECKS: Checks = {}
checks = registrar(CHECKS)

# --- Adagrad, RMSProp, Adadelta ------------------------------------------------------------


@checks("opt-adagrad-step-size")
def _adagrad_book(p: Params) -> float:
    # The book's form: epsilon inside the square root.
    s, x, previous = 0.0, 0.0, 0.0
    for _ in range(p["t"]):
        s += p["g"] ** 2
        previous = x
        x -= p["lr"] * p["g"] / math.sqrt(s + 1e-6)
    if p["t"] <= 30:  # (kept short: torch steps are slow)
        torch_x, _, _ = run(lambda ps: torch.optim.Adagrad(ps, lr=p["lr"]), [p["g"]] * p["t"])
        # PyTorch's placement (after the root) barely changes this answer: show it.
        assert abs(torch_x - x) <= 1e-4 * abs(x)
    return previous - x


@checks("opt-adagrad-two-steps")
def _adagrad_torch(p: Params) -> float:
    adagrad = lambda ps: torch.optim.Adagrad(ps, lr=p["lr"], eps=1e-10)  # noqa: E731
    return run(adagrad, [p["g1"], p["g2"]])[0]


@checks("opt-rmsprop-state")
def _rmsprop_state(p: Params) -> float:
    rmsprop = lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=p["gamma"])  # noqa: E731
    _, opt, x = run(rmsprop, [p["g"]] * p["t"])
    return float(opt.state[x]["square_avg"].item())


@checks("opt-rmsprop-first-update")
def _rmsprop_first(p: Params) -> float:
    rmsprop = lambda ps: torch.optim.RMSprop(ps, lr=p["lr"], alpha=p["gamma"], eps=1e-8)  # noqa: E731
    return -run(rmsprop, [p["g"]])[0]


@checks("opt-adadelta-first-update")
def _adadelta_first(p: Params) -> float:
    adadelta = lambda ps: torch.optim.Adadelta(ps, lr=1.0, rho=p["rho"], eps=1e-5)  # noqa: E731
    torch_update = -run(adadelta, [p["g"]])[0]
    # The book's code, by hand: s, delta start at 0; epsilon inside both roots.
    rho, eps, g = p["rho"], 1e-5, p["g"]
    s = rho * 0.0 + (1 - rho) * g * g
    update = math.sqrt(0.0 + eps) / math.sqrt(s + eps) * g
    assert abs(update - torch_update) <= 1e-12
    return torch_update


# --- Adam and AMSGrad ---------------------------------------------------------------------


@checks("opt-adam-first-update")
def _adam_first(p: Params) -> float:
    return -run(lambda ps: torch.optim.Adam(ps, lr=p["lr"]), [p["g"]])[0]


@checks("opt-adam-uncorrected")
def _adam_uncorrected(p: Params) -> float:
    # The book's Adam code with the two bias-correction lines removed, eps = 1e-6.
    v = s = x = 0.0
    beta1, beta2, eps, g = p["beta1"], p["beta2"], 1e-6, p["g"]
    v = beta1 * v + (1 - beta1) * g
    s = beta2 * s + (1 - beta2) * g**2
    x -= p["lr"] * v / (math.sqrt(s) + eps)
    return float(-x)


@checks("opt-adam-two-steps")
def _adam_two(p: Params) -> float:
    return run(lambda ps: torch.optim.Adam(ps, lr=p["lr"]), [p["g1"], p["g2"]])[0]


@checks("opt-amsgrad-two-steps")
def _amsgrad_two(p: Params) -> float:
    def amsgrad(ps: list[torch.Tensor]) -> torch.optim.Optimizer:
        return torch.optim.Adam(ps, lr=p["lr"], betas=(0.9, p["beta2"]), amsgrad=True)

    x = run(amsgrad, [p["g1"], p["g2"]])[0]
    plain = run(
        lambda ps: torch.optim.Adam(ps, lr=p["lr"], betas=(0.9, p["beta2"])), [p["g1"], p["g2"]]
    )
    assert abs(x) < abs(plain[0]), "the question's premise: AMSGrad's second step is smaller"
    return x


@checks("opt-amsgrad-denominator", rtol=1e-7)
def _amsgrad_denominator(p: Params) -> float:
    # torch.optim.Adam keeps the running maximum in its state; PyTorch bias-corrects it by
    # sqrt(1 - beta2^t), as the question states.
    def amsgrad(ps: list[torch.Tensor]) -> torch.optim.Optimizer:
        return torch.optim.Adam(ps, lr=0.01, betas=(0.9, p["beta2"]), amsgrad=True)

    _, opt, x = run(amsgrad, [p["g1"], p["g2"]])
    state = opt.state[x]
    assert float(state["exp_avg_sq"]) < float(state["max_exp_avg_sq"]), "s must have dropped"
    return math.sqrt(float(state["max_exp_avg_sq"]) / (1 - p["beta2"] ** 2))


def book_yogi(grads: list[float], lr: float) -> float:
    """The book's yogi() from d2l 12.10, on one tensor parameter (eps 1e-3)."""
    beta1, beta2, eps = 0.9, 0.999, 1e-3
    x = torch.zeros(1, dtype=torch.float64)
    v, s = torch.zeros_like(x), torch.zeros_like(x)
    for t, g in enumerate(grads, start=1):
        grad = torch.tensor([g], dtype=torch.float64)
        v[:] = beta1 * v + (1 - beta1) * grad
        s[:] = s + (1 - beta2) * torch.sign(torch.square(grad) - s) * torch.square(grad)
        v_bias_corr = v / (1 - beta1**t)
        s_bias_corr = s / (1 - beta2**t)
        x[:] -= lr * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)
    return float(x[0])


@checks("opt-yogi-two-steps")
def _yogi_two(p: Params) -> float:
    return book_yogi([p["g1"], p["g2"]], p["lr"])


@checks("opt-yogi-state")
def _yogi_state(p: Params) -> float:
    s, g = torch.tensor(p["s"], dtype=torch.float64), torch.tensor(p["g"], dtype=torch.float64)
    return float(s + (1 - p["beta2"]) * torch.sign(torch.square(g) - s) * torch.square(g))


@checks("opt-bias-correction-factor")
def _bias_correction(p: Params) -> float:
    v = 0.0
    for _ in range(p["t"]):
        v = p["beta"] * v + (1 - p["beta"]) * 1.0
    return 1 / v


# --- schedules, clipping, convexity -------------------------------------------------------


def lr_after(scheduler: Callable[[torch.optim.Optimizer], Any], base: float, t: int) -> float:
    x = scalar(0.0)
    opt = torch.optim.SGD([x], lr=base)
    sched = scheduler(opt)
    for _ in range(t):
        opt.step()
        sched.step()
    return float(opt.param_groups[0]["lr"])


@checks("opt-cosine-schedule")
def _cosine(p: Params) -> float:
    def cosine(opt: torch.optim.Optimizer) -> Any:
        return torch.optim.lr_scheduler.CosineAnnealingLR(
            opt, T_max=p["total"], eta_min=p["final_lr"]
        )

    return lr_after(cosine, p["base_lr"], p["t"])


class BookCosineScheduler:
    """d2l 12.11's CosineScheduler, as the book writes it (stateful)."""

    def __init__(
        self,
        max_update: int,
        base_lr: float = 0.01,
        final_lr: float = 0,
        warmup_steps: int = 0,
        warmup_begin_lr: float = 0,
    ) -> None:
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, epoch: int) -> float:
        increase = (
            (self.base_lr_orig - self.warmup_begin_lr) * float(epoch) / float(self.warmup_steps)
        )
        return self.warmup_begin_lr + increase

    def __call__(self, epoch: int) -> float:
        if epoch < self.warmup_steps:
            return self.get_warmup_lr(epoch)
        if epoch <= self.max_update:
            self.base_lr = (
                self.final_lr
                + (self.base_lr_orig - self.final_lr)
                * (1 + math.cos(math.pi * (epoch - self.warmup_steps) / self.max_steps))
                / 2
            )
        return self.base_lr


@checks("opt-warmup-cosine")
def _warmup_cosine(p: Params) -> float:
    sched = BookCosineScheduler(
        p["max_update"], p["base_lr"], p["final_lr"], p["warmup"], p["begin_lr"]
    )
    return sched(p["t"])


@checks("opt-factor-schedule")
def _factor(p: Params) -> float:
    # The book's FactorScheduler: lr = max(stop_factor_lr, lr * factor) on every call.
    lr = p["lr0"]
    for _ in range(p["t"]):
        lr = max(p["min_lr"], lr * p["factor"])
    return float(lr)


@pytest.mark.parametrize("question_id", sorted(CHECKS))
def test_answer_key_agrees_with_independent_method_over_200_seeds(
    bank: Bank, question_id: str
) -> None:
    assert_key_agrees(bank, question_id, *CHECKS[question_id])
