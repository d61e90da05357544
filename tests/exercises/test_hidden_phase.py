"""What a member can learn from a run: only import-time and visible-test output, never hidden
inputs, the input seed or text a hidden case chose; result files are bounded and exact; the
run's time is bounded from outside (issue 14).

Each test runs on the test fork server (no sandbox, fast) and on the real bubblewrap evaluator.
"""

from __future__ import annotations

import dataclasses
import json
import struct
import time

import pytest
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from bot.sandbox import SandboxLimits
from bot.sandbox._unsafe import run_unsafe
from bot.sandbox.types import Executor, SandboxJob, SandboxResult
from handlers.grading_reply import result_reply
from quizzes.exercises import harness
from quizzes.exercises.catalog import get_exercise, list_exercises
from quizzes.exercises.grader import OUTPUT_NOTE, grade, judge, load_code, prepare
from quizzes.exercises.result import GradeResult
from quizzes.exercises.spec import MARGIN_SECONDS
from tests.exercises.conftest import ForkServerExecutor, run_unchecked
from tests.exercises.solutions import SOLUTIONS

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")

SEED = 424242


@pytest.fixture(params=["fork", pytest.param("bwrap", marks=pytest.mark.sandbox)])
def runner(request: pytest.FixtureRequest) -> Executor:
    name = "executor" if request.param == "fork" else "bwrap"
    found: Executor = request.getfixturevalue(name)
    return found


@MODULE_LOOP
async def run_with_wall(executor: Executor, exercise: str, source: str, wall: float) -> GradeResult:
    """Like run_unchecked, with the job's wall limit lowered (to keep timeouts cheap)."""
    prepared = prepare(get_exercise(exercise), load_code(exercise), source, SEED)
    prepared = dataclasses.replace(
        prepared, job=dataclasses.replace(prepared.job, wall_seconds=wall)
    )
    return judge(prepared, await executor.run(prepared.job))


def hidden_numbers(exercise: str) -> list[str]:
    """Printed forms of values that only the hidden inputs hold."""
    prepared = prepare(get_exercise(exercise), load_code(exercise), "", SEED)
    plan = {t.name: t.visible for t in get_exercise(exercise).tests}
    numbers = []
    for case in prepared.cases:
        if not plan[case.name]:
            for arg in case.args:
                if isinstance(arg, torch.Tensor) and arg.numel():
                    numbers.append(f"{float(arg.flatten()[0]):.6f}"[:8])
    return numbers


PRINTS_EVERYWHERE = """
import torch

def softmax(X):
    print("CALLED", X.shape[0], X.shape[1], X.flatten()[0].item())
    e = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
"""


@MODULE_LOOP
async def test_hidden_tests_print_nothing_into_the_reply(runner: Executor) -> None:
    result = await grade("softmax", PRINTS_EVERYWHERE, runner, seed=SEED)
    assert (result.status, result.score) == ("passed", result.max_score)
    assert result.stdout.count("CALLED") == 1  # the visible example only
    assert "CALLED 2 3" in result.stdout
    assert result.stderr == ""  # nothing from the harness's own set-up either
    for number in hidden_numbers("softmax"):
        assert number not in result.stdout + result.stderr
    reply = result_reply(result.to_json(), submission_id=1)
    assert OUTPUT_NOTE in reply.text


@MODULE_LOOP
async def test_the_reply_says_so_when_only_hidden_tests_print(runner: Executor) -> None:
    source = PRINTS_EVERYWHERE.replace(
        '    print("CALLED"', '    if X.shape != (2, 3):\n        print("CALLED"'
    )
    result = await grade("softmax", source, runner, seed=SEED)
    assert "CALLED" not in result.stdout
    assert OUTPUT_NOTE in result_reply(result.to_json(), submission_id=1).text
    quiet = await grade("softmax", SOLUTIONS["softmax"], runner, seed=SEED)
    assert (quiet.stdout, quiet.stderr) == ("", "")


SNOOPS_AT_IMPORT = """
import os, select, sys
from safetensors.torch import load_file
print("FILES", sorted(os.listdir(".")))
print("MANIFEST", open("cases.json").read())
for key, t in load_file("inputs.safetensors").items():
    print("INPUT", key, t.flatten().tolist())
ready, _, _ = select.select([0], [], [], 0.5)
print("STDIN READABLE", bool(ready))
print("ENV", dict(os.environ))
import torch
print("RNG", torch.rand(1).item())

def softmax(X):
    e = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
"""


@MODULE_LOOP
async def test_what_a_submission_can_read_at_import_holds_no_hidden_input(runner: Executor) -> None:
    result = await run_unchecked(runner, "softmax", SNOOPS_AT_IMPORT, seed=SEED)
    assert result.status == "passed", result
    out = result.stdout
    assert "STDIN READABLE False" in out
    assert str(SEED) not in out
    for number in hidden_numbers("softmax"):
        assert number not in out
    manifest = json.loads(out.split("MANIFEST ", 1)[1].split("\n", 1)[0])
    assert [case["name"] for case in manifest["cases"]] == ["example"]


