"""Formulas read as written by hand (issue 21): no "2.0x²", no "+ (2)x", no "+ (-0.5)·x²",
no "(5/2)·x²"."""

from __future__ import annotations

import re

from quizzes.questions import Bank
from quizzes.questions._render import Shown
from tests.quizzes.conftest import instances

AWKWARD = re.compile(r"\d\.0(?!\d)x|[+−-] \(-?\d|\(\d+(\.\d+)?/2\)·x²")


def test_signed_terms_and_plain_numbers() -> None:
    assert f"{Shown(2.0)}x² {Shown(-3)}x" == "2x² -3x"
    assert f"x² {Shown(-0.5):+}·x" == "x² − 0.5·x"
    assert f"x² {Shown(2):+}·x" == "x² + 2·x"
    assert f"{Shown(0.1):.3f}" == "0.100"


def test_the_rendered_formulas_have_no_awkward_signs_or_decimals(bank: Bank) -> None:
    seen_negative = False
    for question_id in ("opt-gd-one-step", "opt-quartic-convex", "opt-gd-many-steps"):
        for rendered in instances(bank, question_id, 60):
            for text in (rendered.prompt, rendered.explanation):
                assert not AWKWARD.search(text), text
            seen_negative |= "− " in rendered.prompt
    assert seen_negative  # the seeds did draw negative coefficients
