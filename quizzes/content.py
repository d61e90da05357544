"""Organizers' own content (issue 22): the folder named by STUDYBOT_CONTENT_DIR.

It holds `exercises/` (`<id>.yaml` + `<id>.py`, the formats of the built-in exercises) and
`questions/` (bank files in the quiz bank's format, and `*.py` files that register their
answer functions). Its items join the built-in ones. Its Python is trusted like the built-in
bank modules: it runs in the grading process, never in the sandbox, so the folder is the
organizers' own (kept private, see the README).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from dotenv import dotenv_values

ENV = "STUDYBOT_CONTENT_DIR"


def content_dir() -> Path | None:
    """The organizers' content folder, or None when STUDYBOT_CONTENT_DIR is not set: in the
    environment, else in `.env` in the working directory, as every other setting (the
    catalogues read it at import time in any process, before the settings exist)."""
    value = os.environ.get(ENV)
    if value is None:
        value = dotenv_values(".env").get(ENV)  # {} when there is no .env
    value = (value or "").strip()
    return Path(value).expanduser() if value else None


@dataclass(frozen=True)
class ContentProblem:
    """One thing wrong with a content file: printed as `path:line: message`."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(ValueError):
    """The content (built-in or the organizers' folder) is not usable; lists every problem."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@cache
def import_file(path: Path, name: str) -> ModuleType:
    """Import a content folder's Python file once, under a module name of its own."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # @dataclass looks its module up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def question_modules(directory: Path | None) -> list[Path]:
    """The answer-function files of a content folder's questions/ (imported before its YAML)."""
    if directory is None or not (directory / "questions").is_dir():
        return []
    return sorted((directory / "questions").glob("*.py"))


def import_answers(path: Path) -> ModuleType:
    """Import a questions/ Python file, which registers its answer functions. Another folder's
    file of the same name (a second `content check`) replaces the first one's functions."""
    name = f"studybot_content.questions.{path.stem}"
    path = path.resolve()
    if import_file.cache_info().currsize and name in sys.modules:
        previous = getattr(sys.modules[name], "__file__", None)
        if previous is not None and Path(previous).resolve() != path:
            _forget_answers(name)
    return import_file(path, name)


def _forget_answers(module: str) -> None:
    from quizzes.questions import _registry

    for table in (_registry._REGISTRY, _registry._MISTAKES):
        for key in [key for key, fn in table.items() if fn.__module__ == module]:
            del table[key]


def question_dirs() -> list[Path]:
    """The content folder's questions/ with its answer functions registered, if there is one."""
    directory = content_dir()
    if directory is None or not (directory / "questions").is_dir():
        return []
    for path in question_modules(directory):
        import_answers(path)
    return [directory / "questions"]
