"""Runs trusted functions (a mistake's, a reference's) on a prepared job's cases in this
process, and returns what the sandbox would: the harness's result files.

For checking content, never for members' code: `studybot content check` and the tests submit
each listed mistake this way, so the grader's judge and diagnosis see it as a member's run.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from typing import Any

import torch
from safetensors.torch import save as save_tensors

from bot.sandbox.types import SandboxResult
from quizzes.exercises import harness
from quizzes.exercises.grader import Prepared


def run_functions(prepared: Prepared, functions: Mapping[str, Callable[..., Any]]) -> SandboxResult:
    """Every case of `prepared` called on `functions` as the harness calls a submission."""
    reports: list[dict[str, Any]] = []
    outputs: dict[str, torch.Tensor] = {}
    for index, entry in enumerate(prepared.entries):
        seed = (int(prepared.job.seed or 0) + index) % 2**63  # as the harness reseeds
        torch.manual_seed(seed)
        random.seed(seed)
        report = {"name": entry["name"], "status": "ok", "error": ""}
        leaves: dict[str, torch.Tensor] = {}
        function = functions.get(entry["function"])
        try:
            if function is None:
                raise harness.BadOutput(f"no function {entry['function']}()")
            leaves = harness.flatten(harness.invoke(function, entry, prepared.tensors))
        except harness.InputModified as exc:
            report.update(status="modified", error=str(exc))
            leaves = harness.flatten(exc.output)
        except harness.BadOutput as exc:
            report.update(status="bad_output", error=str(exc))
        except Exception as exc:
            report.update(status="error", error=f"{type(exc).__name__}: {exc}"[:400])
        reports.append(report)
        outputs.update({f"c{index}/{path}": t for path, t in leaves.items()})
    visible = [i for i, case in enumerate(prepared.cases) if prepared.spec.test(case.name).visible]
    digest = harness.digest_results(reports, outputs, visible)
    results = {"cases": reports, "done": True}
    return SandboxResult(
        status="ok",
        exit_code=0,
        signal=None,
        stdout="",
        stderr=f"\n{harness.COMMIT_MARKER} visible {digest}\n",
        wall_ms=0.0,
        outputs={
            "results.json": json.dumps(results).encode("utf-8"),
            "outputs.safetensors": save_tensors(outputs),
        },
    )
