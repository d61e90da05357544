"""A time limit that fires after every test ran doesn't turn a full score into "timeout"
(issue 21); one that fires before the end still does."""

from __future__ import annotations

from bot.sandbox.types import SandboxResult
from quizzes.exercises.grader import _status


def _run(status: str) -> SandboxResult:
    return SandboxResult(status, None, 9, "", "", 15000.0, message="the job ran out of time")  # type: ignore[arg-type]


def test_the_status_follows_the_tests_when_every_test_ran() -> None:
    assert _status(_run("timeout"), True, {}, [], 10, 10) == ("passed", "")
    assert _status(_run("timeout"), True, {}, [], 4, 10) == ("partial", "")


def test_a_timeout_before_the_end_is_still_a_timeout() -> None:
    status, why = _status(_run("timeout"), False, {}, [], 4, 10)
    assert status == "timeout" and "ran out of time" in why
    assert _status(_run("memory"), True, {}, [], 10, 10)[0] == "memory"
