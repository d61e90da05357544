"""Answer keys for the probability bank (d2l 2.6 and appendix 22.6-22.11).

Each function takes exactly the parameters its questions declare and returns the exact
answer; tests/quizzes checks every one against a Monte Carlo simulation.
"""

from __future__ import annotations

import math

from quizzes.questions._registry import answer_function, common_mistake


@answer_function
def bayes_one_test(prior: float, sensitivity: float, false_positive: float) -> float:
    """P(disease | positive) by Bayes' theorem."""
    evidence = sensitivity * prior + false_positive * (1 - prior)
    return sensitivity * prior / evidence


@answer_function
def bayes_evidence(prior: float, sensitivity: float, false_positive: float) -> float:
    """P(positive), marginalising over the disease."""
    return sensitivity * prior + false_positive * (1 - prior)


@answer_function
def bayes_two_tests(prior: float, sens1: float, fp1: float, sens2: float, fp2: float) -> float:
    """P(disease | both positive) for tests independent given the disease status."""
    sick = sens1 * sens2 * prior
    healthy = fp1 * fp2 * (1 - prior)
    return sick / (sick + healthy)


@answer_function
def bayes_positive_then_negative(
    prior: float, sens1: float, fp1: float, sens2: float, fp2: float
) -> float:
    """P(disease | first test positive, second negative), tests conditionally independent."""
    sick = sens1 * (1 - sens2) * prior
    healthy = fp1 * (1 - fp2) * (1 - prior)
    return sick / (sick + healthy)


@answer_function
def joint_marginal(n11: int, n12: int, n13: int, n21: int, n22: int, n23: int) -> float:
    """P(B = b2) from a 2x3 table of counts: sum the b2 column."""
    return (n12 + n22) / (n11 + n12 + n13 + n21 + n22 + n23)


@answer_function
def joint_conditional(n11: int, n12: int, n13: int, n21: int, n22: int, n23: int) -> float:
    """P(A = a1 | B = b3): the a1 share of the b3 column."""
    return n13 / (n13 + n23)


@answer_function
def joint_row_conditional(n11: int, n12: int, n13: int, n21: int, n22: int, n23: int) -> float:
    """P(B = b1 | A = a2): the b1 share of the a2 row."""
    return n21 / (n21 + n22 + n23)


@answer_function
def independent_union(pa: float, pb: float) -> float:
    """P(A or B) for independent A and B: inclusion-exclusion with P(A and B) = pa * pb."""
    return pa + pb - pa * pb


@answer_function
def at_least_one_success(p: float, n: int) -> float:
    """P(at least one success in n independent trials): one minus P(all fail)."""
    return 1 - (1 - p) ** n


def _three_point(a: float, b: float, c: float, p: float, q: float) -> tuple[float, float]:
    mean = a * p + b * q + c * (1 - p - q)
    second = a * a * p + b * b * q + c * c * (1 - p - q)
    return mean, second - mean * mean


@answer_function
def discrete_mean(a: float, b: float, c: float, p: float, q: float) -> float:
    """E[X] for X = a, b, c with probabilities p, q, 1 - p - q."""
    return _three_point(a, b, c, p, q)[0]


@answer_function
def discrete_variance(a: float, b: float, c: float, p: float, q: float) -> float:
    """Var[X] = E[X^2] - E[X]^2 for the same three-point X."""
    return _three_point(a, b, c, p, q)[1]


@answer_function
def affine_variance(scale: float, shift: float, var_x: float) -> float:
    """Var(aX + b) = a^2 Var(X); the shift does not matter."""
    return scale * scale * var_x


@answer_function
def variance_of_sum(var_x: float, var_y: float, rho: float) -> float:
    """Var(X + Y) = Var X + Var Y + 2 Cov(X, Y), with Cov = rho * sd_x * sd_y."""
    return var_x + var_y + 2 * rho * math.sqrt(var_x * var_y)


@answer_function
def binomial_difference_sd(n: int) -> float:
    """sd(X - Y) for independent X, Y ~ Binomial(n, 1/2): sqrt(2 * n/4)."""
    return math.sqrt(n / 2)


@answer_function
def sample_mean_variance(sigma: float, n: int) -> float:
    """Var of the mean of n independent draws with standard deviation sigma."""
    return sigma * sigma / n


@answer_function
def chebyshev_outside(mu: float, sigma: float, dist: float) -> float:
    """Chebyshev's bound on P(|X - mu| >= dist) = (sigma / dist)^2 (dist > sigma)."""
    return min(1.0, (sigma / dist) ** 2)


@answer_function
def binomial_pmf(n: int, k: int, p: float) -> float:
    """P(X = k) for X ~ Binomial(n, p)."""
    return math.comb(n, k) * p**k * (1 - p) ** (n - k)


