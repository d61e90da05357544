"""The exercise catalogue for the chat side: reads `content/*.yaml`, never imports torch."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from quizzes.exercises.spec import ExerciseSpec

_CONTENT = "quizzes.exercises.content"


class UnknownExercise(LookupError):
    """No shipped exercise has this id."""


@cache
def list_exercises() -> tuple[ExerciseSpec, ...]:
    """Every shipped exercise, in book order (chapter, section, id)."""
    specs = []
    for entry in resources.files(_CONTENT).iterdir():
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            spec = ExerciseSpec.model_validate(data)
            if f"{spec.id}.yaml" != entry.name:
                raise ValueError(f"{entry.name}: id {spec.id!r} must match the file name")
            specs.append(spec)
    return tuple(sorted(specs, key=_book_order))


def get_exercise(exercise_id: str) -> ExerciseSpec:
    """The exercise with this id; raises UnknownExercise naming the known ids."""
    for spec in list_exercises():
        if spec.id == exercise_id:
            return spec
    known = ", ".join(spec.id for spec in list_exercises())
    raise UnknownExercise(f"no exercise {exercise_id!r}; known: {known}")


def _book_order(spec: ExerciseSpec) -> tuple[int, int, str]:
    return spec.chapter, int(spec.section.split(".")[1]), spec.id
