"""Cases and references for `masked_softmax` and `dot_product_attention` (d2l 11.3)."""

from __future__ import annotations

import math

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

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


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def _masked_softmax(X: torch.Tensor, valid_lens: torch.Tensor | None, fill: float) -> torch.Tensor:
    if valid_lens is None:
        return torch.softmax(X, dim=-1)
    if valid_lens.dim() == 1:
        valid_lens = valid_lens[:, None].expand(X.shape[0], X.shape[1])
    mask = torch.arange(X.shape[-1])[None, None, :] < valid_lens[:, :, None]
    return torch.softmax(X.masked_fill(~mask, fill), dim=-1)


def masked_softmax_zero_fill(X: torch.Tensor, valid_lens: torch.Tensor | None) -> torch.Tensor:
    return _masked_softmax(X, valid_lens, 0.0)


def masked_softmax_first_query(X: torch.Tensor, valid_lens: torch.Tensor | None) -> torch.Tensor:
    if valid_lens is not None and valid_lens.dim() == 2:
        valid_lens = valid_lens[:, 0]
    return _masked_softmax(X, valid_lens, -1e6)


def masked_softmax_right(X: torch.Tensor, valid_lens: torch.Tensor | None) -> torch.Tensor:
    return _masked_softmax(X, valid_lens, -1e6)


def attention_zero_fill(
    queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, valid_lens: torch.Tensor | None
) -> torch.Tensor:
    scores = queries @ keys.transpose(1, 2) / math.sqrt(queries.shape[-1])
    return masked_softmax_zero_fill(scores, valid_lens) @ values


def attention_first_query(
    queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, valid_lens: torch.Tensor | None
) -> torch.Tensor:
    scores = queries @ keys.transpose(1, 2) / math.sqrt(queries.shape[-1])
    return masked_softmax_first_query(scores, valid_lens) @ values


def attention_unscaled(
    queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, valid_lens: torch.Tensor | None
) -> torch.Tensor:
    scores = queries @ keys.transpose(1, 2)
    return masked_softmax_right(scores, valid_lens) @ values


def attention_scaled_by_d(
    queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, valid_lens: torch.Tensor | None
) -> torch.Tensor:
    scores = queries @ keys.transpose(1, 2) / queries.shape[-1]
    return masked_softmax_right(scores, valid_lens) @ values


MISTAKES = (
    Mistake(
        "mask_with_zero",
        "this masks with 0 instead of a large negative value: exp(0) = 1, so the padded "
        "positions still get weight",
        "11.3",
        {"masked_softmax": masked_softmax_zero_fill, "dot_product_attention": attention_zero_fill},
    ),
    Mistake(
        "one_length_per_example",
        "this uses one valid length per example when each query has its own (valid_lens of "
        "shape (batch, queries))",
        "11.3",
        {
            "masked_softmax": masked_softmax_first_query,
            "dot_product_attention": attention_first_query,
        },
    ),
    Mistake(
        "unscaled_scores",
        "this leaves out the 1/√d scaling of the dot products",
        "11.3",
        {"masked_softmax": masked_softmax_right, "dot_product_attention": attention_unscaled},
    ),
    Mistake(
        "scaled_by_d",
        "this divides the dot products by d: scaled dot-product attention divides by √d",
        "11.3",
        {"masked_softmax": masked_softmax_right, "dot_product_attention": attention_scaled_by_d},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES,
    make_cases=make_cases,
    references={"masked_softmax": masked_softmax, "dot_product_attention": dot_product_attention},
)
