"""A member's grading is untouched by another member's hostile job beside it (issue 14).

The real bubblewrap evaluator as `studybot worker` sets it up (one lane per core, as many
spares): one lane grades a correct softmax while the other runs an attack.
"""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from bot.sandbox import Evaluator, SandboxJob
from quizzes.exercises.grader import grade
from tests.exercises.solutions import SOLUTIONS
from tests.sandbox.attacks import SIGNAL_ATTACK

pytestmark = [pytest.mark.sandbox, pytest.mark.asyncio(loop_scope="module")]


BUSY_LOOPS = """
import os
for _ in range(59):
    if os.fork() == 0:
        while True:
            pass
while True:
    pass
"""


def _attack(code: str, *args: str, seconds: float) -> SandboxJob:
    return SandboxJob(
        files={"main.py": code.encode()}, entry="main.py", args=args, wall_seconds=seconds
    )


async def _graded_seconds(bwrap: Evaluator) -> float:
    started = time.monotonic()
    result = await grade("softmax", SOLUTIONS["softmax"], bwrap, seed=5)
    assert (result.status, result.score) == ("passed", 8), result
    return time.monotonic() - started


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGSTOP], ids=str)
async def test_signals_from_a_neighbour_change_no_grade(
    bwrap: Evaluator, sig: signal.Signals
) -> None:
    await _graded_seconds(bwrap)  # the spares exist and are warm
    attack = asyncio.create_task(bwrap.run(_attack(SIGNAL_ATTACK, str(int(sig)), seconds=2.0)))
    await _graded_seconds(bwrap)
    await attack
    assert await _graded_seconds(bwrap) < 1.0, "the next submission did not start warm"


async def test_sixty_busy_loops_beside_a_submission_cost_it_little(bwrap: Evaluator) -> None:
    if bwrap._cgroups is None or not bwrap._cgroups.has_cpu:
        pytest.skip("no cgroup CPU controller for the sandbox on this host")
    alone = min([await _graded_seconds(bwrap) for _ in range(2)])
    hog = asyncio.create_task(bwrap.run(_attack(BUSY_LOOPS, seconds=8.0)))
    await asyncio.sleep(0.5)
    beside = await _graded_seconds(bwrap)
    hog.cancel()
    await asyncio.gather(hog, return_exceptions=True)
    assert beside <= 3 * alone, (alone, beside)
