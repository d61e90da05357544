"""Every parametrized probability family's answer key agrees with a Monte Carlo simulation.

For each family and each of 200 member seeds, the test simulates the situation the prompt
describes (numpy, fixed seeds) and compares the key with the estimate using the estimate's
standard error: every seed must be within 5 standard errors, and the mean z-score over the
seeds must be within 5/sqrt(200) of zero, so a small systematic error cannot hide in the
noise. Maximum-likelihood keys are checked by maximizing the likelihood numerically.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from quizzes.questions import Bank
from tests.quizzes.conftest import SEEDS, instances

N = 20_000
Params = Mapping[str, Any]
Estimate = tuple[float, float]  # (estimate, standard error)
Simulation = Callable[[Params, np.random.Generator], Estimate]
SIMULATIONS: dict[str, Simulation] = {}


def simulates(question_id: str) -> Callable[[Simulation], Simulation]:
    def register(func: Simulation) -> Simulation:
        SIMULATIONS[question_id] = func
        return func

    return register


def proportion(hits: np.ndarray) -> Estimate:
    p = float(hits.mean())
    return p, math.sqrt(max(p * (1 - p), 1 / hits.size) / hits.size)


def mean_of(x: np.ndarray) -> Estimate:
    return float(x.mean()), float(x.std(ddof=1)) / math.sqrt(x.size)


def variance_of(x: np.ndarray) -> Estimate:
    dev2 = (x - x.mean()) ** 2
    return float(x.var(ddof=1)), float(dev2.std(ddof=1)) / math.sqrt(x.size)


def categorical(
    rng: np.random.Generator, probs: list[float] | np.ndarray, n: int = N
) -> np.ndarray:
    """Indices drawn with the given probabilities (inverse CDF; faster than rng.choice)."""
    cdf = np.cumsum(np.asarray(probs, dtype=float))
    return np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(N), side="right"), len(cdf) - 1)


def disease_and_tests(p: Params, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    sick = rng.random(N) < p["prior"]
    t1 = rng.random(N) < np.where(sick, p["sens1"], p["fp1"])
    t2 = rng.random(N) < np.where(sick, p["sens2"], p["fp2"])
    return sick, t1, t2


@simulates("prob-bayes-one-test")
def _bayes_one(p: Params, rng: np.random.Generator) -> Estimate:
    sick = rng.random(N) < p["prior"]
    positive = rng.random(N) < np.where(sick, p["sensitivity"], p["false_positive"])
    return proportion(sick[positive])


@simulates("prob-bayes-evidence")
def _evidence(p: Params, rng: np.random.Generator) -> Estimate:
    sick = rng.random(N) < p["prior"]
    return proportion(rng.random(N) < np.where(sick, p["sensitivity"], p["false_positive"]))


@simulates("prob-bayes-two-tests")
def _bayes_two(p: Params, rng: np.random.Generator) -> Estimate:
    sick, t1, t2 = disease_and_tests(p, rng)
    return proportion(sick[t1 & t2])


@simulates("prob-bayes-positive-then-negative")
def _bayes_pos_neg(p: Params, rng: np.random.Generator) -> Estimate:
    sick, t1, t2 = disease_and_tests(p, rng)
    return proportion(sick[t1 & ~t2])


def students(p: Params, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw students from the table: cell k is (row k // 3, column k % 3)."""
    counts = np.array([p[f"n{r}{c}"] for r in (1, 2) for c in (1, 2, 3)], dtype=float)
    cells = categorical(rng, counts)
    return cells // 3 + 1, cells % 3 + 1


@simulates("prob-joint-marginal")
def _marginal(p: Params, rng: np.random.Generator) -> Estimate:
    _, b = students(p, rng)
    return proportion(b == 2)


@simulates("prob-joint-conditional")
def _conditional(p: Params, rng: np.random.Generator) -> Estimate:
    a, b = students(p, rng)
    return proportion(a[b == 3] == 1)


@simulates("prob-joint-row-conditional")
def _row_conditional(p: Params, rng: np.random.Generator) -> Estimate:
    a, b = students(p, rng)
    return proportion(b[a == 2] == 1)


@simulates("prob-independent-union")
def _union(p: Params, rng: np.random.Generator) -> Estimate:
    return proportion((rng.random(N) < p["pa"]) | (rng.random(N) < p["pb"]))


