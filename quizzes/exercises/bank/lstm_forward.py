"""Cases and reference for `lstm_forward` (d2l 10.1), checked against nn.LSTM."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

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


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def _lstm(
    X: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    W_x: torch.Tensor,
    W_h: torch.Tensor,
    b: torch.Tensor,
    mistake: str,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    H, C = state
    outputs = []
    for x in X:
        if mistake == "book_gate_order":
            i, f, o, g = (x @ W_x + H @ W_h + b).chunk(4, dim=1)
        else:
            i, f, g, o = (x @ W_x + H @ W_h + b).chunk(4, dim=1)
        forget = 1.0 if mistake == "no_forget_gate" else torch.sigmoid(f)
        C = forget * C + torch.sigmoid(i) * torch.tanh(g)
        H = torch.sigmoid(o) * (C if mistake == "no_tanh_on_cell" else torch.tanh(C))
        outputs.append(H)
    return torch.stack(outputs), (H, C)


def lstm_book_gate_order(
    X: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    W_x: torch.Tensor,
    W_h: torch.Tensor,
    b: torch.Tensor,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    return _lstm(X, state, W_x, W_h, b, "book_gate_order")


def lstm_no_tanh_on_cell(
    X: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    W_x: torch.Tensor,
    W_h: torch.Tensor,
    b: torch.Tensor,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    return _lstm(X, state, W_x, W_h, b, "no_tanh_on_cell")


def lstm_no_forget_gate(
    X: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    W_x: torch.Tensor,
    W_h: torch.Tensor,
    b: torch.Tensor,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    return _lstm(X, state, W_x, W_h, b, "no_forget_gate")


MISTAKES = (
    Mistake(
        "book_gate_order",
        "this splits the gates in the book's order (input, forget, output, candidate): here "
        "they are packed as input, forget, candidate, output, as in nn.LSTM",
        "10.1",
        {"lstm_forward": lstm_book_gate_order},
    ),
    Mistake(
        "no_tanh_on_cell",
        "this outputs H = O ⊙ C: the hidden state is O ⊙ tanh(C)",
        "10.1",
        {"lstm_forward": lstm_no_tanh_on_cell},
    ),
    Mistake(
        "no_forget_gate",
        "this keeps the whole old cell (C ← C + I ⊙ C̃): the forget gate scales it, "
        "C ← F ⊙ C + I ⊙ C̃",
        "10.1",
        {"lstm_forward": lstm_no_forget_gate},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"lstm_forward": reference}
)
