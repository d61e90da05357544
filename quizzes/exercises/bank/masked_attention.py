"""Cases and references for `masked_softmax` and `dot_product_attention` (d2l 11.3)."""

from __future__ import annotations

import math

import torch

from quizzes.exercises.cases import Case, ExerciseCode

F64 = torch.float64


def masked_softmax(X: torch.Tensor, valid_lens: torch.Tensor | None) -> torch.Tensor:
    if valid_lens is None:
        return torch.softmax(X, dim=-1)
    lens = valid_lens if valid_lens.dim() == 2 else valid_lens[:, None].expand(X.shape[:2])
    mask = torch.arange(X.shape[-1])[None, None, :] >= lens[:, :, None]
    return torch.softmax(X.masked_fill(mask, -math.inf), dim=-1)


def dot_product_attention(
    queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, valid_lens: torch.Tensor | None
) -> torch.Tensor:
    scores = queries @ keys.transpose(1, 2) / math.sqrt(queries.shape[-1])
    return masked_softmax(scores, valid_lens) @ values


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def rand(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=F64)

    def lens(*shape: int, high: int) -> torch.Tensor:
        return torch.randint(1, high + 1, shape, generator=g)

    b, q, k, d, v = 3, 4, 6, 5, 2
    example = torch.tensor([[[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]]], dtype=F64)
    return [
        Case("example", (example, torch.tensor([2]))),
        Case("masked_softmax_per_batch", (rand(b, q, k) * 3, lens(b, high=k))),
        Case("masked_softmax_per_query", (rand(b, q, k) * 3, lens(b, q, high=k))),
        Case("masked_softmax_no_mask", (rand(2, 3, k), None)),
        Case(
            "attention_per_batch",
            (rand(b, q, d), rand(b, k, d), rand(b, k, v), lens(b, high=k)),
            function="dot_product_attention",
        ),
        Case(
            "attention_per_query",
            (rand(b, q, d), rand(b, k, d), rand(b, k, v), lens(b, q, high=k)),
            function="dot_product_attention",
        ),
    ]


EXERCISE = ExerciseCode(
    make_cases=make_cases,
    references={"masked_softmax": masked_softmax, "dot_product_attention": dot_product_attention},
)
