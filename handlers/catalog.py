"""The work members can be assigned: code exercises and quiz topics, by id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkCatalog:
    exercises: Mapping[str, str] = field(default_factory=dict)  # id → title
    quiz_topics: Mapping[str, str] = field(default_factory=dict)  # topic → title

    def kind_of(self, ref: str) -> str | None:
        if ref in self.exercises:
            return "exercise"
        if ref in self.quiz_topics:
            return "quiz"
        return None

    def title_of(self, kind: str, ref: str) -> str:
        table = self.exercises if kind == "exercise" else self.quiz_topics
        return table.get(ref, ref)


def default_catalog() -> WorkCatalog:
    """Every shipped exercise and quiz topic (loaded without importing torch)."""
    from quizzes.exercises.catalog import list_exercises
    from quizzes.questions import list_topics, load_bank

    return WorkCatalog(
        exercises={exercise.id: exercise.title for exercise in list_exercises()},
        quiz_topics={topic.id: topic.title for topic in list_topics(load_bank())},
    )