def test_the_job_carries_neither_hidden_inputs_nor_the_input_seed() -> None:
    spec = get_exercise("softmax")
    prepared = prepare(spec, load_code("softmax"), SOLUTIONS["softmax"], SEED)
    job = prepared.job
    manifest = json.loads(job.files["cases.json"])
    assert [case["name"] for case in manifest["cases"]] == ["example"]
    assert job.seed != SEED and manifest["seed"] != SEED
    assert str(SEED).encode() not in b"".join(job.files.values())
    hidden = [a for c in prepared.cases[1:] for a in c.args if isinstance(a, torch.Tensor)]
    inputs = load_tensors(job.files["inputs.safetensors"])
    for tensor in hidden:
        assert not any(t.shape == tensor.shape and torch.equal(t, tensor) for t in inputs.values())
    assert job.stdin_after_output is not None  # the hidden cases, sent after the output closed
    assert job.wall_seconds == spec.case_seconds * (len(spec.tests) + 1) + MARGIN_SECONDS


HOLDS_STDOUT_OPEN = """
import os, sys
if os.fork() == 0:
    data = os.read(0, 1 << 20)  # waits: the host writes only once stdout is closed everywhere
    print("LEAKED", data[:200])
    sys.stdout.flush()
    os._exit(0)
import torch

def softmax(X):
    e = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
"""


@MODULE_LOOP
async def test_a_child_holding_stdout_open_never_receives_the_hidden_inputs(
    runner: Executor,
) -> None:
    result = await run_with_wall(runner, "softmax", HOLDS_STDOUT_OPEN, wall=4.0)
    assert result.status == "timeout", result
    assert "LEAKED" not in result.stdout
    assert result.score <= 1  # the visible example at most (if the sandbox collects it)
    assert all(t.message == "no result" for t in result.tests if not t.visible)


NAMES_ITS_EXCEPTION = """
import torch

def softmax(X):
    if X.shape == (2, 3):
        e = torch.exp(X - X.max(dim=1, keepdim=True).values)
        return e / e.sum(dim=1, keepdim=True)
    raise type("V" + str(abs(int(X.sum() * 1e6))), (Exception,), {})("x")
"""


@MODULE_LOOP
async def test_hidden_tests_show_a_fixed_vocabulary(runner: Executor) -> None:
    result = await run_unchecked(runner, "softmax", NAMES_ITS_EXCEPTION, seed=SEED)
    assert {t.message for t in result.tests if not t.visible} == {"error"}


NESTED_RESULTS = """
import os
inner = "[" * 20000 + "]" * 20000
with open(os.path.join(os.environ["STUDYBOT_OUT"], "results.json"), "w") as f:
    f.write('{"cases": [{"name": "example", "status": "error", "error": ' + inner + '}]}')
os._exit(0)
"""


@MODULE_LOOP
async def test_a_deeply_nested_results_file_is_a_clean_error(runner: Executor) -> None:
    result = await run_unchecked(runner, "softmax", NESTED_RESULTS, seed=SEED)
    assert (result.status, result.score) == ("error", 0), result


