"""Code exercises: the catalogue (text, torch-free) and the grader (torch, worker side only).

Chat processes use the names re-exported here; `quizzes.exercises.grader.grade` runs a
submission through an Executor and is imported only where grading happens.
"""

from quizzes.exercises.catalog import UnknownExercise, get_exercise, list_exercises
from quizzes.exercises.result import GradeResult, GradeStatus, TestResult
from quizzes.exercises.spec import ExerciseSpec

__all__ = [
    "ExerciseSpec",
    "GradeResult",
    "GradeStatus",
    "TestResult",
    "UnknownExercise",
    "get_exercise",
    "list_exercises",
]
