"""Cases and reference for `conv2d` (d2l 7.2-7.4): channels, stride and padding."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

F64 = torch.float64


def reference(
    X: torch.Tensor,
    K: torch.Tensor,
    b: torch.Tensor,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    return F.conv2d(X, K, b, stride=tuple(stride), padding=tuple(padding))


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(
        batch: int, c_in: int, c_out: int, hw: tuple[int, int], k: tuple[int, int]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        X = torch.randn(batch, c_in, *hw, generator=g, dtype=F64)
        K = torch.randn(c_out, c_in, *k, generator=g, dtype=F64)
        return X, K, torch.randn(c_out, generator=g, dtype=F64)

    example = (
        torch.arange(9, dtype=F64).reshape(1, 1, 3, 3),
        torch.arange(4, dtype=F64).reshape(1, 1, 2, 2),
        torch.zeros(1, dtype=F64),
    )
    return [
        Case("example", (*example, (1, 1), (0, 0))),
        Case("multi_channel", (*problem(2, 3, 4, (6, 7), (3, 3)), (1, 1), (0, 0))),
        Case("padding", (*problem(2, 2, 3, (5, 5), (3, 3)), (1, 1), (1, 1))),
        Case("stride_and_padding", (*problem(1, 3, 2, (9, 8), (3, 2)), (2, 3), (1, 2))),
        Case("large_stride", (*problem(3, 1, 2, (7, 10), (2, 3)), (4, 3), (0, 1))),
    ]


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def _correlate(P: torch.Tensor, K: torch.Tensor, stride: tuple[int, int]) -> torch.Tensor:
    """Cross-correlation of an already padded input with the kernel, without bias."""
    (sh, sw), (kh, kw) = stride, K.shape[2:]
    oh, ow = (P.shape[2] - kh) // sh + 1, (P.shape[3] - kw) // sw + 1
    Y = torch.zeros(P.shape[0], K.shape[0], oh, ow, dtype=P.dtype)
    for i in range(oh):
        for j in range(ow):
            window = P[:, None, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
            Y[:, :, i, j] = (window * K[None]).sum(dim=(2, 3, 4))
    return Y


def _pad(X: torch.Tensor, top: int, bottom: int, left: int, right: int) -> torch.Tensor:
    B, C, H, W = X.shape
    P = torch.zeros(B, C, H + top + bottom, W + left + right, dtype=X.dtype)
    P[:, :, top : top + H, left : left + W] = X
    return P


def conv2d_flipped_kernel(
    X: torch.Tensor,
    K: torch.Tensor,
    b: torch.Tensor,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    ph, pw = padding
    P = _pad(X, ph, ph, pw, pw)
    return _correlate(P, K.flip(2, 3), stride) + b[None, :, None, None]


def conv2d_padding_one_side(
    X: torch.Tensor,
    K: torch.Tensor,
    b: torch.Tensor,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    ph, pw = padding
    P = _pad(X, 2 * ph, 0, 2 * pw, 0)
    return _correlate(P, K, stride) + b[None, :, None, None]


def conv2d_without_stride(
    X: torch.Tensor,
    K: torch.Tensor,
    b: torch.Tensor,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    ph, pw = padding
    P = _pad(X, ph, ph, pw, pw)
    return _correlate(P, K, (1, 1)) + b[None, :, None, None]


def conv2d_without_bias(
    X: torch.Tensor,
    K: torch.Tensor,
    b: torch.Tensor,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    ph, pw = padding
    return _correlate(_pad(X, ph, ph, pw, pw), K, stride)


MISTAKES = (
    Mistake(
        "flipped_kernel",
        "this flips the kernel (a true convolution): deep learning's conv2d is a "
        "cross-correlation, the kernel is not flipped",
        "7.2",
        {"conv2d": conv2d_flipped_kernel},
    ),
    Mistake(
        "padding_one_side",
        "this puts all the padding on the top and left: padding (p_h, p_w) adds p_h rows on "
        "top and bottom and p_w columns on each side",
        "7.3",
        {"conv2d": conv2d_padding_one_side},
    ),
    Mistake(
        "stride_ignored",
        "this slides the kernel one step at a time: with stride (s_h, s_w) the window moves "
        "s_h rows and s_w columns",
        "7.3",
        {"conv2d": conv2d_without_stride},
    ),
    Mistake(
        "bias_forgotten",
        "this leaves out the bias: add b[o] to every output of channel o",
        "7.2",
        {"conv2d": conv2d_without_bias},
    ),
)


EXERCISE = ExerciseCode(mistakes=MISTAKES, make_cases=make_cases, references={"conv2d": reference})
