"""Shared by the bank modules' mistakes: recognising a mistake whose output holds NaN.

The diagnosis compares a member's output with a mistake's by the test's own comparison, which
fails any NaN; a mistake whose very symptom is NaN (the naive softmax's inf / inf) is therefore
recognised by calling it on the case's arguments and comparing with NaN equal to NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from quizzes.exercises import harness
from quizzes.exercises.cases import Case, Leaves
from quizzes.exercises.spec import Tolerance

# Close enough to be the same computation done in another order.
SAME = Tolerance(rtol=1e-6, atol=1e-9)


def same_output(
    function: Callable[..., Any], tolerance: Tolerance = SAME
) -> Callable[[Case, Leaves], bool]:
    """A `recognise` for plain calls: `got` equals `function`'s output on the case's
    arguments, NaN matching NaN (cases of other modes are left to the comparison)."""

    def recognise(case: Case, got: Leaves) -> bool:
        if case.mode != "call" or not all(_plain(arg) for arg in case.args):
            return False
        args = [arg.clone() if isinstance(arg, torch.Tensor) else arg for arg in case.args]
        try:
            want = harness.flatten(function(*args, **case.kwargs))
        except Exception:  # a mistake that can't run on this case says nothing about it
            return False
        return set(want) == set(got) and all(
            _close(want[path], got[path], tolerance) for path in want
        )

    return recognise


def _plain(arg: Any) -> bool:
    return arg is None or isinstance(arg, torch.Tensor | bool | int | float | str)


def _close(want: torch.Tensor, got: torch.Tensor, tolerance: Tolerance) -> bool:
    if want.shape != got.shape or want.dtype != got.dtype:
        return False
    if not want.is_floating_point():
        return torch.equal(want, got)
    return bool(
        torch.isclose(got, want, rtol=tolerance.rtol, atol=tolerance.atol, equal_nan=True).all()
    )
