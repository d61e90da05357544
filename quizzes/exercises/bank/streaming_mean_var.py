"""Cases and reference for `streaming_mean_var` (d2l 22.10): one pass over the chunks."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from quizzes.exercises.cases import Case, ExerciseCode, OnePass

F64 = torch.float64


def reference(chunks: Iterable[torch.Tensor], unbiased: bool = True) -> tuple[torch.Tensor, ...]:
    # Two passes with correctly rounded sums: torch.var_mean itself loses digits at 1e6 offsets.
    values = [float(v) for chunk in chunks for v in chunk.flatten()]
    mean = math.fsum(values) / len(values)
    m2 = math.fsum((v - mean) ** 2 for v in values)
    var = m2 / (len(values) - 1 if unbiased else len(values))
    return torch.tensor(mean, dtype=F64), torch.tensor(var, dtype=F64)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def chunks(sizes: list[int], offset: float) -> OnePass:
        return OnePass(tuple(torch.randn(s, generator=g, dtype=F64) + offset for s in sizes))

    sizes = [int(s) for s in torch.randint(1, 60, (12,), generator=g)]
    example = OnePass(
        (torch.tensor([1.0, 2.0, 3.0], dtype=F64), torch.tensor([4.0, 5.0], dtype=F64))
    )
    return [
        Case("example", (example,)),
        Case("many_chunks", (chunks(sizes, 5.0),)),
        Case("large_offset", (chunks(sizes, 1.0e6),)),
        Case("empty_and_single_chunks", (chunks([0, 1, 7, 0, 1, 30], -2.0),)),
        Case("biased", (chunks(sizes[:5], 1.0), False)),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"streaming_mean_var": reference})
