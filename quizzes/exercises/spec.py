"""The text half of an exercise: what members read, and the test plan the grader follows.

Each exercise is one YAML file in `content/` (validated by `ExerciseSpec`) plus one Python module
in `bank/` (hidden inputs and the reference, which need torch). This half never imports torch,
so the chat processes can list and show exercises.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_DOTTED = re.compile(r"^torch(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_OP_PATTERN = re.compile(r"^[a-z0-9_*?\[\]]+$")
# Forbidding any of these makes the exercise autograd-free: no gradient may be computed in the job.
AUTOGRAD_APIS = frozenset({"torch.autograd", "torch.autograd.grad", "torch.Tensor.backward"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Example(_Frozen):
    """A public example: a call and its printed result, both as members would type them."""

    call: str = Field(min_length=1)
    result: str = Field(min_length=1)


class TestPlan(_Frozen):
    """One graded test. Visible tests show the difference; hidden ones only pass/fail."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite the name

    name: str
    points: int = Field(ge=1, le=10)
    visible: bool = False

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENT.match(value):
            raise ValueError(f"test name {value!r} must be a lower_snake_case identifier")
        return value


class Tolerance(_Frozen):
    """`|got - expected| <= atol + rtol * |expected|` element-wise (torch.isclose)."""

    rtol: float = Field(ge=0, le=1)
    atol: float = Field(ge=0, le=1)


class ExerciseSpec(_Frozen):
    """An exercise as stored in `content/<id>.yaml`."""

    id: str
    title: str = Field(min_length=3, max_length=80)
    chapter: int = Field(ge=1, le=23)
    section: str = Field(pattern=r"^\d+\.\d+$")
    section_title: str
    link: str = Field(pattern=r"^https://d2l\.ai/chapter_[a-z0-9-]+/[a-z0-9-]+\.html(#.*)?$")
    functions: tuple[str, ...] = Field(min_length=1)
    signature: str
    statement: str = Field(min_length=80)
    starter: str
    examples: tuple[Example, ...] = Field(min_length=1)
    forbidden: tuple[str, ...] = ()
    forbidden_ops: tuple[str, ...] = Field(
        default=(),
        description="aten operator names (fnmatch patterns, no namespace) refused at run time "
        "by the harness's dispatch guard, whatever Python name reached them",
    )
    tolerance: Tolerance
    case_seconds: float = Field(gt=0, le=10, description="time budget of one test case")
    tests: tuple[TestPlan, ...] = Field(min_length=2)
    hints: tuple[str, ...] = Field(
        default=(), max_length=3, description="`d2l hint NAME` gives these one at a time"
    )
    solution: str | None = Field(
        default=None, description="a model solution for members, shown after the due time"
    )
    inputs_unchanged: bool = Field(
        default=False,
        description="the statement says not to modify the inputs: each call is checked",
    )

    @field_validator("id")
    @classmethod
    def _id_is_identifier(cls, value: str) -> str:
        if not _IDENT.match(value):
            raise ValueError(f"exercise id {value!r} must be a lower_snake_case identifier")
        return value

    @field_validator("forbidden")
    @classmethod
    def _dotted_torch_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not _DOTTED.match(name):
                raise ValueError(f"forbidden API {name!r} must be a dotted torch name")
        return value

    @field_validator("forbidden_ops")
    @classmethod
    def _op_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            if not _OP_PATTERN.match(pattern):
                raise ValueError(f"forbidden op {pattern!r}: an aten name or fnmatch pattern")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ExerciseSpec:
        names = [test.name for test in self.tests]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.id}: duplicate test names")
        if not any(test.visible for test in self.tests):
            raise ValueError(f"{self.id}: at least one test must be visible")
        if not any(not test.visible for test in self.tests):
            raise ValueError(f"{self.id}: at least one test must be hidden")
        for function in self.functions:
            if f"def {function}(" not in self.starter or f"def {function}(" not in self.signature:
                raise ValueError(f"{self.id}: starter and signature must define {function}()")
        return self

    def test(self, name: str) -> TestPlan:
        """The plan of the test called `name`."""
        return next(test for test in self.tests if test.name == name)

    @property
    def max_score(self) -> int:
        """Points for a submission that passes every test."""
        return sum(test.points for test in self.tests)

    @property
    def autograd_free(self) -> bool:
        """True when the exercise forbids autograd: the job then computes no gradient at all."""
        return not AUTOGRAD_APIS.isdisjoint(self.forbidden)

    @property
    def time_limit(self) -> float:
        """Seconds of the whole run, the job's wall-clock limit enforced from outside it: the
        import allowance (one case's budget), every case's budget and a margin for the
        harness's own work.

        The per-case budget inside the job is only a courtesy (an alarm the job could ignore):
        one case may overrun its budget by what the others leave unused, never the whole run.
        """
        return self.import_seconds + self.case_seconds * len(self.tests) + MARGIN_SECONDS

    @property
    def import_seconds(self) -> float:
        """Seconds importing the submission may take: one case's budget."""
        return self.case_seconds

    def render_examples(self) -> str:
        """The public examples as a Python session transcript."""
        return "\n".join(f">>> {ex.call}\n{ex.result}" for ex in self.examples)


# Seconds for the harness's own work around the cases (inputs, results) and the host's.
MARGIN_SECONDS = 1.5
