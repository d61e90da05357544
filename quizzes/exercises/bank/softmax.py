"""Cases and reference for `softmax` (d2l 4.4)."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode


def reference(X: torch.Tensor) -> torch.Tensor:
    return torch.softmax(X, dim=1)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)
    n, q = (int(v) for v in torch.randint(2, 9, (2,), generator=g))
    huge = (torch.rand(n, q, generator=g, dtype=torch.float64) * 2 - 1) * 1000
    huge[0, 0] = 1000.0  # the naive formula's inf / inf
    huge[-1] = -1000.0 + torch.rand(q, generator=g, dtype=torch.float64)
    return [
        Case("example", (torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype=torch.float64),)),
        Case("random_logits", (torch.randn(n, q, generator=g, dtype=torch.float64) * 3,)),
        Case("huge_logits", (huge,)),
        Case("single_row", (torch.randn(1, q, generator=g, dtype=torch.float64),)),
        Case("single_column", (torch.randn(n, 1, generator=g, dtype=torch.float64),)),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"softmax": reference})
