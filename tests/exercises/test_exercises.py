"""Model solutions get full marks; typical mistakes fail exactly the tests meant to catch them."""

from __future__ import annotations

import pytest

from quizzes.exercises.catalog import list_exercises
from quizzes.exercises.grader import grade
from tests.exercises.conftest import ForkServerExecutor
from tests.exercises.solutions import SOLUTIONS

IDS = [spec.id for spec in list_exercises()]


@pytest.mark.parametrize("exercise", IDS)
async def test_model_solution_gets_full_marks(executor: ForkServerExecutor, exercise: str) -> None:
    result = await grade(exercise, SOLUTIONS[exercise], executor, seed=7)
    assert result.status == "passed", [t for t in result.tests if not t.passed]
    assert result.score == result.max_score > 0


def mistake(exercise: str, old: str, new: str) -> str:
    """The model solution with one typical mistake put in."""
    source = SOLUTIONS[exercise]
    assert old in source, (exercise, old)
    return source.replace(old, new)


MISTAKES = {
    "distances instead of squared distances": (
        "pairwise_sqdist",
        mistake("pairwise_sqdist", ".sum(dim=-1)", ".sum(dim=-1).sqrt()"),
        {"example", "random_points", "different_sizes", "one_dimension"},
    ),
    "softmax without subtracting the max": (
        "softmax",
        mistake("softmax", "X - X.max(dim=1, keepdim=True).values", "X"),
        {"huge_logits"},
    ),
    "softmax over the wrong axis": (
        "softmax",
        mistake("softmax", "e.sum(dim=1, keepdim=True)", "e.sum(dim=0, keepdim=True)"),
        {"example", "random_logits", "huge_logits", "single_row", "single_column"},
    ),
    "cross-entropy as the log of a softmax": (
        "cross_entropy",
        """
import torch

def cross_entropy(logits, y):
    p = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    return -torch.log(p[torch.arange(len(y)), y]).mean()
""",
        {"extreme_value", "extreme_gradient"},
    ),
    "cross-entropy detached from the graph": (
        "cross_entropy",
        mistake(
            "cross_entropy", "return (lse", "return torch.tensor(0.0, dtype=torch.float64) + (lse"
        ).replace(").mean()", ").mean().item()"),
        {"gradient", "extreme_gradient"},
    ),
    "dropout without rescaling the survivors": (
        "dropout",
        mistake("dropout", "return X * keep / (1 - p)", "return X * keep"),
        {"survivors_are_scaled", "drop_rate_matches_p"},
    ),
    "dropout dividing by zero when p is 1": (
        "dropout",
        mistake("dropout", "    if p == 1:\n        return torch.zeros_like(X)\n", ""),
        {"one_p_drops_everything"},
    ),
    "posterior as a plain product": (
        "bayes_posterior",
        """
import torch

def bayes_posterior(prior, likelihood, obs):
    w = prior * likelihood[:, obs].prod(dim=1)
    return w / w.sum()
""",
        {"long_sequence"},
    ),
    "posterior forgetting the prior": (
        "bayes_posterior",
        mistake("bayes_posterior", "torch.log(prior) + ", ""),
        {"few_observations", "zero_prior"},  # 5000 observations outweigh any prior
    ),
    "variance as E[X^2] - E[X]^2": (
        "streaming_mean_var",
        """
import torch

def streaming_mean_var(chunks, unbiased=True):
    n, s, s2 = 0, 0.0, 0.0
    for c in chunks:
        n, s, s2 = n + c.numel(), s + c.sum(), s2 + (c ** 2).sum()
    var = (s2 - s * s / n) / (n - 1 if unbiased else n)
    return torch.as_tensor(s / n, dtype=torch.float64), torch.as_tensor(var, dtype=torch.float64)
""",
        {"large_offset"},
    ),
    "variance always divided by N": (
        "streaming_mean_var",
        mistake("streaming_mean_var", "(n - 1 if unbiased else n)", "n"),
        {"example", "many_chunks", "large_offset", "empty_and_single_chunks"},
    ),
    "one-sided difference quotient": (
        "numeric_grad",
        mistake("numeric_grad", "(f(x + e) - f(x - e)) / (2 * h)", "(f(x + e) - f(x)) / h"),
        {"example", "polynomial", "trigonometric", "log_sum_exp", "exponential"},
    ),
    "linear regression that never updates the bias": (
        "train_linreg_sgd",
        mistake("train_linreg_sgd", "b = b - lr * err.mean()", "b = b"),
        {"book_problem", "random_problem", "wide_problem"},
    ),
    "tensor reduction whose weights get no gradient": (
        "tensor_reduction",
        mistake("tensor_reduction", "(X @ W.permute", "(X @ W.detach().permute"),
        {"gradient"},
    ),
    "tensor reduction without the cross terms": (
        "tensor_reduction",
        """
def tensor_reduction(X, W):
    return (X ** 2) @ W.diagonal(dim1=0, dim2=1).T
""",
        {"example", "random_layer", "batch_of_one", "asymmetric_weights", "gradient"},
    ),
    "convolution with the book's total padding": (
        "conv2d",
        mistake(
            "conv2d",
            "(sh, sw), (ph, pw) = stride, padding",
            "(sh, sw), (ph, pw) = stride, (padding[0] // 2, padding[1] // 2)",
        ),
        {"padding", "stride_and_padding", "large_stride"},
    ),
    "convolution ignoring the stride": (
        "conv2d",
        mistake(
            "conv2d", "(sh, sw), (ph, pw) = stride, padding", "(sh, sw), (ph, pw) = (1, 1), padding"
        ),
        {"stride_and_padding", "large_stride"},
    ),
    "max pooling padded with zeros": (
        "pool2d",
        mistake("pool2d", 'float("-inf") if mode == "max" else 0.0', "0.0"),
        {"max_padding_negative_inputs"},
    ),
    "average pooling that skips the padding": (
        "pool2d",
        """
import torch

def pool2d(X, kernel, stride, padding, mode="max"):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    B, C, H, W = X.shape
    fill = float("-inf") if mode == "max" else 0.0
    P = torch.full((B, C, H + 2 * ph, W + 2 * pw), fill, dtype=X.dtype)
    P[:, :, ph:ph + H, pw:pw + W] = X
    N = torch.zeros(1, 1, H + 2 * ph, W + 2 * pw, dtype=X.dtype)
    N[:, :, ph:ph + H, pw:pw + W] = 1
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    Y = torch.zeros(B, C, oh, ow, dtype=X.dtype)
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            if mode == "max":
                Y[:, :, i, j] = P[:, :, rows, cols].amax(dim=(2, 3))
            else:
                Y[:, :, i, j] = P[:, :, rows, cols].sum(dim=(2, 3)) / N[:, :, rows, cols].sum()
    return Y
""",
        {"avg_padding_counts_zeros"},
    ),
    "batch norm with the book's biased running variance": (
        "batch_norm",
        mistake("batch_norm", "momentum * var * m / (m - 1)", "momentum * var"),
        {"example", "train_2d", "train_4d", "small_batch_running_var"},
    ),
    "batch norm using batch statistics in evaluation": (
        "batch_norm",
        mistake("batch_norm", "    if training:\n", "    if True:\n"),
        {"eval_uses_running_stats"},
    ),
    "layer norm with a detached mean": (
        "layer_norm",
        mistake(
            "layer_norm",
            "mean = X.mean(dim=-1, keepdim=True)",
            "mean = X.mean(dim=-1, keepdim=True).detach()",
        ),
        {"gradient"},
    ),
    "layer norm with eps outside the root": (
        "layer_norm",
        mistake("layer_norm", "torch.sqrt(var + eps)", "(torch.sqrt(var) + eps)"),
        {"example", "batch_of_sequences", "eps_inside_the_root", "gradient"},
    ),
    "masked softmax that handles only one length per example": (
        "masked_attention",
        mistake(
            "masked_attention", "valid_lens[:, :, None]", "valid_lens.reshape(-1, 1, 1)"
        ).replace("    if valid_lens.dim() == 1:\n", "    if False:\n"),
        {"masked_softmax_per_query", "attention_per_query"},
    ),
    "attention without the 1/sqrt(d) scale": (
        "masked_attention",
        mistake("masked_attention", " / math.sqrt(queries.shape[-1])", ""),
        {"attention_per_batch", "attention_per_query"},
    ),
    "momentum with dampening": (
        "sgd_momentum",
        mistake(
            "sgd_momentum", "v = momentum * v + grad", "v = momentum * v + (1 - momentum) * grad"
        ),
        {"example", "hundred_steps", "heavy_momentum"},
    ),
    "Adagrad with the book's eps inside the root": (
        "adagrad",
        mistake("adagrad", "(torch.sqrt(s) + eps)", "torch.sqrt(s + eps)"),
        {"tiny_gradients", "large_eps"},
    ),
    "RMSProp with the book's eps inside the root": (
        "rmsprop",
        mistake("rmsprop", "(torch.sqrt(s) + eps)", "torch.sqrt(s + eps)"),
        {"example", "hundred_steps", "tiny_gradients", "large_eps"},
    ),
    "Adam without bias correction": (
        "adam",
        mistake(
            "adam",
            "v_hat = v / (1 - beta1 ** t)\n    s_hat = s / (1 - beta2 ** t)",
            "v_hat, s_hat = v, s",
        ),
        {"example", "hundred_steps", "tiny_gradients", "large_eps", "other_betas"},
    ),
    "Adam with eps inside the root": (
        "adam",
        mistake("adam", "(torch.sqrt(s_hat) + eps)", "torch.sqrt(s_hat + eps)"),
        {"hundred_steps", "tiny_gradients", "large_eps", "other_betas"},
    ),
    "RNN with the recurrent weights transposed": (
        "rnn_forward",
        mistake("rnn_forward", "H @ W_hh", "H @ W_hh.T"),
        {"random_sequence", "single_step", "long_sequence"},
    ),
    "LSTM with the gates in the book's I, F, O, C order": (
        "lstm_forward",
        mistake("lstm_forward", "i, f, g, o = ", "i, f, o, g = "),
        {"random_sequence", "single_step", "long_sequence"},
    ),
}


@pytest.mark.parametrize("name", list(MISTAKES))
async def test_a_typical_mistake_fails_the_tests_that_target_it(
    executor: ForkServerExecutor, name: str
) -> None:
    exercise, source, failing = MISTAKES[name]
    result = await grade(exercise, source, executor, seed=7)
    assert {t.name for t in result.tests if not t.passed} == failing
    assert result.status == ("partial" if len(failing) < len(result.tests) else "failed")
    assert 0 <= result.score < result.max_score


def test_every_exercise_has_at_least_one_typical_mistake() -> None:
    assert {exercise for exercise, _, _ in MISTAKES.values()} == set(IDS)
