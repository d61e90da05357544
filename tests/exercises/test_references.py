"""The hand-written update rules in the statements are exactly what torch.optim does."""

from __future__ import annotations

import pytest
import torch

from quizzes.exercises import harness
from quizzes.exercises.cases import OnePass, encode_cases
from quizzes.exercises.catalog import get_exercise
from quizzes.exercises.grader import load_code

OPTIMIZERS = ["sgd_momentum", "adagrad", "rmsprop", "adam"]


@pytest.mark.parametrize("exercise", OPTIMIZERS)
@pytest.mark.parametrize("seed", [0, 1])
def test_the_stated_update_rule_matches_torch_optim_over_every_rollout(
    exercise: str, seed: int
) -> None:
    spec, code = get_exercise(exercise), load_code(exercise)
    assert code.expected is not None
    cases = code.make_cases(seed)
    entries, tensors = encode_cases(cases, spec.functions[0])
    for case, entry in zip(cases, entries, strict=True):
        by_rule = harness.flatten(
            harness.invoke(code.references[spec.functions[0]], entry, tensors)
        )
        by_torch = harness.flatten(code.expected(case))
        assert by_rule.keys() == by_torch.keys()
        for path, value in by_torch.items():
            torch.testing.assert_close(by_rule[path], value, rtol=1e-12, atol=1e-15)


def test_the_streaming_reference_agrees_with_torch_where_torch_is_exact_enough() -> None:
    reference = load_code("streaming_mean_var").references["streaming_mean_var"]
    data = torch.randn(500, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    mean, var = reference(OnePass(tuple(data.split(37))).items)
    want_var, want_mean = torch.var_mean(data)
    torch.testing.assert_close((mean, var), (want_mean, want_var), rtol=1e-12, atol=1e-14)
