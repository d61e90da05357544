"""Grades trusted functions in this process, through the harness's calling conventions.

The bank's mistakes and model solutions are trusted code, so the seed sweeps (20 seeds per
mistake) need no sandbox: the cases, expected outputs, checks and diagnosis are the grader's
own; only the sandbox run is replaced by `harness.invoke` here. `member_source` turns a
mistake's functions back into a file a member could submit, for the end-to-end runs.
"""

from __future__ import annotations

import functools
import inspect
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FunctionType
from typing import Any

from quizzes.exercises import harness
from quizzes.exercises.cases import Leaves, Mismatch
from quizzes.exercises.catalog import get_exercise
from quizzes.exercises.compare import compare
from quizzes.exercises.diagnosis import diagnose
from quizzes.exercises.grader import Prepared, load_code, prepare


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest class

    name: str
    points: int  # earned
    mismatch: Mismatch | None
    mistake: str | None  # the id `diagnose` named, if the test failed


@dataclass(frozen=True)
class Outcome:
    score: int
    max_score: int
    tests: tuple[TestOutcome, ...]

    @property
    def diagnosed(self) -> set[str]:
        return {t.mistake for t in self.tests if t.mistake is not None}


def grade_in_process(
    exercise: str, functions: Mapping[str, Callable[..., Any]], seed: int
) -> Outcome:
    """Score `functions` (one per exercise function) on the cases of `seed`."""
    spec, code = get_exercise(exercise), load_code(exercise)
    prepared, entries, tensors = _prepared(exercise, seed)
    tests = []
    for case, entry, want in zip(prepared.cases, entries, prepared.expected, strict=True):
        plan = spec.test(case.name)
        modified = False
        try:
            try:
                raw = harness.invoke(functions[entry["function"]], entry, tensors)
            except harness.InputModified as exc:  # the test fails; the diagnosis still runs
                raw, modified = exc.output, True
            got = harness.flatten(raw)
        except Exception as exc:  # what the harness reports as an error or bad output
            tests.append(TestOutcome(case.name, 0, Mismatch("error", repr(exc)), None))
            continue
        if modified:
            mismatch: Mismatch | None = Mismatch("modified its input", "modified its input")
        elif code.check is not None:
            mismatch = code.check(case, got, want)
        else:
            mismatch = compare(want, got, case.tolerance or spec.tolerance)
        if mismatch is None:
            tests.append(TestOutcome(case.name, plan.points, None, None))
            continue
        found = diagnose(spec, code, case, entry, tensors, got, modified=modified)
        tests.append(TestOutcome(case.name, 0, mismatch, found.id if found else None))
    return Outcome(sum(t.points for t in tests), spec.max_score, tuple(tests))


@functools.cache
def _prepared(exercise: str, seed: int) -> tuple[Prepared, tuple[dict[str, Any], ...], Leaves]:
    """The cases, manifest entries and expected outputs of a seed, computed once."""
    prepared = prepare(get_exercise(exercise), load_code(exercise), "", seed)
    return prepared, prepared.entries, prepared.tensors


def member_source(functions: Mapping[str, Callable[..., Any]]) -> str:
    """A submission defining each exercise function as the given implementation, with the
    module-level helpers it calls, each renamed so the file reads as the member wrote it."""
    renames = {fn.__name__: name for name, fn in functions.items()}
    parts: list[str] = []
    seen: set[str] = set()

    def add(fn: FunctionType) -> None:
        if fn.__name__ in seen:
            return
        seen.add(fn.__name__)
        for helper in _helpers(fn):
            add(helper)
        parts.append(textwrap.dedent(inspect.getsource(fn)))

    for fn in functions.values():
        assert isinstance(fn, FunctionType), fn
        add(fn)
    source = "\n\n".join(parts)
    for old, new in renames.items():
        source = re.sub(rf"\b{re.escape(old)}\b", new, source)
    header = "import math\nfrom collections.abc import Callable, Iterable\n\nimport torch\n\n\n"
    return header + source


def _helpers(fn: FunctionType) -> list[FunctionType]:
    """The functions of fn's own module that fn refers to by name."""
    names = set(fn.__code__.co_names)
    for const in fn.__code__.co_consts:
        if inspect.iscode(const):
            names |= set(const.co_names)
    found = []
    for name in sorted(names):
        value = fn.__globals__.get(name)
        if isinstance(value, FunctionType) and value.__module__ == fn.__module__:
            found.append(value)
    return found
