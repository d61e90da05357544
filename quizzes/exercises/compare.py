"""Compares the submission's outputs with the reference's, outside the sandbox.

Rules: the outputs must have the same structure (paths), each tensor exactly the expected shape
(no broadcasting) and dtype; floating values must be within the tolerance (torch.isclose), and
a NaN where a number is expected fails; integer and boolean values must be equal.
"""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Leaves, Mismatch
from quizzes.exercises.spec import Tolerance


def compare(expected: Leaves, got: Leaves, tolerance: Tolerance) -> Mismatch | None:
    """None when `got` matches `expected`, else what differs."""
    if set(expected) != set(got):
        return Mismatch(
            "wrong output structure",
            f"expected outputs {_paths(expected)}, got {_paths(got)}",
        )
    for path, want in expected.items():
        mismatch = compare_tensor(path, want, got[path], tolerance)
        if mismatch is not None:
            return mismatch
    return None


def compare_tensor(
    path: str, want: torch.Tensor, have: torch.Tensor, tolerance: Tolerance
) -> Mismatch | None:
    """One output tensor against its expected value."""
    if have.shape != want.shape:
        return Mismatch(
            "wrong shape", f"{path}: expected shape {tuple(want.shape)}, got {tuple(have.shape)}"
        )
    if have.dtype != want.dtype:
        return Mismatch("wrong dtype", f"{path}: expected {want.dtype}, got {have.dtype}")
    if not want.is_floating_point():
        if torch.equal(have, want):
            return None
        wrong = int((have != want).sum())
        return Mismatch("wrong values", f"{path}: {wrong} of {want.numel()} values differ")
    have64, want64 = have.double(), want.double()
    if bool(torch.isnan(have64).any()):
        return Mismatch("NaN in output", f"{path}: the output contains NaN")
    close = torch.isclose(have64, want64, rtol=tolerance.rtol, atol=tolerance.atol)
    if bool(close.all()):
        return None
    diff = (have64 - want64).abs().nan_to_num(posinf=float("inf"))
    diff[close] = 0
    worst = int(diff.flatten().argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), want.shape))
    return Mismatch(
        "wrong values",
        f"{path}: {int((~close).sum())} of {want.numel()} values differ; worst at index "
        f"{list(index)}: expected {want64.flatten()[worst].item():.10g}, got "
        f"{have64.flatten()[worst].item():.10g} (rtol {tolerance.rtol:g}, "
        f"atol {tolerance.atol:g})",
    )


def _paths(leaves: Leaves) -> str:
    return ", ".join(sorted(leaves)) or "nothing"
