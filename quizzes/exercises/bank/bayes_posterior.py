"""Cases and reference for `bayes_posterior` (d2l 2.6), computed in log space."""

from __future__ import annotations

import torch

from quizzes.exercises.bank._mistakes import same_output
from quizzes.exercises.cases import Case, ExerciseCode, Mistake

F64 = torch.float64


def reference(prior: torch.Tensor, likelihood: torch.Tensor, obs: torch.Tensor) -> torch.Tensor:
    log_post = torch.log(prior) + torch.log(likelihood[:, obs]).sum(dim=1)
    return torch.softmax(log_post, dim=0)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(k: int, m: int, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        prior = torch.rand(k, generator=g, dtype=F64) + 0.1
        likelihood = torch.rand(k, m, generator=g, dtype=F64) + 0.05
        obs = torch.randint(0, m, (n,), generator=g)
        return prior / prior.sum(), likelihood / likelihood.sum(1, keepdim=True), obs

    zero_prior = problem(4, 3, 30)
    zero_prior[0][1] = 0.0
    example = (
        torch.tensor([0.5, 0.5], dtype=F64),
        torch.tensor([[0.9, 0.1], [0.3, 0.7]], dtype=F64),
        torch.tensor([0, 0, 1]),
    )
    return [
        Case("example", example),
        Case("few_observations", problem(3, 4, 12)),
        Case("long_sequence", problem(5, 6, 5000)),
        Case("zero_prior", (zero_prior[0] / zero_prior[0].sum(), *zero_prior[1:])),
    ]


# Typical mistakes, written as a member would (no forbidden API), for the diagnosis.


def posterior_as_product(
    prior: torch.Tensor, likelihood: torch.Tensor, obs: torch.Tensor
) -> torch.Tensor:
    w = prior * likelihood[:, obs].prod(dim=1)
    return w / w.sum()


def posterior_without_prior(
    prior: torch.Tensor, likelihood: torch.Tensor, obs: torch.Tensor
) -> torch.Tensor:
    log_post = torch.log(likelihood[:, obs]).sum(dim=1)
    w = torch.exp(log_post - log_post.max())
    return w / w.sum()


def posterior_unnormalised(
    prior: torch.Tensor, likelihood: torch.Tensor, obs: torch.Tensor
) -> torch.Tensor:
    log_post = torch.log(prior) + torch.log(likelihood[:, obs]).sum(dim=1)
    return torch.exp(log_post - log_post.max())


MISTAKES = (
    Mistake(
        "plain_product",
        "this multiplies the probabilities directly: with thousands of observations the "
        "product underflows to 0 and 0 / 0 is NaN; add logs instead",
        "2.6",
        {"bayes_posterior": posterior_as_product},
        recognise=same_output(posterior_as_product),
    ),
    Mistake(
        "prior_forgotten",
        "this leaves out the prior: the posterior is proportional to prior times likelihood",
        "2.6",
        {"bayes_posterior": posterior_without_prior},
    ),
    Mistake(
        "not_normalised",
        "this subtracts the largest log but never divides by the sum: the posterior must sum to 1",
        "2.6",
        {"bayes_posterior": posterior_unnormalised},
    ),
)


EXERCISE = ExerciseCode(
    mistakes=MISTAKES, make_cases=make_cases, references={"bayes_posterior": reference}
)
