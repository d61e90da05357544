"""Every parametrized question has an independent check of its answer key."""

from __future__ import annotations

from quizzes.questions import Bank
from tests.quizzes import test_adaptive_schedule_keys, test_gd_momentum_keys
from tests.quizzes.conftest import parametrized_ids
from tests.quizzes.test_probability_keys import SIMULATIONS


def test_every_parametrized_probability_family_is_simulated(bank: Bank) -> None:
    assert parametrized_ids(bank, "probability") == set(SIMULATIONS)


def test_every_parametrized_optimization_family_has_an_independent_check(bank: Bank) -> None:
    checked = set(test_gd_momentum_keys.CHECKS) | set(test_adaptive_schedule_keys.CHECKS)
    assert parametrized_ids(bank, "optimization") == checked
