"""Cases and reference for `pool2d` (d2l 7.5): max and average pooling with padding."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from quizzes.exercises.cases import Case, ExerciseCode, Mistake

F64 = torch.float64


def reference(
    X: torch.Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    mode: str = "max",
) -> torch.Tensor:
    if mode == "max":
        return F.max_pool2d(X, tuple(kernel), tuple(stride), tuple(padding))
    return F.avg_pool2d(X, tuple(kernel), tuple(stride), tuple(padding), count_include_pad=True)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def images(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=F64)

    negative = -images(2, 3, 7, 6).abs() - 1.0  # padding with zeros would win every max
    example = torch.arange(9, dtype=F64).reshape(1, 1, 3, 3)
    return [
        Case("example", (example, (2, 2), (1, 1), (0, 0), "max")),
        Case("max_stride", (images(2, 3, 8, 9), (3, 2), (2, 2), (0, 0), "max")),
        Case("max_padding_negative_inputs", (negative, (3, 3), (2, 1), (1, 1), "max")),
        Case("avg_stride", (images(1, 2, 9, 7), (2, 3), (2, 3), (0, 0), "avg")),
        Case("avg_padding_counts_zeros", (images(2, 2, 6, 5), (3, 3), (2, 2), (1, 1), "avg")),
    ]


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def _pool(
    X: torch.Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    mode: str,
    fill: float,
    average_over_real: bool,
) -> torch.Tensor:
    """Pooling with a chosen padding value and averaging rule (the mistakes' shared loop)."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    B, C, H, W = X.shape
    P = torch.full((B, C, H + 2 * ph, W + 2 * pw), fill, dtype=X.dtype)
    P[:, :, ph : ph + H, pw : pw + W] = X
    real = torch.zeros(H + 2 * ph, W + 2 * pw, dtype=X.dtype)
    real[ph : ph + H, pw : pw + W] = 1
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    Y = torch.zeros(B, C, oh, ow, dtype=X.dtype)
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            window = P[:, :, rows, cols]
            if mode == "max":
                Y[:, :, i, j] = window.amax(dim=(2, 3))
            elif average_over_real:
                Y[:, :, i, j] = window.sum(dim=(2, 3)) / real[rows, cols].sum()
            else:
                Y[:, :, i, j] = window.mean(dim=(2, 3))
    return Y


def pool2d_max_padded_with_zeros(
    X: torch.Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    mode: str = "max",
) -> torch.Tensor:
    return _pool(X, kernel, stride, padding, mode, 0.0, False)


def pool2d_average_skips_padding(
    X: torch.Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    mode: str = "max",
) -> torch.Tensor:
    fill = float("-inf") if mode == "max" else 0.0
    return _pool(X, kernel, stride, padding, mode, fill, True)


def pool2d_stride_is_kernel(
    X: torch.Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    mode: str = "max",
) -> torch.Tensor:
    fill = float("-inf") if mode == "max" else 0.0
    return _pool(X, kernel, kernel, padding, mode, fill, False)


MISTAKES = (
    Mistake(
        "max_padding_zeros",
        "this pads with zeros before max pooling, so a padded 0 beats negative inputs: pad "
        "with -inf so that padding never wins",
        "7.5",
        {"pool2d": pool2d_max_padded_with_zeros},
    ),
    Mistake(
        "average_skips_padding",
        "this averages over the real inputs of each window only: here the padded zeros count "
        "(count_include_pad), so divide by the whole window",
        "7.5",
        {"pool2d": pool2d_average_skips_padding},
    ),
    Mistake(
        "stride_is_kernel",
        "this moves the window by the kernel size: use the stride you are given",
        "7.5",
        {"pool2d": pool2d_stride_is_kernel},
    ),
)


EXERCISE = ExerciseCode(mistakes=MISTAKES, make_cases=make_cases, references={"pool2d": reference})
