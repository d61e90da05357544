"""The question-bank schema: one topic per YAML file, validated with frozen pydantic models."""

from __future__ import annotations

import math
import string
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from quizzes.questions._registry import (
    get_answer_function,
    get_mistake_function,
    signature_problem,
)

QuestionType = Literal["single", "multiple", "true_false", "numeric"]
ParamValue = float | int | str


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UniformParam(_Frozen):
    """A float drawn uniformly from [lo, hi] (or log-uniformly), rounded for display."""

    uniform: tuple[float, float] | None = None
    loguniform: tuple[float, float] | None = None
    decimals: int | None = Field(default=None, ge=0, le=12)
    sig: int | None = Field(default=None, ge=1, le=12)

    @model_validator(mode="after")
    def _one_range_one_rounding(self) -> Self:
        if (self.uniform is None) == (self.loguniform is None):
            raise ValueError("give exactly one of uniform: [lo, hi] or loguniform: [lo, hi]")
        lo, hi = self.uniform or self.loguniform or (0.0, 0.0)
        if not lo < hi:
            raise ValueError(f"range [{lo}, {hi}] is empty")
        if self.loguniform is not None and lo <= 0:
            raise ValueError("loguniform needs a positive range")
        if (self.decimals is None) == (self.sig is None):
            # Unrounded floats make prompts unreadable and answers hard to reproduce by hand.
            raise ValueError("give exactly one rounding: decimals or sig")
        return self


class IntParam(_Frozen):
    """An integer drawn uniformly from lo..hi inclusive."""

    randint: tuple[int, int]

    @field_validator("randint")
    @classmethod
    def _ordered(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] > v[1]:
            raise ValueError(f"range {v[0]}..{v[1]} is empty")
        return v


class ChoiceParam(_Frozen):
    """One of the listed values, each equally likely."""

    choice: tuple[ParamValue, ...] = Field(min_length=1)


class ConstParam(_Frozen):
    """A fixed value (a question with only constants is not parametrized)."""

    const: ParamValue


ParamSpec = UniformParam | IntParam | ChoiceParam | ConstParam


class Tolerance(_Frozen):
    """A numeric answer x is accepted when |x - key| <= max(abs, rel * |key|, half a unit in
    the key's `sig`-th significant digit). `sig` matches a prompt asking for that many
    significant digits: a correctly rounded answer passes, a nearby wrong formula does not.
    With `sig` given, `rel` defaults to 0."""

    abs: float = Field(default=0.0, ge=0)
    rel: float = Field(default=0.01, ge=0, lt=1)
    sig: int | None = Field(default=None, ge=1, le=8)

    @model_validator(mode="before")
    @classmethod
    def _sig_replaces_rel(cls, data: Any) -> Any:
        if isinstance(data, dict) and "sig" in data and "rel" not in data:
            return {**data, "rel": 0.0}
        return data

    @model_validator(mode="after")
    def _not_exact(self) -> Self:
        if self.abs == 0 and self.rel == 0 and self.sig is None:
            raise ValueError("a numeric tolerance of zero accepts almost nothing a person types")
        return self

    def allowed(self, key: float) -> float:
        """How far from `key` an accepted answer may be."""
        allowed = max(self.abs, self.rel * abs(key))
        if self.sig is not None and key != 0:
            unit = 10.0 ** (math.floor(math.log10(abs(key))) - self.sig + 1)
            # The slack absorbs binary rounding of keys that end exactly in a 5.
            allowed = max(allowed, unit / 2 * (1 + 1e-9))
        return allowed


class ChoiceItem(_Frozen):
    """A choice's text (a template) and, for questions without an answer function, whether
    it is correct."""

    text: str = Field(min_length=1)
    correct: bool = False


