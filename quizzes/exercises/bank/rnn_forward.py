"""Cases and reference for `rnn_forward` (d2l 9.5), checked against nn.RNN."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

F64 = torch.float64


def reference(
    X: torch.Tensor, H0: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor, b_h: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    rnn = torch.nn.RNN(W_xh.shape[0], W_xh.shape[1], dtype=F64)
    weights = dict(rnn.named_parameters())
    with torch.no_grad():
        weights["weight_ih_l0"].copy_(W_xh.T)
        weights["weight_hh_l0"].copy_(W_hh.T)
        weights["bias_ih_l0"].copy_(b_h)
        weights["bias_hh_l0"].zero_()  # nn.RNN has two biases, the book one
        outputs, H = rnn(X, H0[None])
    return outputs, H[0]


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(T: int, B: int, d: int, h: int) -> tuple[torch.Tensor, ...]:
        def rand(*shape: int, scale: float = 1.0) -> torch.Tensor:
            return torch.randn(*shape, generator=g, dtype=F64) * scale

        return rand(T, B, d), rand(B, h), rand(d, h, scale=0.5), rand(h, h, scale=0.3), rand(h)

    example = (
        torch.ones(2, 1, 1, dtype=F64),
        torch.zeros(1, 1, dtype=F64),
        torch.ones(1, 1, dtype=F64),
        torch.full((1, 1), 0.5, dtype=F64),
        torch.zeros(1, dtype=F64),
    )
    return [
        Case("example", example),
        Case("random_sequence", problem(6, 3, 4, 5)),
        Case("single_step", problem(1, 2, 3, 4)),
        Case("long_sequence", problem(40, 2, 3, 6)),
    ]


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def _rnn(
    X: torch.Tensor,
    H: torch.Tensor,
    W_xh: torch.Tensor,
    W_hh: torch.Tensor,
    b_h: torch.Tensor,
    recurrent: bool,
    activation: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    outputs = []
    for x in X:
        z = x @ W_xh + b_h + (H @ W_hh if recurrent else 0)
        H = torch.tanh(z) if activation == "tanh" else torch.relu(z)
        outputs.append(H)
    return torch.stack(outputs), H


def rnn_transposed_recurrence(
    X: torch.Tensor, H0: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor, b_h: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    return _rnn(X, H0, W_xh, W_hh.T, b_h, True, "tanh")


def rnn_without_recurrence(
    X: torch.Tensor, H0: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor, b_h: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    return _rnn(X, H0, W_xh, W_hh, b_h, False, "tanh")


def rnn_relu(
    X: torch.Tensor, H0: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor, b_h: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    return _rnn(X, H0, W_xh, W_hh, b_h, True, "relu")


MISTAKES = (
    Mistake(
        "transposed_recurrent_weights",
        "this multiplies by W_hh transposed: the book's convention is H_t = tanh(X_t W_xh + "
        "H_(t-1) W_hh + b_h)",
        "9.5",
        {"rnn_forward": rnn_transposed_recurrence},
    ),
    Mistake(
        "no_recurrence",
        "this ignores the previous hidden state: each step must add H_(t-1) W_hh",
        "9.4",
        {"rnn_forward": rnn_without_recurrence},
    ),
    Mistake(
        "relu_activation",
        "this uses ReLU: the book's RNN applies tanh to the hidden state",
        "9.5",
        {"rnn_forward": rnn_relu},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"rnn_forward": reference}
)
