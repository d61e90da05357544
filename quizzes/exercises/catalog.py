"""The exercise catalogue for the chat side: reads the YAML files, never imports torch.

The built-in exercises are `content/*.yaml`; an organizers' content folder
(STUDYBOT_CONTENT_DIR, see quizzes.content) adds `exercises/*.yaml`. An id defined twice is an
error naming both files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from quizzes.content import ContentError, ContentProblem, content_dir
from quizzes.exercises.spec import ExerciseSpec

_CONTENT = "quizzes.exercises.content"


class UnknownExercise(LookupError):
    """No exercise has this id."""


@dataclass(frozen=True)
class Entry:
    """An exercise and where it comes from: its YAML file, and for a content folder's
    exercise the Python file beside it (built-in ones live in the `bank` package)."""

    spec: ExerciseSpec
    yaml_path: Path
    code_path: Path | None


def builtin_dir() -> Path:
    return Path(str(resources.files(_CONTENT)))


@cache
def _entries() -> tuple[Entry, ...]:
    entries, problems = read_folder(builtin_dir(), builtin=True)
    folder = content_dir()
    if folder is not None:
        if not folder.is_dir():
            problems.append(ContentProblem(folder, 1, "the content folder does not exist"))
        elif (folder / "exercises").is_dir():
            more, found = read_folder(folder / "exercises", builtin=False)
            entries, problems = entries + more, problems + found
    seen: dict[str, Entry] = {}
    unique = []
    for entry in entries:
        other = seen.get(entry.spec.id)
        if other is not None:
            problems.append(
                ContentProblem(
                    entry.yaml_path,
                    line_of(entry.yaml_path, "id"),
                    f"exercise id {entry.spec.id!r} is already defined in {other.yaml_path}",
                )
            )
            continue
        seen[entry.spec.id] = entry
        unique.append(entry)
    if problems:
        raise ContentError(problems)
    return tuple(sorted(unique, key=lambda e: _book_order(e.spec)))


def clear_cache() -> None:
    """Forget the catalogue (after STUDYBOT_CONTENT_DIR changed, in tests and tools)."""
    _entries.cache_clear()


def list_exercises() -> tuple[ExerciseSpec, ...]:
    """Every exercise, built-in and the content folder's, in book order (chapter, section,
    id); raises ContentError when a file is broken or an id is defined twice."""
    return tuple(entry.spec for entry in _entries())


def get_entry(exercise_id: str) -> Entry:
    """The exercise with this id and its files; raises UnknownExercise naming the known ids."""
    for entry in _entries():
        if entry.spec.id == exercise_id:
            return entry
    known = ", ".join(entry.spec.id for entry in _entries())
    raise UnknownExercise(f"no exercise {exercise_id!r}; known: {known}")


def get_exercise(exercise_id: str) -> ExerciseSpec:
    """The exercise with this id; raises UnknownExercise naming the known ids."""
    return get_entry(exercise_id).spec


def read_folder(directory: Path, *, builtin: bool) -> tuple[list[Entry], list[ContentProblem]]:
    """Every `*.yaml` exercise of a folder, and what is wrong with the others."""
    entries: list[Entry] = []
    problems: list[ContentProblem] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            spec = read_spec(path)
        except ContentError as exc:
            problems += exc.problems
            continue
        code_path = None if builtin else path.with_suffix(".py")
        if code_path is not None and not code_path.is_file():
            message = f"{spec.id}: no {code_path.name} beside it (cases and reference)"
            problems.append(ContentProblem(path, 1, message))
            continue
        entries.append(Entry(spec, path, code_path))
    return entries, problems


def read_spec(path: Path) -> ExerciseSpec:
    """One exercise's YAML, validated; ContentError names the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            what = f"{context} (line {context_mark.line + 1}): {what}"
        raise ContentError([ContentProblem(path, line, f"invalid YAML: {what}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([ContentProblem(path, 1, f"cannot read: {exc}")]) from None
    if not isinstance(data, dict):
        raise ContentError([ContentProblem(path, 1, "expected a mapping at top level")])
    try:
        spec = ExerciseSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            field = ".".join(loc) or "file"
            line = _line_of_key(text, loc[0]) if loc else 1
            message = error["msg"].removeprefix("Value error, ")
            problems.append(ContentProblem(path, line, f"{field}: {message}"))
        raise ContentError(problems) from None
    if f"{spec.id}.yaml" != path.name:
        message = f"id {spec.id!r} must match the file name"
        raise ContentError([ContentProblem(path, _line_of_key(text, "id"), message)])
    return spec


def line_of(path: Path, key: str) -> int:
    """The line of a top-level `key:` in a YAML file (1 when it can't be found)."""
    try:
        return _line_of_key(path.read_text(encoding="utf-8"), key)
    except OSError:
        return 1


def _line_of_key(text: str, key: str) -> int:
    pattern = re.compile(rf"^{re.escape(key)}\s*:", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _book_order(spec: ExerciseSpec) -> tuple[int, int, str]:
    return spec.chapter, int(spec.section.split(".")[1]), spec.id
