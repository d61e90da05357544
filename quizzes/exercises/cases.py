"""The Python half of an exercise: test cases, and how they travel into the sandbox.

A bank module (`bank/<id>.py`) exports `EXERCISE = ExerciseCode(...)`: a seeded case generator,
the reference implementation(s), and optionally a custom check. Cases are encoded as a JSON
manifest plus one safetensors file of input tensors; the in-sandbox harness decodes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import torch

from quizzes.exercises.spec import Tolerance

Mode = Literal["call", "grad", "rollout"]
Leaves: TypeAlias = dict[str, torch.Tensor]


@dataclass(frozen=True)
class OnePass:
    """Passed to the submission as an iterator that can be consumed only once."""

    items: tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class HiddenFn:
    """A smooth function from the harness's library (`harness.HIDDEN_FUNCTIONS`)."""

    name: str
    params: tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class Gen:
    """A `torch.Generator` seeded with `seed`."""

    seed: int


@dataclass(frozen=True)
class Case:
    """One hidden or visible test case; its name is a test name of the exercise's plan.

    `mode` says how the harness calls the function: "call" once; "grad" once, then
    differentiates `sum(output * cotangent)` with respect to the args at `grad_args`;
    "rollout" runs an optimizer step `(param, grad, state, t, **kwargs) -> (param, state)`
    once per row of args[1] and returns (the param after every step, the final state).
    """

    name: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    function: str | None = None  # None: the exercise's first function
    mode: Mode = "call"
    grad_args: tuple[int, ...] = ()
    cotangent: torch.Tensor | None = None
    tolerance: Tolerance | None = None  # None: the exercise's tolerance


@dataclass(frozen=True)
class Mismatch:
    """Why a test failed: a category safe to show for hidden tests, and the full detail."""

    category: str
    detail: str


# A custom check sees the case, the submission's outputs and the reference's outputs.
Check: TypeAlias = Callable[[Case, Leaves, Leaves], Mismatch | None]


@dataclass(frozen=True)
class Mistake:
    """A common wrong solution, implemented, so the grader can name it when a test fails.

    `functions` stand in for the references (same names, same calling conventions) and run
    here, outside the sandbox, like the references. A failing test whose output matches a
    mistake's output on the same inputs (by the exercise's check, at the test's tolerance) is
    diagnosed as that mistake. Where outputs are random and can't be compared, `recognise`
    decides from the member's output alone.
    """

    id: str  # lower_snake_case, unique within the exercise
    message: str  # one line in members' words: what the mistake is and what it causes
    section: str  # the d2l section that explains it, e.g. "4.4"
    functions: Mapping[str, Callable[..., Any]]
    recognise: Callable[[Case, Leaves], bool] | None = None


@dataclass(frozen=True)
class ExerciseCode:
    """What `bank/<id>.py` exports as `EXERCISE`.

    `references` are the model implementations, one per function, called exactly as the
    submission is; `expected`, when given, computes a case's expected raw output another way
    (the optimizers run `torch.optim` itself over the whole rollout).
    """

    make_cases: Callable[[int], list[Case]]
    references: Mapping[str, Callable[..., Any]]
    check: Check | None = None  # None: compare with the reference within the tolerance
    expected: Callable[[Case], Any] | None = None
    mistakes: tuple[Mistake, ...] = ()


def encode_cases(cases: list[Case], default_function: str) -> tuple[list[dict[str, Any]], Leaves]:
    """JSON-able case entries and the tensors they refer to by key."""
    tensors: Leaves = {}
    entries = []
    for index, case in enumerate(cases):
        prefix = f"c{index}"

        def put(tensor: torch.Tensor, prefix: str = prefix) -> str:
            key = f"{prefix}.{len(tensors)}"
            tensors[key] = tensor.detach().clone().contiguous()
            return key

        entry: dict[str, Any] = {
            "name": case.name,
            "function": case.function or default_function,
            "mode": case.mode,
            "args": [_encode(arg, put) for arg in case.args],
            "kwargs": {key: _encode(value, put) for key, value in case.kwargs.items()},
            "grad_args": list(case.grad_args),
        }
        if case.cotangent is not None:
            entry["cotangent"] = put(case.cotangent)
        entries.append(entry)
    return entries, tensors


def _encode(value: Any, put: Callable[[torch.Tensor], str]) -> dict[str, Any]:
    if isinstance(value, torch.Tensor):
        return {"tensor": put(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return {"value": value}
    if isinstance(value, tuple | list):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [_encode(item, put) for item in value]}
    if isinstance(value, OnePass):
        return {"one_pass": [put(item) for item in value.items]}
    if isinstance(value, HiddenFn):
        return {"hidden_fn": value.name, "params": [put(p) for p in value.params]}
    if isinstance(value, Gen):
        return {"generator": value.seed}
    raise TypeError(f"cannot send {type(value).__name__} into the sandbox")
