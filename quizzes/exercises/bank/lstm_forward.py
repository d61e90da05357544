"""Cases and reference for `lstm_forward` (d2l 10.1), checked against nn.LSTM."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode

F64 = torch.float64


def reference(
    X: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    W_x: torch.Tensor,
    W_h: torch.Tensor,
    b: torch.Tensor,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    lstm = torch.nn.LSTM(W_x.shape[0], W_h.shape[0], dtype=F64)
    weights = dict(lstm.named_parameters())
    with torch.no_grad():
        weights["weight_ih_l0"].copy_(W_x.T)  # both pack the gates as input, forget, cell, output
        weights["weight_hh_l0"].copy_(W_h.T)
        weights["bias_ih_l0"].copy_(b)
        weights["bias_hh_l0"].zero_()
        outputs, (H, C) = lstm(X, (state[0][None], state[1][None]))
    return outputs, (H[0], C[0])


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def rand(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=F64) * scale

    def problem(T: int, B: int, d: int, h: int) -> tuple[object, ...]:
        return (
            rand(T, B, d),
            (rand(B, h), rand(B, h)),
            rand(d, 4 * h, scale=0.5),
            rand(h, 4 * h, scale=0.3),
            rand(4 * h),
        )

    example = (
        torch.ones(1, 1, 1, dtype=F64),
        (torch.zeros(1, 1, dtype=F64), torch.zeros(1, 1, dtype=F64)),
        torch.ones(1, 4, dtype=F64),
        torch.zeros(1, 4, dtype=F64),
        torch.zeros(4, dtype=F64),
    )
    return [
        Case("example", example),
        Case("random_sequence", problem(5, 3, 4, 3)),
        Case("single_step", problem(1, 2, 2, 5)),
        Case("long_sequence", problem(30, 2, 3, 4)),
    ]


EXERCISE = ExerciseCode(make_cases=make_cases, references={"lstm_forward": reference})
