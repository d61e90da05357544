"""Cheating gains nothing: grading happens outside the sandbox, on outputs that are only data.

`run_unchecked` skips the source check, to show that the out-of-process comparison holds even
for code the check would have refused.
"""

from __future__ import annotations

import json
import re

import pytest
import torch
from safetensors.torch import load as load_tensors

from bot.sandbox.types import SandboxJob, SandboxResult
from quizzes.exercises.catalog import get_exercise
from quizzes.exercises.grader import grade, load_code, prepare
from tests.exercises.conftest import ForkServerExecutor, run_unchecked
from tests.exercises.solutions import SOLUTIONS

STABLE = SOLUTIONS["softmax"]


async def test_exit_at_import_scores_nothing(executor: ForkServerExecutor) -> None:
    result = await grade("softmax", "raise SystemExit(0)\n", executor, seed=7)
    assert (result.status, result.score) == ("error", 0)
    assert "SystemExit" in result.message


async def test_hard_exit_during_a_call_scores_nothing(executor: ForkServerExecutor) -> None:
    source = "import os\n\ndef softmax(X):\n    os._exit(0)\n"
    assert (await grade("softmax", source, executor, seed=7)).status == "forbidden"
    result = await run_unchecked(executor, "softmax", source)
    assert (result.status, result.score) == ("error", 0)
    assert all("no result" in t.message for t in result.tests)


async def test_exit_in_one_case_loses_only_that_case(executor: ForkServerExecutor) -> None:
    source = STABLE + "\n_real = softmax\n\ndef softmax(X):\n    if X.shape[0] == 1:\n"
    source += "        raise SystemExit(0)\n    return _real(X)\n"
    result = await grade("softmax", source, executor, seed=7)
    failed = {t.name: t.message for t in result.tests if not t.passed}
    assert set(failed) == {"single_row"}
    assert "SystemExit" in failed["single_row"]
    assert result.status == "partial"


async def test_a_printed_fake_result_is_ignored(executor: ForkServerExecutor) -> None:
    fake = json.dumps({"status": "passed", "score": 8, "max_score": 8})
    source = f"print({fake!r})\n\ndef softmax(X):\n    return X\n"
    result = await grade("softmax", source, executor, seed=7)
    assert fake in result.stdout
    assert (result.status, result.score) == ("failed", 0)


async def test_patching_allclose_changes_nothing(executor: ForkServerExecutor) -> None:
    source = "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.isclose = torch.eq\n"
    source += "torch.equal = lambda *a: True\n\ndef softmax(X):\n    return X\n"
    checked = await grade("softmax", source, executor, seed=7)
    assert checked.status == "forbidden"
    assert "torch.allclose" in checked.message
    result = await run_unchecked(executor, "softmax", source)
    assert (result.status, result.score) == ("failed", 0)


async def test_a_tensor_subclass_is_not_trusted(executor: ForkServerExecutor) -> None:
    source = """
import torch

class Always(torch.Tensor):
    def __eq__(self, other):
        return True

def softmax(X):
    return torch.zeros_like(X).as_subclass(Always)
"""
    result = await grade("softmax", source, executor, seed=7)
    assert (result.status, result.score) == ("failed", 0)
    example = result.tests[0]
    assert "Always" in example.message and "subclass" in example.message


async def test_an_object_with_a_lying_eq_is_not_a_tensor(executor: ForkServerExecutor) -> None:
    source = """
class Liar:
    shape = dtype = None
    def __eq__(self, other):
        return True
    def __float__(self):
        return 0.0

def softmax(X):
    return Liar()
"""
    result = await grade("softmax", source, executor, seed=7)
    assert (result.status, result.score) == ("failed", 0)
    assert "Liar" in result.tests[0].message


async def test_nan_outputs_fail(executor: ForkServerExecutor) -> None:
    source = "import torch\n\ndef softmax(X):\n    return torch.full_like(X, float('nan'))\n"
    result = await grade("softmax", source, executor, seed=7)
    assert result.score == 0
    assert all("NaN" in t.message for t in result.tests)


async def test_a_broadcastable_wrong_shape_fails(executor: ForkServerExecutor) -> None:
    source = STABLE.replace(
        "return e / e.sum(dim=1, keepdim=True)", "return (e / e.sum(dim=1, keepdim=True))[None]"
    )
    result = await grade("softmax", source, executor, seed=7)
    assert result.score == 0
    assert "expected shape (2, 3), got (1, 2, 3)" in result.tests[0].message
    scalar = SOLUTIONS["cross_entropy"].replace(".mean()", ".mean().reshape(1)")
    ce = await grade("cross_entropy", scalar, executor, seed=7)
    assert ce.score == 0
    assert all("shape" in t.message for t in ce.tests[:3])  # the gradient ones cannot even run


async def test_a_wrong_dtype_fails_with_a_clear_message(executor: ForkServerExecutor) -> None:
    source = STABLE.replace(
        "return e / e.sum(dim=1, keepdim=True)", "return (e / e.sum(dim=1, keepdim=True)).float()"
    )
    result = await grade("softmax", source, executor, seed=7)
    assert result.score == 0
    assert "expected torch.float64, got torch.float32" in result.tests[0].message


