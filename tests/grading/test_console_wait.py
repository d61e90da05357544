"""`:wait` in a console script first waits for submissions still being graded, so their
result comes before what the script does next (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.exercises.solutions import SOLUTIONS
from tests.progress.test_console_certificate import console


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_result_lands_before_the_clock_moves_on(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        [
            "@marie d2l submit softmax",
            "```python",
            SOLUTIONS["softmax"].strip(),
            "```",
            ":wait 1h",
            "@marie d2l exercises",
        ],
    )
    result = out.index("✅ softmax: 8/8")
    assert result < out.index("[time passes"), out[-2000:]
    assert "best 8/8 ✓" in out[out.index("[time passes") :]
