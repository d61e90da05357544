"""A wrong function name is answered at once, before anything is stored or counted against
the rate limit (issue 21)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import App
from handlers import exercises
from models.tables import Submission
from quizzes.exercises.source_check import missing_functions
from tests.conftest import Chat

ADAM = """```python
import torch
def adam(param, grad, state, t, lr, beta1, beta2, eps):
    return param, state
```"""


async def _stored(bot: App) -> int:
    async with bot.services.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(Submission)) or 0)


async def test_a_wrong_function_name_is_answered_at_once_and_costs_no_attempt(
    bot: App, talk: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exercises, "RATE_LIMIT", 1)
    text = await talk.text(f"submit adam {ADAM}", as_="ann")
    assert "this exercise needs `adam_step(…)`; your code defines `adam`" in text
    assert "Grading" not in text
    assert await _stored(bot) == 0
    # The rate limit of 1 still lets the corrected code through.
    fixed = ADAM.replace("def adam(", "def adam_step(")
    assert "Grading submission" in await talk.text(f"submit adam {fixed}", as_="ann")
    assert await _stored(bot) == 1


def test_what_the_code_defines_is_named() -> None:
    assert missing_functions("def softmax(X):\n    return X\n", ["softmax"]) is None
    assert missing_functions("softmax = lambda X: X\n", ["softmax"]) is None
    assert (
        missing_functions("import torch\nx = 1\n", ["adam_step"])
        == "this exercise needs `adam_step(…)`; your code defines `x`"
    )
    assert missing_functions("import torch\n", ["rnn_forward", "rnn_cell"]) == (
        "this exercise needs `rnn_forward(…)` and `rnn_cell(…)`; your code defines no function"
    )
    # A function nested in another one isn't what the grader calls.
    nested = "def outer():\n    def adam_step():\n        pass\n"
    assert missing_functions(nested, ["adam_step"]) == (
        "this exercise needs `adam_step(…)`; your code defines `outer`"
    )