async def test_forged_output_files_are_still_compared_with_the_reference(
    executor: ForkServerExecutor,
) -> None:
    source = """
import atexit, json, os
import torch
from safetensors.torch import save_file

def forge():
    out = os.environ["STUDYBOT_OUT"]
    cases = [{"name": n, "status": "ok", "error": ""} for n in
             ["example", "random_logits", "huge_logits", "single_row", "single_column"]]
    json.dump({"cases": cases, "done": True}, open(os.path.join(out, "results.json"), "w"))
    save_file({f"c{i}/out": torch.full((2, 3), 1 / 3, dtype=torch.float64) for i in range(5)},
              os.path.join(out, "outputs.safetensors"))

atexit.register(forge)

def softmax(X):
    return X
"""
    result = await run_unchecked(executor, "softmax", source)
    assert result.score == 0


async def test_a_forbidden_call_is_caught_at_run_time(executor: ForkServerExecutor) -> None:
    source = """
import torch

def softmax(X):
    try:
        return torch.softmax(X, 1)
    except BaseException:
        return X.exp() / X.exp().sum(1, keepdim=True)
"""
    result = await run_unchecked(executor, "softmax", source)
    assert (result.status, result.score) == ("forbidden", 0)
    assert "torch.softmax" in result.message
    method = "def softmax(X):\n    return X.softmax(1)\n"
    via_method = await run_unchecked(executor, "softmax", method)
    assert (via_method.status, via_method.score) == ("forbidden", 0)
    assert "torch.Tensor.softmax" in via_method.message


async def test_a_forbidden_call_found_in_the_source_is_named_and_never_run() -> None:
    never = _Canned(SandboxResult("ok", 0, None, "", "", 1.0))
    source = "import torch.nn.functional as F\n\ndef softmax(X):\n    return F.softmax(X, 1)\n"
    result = await grade("softmax", source, never, seed=7)
    assert (result.status, result.score) == ("forbidden", 0)
    assert "line 4: F.softmax is forbidden" in result.message
    assert never.jobs == []


async def test_an_endless_case_times_out_and_the_others_still_count(
    executor: ForkServerExecutor,
) -> None:
    source = STABLE + "\n_real = softmax\n\ndef softmax(X):\n    while X.shape[1] == 1:\n"
    source += "        pass\n    return _real(X)\n"
    result = await grade("softmax", source, executor, seed=7)
    failed = {t.name: t.message for t in result.tests if not t.passed}
    assert failed == {"single_column": "timed out"}
    assert result.status == "partial"


async def test_exceptions_are_shown_for_visible_tests_and_summarised_for_hidden_ones(
    executor: ForkServerExecutor,
) -> None:
    source = "def softmax(X):\n    return 1 / 0\n"
    result = await grade("softmax", source, executor, seed=7)
    visible, hidden = result.tests[0], result.tests[1]
    assert "ZeroDivisionError: division by zero (line 2)" in visible.message
    assert hidden.message == "error: ZeroDivisionError"


async def test_hidden_tests_reveal_no_values(executor: ForkServerExecutor) -> None:
    source = STABLE.replace("return e /", "return 1.5 * e /")
    result = await grade("softmax", source, executor, seed=7)
    assert "expected" in result.tests[0].message
    for test in result.tests[1:]:
        assert not test.passed and test.message == "wrong values"
        assert not re.search(r"\d", test.message)


async def test_a_syntax_error_is_an_error_naming_the_line(executor: ForkServerExecutor) -> None:
    result = await grade("softmax", "def softmax(X):\n    return (X\n", executor, seed=7)
    assert (result.status, result.score) == ("error", 0)
    assert "line 2" in result.message


async def test_a_missing_function_fails_every_test(executor: ForkServerExecutor) -> None:
    result = await grade("softmax", "def soft_max(X):\n    return X\n", executor, seed=7)
    assert (result.status, result.score) == ("failed", 0)
    assert "defines no function softmax()" in result.tests[0].message


def test_the_job_carries_inputs_but_no_reference_or_expected_output() -> None:
    spec, code = get_exercise("cross_entropy"), load_code("cross_entropy")
    prepared = prepare(spec, code, SOLUTIONS["cross_entropy"], seed=3)
    assert set(prepared.job.files) == {
        "harness.py",
        "submission.py",
        "cases.json",
        "inputs.safetensors",
    }
    manifest = json.loads(prepared.job.files["cases.json"])
    assert "expected" not in json.dumps(manifest)
    inputs = load_tensors(prepared.job.files["inputs.safetensors"])
    for leaves in prepared.expected:
        for want in leaves.values():
            assert not any(t.shape == want.shape and torch.equal(t, want) for t in inputs.values())
    assert b"F.cross_entropy" not in prepared.job.files["harness.py"]


class _Canned:
    """An executor that answers every job with the same result."""

    def __init__(self, result: SandboxResult) -> None:
        self.result = result
        self.jobs: list[SandboxJob] = []

    async def run(self, job: SandboxJob) -> SandboxResult:
        self.jobs.append(job)
        return self.result


@pytest.mark.parametrize(
    ("status", "expected"), [("refused", "refused"), ("timeout", "timeout"), ("memory", "memory")]
)
async def test_the_sandbox_verdict_becomes_the_status(status: str, expected: str) -> None:
    canned = SandboxResult(status, None, 9, "", "", 10.0, {}, f"sandbox said {status}")
    result = await grade("softmax", STABLE, _Canned(canned), seed=1)
    assert (result.status, result.score) == (expected, 0)
    assert f"sandbox said {status}" in result.message