def _as_choice(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class Question(_Frozen):
    """One question. Templates use {name} or {name:.3g} for parameters; {answer} may appear
    in the explanation."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
    type: QuestionType
    section: Annotated[str, Field(pattern=r"^\d+\.\d+$")]
    link: Annotated[str, Field(pattern=r"^https://d2l\.ai/\S+\.html(#\S*)?$")]
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    prompt: str = Field(min_length=10)
    choices: tuple[ChoiceItem, ...] = ()
    shuffle: bool = True
    answer: str | None = None
    # Named functions (registered with @common_mistake) computing a typical wrong answer;
    # tests check the tolerance rejects each for at least 99% of seeds.
    mistakes: tuple[str, ...] = ()
    # Accept the key's magnitude with either sign (a question asking "how large" a step is).
    magnitude: bool = False
    # Numeric: answers outside [lo, hi] are refused as unreadable (a probability of 1.5),
    # in typed answers and inside the answer forms.
    answer_range: tuple[float, float] | None = None
    correct: bool | None = None
    tolerance: Tolerance | None = None
    explanation: str = Field(min_length=10)
    time_limit_s: int | None = Field(default=None, gt=0, le=3600)
    tags: tuple[str, ...] = ()

    @field_validator("params")
    @classmethod
    def _param_names(cls, v: dict[str, ParamSpec]) -> dict[str, ParamSpec]:
        for name in v:
            if not name.isidentifier() or name == "answer":
                raise ValueError(f"{name!r} is not a usable parameter name")
        return v

    @field_validator("choices", mode="before")
    @classmethod
    def _choice_strings(cls, v: Any) -> Any:
        return [_as_choice(c) for c in v] if isinstance(v, list) else v

    @field_validator("prompt")
    @classmethod
    def _prompt_fields(cls, v: str, info: Any) -> str:
        return _check_template(v, set(info.data.get("params", {})))

    @field_validator("answer")
    @classmethod
    def _answer_registered(cls, v: str | None, info: Any) -> str | None:
        if v is None:
            return v
        try:
            func = get_answer_function(v)
        except KeyError:
            raise ValueError(f"no answer function named {v!r} is registered") from None
        problem = signature_problem(func, info.data.get("params", {}))
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("mistakes")
    @classmethod
    def _mistakes_registered(cls, v: tuple[str, ...], info: Any) -> tuple[str, ...]:
        for name in v:
            try:
                func = get_mistake_function(name)
            except KeyError:
                raise ValueError(f"no common-mistake function named {name!r}") from None
            problem = signature_problem(func, info.data.get("params", {}))
            if problem:
                raise ValueError(problem)
        return v

    @field_validator("explanation")
    @classmethod
    def _explanation_fields(cls, v: str, info: Any) -> str:
        return _check_template(v, {*info.data.get("params", {}), "answer"})

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for c in self.choices:
            _check_template(c.text, set(self.params))
        has_flags = any(c.correct for c in self.choices)
        if self.type in ("single", "multiple"):
            if len(self.choices) < 2:
                raise ValueError(f"a {self.type} question needs at least two choices")
            if self.answer is not None and has_flags:
                raise ValueError("mark correct choices or name an answer function, not both")
            if self.answer is None and not has_flags:
                raise ValueError("mark the correct choice(s) or name an answer function")
            n_flags = sum(c.correct for c in self.choices)
            if self.answer is None and self.type == "single" and n_flags != 1:
                raise ValueError("a single-choice question needs exactly one correct choice")
        elif self.choices:
            raise ValueError(f"a {self.type} question has no choices")
        if self.type == "true_false" and (self.answer is None) == (self.correct is None):
            raise ValueError("a true_false question needs either correct: or answer:")
        if self.type != "true_false" and self.correct is not None:
            raise ValueError("correct: is only for true_false questions")
        if self.type == "numeric" and (self.answer is None or self.tolerance is None):
            raise ValueError("a numeric question needs answer: and tolerance:")
        if self.type != "numeric" and self.tolerance is not None:
            raise ValueError("tolerance: is only for numeric questions")
        if self.type != "numeric" and (self.mistakes or self.magnitude or self.answer_range):
            raise ValueError("mistakes:, magnitude: and answer_range: are only for numeric")
        if self.answer_range is not None and not self.answer_range[0] < self.answer_range[1]:
            raise ValueError("answer_range: [lo, hi] needs lo < hi")
        return self

    @property
    def parametrized(self) -> bool:
        """True if any parameter varies between seeds."""
        return any(not isinstance(p, ConstParam) for p in self.params.values())


class Topic(_Frozen):
    """One bank file: a topic and its questions."""

    topic: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    title: str = Field(min_length=3)
    chapter: str = Field(min_length=1)
    retired_ids: tuple[str, ...] = ()
    questions: tuple[Question, ...] = Field(min_length=1)


def _check_template(template: str, allowed: set[str]) -> str:
    """Only plain {name} or {name:spec} fields naming known values: no attribute access,
    indexing or conversions, so a template can format numbers and nothing else."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"bad template ({exc}); write literal braces as {{{{ }}}}") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if conversion or not field.isidentifier() or "{" in (spec or ""):
            raise ValueError(f"template field {{{field}}} must be a plain parameter name")
        if field not in allowed:
            raise ValueError(f"template uses {{{field}}}, which is not a declared parameter")
    return template
