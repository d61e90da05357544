"""Gradient descent, Newton, SGD, momentum, convexity and clipping keys agree with an
independent method over 200 member seeds: torch.optim.SGD and autograd, iterating the update
by hand, bisecting for stability limits, or sampling. (Epsilon conventions: optim_support.)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
import torch

from quizzes.questions import Bank
from tests.quizzes.optim_support import (
    Checks,
    Params,
    assert_key_agrees,
    bisect_boundary,
    minimize,
    registrar,
    run,
    scalar,
)

CHECKS: Checks = {}
checks = registrar(CHECKS)

# --- gradient descent, Newton, conditioning -------------------------------------------------


@checks("opt-gd-one-step")
def _gd_one_step(p: Params) -> float:
    return minimize(
        lambda x: p["a"] * x**2 + p["b"] * x, lambda ps: torch.optim.SGD(ps, lr=p["lr"]), p["x0"], 1
    )


@checks("opt-gd-many-steps")
def _gd_many_steps(p: Params) -> float:
    sgd = lambda ps: torch.optim.SGD(ps, lr=p["lr"])  # noqa: E731
    return minimize(lambda x: p["lam"] / 2 * x**2, sgd, p["x0"], p["steps"])


def gd_stable(lam: Sequence[float], lr: float, steps: int = 40) -> bool:
    """Iterate GD by hand on sum(lam_i / 2 x_i^2) from (1, ..., 1): does every |x_i| shrink?
    Each coordinate is multiplied by the same factor at every step, so a few dozen steps
    decide it exactly (up to rounding)."""
    x = [1.0] * len(lam)
    for _ in range(steps):
        x = [xi - lr * li * xi for xi, li in zip(x, lam, strict=True)]
    return max(abs(xi) for xi in x) < 1


@checks("opt-gd-max-stable-lr", rtol=1e-6)
def _gd_max_lr(p: Params) -> float:
    return bisect_boundary(lambda lr: gd_stable([p["lam"]], lr))


@checks("opt-gd-converges")
def _gd_converges(p: Params) -> bool:
    x = 1.0
    for _ in range(500):
        x -= p["lr"] * p["lam"] * x
    return abs(x) < 1e-6


@checks("opt-gd-max-stable-lr-2d", rtol=1e-6)
def _gd_max_lr_2d(p: Params) -> float:
    return bisect_boundary(lambda lr: gd_stable([p["a1"], p["a2"]], lr))


@checks("opt-condition-number")
def _condition_number(p: Params) -> float:
    def f(x: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(p["a1"] * x[0] ** 2 + p["a2"] * x[1] ** 2)

    point = torch.tensor([0.3, -1.7], dtype=torch.float64)
    hessian = torch.autograd.functional.hessian(f, point)  # type: ignore[no-untyped-call]
    eig = np.linalg.eigvalsh(hessian.numpy())
    return float(eig.max() / eig.min())


@checks("opt-newton-step")
def _newton(p: Params) -> float:
    x = scalar(p["x0"])
    f = torch.exp(p["a"] * x) - p["b"] * x
    (grad,) = torch.autograd.grad(f, x, create_graph=True)
    (hess,) = torch.autograd.grad(grad, x)
    return (x - grad / hess).item()


# --- SGD and minibatches ----------------------------------------------------------------


@functools.cache
def minibatch_sd_unit(batch: int) -> tuple[float, float]:
    """Simulated sd of the mean of `batch` per-example gradients with sd 1 (skewed on
    purpose), with its standard error; for another sigma multiply both by sigma, since
    gradients scale linearly."""
    means = np.random.default_rng(batch).exponential(1.0, size=(20_000, batch)).mean(axis=1)
    sd = float(means.std(ddof=1))
    se_var = float(((means - means.mean()) ** 2).std(ddof=1)) / math.sqrt(means.size)
    return sd, se_var / (2 * sd)  # delta method


@checks("opt-minibatch-sd")
def _minibatch_sd(p: Params) -> tuple[float, float]:
    sd, se = minibatch_sd_unit(p["batch"])
    return p["sigma"] * sd, p["sigma"] * se


@functools.cache
def never_sampled_share(n: int) -> tuple[float, float]:
    draws = np.random.default_rng(n).integers(0, n, size=(50_000, n))
    share = float((draws != 0).all(axis=1).mean())
    return share, math.sqrt(share * (1 - share) / 50_000)


@checks("opt-never-sampled")
def _never_sampled(p: Params) -> tuple[float, float]:
    return never_sampled_share(p["n"])


# --- momentum -------------------------------------------------------------------------


def heavy_ball(lr: float, beta: float) -> Callable[[list[torch.Tensor]], torch.optim.Optimizer]:
    return lambda ps: torch.optim.SGD(ps, lr=lr, momentum=beta, dampening=0)


@checks("opt-momentum-two-steps")
def _momentum_two(p: Params) -> float:
    f = lambda x: p["lam"] / 2 * x**2  # noqa: E731
    return minimize(f, heavy_ball(p["lr"], p["beta"]), p["x0"], 2)


@checks("opt-momentum-effective-lr")
def _momentum_effective(p: Params) -> float:
    # By hand: 4000 steps with gradient 1 (beta^4000 is negligible even for beta = 0.99),
    # then the length of the last step.
    v = x = previous = 0.0
    for _ in range(4000):
        v = p["beta"] * v + 1.0
        previous, x = x, x - p["lr"] * v
    # The first steps agree with torch.optim.SGD(momentum=beta).
    assert math.isclose(run(heavy_ball(p["lr"], p["beta"]), [1.0] * 3)[0], _by_hand_3(p))
    return previous - x


def _by_hand_3(p: Params) -> float:
    v = x = 0.0
    for _ in range(3):
        v = p["beta"] * v + 1.0
        x -= p["lr"] * v
    return x


@checks("opt-momentum-max-stable-lr", rtol=1e-6)
def _momentum_max_lr(p: Params) -> float:
    lam, beta = p["lam"], p["beta"]

    def stable(lr: float) -> bool:
        # (v, x) -> (beta v + lam x, x - lr (beta v + lam x)): a linear map; stable iff its
        # spectral radius is below one.
        step = np.array([[beta, lam], [-lr * beta, 1 - lr * lam]])
        return bool(np.abs(np.linalg.eigvals(step)).max() < 1)

    return bisect_boundary(stable)


@checks("opt-nesterov-two-steps")
def _nesterov_two(p: Params) -> float:
    def nesterov(ps: list[torch.Tensor]) -> torch.optim.Optimizer:
        return torch.optim.SGD(ps, lr=p["lr"], momentum=p["beta"], dampening=0, nesterov=True)

    return minimize(lambda x: p["lam"] / 2 * x**2, nesterov, p["x0"], 2)


@functools.cache
def minibatch_variance_unit(batch: int) -> tuple[float, float]:
    """Simulated variance of the mean of `batch` skewed per-example gradients with variance 1,
    with its standard error; for another variance multiply both by it."""
    means = np.random.default_rng(batch + 1).exponential(1.0, size=(20_000, batch)).mean(axis=1)
    dev2 = (means - means.mean()) ** 2
    return float(means.var(ddof=1)), float(dev2.std(ddof=1)) / math.sqrt(means.size)


@checks("opt-minibatch-variance")
def _minibatch_variance(p: Params) -> tuple[float, float]:
    var, se = minibatch_variance_unit(p["batch"])
    return p["var"] * var, p["var"] * se


@checks("opt-gradient-clipping", rtol=1e-5)
def _clipping(p: Params) -> float:
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    w.grad = torch.tensor([p["g1"], p["g2"]], dtype=torch.float64)
    # PyTorch divides by (norm + 1e-6): a relative difference below 1e-6 from the book's rule.
    torch.nn.utils.clip_grad_norm_([w], max_norm=p["theta"])
    return float(w.grad[0])


@checks("opt-quartic-convex")
def _quartic(p: Params) -> bool:
    rng = np.random.default_rng(0)
    x, y, t = rng.uniform(-2, 2, 20_000), rng.uniform(-2, 2, 20_000), rng.random(20_000)

    def f(z: np.ndarray) -> np.ndarray:
        return np.asarray(z**4 + p["a"] * z**2)

    chord_gap = t * f(x) + (1 - t) * f(y) - f(t * x + (1 - t) * y)
    return bool(chord_gap.min() >= -1e-12)


@checks("opt-jensen-gap")
def _jensen(p: Params) -> tuple[float, float]:
    rng = np.random.default_rng(p["b"] - p["a"])
    x = np.where(rng.random(100_000) < 0.5, float(p["a"]), float(p["b"]))
    gap = float(np.mean(x**2) - np.mean(x) ** 2)  # E[f(X)] - f(E[X]) for f(x) = x^2
    se = float(((x - x.mean()) ** 2).std(ddof=1)) / math.sqrt(x.size)
    return gap, max(se, 1e-3 * gap)  # a two-point X makes the sampled se nearly zero


@pytest.mark.parametrize("question_id", sorted(CHECKS))
def test_answer_key_agrees_with_independent_method_over_200_seeds(
    bank: Bank, question_id: str
) -> None:
    assert_key_agrees(bank, question_id, *CHECKS[question_id])
