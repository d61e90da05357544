"""What grading returns. Plain values without torch, so the chat side can render them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# Put before the program's output in a result: what the member sees of it, and what not.
OUTPUT_NOTE = (
    "[Only what importing your code and the visible tests printed is shown; "
    "the hidden tests' output is not returned.]"
)

# Bits of a grade's input seed: too many to find by trying them all inside a run (issue 22).
SEED_BITS = 62

GradeStatus = Literal[
    "passed",  # every test passed
    "partial",  # some points
    "failed",  # ran, no points
    "error",  # did not run to the end: syntax error, crash, exit, missing function
    "timeout",
    "memory",
    "output_limit",
    "forbidden",  # a forbidden API or construct, found in the source or caught at run time
    "refused",  # the evaluator would not run it (no sandbox available)
]


@dataclass(frozen=True)
class TestResult:
    """One test. `points` are the points earned, `max_points` what it is worth."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    passed: bool
    points: int
    max_points: int
    visible: bool
    message: str = ""
    # The recognised mistake of a failing test: {"id", "message", "link"} (issue 22).
    mistake: dict[str, str] | None = None


@dataclass(frozen=True)
class GradeResult:
    exercise: str
    status: GradeStatus
    score: int
    max_score: int
    tests: tuple[TestResult, ...]
    stdout: str = ""
    stderr: str = ""
    message: str = ""  # why the status, when it is not obvious from the tests
    seed: int | None = None  # `studybot grade --seed N` reproduces this result

    def to_json(self) -> dict[str, Any]:
        """The JSON object `studybot grade` prints."""
        return {
            "exercise": self.exercise,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "message": self.message,
            "seed": self.seed,
            "tests": [
                {
                    "name": t.name,
                    "passed": t.passed,
                    "points": t.points,
                    "max_points": t.max_points,
                    "visible": t.visible,
                    "message": t.message,
                    "mistake": t.mistake,
                }
                for t in self.tests
            ],
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