def test_a_nested_results_file_never_raises_in_the_grader() -> None:
    prepared = prepare(get_exercise("softmax"), load_code("softmax"), "", SEED)
    escapes = b'"' + b'\\"' * 32_000  # quadratic for a regular expression over strings
    for data in (b"[" * 60_000, b'{"cases": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", escapes):
        run = SandboxResult("ok", 0, None, "", "", 1.0, {"results.json": data})
        started = time.monotonic()
        assert judge(prepared, run).status == "error"
        assert time.monotonic() - started < 1.0


def test_result_files_in_subfolders_are_not_read() -> None:
    prepared = prepare(get_exercise("softmax"), load_code("softmax"), "", SEED)
    cases = [{"name": c.name, "status": "ok", "error": ""} for c in prepared.cases]
    forged = {
        f"c{i}/{path}": tensor
        for i, want in enumerate(prepared.expected)
        for path, tensor in want.items()
    }
    outputs = {
        "sub/results.json": json.dumps({"cases": cases, "done": True}).encode(),
        "sub/outputs.safetensors": save_tensors(forged),
    }
    result = judge(prepared, SandboxResult("ok", 0, None, "", "", 1.0, outputs))
    assert (result.status, result.score) == ("error", 0)
    # The same files at the top, with the digest the harness prints before the hidden cases.
    top = {name.removeprefix("sub/"): data for name, data in outputs.items()}
    digest = harness.digest_results(cases, forged, [0])
    stderr = f"\n{harness.COMMIT_MARKER} visible {digest}\n"
    control = judge(prepared, SandboxResult("ok", 0, None, "", stderr, 1.0, top))
    assert (control.score, control.stderr) == (8, "")


IGNORES_THE_ALARM = """
import signal, time
import torch
signal.signal(signal.SIGALRM, signal.SIG_IGN)

def softmax(X):
    time.sleep(5.5)
    e = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
"""


@MODULE_LOOP
async def test_cases_that_ignore_the_alarm_are_cut_from_outside(
    executor: ForkServerExecutor,
) -> None:
    # Five 5.5 s cases under a 4 s budget each: the wall limit (4 + 5 x 4 + 1.5 s, it was 28 s)
    # stops the run; one case may still overrun by what the others leave unused.
    result = await run_unchecked(executor, "softmax", IGNORES_THE_ALARM, seed=SEED)
    assert result.status == "timeout", result
    assert result.score < result.max_score


def test_the_hidden_cases_reach_the_job_in_one_framed_message() -> None:
    prepared = prepare(get_exercise("softmax"), load_code("softmax"), "", SEED)
    data = prepared.job.stdin_after_output
    assert data is not None
    (size,) = struct.unpack(">Q", data[:8])
    names = [entry["name"] for entry in json.loads(data[8 : 8 + size])]
    assert names == [t.name for t in get_exercise("softmax").tests if not t.visible]


def test_sandbox_job_has_the_stdin_after_output_field() -> None:
    job = SandboxJob(files={"a.py": b""}, entry="a.py", stdin_after_output=b"x")
    assert job.stdin_after_output == b"x"


REWRITES_RESULTS_IN_HIDDEN_CASES = """
import json, os
import torch
from safetensors.torch import save_file

def softmax(X):
    if X.shape != (2, 3):  # a hidden case: its inputs are known now
        secret = "SECRET " + " ".join(f"{v:.6f}"[:8] for v in X.flatten().tolist()[:4])
        out = os.environ["STUDYBOT_OUT"]
        cases = [{"name": "example", "status": "error", "error": secret}]
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump({"cases": cases, "done": True}, f)
        with open(os.path.join(out, "fatal.json"), "w") as f:
            json.dump({"error": secret, "kind": "error"}, f)
        save_file({"c0/out": X[:2, :3].clone()}, os.path.join(out, "outputs.safetensors"))
        os._exit(0)
    e = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
"""


@MODULE_LOOP
async def test_hidden_cases_cannot_rewrite_what_the_member_is_shown(runner: Executor) -> None:
    result = await run_unchecked(runner, "softmax", REWRITES_RESULTS_IN_HIDDEN_CASES, seed=SEED)
    shown = json.dumps(result.to_json())
    assert "SECRET" not in shown
    for number in hidden_numbers("softmax"):
        assert number not in shown
    assert result.score == 0 and result.status == "error"
    assert "changed" in result.message


FEEDER_PROBE = b"""
import os, select, sys
first = os.read(0, 5)
early, _, _ = select.select([0], [], [], 0.3)
print("first", first, "early", bool(early), flush=True)
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1)
os.dup2(null, 2)
rest = b""
while chunk := os.read(0, 1 << 16):
    rest += chunk
with open(os.path.join(os.environ["STUDYBOT_OUT"], "got"), "wb") as f:
    f.write(rest)
"""


class _Unsafe:
    """The unsafe (no sandbox) path, which has a feeder of its own."""

    async def run(self, job: SandboxJob) -> SandboxResult:
        return await run_unsafe(job, SandboxLimits())


@pytest.fixture(params=["unsafe", pytest.param("bwrap", marks=pytest.mark.sandbox)])
def feeder_path(request: pytest.FixtureRequest) -> Executor:
    found: Executor = _Unsafe() if request.param == "unsafe" else request.getfixturevalue("bwrap")
    return found


@MODULE_LOOP
async def test_stdin_after_output_waits_for_both_outputs_to_close(feeder_path: Executor) -> None:
    after = bytes(range(256)) * 1024  # more than a pipe holds
    job = SandboxJob(
        files={"probe.py": FEEDER_PROBE},
        entry="probe.py",
        stdin=b"first",
        stdin_after_output=after,
        wall_seconds=10.0,
    )
    run = await feeder_path.run(job)
    assert "first b'first' early False" in run.stdout, run
    assert run.outputs.get("got") == after


@pytest.mark.parametrize("exercise", [spec.id for spec in list_exercises()])
def test_the_job_files_do_not_depend_on_the_input_seed(exercise: str) -> None:
    spec, code = get_exercise(exercise), load_code(exercise)
    first, second = (prepare(spec, code, "", seed).job for seed in (1, 2))
    assert first.files["inputs.safetensors"] == second.files["inputs.safetensors"]
    manifests = [json.loads(job.files["cases.json"]) for job in (first, second)]
    assert manifests[0].pop("seed") != manifests[1].pop("seed")
    assert manifests[0] == manifests[1]