@answer_function
def poisson_pmf(lam: float, k: int) -> float:
    """P(X = k) for X ~ Poisson(lam)."""
    return math.exp(-lam) * lam**k / math.factorial(k)


@answer_function
def uniform_variance(a: float, b: float) -> float:
    """Var of the continuous uniform distribution on [a, b]."""
    return (b - a) ** 2 / 12


@answer_function
def bernoulli_mle(heads: int, tails: int) -> float:
    """The maximum-likelihood estimate of P(heads): the observed fraction."""
    return heads / (heads + tails)


@answer_function
def exponential_mle(x1: float, x2: float, x3: float) -> float:
    """MLE of the rate of an exponential distribution from three draws: 1 / sample mean."""
    return 3 / (x1 + x2 + x3)


@answer_function
def entropy_bits(p: float, q: float) -> float:
    """Entropy in bits of the distribution (p, q, 1 - p - q)."""
    return -sum(x * math.log2(x) for x in (p, q, 1 - p - q) if x > 0)


@answer_function
def kl_bernoulli(p: float, q: float) -> float:
    """D_KL(Bernoulli(p) || Bernoulli(q)) in nats."""
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


@answer_function
def cross_entropy_bernoulli(p: float, q: float) -> float:
    """Cross-entropy in nats of predicting Bernoulli(q) when the truth is Bernoulli(p)."""
    return -(p * math.log(q) + (1 - p) * math.log(1 - q))


# --- common mistakes: typical wrong keys the tolerance must reject (see tests/quizzes) ---


@common_mistake
def bayes_likelihood_as_posterior(prior: float, sensitivity: float, false_positive: float) -> float:
    """Confusing P(+ | D) with P(D | +)."""
    return sensitivity


@common_mistake
def bayes_evidence_without_complement(
    prior: float, sensitivity: float, false_positive: float
) -> float:
    """Leaving out the (1 - prior) factor of the healthy term."""
    return sensitivity * prior + false_positive


@common_mistake
def bayes_two_tests_without_complement(
    prior: float, sens1: float, fp1: float, sens2: float, fp2: float
) -> float:
    """Leaving out the (1 - prior) factor of the healthy term."""
    sick = sens1 * sens2 * prior
    return sick / (sick + fp1 * fp2)


@common_mistake
def bayes_negative_read_as_positive(
    prior: float, sens1: float, fp1: float, sens2: float, fp2: float
) -> float:
    """Using the second test's positive likelihoods for a negative result."""
    return bayes_two_tests(prior, sens1, fp1, sens2, fp2)


@common_mistake
def joint_one_cell(n11: int, n12: int, n13: int, n21: int, n22: int, n23: int) -> float:
    """Only the a1 cell of the column, P(a1, b2), instead of the whole column."""
    return n12 / (n11 + n12 + n13 + n21 + n22 + n23)


@common_mistake
def joint_instead_of_conditional(
    n11: int, n12: int, n13: int, n21: int, n22: int, n23: int
) -> float:
    """The joint P(a1, b3) instead of the conditional."""
    return n13 / (n11 + n12 + n13 + n21 + n22 + n23)


@common_mistake
def joint_row_instead_of_conditional(
    n11: int, n12: int, n13: int, n21: int, n22: int, n23: int
) -> float:
    """The joint P(a2, b1) instead of the conditional."""
    return n21 / (n11 + n12 + n13 + n21 + n22 + n23)


@common_mistake
def union_without_intersection(pa: float, pb: float) -> float:
    """Adding the probabilities of events that overlap."""
    return pa + pb


@common_mistake
def at_least_one_union_bound(p: float, n: int) -> float:
    """n p, which counts the overlaps several times."""
    return n * p


@common_mistake
def discrete_mean_without_rest(a: float, b: float, c: float, p: float, q: float) -> float:
    """Forgetting the value taken 'otherwise'."""
    return a * p + b * q


@common_mistake
def discrete_second_moment(a: float, b: float, c: float, p: float, q: float) -> float:
    """E[X^2] without subtracting E[X]^2."""
    mean, var = _three_point(a, b, c, p, q)
    return var + mean * mean


@common_mistake
def affine_variance_unsquared(scale: float, shift: float, var_x: float) -> float:
    """Scaling the variance by a instead of a^2."""
    return scale * var_x


@common_mistake
def variance_of_sum_rho_as_covariance(var_x: float, var_y: float, rho: float) -> float:
    """Using the correlation as if it were the covariance."""
    return var_x + var_y + 2 * rho


@common_mistake
def binomial_difference_one_count(n: int) -> float:
    """The standard deviation of one count only."""
    return math.sqrt(n) / 2


