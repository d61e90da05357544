"""Cases and reference for `numeric_grad` (d2l 2.5): central differences vs autograd."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from quizzes.exercises import harness
from quizzes.exercises.cases import Case, ExerciseCode, HiddenFn, Mistake

F64 = torch.float64


def reference(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-5
) -> torch.Tensor:
    """Central differences, the method the statement asks for (the hidden functions are
    opaque to autograd); the grader compares with `expected`, the exact gradient."""
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        e = torch.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def expected(case: Case) -> torch.Tensor:
    """The exact gradient, by autograd on the hidden function's differentiable formula."""
    hidden: HiddenFn = case.args[0]
    x = case.args[1].detach().clone().requires_grad_(True)
    formula = harness.HIDDEN_FORMULAS[hidden.name](*hidden.params)
    grad: torch.Tensor = torch.autograd.grad(formula(x), x)[0]
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


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def grad_one_sided(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-5
) -> torch.Tensor:
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        e = torch.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x)) / h
    return grad


def grad_without_half(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-5
) -> torch.Tensor:
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        e = torch.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / h
    return grad


def grad_all_at_once(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-5
) -> torch.Tensor:
    e = torch.full_like(x, h)
    return torch.full_like(x, float((f(x + e) - f(x - e)) / (2 * h)))


def grad_not_restoring_x(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-5
) -> torch.Tensor:
    x = x.clone()
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        x[i] += h
        up = f(x)
        x[i] -= 2 * h
        grad[i] = (up - f(x)) / (2 * h)
    return grad


def grad_perturbing_x_in_place(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-5
) -> torch.Tensor:
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        x[i] += h
        up = f(x)
        x[i] -= 2 * h
        grad[i] = (up - f(x)) / (2 * h)
    return grad


MISTAKES = (
    Mistake(
        "one_sided",
        "this is the one-sided difference (f(x + h) - f(x)) / h, off by about h·f''/2: use "
        "central differences",
        "2.4",
        {"numeric_grad": grad_one_sided},
    ),
    Mistake(
        "missing_half",
        "this divides the central difference by h instead of 2h: every entry is twice the gradient",
        "2.4",
        {"numeric_grad": grad_without_half},
    ),
    Mistake(
        "all_coordinates_at_once",
        "this moves every coordinate at once, which gives one directional derivative, not the "
        "partial derivative of each coordinate",
        "2.4",
        {"numeric_grad": grad_all_at_once},
    ),
    Mistake(
        "x_not_restored",
        "this leaves each coordinate at x_i - h after differentiating it, so the later partial "
        "derivatives are taken at a shifted point",
        "2.4",
        {"numeric_grad": grad_not_restoring_x},
    ),
    Mistake(
        "x_changed_in_place",
        "this moves the coordinates of x itself and leaves each at x_i - h: work on copies "
        "(x + e, x - e) so that x stays as it was",
        "2.4",
        {"numeric_grad": grad_perturbing_x_in_place},
    ),
)


EXERCISE = ExerciseCode(
    expected=expected,
    mistakes=MISTAKES,
    make_cases=make_cases,
    references={"numeric_grad": reference},
)
