"""Loading bank files, with errors that name the file, the question id and the field."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from quizzes.content import question_dirs
from quizzes.questions._schema import Question, Topic

BANK_DIR = Path(__file__).resolve().parent.parent / "bank"


@dataclass(frozen=True)
class BankProblem:
    """One thing wrong with a bank file."""

    path: str
    question_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: question {self.question_id}: {self.field}: {self.message}"


class BankError(ValueError):
    """A bank file (or set of files) is invalid; `problems` lists every problem found."""

    def __init__(self, problems: Iterable[BankProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Bank:
    """Every topic of the question bank, with lookups by id."""

    topics: tuple[Topic, ...]

    @functools.cached_property
    def _by_id(self) -> dict[str, tuple[Topic, Question]]:
        return {q.id: (t, q) for t in self.topics for q in t.questions}

    def topic(self, topic_id: str) -> Topic:
        """The topic with this id; KeyError if there is none."""
        for t in self.topics:
            if t.topic == topic_id:
                return t
        raise KeyError(topic_id)

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError if there is none."""
        return self._by_id[question_id][1]

    def topic_of(self, question_id: str) -> Topic:
        """The topic that holds this question."""
        return self._by_id[question_id][0]

    def questions(self, topic_id: str | None = None) -> tuple[Question, ...]:
        """All questions, or those of one topic, in file order."""
        return tuple(q for t in self.topics if topic_id in (None, t.topic) for q in t.questions)


def load_topic(path: Path) -> Topic:
    """Parse and validate one bank file; BankError lists what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "yaml"
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            what = f"{context} (line {context_mark.line + 1}): {what}"
        raise BankError([BankProblem(str(path), "-", where, f"invalid YAML: {what}")]) from None
    except OSError as exc:
        raise BankError([BankProblem(str(path), "-", "file", str(exc))]) from None
    if not isinstance(raw, dict):
        raise BankError([BankProblem(str(path), "-", "file", "expected a mapping at top level")])
    problems = _duplicate_ids(path, raw)
    try:
        topic = Topic.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        if any(len(e["loc"]) > 1 for e in errors):
            # pydantic adds "too short" for the list once its items failed: noise.
            errors = [e for e in errors if e["loc"] != ("questions",)]
        problems += [_problem(path, raw, err) for err in errors]
        raise BankError(problems) from None
    if problems:
        raise BankError(problems)
    return topic


def load_bank(directory: Path | None = None) -> Bank:
    """Load every `*.yaml` file of a bank directory (the shipped bank by default, cached)."""
    if directory is None:
        return _shipped_bank()
    return _load_dir(directory)


@functools.cache
def _shipped_bank() -> Bank:
    # The organizers' content folder joins the built-in bank (issue 22, quizzes.content).
    return _load_dir(BANK_DIR, *question_dirs())


def _load_dir(directory: Path, *more: Path) -> Bank:
    topics: list[Topic] = []
    problems: list[BankProblem] = []
    for path in [p for d in (directory, *more) for p in sorted(d.glob("*.yaml"))]:
        try:
            topics.append(load_topic(path))
        except BankError as exc:
            problems += exc.problems
    problems += _cross_file_problems(directory, topics)
    if problems:
        raise BankError(problems)
    return Bank(tuple(topics))


def _cross_file_problems(directory: Path, topics: list[Topic]) -> list[BankProblem]:
    problems: list[BankProblem] = []
    seen: dict[str, str] = {}
    retired = {i for t in topics for i in t.retired_ids}
    for t in topics:
        if t.topic in seen.values():
            problems.append(BankProblem(str(directory), "-", "topic", f"{t.topic!r} twice"))
        for q in t.questions:
            if q.id in seen:
                msg = f"id also used in topic {seen[q.id]!r}"
                problems.append(BankProblem(str(directory), q.id, "id", msg))
            if q.id in retired:
                msg = "id was retired and must not be reused"
                problems.append(BankProblem(str(directory), q.id, "id", msg))
            seen[q.id] = t.topic
    return problems


def _duplicate_ids(path: Path, raw: dict[str, Any]) -> list[BankProblem]:
    questions = raw.get("questions")
    seen: set[str] = set()
    problems = []
    for q in questions if isinstance(questions, list) else []:
        qid = q.get("id") if isinstance(q, dict) else None
        if isinstance(qid, str):
            if qid in seen:
                problems.append(BankProblem(str(path), qid, "id", "duplicate id in this file"))
            seen.add(qid)
    return problems


def _problem(path: Path, raw: dict[str, Any], err: Any) -> BankProblem:
    loc = tuple(err["loc"])
    qid, field = "-", ".".join(str(p) for p in loc) or "file"
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        item = raw["questions"][loc[1]]
        qid = str(item.get("id", f"#{loc[1] + 1}")) if isinstance(item, dict) else f"#{loc[1] + 1}"
        field = ".".join(str(p) for p in loc[2:]) or "question"
    return BankProblem(str(path), qid, field, err["msg"].removeprefix("Value error, "))