@common_mistake
def sample_mean_standard_error(sigma: float, n: int) -> float:
    """The standard error sigma / sqrt(n) instead of the variance."""
    return sigma / math.sqrt(n)


@common_mistake
def chebyshev_unsquared(mu: float, sigma: float, dist: float) -> float:
    """sigma / dist, forgetting the square."""
    return sigma / dist


@common_mistake
def binomial_without_coefficient(n: int, k: int, p: float) -> float:
    """The probability of one particular order of outcomes."""
    return p**k * (1 - p) ** (n - k)


@common_mistake
def poisson_without_exponential(lam: float, k: int) -> float:
    """Leaving out the e^-lambda normalization."""
    return lam**k / math.factorial(k)


@common_mistake
def uniform_variance_discrete(a: float, b: float) -> float:
    """The variance of the discrete uniform on the integers a..b."""
    return ((b - a + 1) ** 2 - 1) / 12


@common_mistake
def bernoulli_odds(heads: int, tails: int) -> float:
    """The odds heads/tails instead of the probability."""
    return heads / tails


@common_mistake
def exponential_mle_without_count(x1: float, x2: float, x3: float) -> float:
    """1 / (sum of the draws), forgetting the number of draws."""
    return 1 / (x1 + x2 + x3)


@common_mistake
def entropy_nats(p: float, q: float) -> float:
    """The natural logarithm instead of log base 2."""
    return entropy_bits(p, q) * math.log(2)


@common_mistake
def kl_reversed(p: float, q: float) -> float:
    """D_KL(Q || P) instead of D_KL(P || Q)."""
    return kl_bernoulli(q, p)


@common_mistake
def cross_entropy_bits(p: float, q: float) -> float:
    """Bits instead of nats."""
    return cross_entropy_bernoulli(p, q) / math.log(2)


# --- random variables, the Gaussian, expectations of functions (d2l 22.6, 22.8) ---------


@answer_function
def linear_density_constant(b: float) -> float:
    """c for the density p(x) = c x on [0, b]: the integral c b^2 / 2 must be 1."""
    return 2 / (b * b)


@common_mistake
def linear_density_constant_as_uniform(b: float) -> float:
    """1 / b, the constant of a uniform density on [0, b]."""
    return 1 / b


@answer_function
def exponential_cdf(rate: float, x: float) -> float:
    """P(X <= x) for X ~ Exponential(rate): 1 - exp(-rate x)."""
    return 1 - math.exp(-rate * x)


@common_mistake
def exponential_survival(rate: float, x: float) -> float:
    """P(X > x) instead of P(X <= x)."""
    return math.exp(-rate * x)


@answer_function
def die_interval(sides: int, lo: int, hi: int) -> float:
    """P(lo < X <= hi) = F(hi) - F(lo) for a fair die with `sides` faces."""
    return (hi - lo) / sides


@common_mistake
def die_interval_inclusive(sides: int, lo: int, hi: int) -> float:
    """Counting the lower end too: P(lo <= X <= hi)."""
    return (hi - lo + 1) / sides


@answer_function
def gaussian_within(mu: float, sigma: float, d: float) -> float:
    """P(|X - mu| <= d) for X ~ N(mu, sigma^2): erf(d / (sigma sqrt 2)), whatever mu."""
    return math.erf(d / (sigma * math.sqrt(2)))


@common_mistake
def gaussian_one_sided(mu: float, sigma: float, d: float) -> float:
    """P(X <= mu + d), the one-sided probability."""
    return 0.5 * (1 + math.erf(d / (sigma * math.sqrt(2))))


@answer_function
def gaussian_sum_sd(sigma1: float, sigma2: float) -> float:
    """sd of the sum of independent Gaussians: variances add."""
    return math.hypot(sigma1, sigma2)


@common_mistake
def gaussian_sum_sd_added(sigma1: float, sigma2: float) -> float:
    """Adding the standard deviations."""
    return sigma1 + sigma2


@answer_function
def uniform_second_moment(b: float) -> float:
    """E[X^2] for X uniform on [0, b]: the integral of x^2 / b, b^2 / 3."""
    return b * b / 3


@common_mistake
def uniform_mean_squared(b: float) -> float:
    """(E X)^2 = b^2 / 4 instead of E[X^2]."""
    return b * b / 4


@answer_function
def two_point_function_mean(a: int, b: int, p: float) -> float:
    """E[X^2] for X = a with probability p, b otherwise (law of the unconscious statistician)."""
    return p * a * a + (1 - p) * b * b


@common_mistake
def two_point_square_of_mean(a: int, b: int, p: float) -> float:
    """(E X)^2 instead of E[X^2]."""
    return (p * a + (1 - p) * b) ** 2
