"""An organizers' content folder written from scratch (issue 22): one exercise with a mistake,
hints and a model solution, and one parametrized question with its answer function. The README
shows the same files."""

from __future__ import annotations

from pathlib import Path

EXERCISE_YAML = """\
id: leaky_relu
title: Leaky ReLU
chapter: 5
section: "5.1"
section_title: Multilayer Perceptrons
link: https://d2l.ai/chapter_multilayer-perceptrons/mlp.html
functions: [leaky_relu]
signature: "def leaky_relu(X: torch.Tensor, alpha: float) -> torch.Tensor"
statement: |
  Write `leaky_relu(X, alpha)`: every entry x of X becomes x when x > 0 and alpha * x
  otherwise, so negative inputs keep a small slope instead of a zero gradient. Return a new
  float64 tensor of X's shape; do not modify X.
starter: |
  import torch


  def leaky_relu(X: torch.Tensor, alpha: float) -> torch.Tensor:
      ...
examples:
  - call: "leaky_relu(torch.tensor([-2.0, 0.0, 3.0], dtype=torch.float64), 0.1)"
    result: "tensor([-0.2000,  0.0000,  3.0000], dtype=torch.float64)"
forbidden: [torch.nn.functional.leaky_relu, torch.nn.LeakyReLU]
forbidden_ops: ["leaky_relu*"]
tolerance: {rtol: 1.0e-9, atol: 1.0e-12}
case_seconds: 2
inputs_unchanged: true
tests:
  - {name: example, points: 1, visible: true}
  - {name: random_matrix, points: 2}
  - {name: all_negative, points: 1}
hints:
  - "torch.where(condition, a, b) picks from a where the condition holds, else from b."
  - "The condition is X > 0; the two choices are X and alpha * X."
solution: |
  import torch


  def leaky_relu(X: torch.Tensor, alpha: float) -> torch.Tensor:
      return torch.where(X > 0, X, alpha * X)
"""

EXERCISE_PY = '''\
"""Cases, reference and known mistakes of `leaky_relu` (d2l 5.1)."""

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Mistake


def reference(X: torch.Tensor, alpha: float) -> torch.Tensor:
    return torch.where(X > 0, X, alpha * X)


def plain_relu(X: torch.Tensor, alpha: float) -> torch.Tensor:
    return torch.clamp(X, min=0.0)


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)
    alpha = float(torch.rand(1, generator=g, dtype=torch.float64)) * 0.3 + 0.01
    return [
        Case("example", (torch.tensor([-2.0, 0.0, 3.0], dtype=torch.float64), 0.1)),
        Case("random_matrix", (torch.randn(4, 5, generator=g, dtype=torch.float64), alpha)),
        Case("all_negative", (-torch.rand(6, generator=g, dtype=torch.float64) - 0.5, alpha)),
    ]


EXERCISE = ExerciseCode(
    make_cases=make_cases,
    references={"leaky_relu": reference},
    mistakes=(
        Mistake(
            "plain_relu",
            "this is a plain ReLU: negative inputs must be multiplied by alpha, not set to 0",
            "5.1",
            {"leaky_relu": plain_relu},
        ),
    ),
)
'''

QUESTION_YAML = """\
topic: activations
title: Activation functions
chapter: "5"
retired_ids: []
questions:
  - id: act-leaky-relu-value
    type: numeric
    section: "5.1"
    link: https://d2l.ai/chapter_multilayer-perceptrons/mlp.html
    params:
      x: {uniform: [-5, -0.5], decimals: 1}
      alpha: {choice: [0.01, 0.1, 0.2]}
    prompt: What is leaky ReLU with slope alpha = {alpha} at x = {x}? Give 3 significant digits.
    answer: leaky_relu_value
    tolerance: {sig: 3}
    explanation: "x is negative, so the result is alpha * x = {alpha} * {x} = {answer}."
"""

QUESTION_PY = '''\
"""Answer functions of the activations questions."""

from quizzes.questions._registry import answer_function


@answer_function
def leaky_relu_value(x: float, alpha: float) -> float:
    return x if x > 0 else alpha * x
'''

MISTAKE_SOURCE = """import torch

def leaky_relu(X, alpha):
    return torch.clamp(X, min=0.0)
"""

IN_PLACE_SOURCE = """import torch

def leaky_relu(X, alpha):
    X[X < 0] *= alpha
    return X
"""


def write_folder(root: Path) -> Path:
    """The content folder under `root`; returns it."""
    folder = root / "content"
    (folder / "exercises").mkdir(parents=True)
    (folder / "questions").mkdir()
    (folder / "exercises" / "leaky_relu.yaml").write_text(EXERCISE_YAML)
    (folder / "exercises" / "leaky_relu.py").write_text(EXERCISE_PY)
    (folder / "questions" / "activations.yaml").write_text(QUESTION_YAML)
    (folder / "questions" / "activations.py").write_text(QUESTION_PY)
    return folder
