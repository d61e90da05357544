"""Cases and checks for `dropout` (d2l 5.6). Random, so graded by properties."""

from __future__ import annotations

import math

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Gen, Leaves, Mismatch, Mistake
from quizzes.exercises.compare import compare_tensor
from quizzes.exercises.spec import Tolerance

F64 = torch.float64
_EXACT = Tolerance(rtol=1e-12, atol=0.0)
P_VALUES = (0.1, 0.25, 0.75, 0.9)
SIGMAS = 5.0  # a correct solution fails one of the three rate checks once in ~1 million


def reference(
    X: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> torch.Tensor:
    if not training or p == 0.0:
        return X.clone()
    if p == 1.0:
        return torch.zeros_like(X)
    keep = torch.rand(X.shape, generator=generator, dtype=X.dtype) > p
    return X * keep / (1.0 - p)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def data(*shape: int, gen: torch.Generator = g) -> torch.Tensor:
        return torch.randn(*shape, generator=gen, dtype=F64) + 3.0  # no zeros of its own

    # Far from 0.5, so that dropping with probability 1 - p is caught at every seed.
    p1, p2 = (P_VALUES[int(i)] for i in torch.randint(len(P_VALUES), (2,), generator=g))
    return [
        Case(
            "eval_is_identity",
            (data(4, 5, gen=torch.Generator().manual_seed(0)), 0.5, False, Gen(0)),
        ),
        Case("zero_p_is_identity", (data(3, 7), 0.0, True, Gen(seed + 1))),
        Case("one_p_drops_everything", (data(3, 7), 1.0, True, Gen(seed + 2))),
        Case("survivors_are_scaled", (data(40, 25), p1, True, Gen(seed + 3))),
        Case("drop_rate_matches_p", (data(100, 50), p2, True, Gen(seed + 4))),
    ]


def check(case: Case, got: Leaves, want: Leaves) -> Mismatch | None:
    """Deterministic cases compare with the reference; random ones check properties."""
    X, p = case.args[0], float(case.args[1])
    out = got.get("out")
    if set(got) != {"out"} or out is None:
        return Mismatch("wrong output structure", "return one tensor")
    if case.name not in ("survivors_are_scaled", "drop_rate_matches_p"):
        return compare_tensor("out", want["out"], out, _EXACT)
    if out.shape != X.shape or out.dtype != X.dtype:
        return Mismatch(
            "wrong shape or dtype",
            f"expected {tuple(X.shape)} {X.dtype}, got {tuple(out.shape)} {out.dtype}",
        )
    if bool(torch.isnan(out).any()):
        return Mismatch("NaN in output", "the output contains NaN")
    dropped = out == 0
    kept_ok = torch.isclose(out, X / (1 - p), rtol=1e-12, atol=0.0)
    if not bool((dropped | kept_ok).all()):
        bad = int((~(dropped | kept_ok)).sum())
        return Mismatch("wrong values", f"{bad} outputs are neither 0 nor x / (1 - p)")
    if not _rate_near(dropped.flatten(), p):
        rate = float(dropped.float().mean())
        return Mismatch(
            "wrong drop rate", f"dropped {rate:.3f} of the values, expected p = {p:.3f}"
        )
    # Whether an entry is dropped must not depend on its value: each half, by value, loses
    # about p of its entries (a mask that drops the smallest entries fails here).
    order = X.flatten().argsort()
    low, high = order[: len(order) // 2], order[len(order) // 2 :]
    for half, name in ((low, "smaller"), (high, "larger")):
        if not _rate_near(dropped.flatten()[half], p):
            rate = float(dropped.flatten()[half].float().mean())
            return Mismatch(
                "mask depends on the values",
                f"dropped {rate:.3f} of the {name} half of the values, expected p = {p:.3f}",
            )
    return None


def _rate_near(dropped: torch.Tensor, p: float) -> bool:
    """The share of True in `dropped` is within SIGMAS standard deviations of p."""
    n = dropped.numel()
    return abs(float(dropped.float().mean()) - p) <= SIGMAS * math.sqrt(p * (1 - p) / n)


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def dropout_not_rescaled(
    X: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> torch.Tensor:
    if not training or p == 0:
        return X.clone()
    keep = torch.rand(X.shape, generator=generator, dtype=X.dtype) > p
    return X * keep


def dropout_keep_with_p(
    X: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> torch.Tensor:
    if not training or p == 0:
        return X.clone()
    if p == 1:
        return torch.zeros_like(X)
    keep = torch.rand(X.shape, generator=generator, dtype=X.dtype) < p
    return X * keep / (1 - p)


def dropout_smallest(
    X: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> torch.Tensor:
    if not training or p == 0:
        return X.clone()
    keep = torch.ones(X.numel(), dtype=X.dtype)
    smallest = X.flatten().argsort()[: round(p * X.numel())]
    keep[smallest] = 0
    return X * keep.reshape(X.shape) / max(1 - p, 1e-12)


def dropout_dividing_by_zero(
    X: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> torch.Tensor:
    if not training or p == 0:
        return X.clone()
    keep = torch.rand(X.shape, generator=generator, dtype=X.dtype) > p
    return X * keep / (1 - p)


def _training_output(case: Case, got: Leaves) -> tuple[torch.Tensor, float, torch.Tensor] | None:
    """(X, p, output) of a training case with 0 < p < 1 whose output has X's shape."""
    X, p, out = case.args[0], float(case.args[1]), got.get("out")
    if not case.args[2] or not 0 < p < 1 or out is None or out.shape != X.shape:
        return None
    return X, p, out


def _not_rescaled(case: Case, got: Leaves) -> bool:
    found = _training_output(case, got)
    if found is None:
        return False
    X, _, out = found
    kept = out != 0
    return bool(kept.any()) and bool(((out == 0) | (out == X)).all())


def _keeps_with_p(case: Case, got: Leaves) -> bool:
    found = _training_output(case, got)
    if found is None:
        return False
    X, p, out = found
    scaled = torch.isclose(out, X / (1 - p), rtol=1e-12, atol=0.0)
    return bool(((out == 0) | scaled).all()) and _rate_near((out == 0).flatten(), 1 - p)


def _drops_smallest(case: Case, got: Leaves) -> bool:
    found = _training_output(case, got)
    if found is None:
        return False
    X, _, out = found
    dropped = out == 0
    return bool(dropped.any()) and float(X[dropped].max()) <= float(X[~dropped].min())


def _nan_at_p_one(case: Case, got: Leaves) -> bool:
    out = got.get("out")
    return float(case.args[1]) == 1.0 and out is not None and bool(torch.isnan(out).all())


MISTAKES = (
    Mistake(
        "not_rescaled",
        "this keeps the survivors as they are: inverted dropout divides them by 1 - p so that "
        "each entry keeps its expected value",
        "5.6",
        {"dropout": dropout_not_rescaled},
        recognise=_not_rescaled,
    ),
    Mistake(
        "keep_probability_inverted",
        "this keeps each entry with probability p: p is the probability of dropping it",
        "5.6",
        {"dropout": dropout_keep_with_p},
        recognise=_keeps_with_p,
    ),
    Mistake(
        "drops_the_smallest",
        "this drops the smallest entries every time: dropout zeroes entries at random, "
        "whatever their value",
        "5.6",
        {"dropout": dropout_smallest},
        recognise=_drops_smallest,
    ),
    Mistake(
        "zero_division_at_p_one",
        "with p = 1 this divides by 1 - p = 0 and returns NaN: return zeros when p is 1",
        "5.6",
        {"dropout": dropout_dividing_by_zero},
        recognise=_nan_at_p_one,
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"dropout": reference}, check=check
)
