"""Grading in chat: the bot on both databases, a worker with a test executor, a sender."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.core.conftest import bot, dispatcher, sender, talk  # noqa: F401
from tests.exercises.conftest import ForkServerExecutor


@pytest.fixture(scope="module")
def executor() -> Iterator[ForkServerExecutor]:
    """Runs jobs without a sandbox (the grader's plumbing is under test here, not the
    sandbox; tests/sandbox and the end-to-end test below use the real one)."""
    server = ForkServerExecutor()
    yield server
    server.close()
