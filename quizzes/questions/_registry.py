"""The registry of answer functions: YAML names a function, Python computes the answer.

Answers are never evaluated from strings in the bank; a question's `answer` is the name of a
function registered here, called with the question's sampled parameters as keyword arguments.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection
from typing import TypeVar

# numeric -> float, single -> index of the correct choice (as written in the YAML),
# multiple -> frozenset of indices, true_false -> bool.
AnswerValue = float | int | bool | frozenset[int]
AnswerFunction = Callable[..., AnswerValue]

_F = TypeVar("_F", bound=AnswerFunction)
_REGISTRY: dict[str, AnswerFunction] = {}
_MISTAKES: dict[str, AnswerFunction] = {}


def answer_function(func: _F) -> _F:
    """Register `func` under its own name so a bank can refer to it as `answer: <name>`."""
    name = func.__name__
    if name in _REGISTRY and _REGISTRY[name] is not func:
        raise ValueError(f"answer function {name!r} is registered twice")
    _REGISTRY[name] = func
    return func


def common_mistake(func: _F) -> _F:
    """Register `func`, a typical wrong way to compute an answer, so a question can list it
    under `mistakes:` (the tests check the tolerance rejects it)."""
    name = func.__name__
    if name in _MISTAKES and _MISTAKES[name] is not func:
        raise ValueError(f"common-mistake function {name!r} is registered twice")
    _MISTAKES[name] = func
    return func


def get_mistake_function(name: str) -> AnswerFunction:
    """The common-mistake function registered as `name`; KeyError if there is none."""
    _load_builtin_answers()
    return _MISTAKES[name]


def get_answer_function(name: str) -> AnswerFunction:
    """The function registered as `name`; KeyError if there is none."""
    _load_builtin_answers()
    return _REGISTRY[name]


def registered_names() -> list[str]:
    """Every registered answer function name, sorted."""
    _load_builtin_answers()
    return sorted(_REGISTRY)


def signature_problem(func: AnswerFunction, params: Collection[str]) -> str | None:
    """Why `func` cannot be called with exactly `params` as keywords, or None if it can."""
    accepted: set[str] = set()
    required: set[str] = set()
    for p in inspect.signature(func).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            return f"{func.__name__} must take named parameters only"
        accepted.add(p.name)
        if p.default is p.empty:
            required.add(p.name)
    missing = sorted(required - set(params))
    unknown = sorted(set(params) - accepted)
    if missing or unknown:
        return (
            f"{func.__name__}() parameters do not match the declared params"
            f" (not declared: {missing or 'none'}; not accepted: {unknown or 'none'})"
        )
    return None


def _load_builtin_answers() -> None:
    # Imported lazily: the answer modules import this one to register themselves.
    from quizzes.questions import answers  # noqa: F401
