"""Cases and check for `train_linreg_sgd` (d2l 3.4): train until close to the optimum."""

from __future__ import annotations

import torch

from quizzes.exercises.cases import Case, ExerciseCode, Leaves, Mismatch

F64 = torch.float64
THRESHOLD = 0.02


def reference(
    X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, epochs: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The least-squares optimum, the point minibatch SGD must come close to."""
    design = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
    solution = torch.linalg.lstsq(design, y[:, None]).solution[:, 0]
    return solution[:-1], solution[-1]


def make_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)

    def problem(
        n: int, w: torch.Tensor, b: float, gen: torch.Generator = g
    ) -> tuple[torch.Tensor, torch.Tensor]:
        X = torch.randn(n, len(w), generator=gen, dtype=F64)
        y = X @ w + b + 0.01 * torch.randn(n, generator=gen, dtype=F64)
        return X, y

    def random_w(d: int) -> torch.Tensor:
        return torch.randn(d, generator=g, dtype=F64) * 2

    # Visible, so the same for every seed.
    book = problem(
        1000, torch.tensor([2.0, -3.4], dtype=F64), 4.2, torch.Generator().manual_seed(0)
    )
    b1, b2 = (float(v) for v in torch.randn(2, generator=g) * 2)
    return [
        Case("book_problem", (*book, 0.03, 10, 3, 0)),
        Case("random_problem", (*problem(800, random_w(4), b1), 0.03, 10, 4, seed + 1)),
        Case("wide_problem", (*problem(1200, random_w(8), b2), 0.05, 20, 5, seed + 2)),
    ]


def check(case: Case, got: Leaves, want: Leaves) -> Mismatch | None:
    """(w, b) must have the right shapes and lie within THRESHOLD of the optimum."""
    if set(got) != {"out.0", "out.1"}:
        return Mismatch("wrong output structure", "return a tuple (w, b)")
    for path in ("out.0", "out.1"):
        if got[path].shape != want[path].shape or got[path].dtype != want[path].dtype:
            return Mismatch(
                "wrong shape or dtype",
                f"{path}: expected {tuple(want[path].shape)} {want[path].dtype}, "
                f"got {tuple(got[path].shape)} {got[path].dtype}",
            )
    error = (
        torch.linalg.vector_norm(got["out.0"] - want["out.0"])
        + (got["out.1"] - want["out.1"]).abs()
    )
    if not bool(error < THRESHOLD):  # NaN fails too
        return Mismatch(
            "not trained well enough",
            f"|w - w*| + |b - b*| = {float(error):.4g}, must be below {THRESHOLD}",
        )
    return None


EXERCISE = ExerciseCode(
    make_cases=make_cases, references={"train_linreg_sgd": reference}, check=check
)
