"""Shared by the optimizer exercises: cases, and the expected rollout run by torch.optim."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from quizzes.exercises.cases import Case

F64 = torch.float64
StateNames = Sequence[str]


def make_cases(
    seed: int,
    hyper: dict[str, float],
    special: list[tuple[str, dict[str, float], float]],
    n_state: int,
) -> list[Case]:
    """The example (3 steps), a long rollout, then `special` cases (name, hyper, grad scale)."""
    g = torch.Generator().manual_seed(seed)

    def rollout(name: str, d: int, steps: int, hp: dict[str, float], scale: float) -> Case:
        param = torch.randn(d, generator=g, dtype=F64)
        grads = torch.randn(steps, d, generator=g, dtype=F64) * scale
        state = tuple(torch.zeros(d, dtype=F64) for _ in range(n_state))
        return Case(name, (param, grads, state), kwargs=hp, mode="rollout")

    example = Case(
        "example",
        (
            torch.tensor([1.0, -1.0], dtype=F64),
            torch.tensor([[4.0, 0.5], [2.0, -1.0], [-1.0, 3.0]], dtype=F64),
            tuple(torch.zeros(2, dtype=F64) for _ in range(n_state)),
        ),
        kwargs=hyper,
        mode="rollout",
    )
    cases = [example, rollout("hundred_steps", 5, 100, hyper, 1.0)]
    cases += [rollout(name, 4, 50, {**hyper, **hp}, scale) for name, hp, scale in special]
    return cases


def torch_rollout(
    case: Case,
    make: Callable[[list[torch.Tensor], dict[str, Any]], torch.optim.Optimizer],
    state_names: StateNames,
) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """The param after each step and the final state, from one torch.optim optimizer."""
    param0, grads, _ = case.args
    param = param0.detach().clone().requires_grad_(True)
    optimizer = make([param], dict(case.kwargs))
    trajectory = []
    for grad in grads:
        param.grad = grad.clone()
        optimizer.step()
        trajectory.append(param.detach().clone())
    state = optimizer.state[param]
    return torch.stack(trajectory), tuple(state[name].detach().clone() for name in state_names)