@simulates("prob-at-least-one")
def _at_least_one(p: Params, rng: np.random.Generator) -> Estimate:
    diverged = rng.random((N // 4, p["n"])) < p["p"]
    return proportion(diverged.any(axis=1))


def three_point(p: Params, rng: np.random.Generator) -> np.ndarray:
    values = np.array([p["a"], p["b"], p["c"]], dtype=float)
    return np.asarray(values[categorical(rng, [p["p"], p["q"], 1 - p["p"] - p["q"]])])


@simulates("prob-discrete-mean")
def _discrete_mean(p: Params, rng: np.random.Generator) -> Estimate:
    return mean_of(three_point(p, rng))


@simulates("prob-discrete-variance")
def _discrete_variance(p: Params, rng: np.random.Generator) -> Estimate:
    return variance_of(three_point(p, rng))


@simulates("prob-affine-variance")
def _affine(p: Params, rng: np.random.Generator) -> Estimate:
    x = math.sqrt(p["var_x"]) * rng.exponential(size=N)  # skewed on purpose: any X works
    return variance_of(p["scale"] * x + p["shift"])


@simulates("prob-variance-of-sum")
def _sum(p: Params, rng: np.random.Generator) -> Estimate:
    z1, z2 = rng.standard_normal(N), rng.standard_normal(N)
    x = math.sqrt(p["var_x"]) * z1
    y = math.sqrt(p["var_y"]) * (p["rho"] * z1 + math.sqrt(1 - p["rho"] ** 2) * z2)
    return variance_of(x + y)


@simulates("prob-binomial-difference-sd")
def _binomial_difference(p: Params, rng: np.random.Generator) -> Estimate:
    x, y = rng.binomial(p["n"], 0.5, (2, N // 4))
    diff = x - y
    var, se_var = variance_of(diff.astype(float))
    return math.sqrt(var), se_var / (2 * math.sqrt(var))  # delta method


@simulates("prob-sample-mean-variance")
def _sample_mean(p: Params, rng: np.random.Generator) -> Estimate:
    # Uniform measurements with standard deviation sigma: half-width sigma * sqrt(3).
    half = p["sigma"] * math.sqrt(3)
    means = rng.uniform(-half, half, size=(5_000, p["n"])).mean(axis=1)
    return variance_of(means)


@simulates("prob-chebyshev")
def _chebyshev(p: Params, rng: np.random.Generator) -> Estimate:
    mu, sigma, dist = p["mu"], p["sigma"], p["dist"]
    # The bound must hold for other distributions with this mean and standard deviation...
    m = N // 5
    for sample in (
        rng.normal(mu, sigma, m),
        rng.uniform(mu - sigma * math.sqrt(3), mu + sigma * math.sqrt(3), m),
        rng.laplace(mu, sigma / math.sqrt(2), m),
    ):
        share, se = proportion(np.abs(sample - mu) >= dist)
        assert share <= (sigma / dist) ** 2 + 5 * se
    # ...and be attained by the distribution with mass only at mu and mu ± dist. Its
    # variance must come out as sigma^2 for it to be a valid witness.
    tail = (sigma / dist) ** 2
    support = np.array([mu - dist, mu, mu + dist], dtype=float)
    x = support[categorical(rng, [tail / 2, 1 - tail, tail / 2])]
    var, se_var = variance_of(x)
    assert abs(var - sigma**2) < 5 * se_var + 1e-9
    return proportion(np.abs(x - mu) >= dist - 1e-9)  # rounding at mu ± dist


@simulates("prob-binomial-pmf")
def _binomial_pmf(p: Params, rng: np.random.Generator) -> Estimate:
    return proportion(rng.binomial(p["n"], p["p"], N) == p["k"])


@simulates("prob-poisson-pmf")
def _poisson_pmf(p: Params, rng: np.random.Generator) -> Estimate:
    return proportion(rng.poisson(p["lam"], N) == p["k"])


@simulates("prob-uniform-variance")
def _uniform(p: Params, rng: np.random.Generator) -> Estimate:
    return variance_of(rng.uniform(p["a"], p["b"], N))


def pmf3(p: Params) -> np.ndarray:
    return np.array([p["p"], p["q"], 1 - p["p"] - p["q"]])


@simulates("prob-entropy-bits")
def _entropy(p: Params, rng: np.random.Generator) -> Estimate:
    probs = pmf3(p)
    x = categorical(rng, probs)
    return mean_of(-np.log2(probs[x]))


def bernoulli_pair(p: Params, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.random(N) < p["p"]
    return np.where(x, p["p"], 1 - p["p"]), np.where(x, p["q"], 1 - p["q"])


@simulates("prob-kl-bernoulli")
def _kl(p: Params, rng: np.random.Generator) -> Estimate:
    px, qx = bernoulli_pair(p, rng)
    return mean_of(np.log(px / qx))


@simulates("prob-cross-entropy-bernoulli")
def _cross_entropy(p: Params, rng: np.random.Generator) -> Estimate:
    _, qx = bernoulli_pair(p, rng)
    return mean_of(-np.log(qx))


@simulates("prob-pdf-normalize")
def _pdf_normalize(p: Params, rng: np.random.Generator) -> Estimate:
    # Monte Carlo integral of x over [0, b]; c is its inverse (delta method for the error).
    x = rng.uniform(0, p["b"], N)
    integral, se = mean_of(p["b"] * x)
    return 1 / integral, se / integral**2


@simulates("prob-exponential-cdf")
def _exponential_cdf(p: Params, rng: np.random.Generator) -> Estimate:
    # numpy's exponential takes the scale 1/rate.
    return proportion(rng.exponential(1 / p["rate"], N) <= p["x"])


@simulates("prob-die-cdf-interval")
def _die_interval(p: Params, rng: np.random.Generator) -> Estimate:
    roll = rng.integers(1, p["sides"] + 1, N)
    return proportion((p["lo"] < roll) & (roll <= p["hi"]))


@simulates("prob-gaussian-within")
def _gaussian_within(p: Params, rng: np.random.Generator) -> Estimate:
    return proportion(np.abs(rng.normal(p["mu"], p["sigma"], N) - p["mu"]) <= p["d"])


@simulates("prob-gaussian-sum-sd")
def _gaussian_sum(p: Params, rng: np.random.Generator) -> Estimate:
    total = rng.normal(1, p["sigma1"], N) + rng.normal(-2, p["sigma2"], N)
    var, se_var = variance_of(total)
    return math.sqrt(var), se_var / (2 * math.sqrt(var))  # delta method


@simulates("prob-uniform-second-moment")
def _uniform_second_moment(p: Params, rng: np.random.Generator) -> Estimate:
    return mean_of(rng.uniform(0, p["b"], N) ** 2)


@simulates("prob-two-point-second-moment")
def _two_point(p: Params, rng: np.random.Generator) -> Estimate:
    x = np.where(rng.random(N) < p["p"], float(p["a"]), float(p["b"]))
    return mean_of(x**2)


def golden_max(f: Callable[[float], float], lo: float, hi: float) -> float:
    """Maximize a unimodal function by golden-section search."""
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if f(a) < f(b):
            lo = a
        else:
            hi = b
    return (lo + hi) / 2


def bernoulli_loglik(heads: int, tails: int) -> Callable[[float], float]:
    return lambda t: heads * math.log(t) + tails * math.log(1 - t)


def exponential_loglik(xs: list[float]) -> Callable[[float], float]:
    return lambda a: sum(math.log(a) - a * x for x in xs)


@simulates("prob-bernoulli-mle")
def _bernoulli_mle(p: Params, rng: np.random.Generator) -> Estimate:
    return golden_max(bernoulli_loglik(p["heads"], p["tails"]), 1e-9, 1 - 1e-9), 1e-7


@simulates("prob-exponential-mle")
def _exponential_mle(p: Params, rng: np.random.Generator) -> Estimate:
    return golden_max(exponential_loglik([p["x1"], p["x2"], p["x3"]]), 1e-6, 100.0), 1e-7


@pytest.mark.parametrize("question_id", sorted(SIMULATIONS))
def test_answer_key_agrees_with_simulation_over_200_seeds(bank: Bank, question_id: str) -> None:
    simulate = SIMULATIONS[question_id]
    zs = []
    for i, rq in enumerate(instances(bank, question_id)):
        assert isinstance(rq.answer, float)
        rng = np.random.default_rng([i, zlib.crc32(question_id.encode())])
        estimate, se = simulate(rq.params, rng)
        z = (rq.answer - estimate) / max(se, 1e-12)  # a constant sample has se 0
        assert abs(z) < 5, f"{rq.params}: key {rq.answer} but simulation {estimate} ± {se}"
        zs.append(z)
    assert len(zs) == SEEDS
    assert abs(float(np.mean(zs))) < 5 / math.sqrt(SEEDS), "the key is biased"
