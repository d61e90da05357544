"""Cases and reference for `streaming_mean_var` (d2l 22.10): one pass over the chunks."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Mistake, OnePass

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


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def mean_var_raw_moments(
    chunks: Iterable[torch.Tensor], unbiased: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    n, s, s2 = 0, torch.tensor(0.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    for chunk in chunks:
        n, s, s2 = n + chunk.numel(), s + chunk.sum(), s2 + (chunk**2).sum()
    var = (s2 - s * s / n) / (n - 1 if unbiased else n)
    return s / n, var


def mean_var_merged(
    chunks: Iterable[torch.Tensor], unbiased: bool, biased: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    n = 0
    mean = torch.tensor(0.0, dtype=torch.float64)
    m2 = torch.tensor(0.0, dtype=torch.float64)
    for chunk in chunks:
        k = chunk.numel()
        if k == 0:
            continue
        c_mean = chunk.mean()
        delta = c_mean - mean
        mean = mean + delta * k / (n + k)
        m2 = m2 + ((chunk - c_mean) ** 2).sum() + delta**2 * n * k / (n + k)
        n += k
    return mean, m2 / (n - 1 if unbiased and not biased else n)


def mean_var_always_biased(
    chunks: Iterable[torch.Tensor], unbiased: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    return mean_var_merged(chunks, unbiased, True)


def mean_var_always_unbiased(
    chunks: Iterable[torch.Tensor], unbiased: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    return mean_var_merged(chunks, True, False)


def mean_var_mean_of_means(
    chunks: Iterable[torch.Tensor], unbiased: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    count, n = 0, 0
    mean_sum = torch.tensor(0.0, dtype=torch.float64)
    m2 = torch.tensor(0.0, dtype=torch.float64)
    mean = torch.tensor(0.0, dtype=torch.float64)
    for chunk in chunks:
        k = chunk.numel()
        if k == 0:
            continue
        c_mean = chunk.mean()
        delta = c_mean - mean
        m2 = m2 + ((chunk - c_mean) ** 2).sum() + delta**2 * n * k / (n + k)
        mean = mean + delta * k / (n + k)
        n += k
        count, mean_sum = count + 1, mean_sum + c_mean
    return mean_sum / count, m2 / (n - 1 if unbiased else n)


MISTAKES = (
    Mistake(
        "raw_moments",
        "this is E[X²] - E[X]², which cancels catastrophically when the values sit far from "
        "zero; merge per-chunk means and squared deviations instead",
        "2.6",
        {"streaming_mean_var": mean_var_raw_moments},
    ),
    Mistake(
        "always_biased",
        "this divides by N even when unbiased is true: the unbiased variance divides by N - 1",
        "2.6",
        {"streaming_mean_var": mean_var_always_biased},
    ),
    Mistake(
        "always_unbiased",
        "this divides by N - 1 even when unbiased is false: the biased variance divides by N",
        "2.6",
        {"streaming_mean_var": mean_var_always_unbiased},
    ),
    Mistake(
        "mean_of_chunk_means",
        "this averages the chunks' means as if every chunk had the same size: weight each by "
        "its count",
        "2.6",
        {"streaming_mean_var": mean_var_mean_of_means},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"streaming_mean_var": reference}
)
