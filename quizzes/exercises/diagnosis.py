"""Names the common mistake a failing test shows (issue 22).

Runs in the grading process, outside the sandbox, like the references: each mistake of the
exercise is run on the failing case's inputs and its output compared with the member's by
the same check as the test. A hidden test is diagnosed too; the diagnosis shows the mistake's
message, never the inputs or the values.
"""

from __future__ import annotations

from typing import Any

import torch

from quizzes.exercises import harness
from quizzes.exercises.cases import Case, ExerciseCode, Leaves, Mistake
from quizzes.exercises.compare import compare
from quizzes.exercises.spec import ExerciseSpec


def diagnose(
    spec: ExerciseSpec,
    code: ExerciseCode,
    case: Case,
    entry: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    got: Leaves,
) -> Mistake | None:
    """The first of the exercise's mistakes whose output on this case matches `got`."""
    for mistake in code.mistakes:
        if mistake.recognise is not None:
            if mistake.recognise(case, got):
                return mistake
            continue
        function = mistake.functions.get(entry["function"])
        if function is None:
            continue
        try:
            want = harness.flatten(harness.invoke(function, entry, tensors))
        except Exception:  # a mistake that can't run on this case says nothing about it
            continue
        if code.check is not None:
            mismatch = code.check(case, got, want)
        else:
            mismatch = compare(want, got, case.tolerance or spec.tolerance)
        if mismatch is None:
            return mistake
    return None
