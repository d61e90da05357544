"""Cases and checks for `dropout` (d2l 5.6). Random, so graded by properties."""

from __future__ import annotations

import math

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Gen, Leaves, Mismatch
from quizzes.exercises.compare import compare_tensor
from quizzes.exercises.spec import Tolerance

F64 = torch.float64
_EXACT = Tolerance(rtol=1e-12, atol=0.0)


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

    p = 0.2 + 0.5 * float(torch.rand((), generator=g))
    return [
        Case(
            "eval_is_identity",
            (data(4, 5, gen=torch.Generator().manual_seed(0)), 0.5, False, Gen(0)),
        ),
        Case("zero_p_is_identity", (data(3, 7), 0.0, True, Gen(seed + 1))),
        Case("one_p_drops_everything", (data(3, 7), 1.0, True, Gen(seed + 2))),
        Case("survivors_are_scaled", (data(40, 25), p, True, Gen(seed + 3))),
        Case("drop_rate_matches_p", (data(100, 50), p, True, Gen(seed + 4))),
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
    n = X.numel()
    rate, sigma = float(dropped.sum()) / n, math.sqrt(p * (1 - p) / n)
    if abs(rate - p) > 5 * sigma:  # a correct solution fails once in ~3 million
        return Mismatch(
            "wrong drop rate", f"dropped {rate:.3f} of the values, expected p = {p:.3f}"
        )
    return None


EXERCISE = ExerciseCode(make_cases=make_cases, references={"dropout": reference}, check=check)
