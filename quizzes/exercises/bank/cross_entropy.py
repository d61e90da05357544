"""Cases and reference for `cross_entropy` (d2l 4.1, 4.4): the value and its gradient."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from quizzes.exercises.bank._mistakes import same_output
from quizzes.exercises.cases import Case, ExerciseCode, Mistake

F64 = torch.float64


def reference(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, y)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(n: int, q: int, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
        logits = torch.randn(n, q, generator=g, dtype=F64) * scale
        return logits, torch.randint(0, q, (n,), generator=g)

    extreme, labels = problem(6, 5, 1.0)
    extreme[:, 0] = 1000.0  # exp overflows; the labelled class is far below the max
    extreme[1] = -1000.0 + torch.rand(5, generator=g, dtype=F64)
    labels[0] = 1
    weight = torch.randn((), generator=g, dtype=F64)
    example = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], dtype=F64)
    return [
        Case("example", (example, torch.tensor([0, 1]))),
        Case("random_value", problem(7, 4, 3.0)),
        Case("extreme_value", (extreme, labels)),
        Case("gradient", problem(5, 3, 2.0), mode="grad", grad_args=(0,), cotangent=weight),
        Case("extreme_gradient", (extreme, labels), mode="grad", grad_args=(0,), cotangent=weight),
    ]


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def cross_entropy_of_softmax(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    e = torch.exp(logits)
    p = e / e.sum(dim=1, keepdim=True)
    return -torch.log(p[torch.arange(len(y)), y]).mean()


def cross_entropy_summed(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    m = logits.max(dim=1, keepdim=True).values
    lse = m[:, 0] + torch.log(torch.exp(logits - m).sum(dim=1))
    return (lse - logits[torch.arange(len(y)), y]).sum()


def cross_entropy_over_batch(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    m = logits.max(dim=0, keepdim=True).values
    lse = m[0] + torch.log(torch.exp(logits - m).sum(dim=0))
    return (lse[y] - logits[torch.arange(len(y)), y]).mean()


MISTAKES = (
    Mistake(
        "log_of_softmax",
        "this is the log of a softmax computed without the log-sum-exp trick: exp overflows "
        "for large logits and log(0) is -inf",
        "4.5",
        {"cross_entropy": cross_entropy_of_softmax},
        recognise=same_output(cross_entropy_of_softmax),
    ),
    Mistake(
        "summed_over_examples",
        "this sums the losses of the examples; the loss is their mean",
        "4.4",
        {"cross_entropy": cross_entropy_summed},
    ),
    Mistake(
        "wrong_axis",
        "this normalises over the batch (dim=0) instead of over each example's classes",
        "4.4",
        {"cross_entropy": cross_entropy_over_batch},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"cross_entropy": reference}
)
