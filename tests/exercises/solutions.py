"""Model solutions, written as a member would submit them (no forbidden APIs).

They are the exercises' own `solution` fields (what `d2l solution NAME` shows), so the tests
grade exactly what members are given.
"""

from __future__ import annotations

from quizzes.exercises.catalog import list_exercises

SOLUTIONS: dict[str, str] = {
    spec.id: "\n" + spec.solution for spec in list_exercises() if spec.solution is not None
}
