"""Shared machinery for the optimization answer-key tests.

Epsilon placement, as each question states it: the book (d2l 12.7-12.9) puts epsilon inside
the square root for Adagrad, RMSProp and Adadelta; torch.optim adds it after the square root
for Adagrad and RMSprop (defaults 1e-10 and 1e-8) and inside for Adadelta. Adam adds it after
the square root in both (book 1e-6, PyTorch 1e-8). Questions that name torch.optim are checked
against torch.optim with the stated epsilon; questions in the book's form are iterated by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from quizzes.questions import Bank
from tests.quizzes.conftest import SEEDS, instances

Params = Mapping[str, Any]
# An exact value, a verdict, or a simulated (estimate, standard error).
Check = Callable[[Params], float | bool | tuple[float, float]]
Checks = dict[str, tuple[Check, float]]  # id -> (independent method, relative tolerance)


def registrar(registry: Checks) -> Callable[..., Callable[[Check], Check]]:
    """A decorator factory: @checks(question_id, rtol=...) adds a check to `registry`."""

    def checks(question_id: str, rtol: float = 1e-9) -> Callable[[Check], Check]:
        def register(func: Check) -> Check:
            registry[question_id] = (func, rtol)
            return func

        return register

    return checks


def scalar(value: float) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64, requires_grad=True)


def run(
    make: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    grads: Sequence[float],
    x0: float = 0.0,
) -> tuple[float, torch.optim.Optimizer, torch.Tensor]:
    """Feed the given gradients to a torch optimizer on one scalar parameter."""
    x = scalar(x0)
    opt = make([x])
    for g in grads:
        opt.zero_grad()
        x.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return x.item(), opt, x


def minimize(
    f: Callable[[torch.Tensor], torch.Tensor],
    make: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    x0: float,
    steps: int,
) -> float:
    """Run a torch optimizer with autograd gradients of f."""
    x = scalar(x0)
    opt = make([x])
    for _ in range(steps):
        opt.zero_grad()
        f(x).backward()  # type: ignore[no-untyped-call]
        opt.step()
    return x.item()


def bisect_boundary(stable: Callable[[float], bool], lo: float = 1e-6, hi: float = 1e2) -> float:
    """The learning rate where `stable` flips from True to False, by bisection in log space."""
    assert stable(lo) and not stable(hi)
    for _ in range(45):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
    return math.sqrt(lo * hi)


def assert_key_agrees(bank: Bank, question_id: str, check: Check, rtol: float) -> None:
    """Compare the key with the independent value for 200 member seeds: exactly (rtol),
    as a verdict (bools), or within 5 standard errors (simulations)."""
    count = 0
    for rq in instances(bank, question_id):
        expected = check(rq.params)
        if isinstance(expected, tuple):
            estimate, se = expected
            assert isinstance(rq.answer, float)
            assert abs(rq.answer - estimate) < 5 * se, f"{rq.params}: {rq.answer} vs {expected}"
        elif isinstance(expected, bool):
            assert rq.answer is expected, rq.params
        else:
            assert isinstance(rq.answer, float)
            assert math.isclose(rq.answer, expected, rel_tol=rtol, abs_tol=1e-12), (
                f"{rq.params}: key {rq.answer}, independent {expected}"
            )
        count += 1
    assert count == SEEDS
