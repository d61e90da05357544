"""Cases and reference for `numeric_grad` (d2l 2.5): central differences vs autograd."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from quizzes.exercises.cases import Case, ExerciseCode, HiddenFn

F64 = torch.float64


def reference(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-5
) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(x), x)
    return grad


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def point(d: int) -> torch.Tensor:
        return torch.rand(d, generator=g, dtype=F64) * 2 - 1

    def matrix(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=F64) / math.sqrt(shape[-1])

    d = int(torch.randint(3, 8, (), generator=g))
    example = HiddenFn("poly", (torch.zeros(2, dtype=F64), torch.eye(2, dtype=F64)))
    return [
        Case("example", (example, torch.tensor([1.0, -2.0], dtype=F64))),
        Case("polynomial", (HiddenFn("poly", (matrix(d), matrix(d, d))), point(d))),
        Case("trigonometric", (HiddenFn("trig", (matrix(4, d), matrix(4))), point(d))),
        Case("log_sum_exp", (HiddenFn("lse", (matrix(5, d) * 3,)), point(d))),
        Case("exponential", (HiddenFn("expdot", (matrix(d),)), point(d))),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"numeric_grad": reference})
