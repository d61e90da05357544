"""Grades a submission: source check, sandbox run through an Executor, comparison outside.

The reference runs here, in the grading process, on inputs drawn from a per-submission seed;
only the inputs and the harness enter the sandbox. The visible cases' inputs are files of the
job; the hidden cases' inputs reach it on stdin only after it has closed its stdout and stderr
(`SandboxJob.stdin_after_output`), so they cannot be printed back, and the seeds the job sees
are salted hashes of the input seed, which reveal nothing about it. Outputs come back as JSON
and safetensors, formats that cannot execute code, and are compared with the reference's
outputs here; only the exact result files at the top of the output directory are read, and
their size and nesting are bounded.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from bot.sandbox.types import Executor, SandboxJob, SandboxResult
from quizzes.content import import_file
from quizzes.exercises import harness
from quizzes.exercises.cases import Case, ExerciseCode, Leaves, Mismatch, encode_cases
from quizzes.exercises.catalog import get_entry, get_exercise
from quizzes.exercises.compare import compare
from quizzes.exercises.diagnosis import describe, diagnose, section_link
from quizzes.exercises.result import (
    OUTPUT_NOTE,
    SEED_BITS,
    GradeResult,
    GradeStatus,
    TestResult,
)
from quizzes.exercises.source_check import SourceError, check_source
from quizzes.exercises.spec import ExerciseSpec

_HARNESS = Path(harness.__file__).read_bytes()
_MAX_JSON = 64 * 1024
_MAX_JSON_DEPTH = 8
RESULT_FILES = ("results.json", "outputs.safetensors", "fatal.json")
# The seed the job sees is a hash of the input seed: the same everywhere, so `studybot grade
# --seed N` reproduces a grade exactly, and with 62-bit input seeds it cannot be inverted
# within a run to regenerate the hidden inputs.
_SEED_PERSON = b"studybot-job"
CHANGED_MESSAGE = (
    "the run's result files were changed after the visible tests had run (while the hidden "
    "tests ran); no result of this run counts"
)
_STATUSES = frozenset({"ok", "timeout", "forbidden", "error", "bad_output", "modified"})
MODIFIED = "modified its input"
_EXCEPTION_NAMES = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


def load_code(exercise_id: str) -> ExerciseCode:
    """The Python half of an exercise: `bank/<id>.py`, or the `<id>.py` beside a content
    folder's `<id>.yaml` (trusted, organizers' code, like the bank)."""
    path = get_entry(exercise_id).code_path
    if path is None:
        module = importlib.import_module(f"quizzes.exercises.bank.{exercise_id}")
    else:
        module = import_file(path.resolve(), f"studybot_content.exercises.{exercise_id}")
    code = getattr(module, "EXERCISE", None)
    if not isinstance(code, ExerciseCode):
        raise TypeError(f"{path or exercise_id}: EXERCISE must be an ExerciseCode")
    return code


@dataclass(frozen=True)
class Prepared:
    """A job ready to run, with what the grader needs to judge its outputs."""

    spec: ExerciseSpec
    code: ExerciseCode
    cases: tuple[Case, ...]
    expected: tuple[Leaves, ...]
    job: SandboxJob
    seed: int
    # What `diagnose` needs to run each mistake on a case: its manifest entries and inputs.
    entries: tuple[dict[str, Any], ...]
    tensors: Leaves


async def grade(
    exercise_id: str, source: str, executor: Executor, *, seed: int | None = None
) -> GradeResult:
    """Grade `source` for the exercise; `seed` (random when None) draws the hidden inputs.

    The result reports the seed: grading the same source with it gives the same result."""
    spec = get_exercise(exercise_id)
    seed = new_seed() if seed is None else seed
    try:
        violations = check_source(source, spec.forbidden)
    except SourceError as exc:
        return _unrun(spec, "error", f"syntax error, {exc}", seed=seed)
    refused = [v for v in violations if v.kind == "forbidden"]
    if refused:
        return _unrun(spec, "forbidden", "; ".join(str(v) for v in refused), seed=seed)
    if violations:
        # A module or the d2l helpers the grader lacks: the code could not load, so every test
        # fails as it would in the sandbox; not run, so no package of the bot's own ever loads.
        message = "; ".join(str(v) for v in violations)
        return _unrun(spec, "error", message, "cannot load", seed=seed)
    prepared = prepare(spec, load_code(exercise_id), source, seed)
    return judge(prepared, await executor.run(prepared.job))


def new_seed() -> int:
    """A fresh input seed for one grade (stored with the submission)."""
    return secrets.randbits(SEED_BITS)


def job_seed(seed: int) -> int:
    """The seed the job reseeds torch and random with: a hash of the input seed."""
    digest = hashlib.blake2b(str(seed).encode(), person=_SEED_PERSON, digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2


def prepare(spec: ExerciseSpec, code: ExerciseCode, source: str, seed: int) -> Prepared:
    """Draw the cases, compute the expected outputs, and build the sandbox job."""
    cases = tuple(code.make_cases(seed))
    names = [case.name for case in cases]
    if names != [test.name for test in spec.tests]:
        raise ValueError(f"{spec.id}: cases {names} do not follow the test plan")
    entries, tensors = encode_cases(list(cases), spec.functions[0])
    for index, entry in enumerate(entries):
        entry["index"] = index
        entry["inputs_unchanged"] = spec.inputs_unchanged
    expected = tuple(
        harness.flatten(
            code.expected(case)
            if code.expected is not None
            else harness.invoke(code.references[entry["function"]], entry, tensors)
        )
        for case, entry in zip(cases, entries, strict=True)
    )
    visible = {test.name for test in spec.tests if test.visible}
    shown = [entry for entry in entries if entry["name"] in visible]
    hidden = [entry for entry in entries if entry["name"] not in visible]
    seed_in_job = job_seed(seed)
    manifest = {
        "seed": seed_in_job,
        "forbidden": list(spec.forbidden),
        "forbidden_ops": list(spec.forbidden_ops),
        "autograd_free": spec.autograd_free,
        "case_seconds": spec.case_seconds,
        "import_seconds": spec.import_seconds,
        "total": len(entries),
        "cases": shown,
    }
    files = {
        "harness.py": _HARNESS,
        "submission.py": source.encode("utf-8"),
        "cases.json": json.dumps(manifest).encode("utf-8"),
        "inputs.safetensors": save_tensors(_inputs_of(shown, tensors)),
    }
    after_output = (
        harness.pack_hidden(hidden, save_tensors(_inputs_of(hidden, tensors))) if hidden else None
    )
    job = SandboxJob(
        files=files,
        entry="harness.py",
        seed=seed_in_job,
        wall_seconds=spec.time_limit,
        stdin_after_output=after_output,
    )
    return Prepared(spec, code, cases, expected, job, seed, tuple(entries), tensors)


def _inputs_of(entries: list[dict[str, Any]], tensors: Leaves) -> dict[str, torch.Tensor]:
    """The input tensors of these cases (keys `c<index>.<n>`, see encode_cases)."""
    prefixes = {f"c{entry['index']}" for entry in entries}
    return {key: t for key, t in tensors.items() if key.split(".", 1)[0] in prefixes}


def judge(prepared: Prepared, run: SandboxResult) -> GradeResult:
    """Compare the run's outputs with the expected ones and score them."""
    spec = prepared.spec
    if run.status == "refused":
        return _unrun(spec, "refused", run.message or "the sandbox refused to run the code")
    # Only the exact names at the top of out/: a file of that name in a subfolder is not ours.
    files = {name: run.outputs[name] for name in RESULT_FILES if name in run.outputs}
    fatal = _json(files.get("fatal.json"))
    results = _json(files.get("results.json"))
    reports: list[Any] = results["cases"] if isinstance(results.get("cases"), list) else []
    outputs = _tensors(files.get("outputs.safetensors"))
    visible = [i for i, case in enumerate(prepared.cases) if spec.test(case.name).visible]
    commitment = _commitment(run.stderr)
    changed = False
    if prepared.job.stdin_after_output is not None:
        # Files written before the hidden inputs reached the job count only if they match the
        # digest it printed then: a hidden case could have rewritten them to carry its inputs.
        if fatal and commitment != ("fatal", _sha256(files.get("fatal.json", b""))):
            fatal, changed = {}, True
        trusted = commitment is not None and commitment == (
            "visible",
            harness.digest_results(reports, outputs, visible),
        )
        written = any(i < len(reports) and reports[i] for i in visible)
        if commitment is not None and commitment[0] == "visible" and written and not trusted:
            changed = True
        if not trusted:
            reports = [{} if i in visible else r for i, r in enumerate(reports)]
            outputs = {k: t for k, t in outputs.items() if _case_of(k) not in visible}
    tests = []
    forbidden_calls = []
    for index, (case, want) in enumerate(zip(prepared.cases, prepared.expected, strict=True)):
        plan = spec.test(case.name)
        report = reports[index] if index < len(reports) and isinstance(reports[index], dict) else {}
        prefix = f"c{index}/"
        got = {key[len(prefix) :]: t for key, t in outputs.items() if key.startswith(prefix)}
        message = _outcome(prepared, case, want, report, got)
        mistake = None
        if message is not None and got:
            mistake = _diagnosis(prepared, index, got, report.get("status") == "modified")
        if report.get("status") == "forbidden":
            error = report.get("error")
            forbidden_calls.append(
                error[:300]
                if plan.visible and isinstance(error, str)
                else "a hidden test called something this exercise forbids"
            )
        passed = message is None
        shown = "" if message is None else message.detail if plan.visible else message.category
        if mistake is not None:  # the mistake's own words, for a hidden test too: no values
            shown = mistake["message"]
        points = plan.points if passed else 0
        tests.append(
            TestResult(case.name, passed, points, plan.points, plan.visible, shown, mistake)
        )
    score = sum(test.points for test in tests)
    done = results.get("done") is True
    status, why = _status(run, done, fatal, forbidden_calls, score, spec.max_score)
    if changed and status != "forbidden":
        status, why = "error", CHANGED_MESSAGE
    if changed or status == "forbidden":  # nothing of the run counts, nor is diagnosed
        score = 0
        tests = [
            TestResult(t.name, False, 0, t.max_points, t.visible, "" if t.mistake else t.message)
            for t in tests
        ]
    stdout, stderr = run.stdout, _without_commitments(run.stderr)
    # Said whenever something was or might have been printed (a print only in hidden tests).
    prints = b"print" in prepared.job.files.get("submission.py", b"")
    if (stdout or stderr or prints) and prepared.job.stdin_after_output is not None:
        stdout = f"{OUTPUT_NOTE}\n{stdout}"
    return GradeResult(
        spec.id, status, score, spec.max_score, tuple(tests), stdout, stderr, why, prepared.seed
    )


def _diagnosis(
    prepared: Prepared, index: int, got: Leaves, modified: bool
) -> dict[str, str] | None:
    """The recognised mistake of a failing test, as the result JSON carries it."""
    spec, case = prepared.spec, prepared.cases[index]
    entry, tensors = prepared.entries[index], prepared.tensors
    found = diagnose(spec, prepared.code, case, entry, tensors, got, modified=modified)
    if found is None:
        return None
    return {
        "id": found.id,
        "message": describe(found),
        "link": section_link(spec, found.section),
    }


def _commitment(stderr: str) -> tuple[str, str] | None:
    """The last digest the harness printed before the hidden cases: (kind, hex)."""
    found = None
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == harness.COMMIT_MARKER:
            found = (parts[1], parts[2])
    return found


def _without_commitments(stderr: str) -> str:
    """`stderr` without the harness's digest lines (and the line break it put before each)."""
    if harness.COMMIT_MARKER not in stderr:
        return stderr
    kept: list[str] = []
    for line in stderr.split("\n"):
        if line.startswith(harness.COMMIT_MARKER):
            if kept and kept[-1] == "":
                kept.pop()
            continue
        kept.append(line)
    return "\n".join(kept)


_OUTPUT_KEY = re.compile(r"^c(\d{1,4})/")


def _case_of(key: str) -> int:
    """The case index an output key belongs to (`c<index>/...`), or -1."""
    match = _OUTPUT_KEY.match(key)
    return int(match.group(1)) if match else -1


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _outcome(
    prepared: Prepared, case: Case, want: Leaves, report: dict[str, Any], got: Leaves
) -> Mismatch | None:
    status = report.get("status")
    if status not in _STATUSES or report.get("name") != case.name:
        return Mismatch("no result", "no result: the run ended before this test")
    if status != "ok":
        error = report.get("error")
        error = error[:500] if isinstance(error, str) else ""
        return Mismatch(_category(str(status), error), error)
    if prepared.code.check is not None:
        return prepared.code.check(case, got, want)
    return compare(want, got, case.tolerance or prepared.spec.tolerance)


def _status(
    run: SandboxResult,
    done: bool,
    fatal: dict[str, Any],
    forbidden_calls: list[str],
    score: int,
    max_score: int,
) -> tuple[GradeStatus, str]:
    if fatal:
        kind: GradeStatus = "forbidden" if fatal.get("kind") == "forbidden" else "error"
        return kind, f"the submission failed to load: {str(fatal.get('error', ''))[:500]}"
    if forbidden_calls:
        return "forbidden", forbidden_calls[0]
    # A time limit that fires after every test has run (while the job winds down) changes
    # nothing: the status follows the tests (issue 21: it said "timeout" with full marks).
    late_timeout = run.status == "timeout" and done
    if run.status in ("timeout", "memory", "output_limit") and not late_timeout:
        return run.status, run.message or f"the run ended: {run.status}"
    if not done or (run.status != "ok" and not late_timeout):
        detail = f"exit code {run.exit_code}" if run.signal is None else f"signal {run.signal}"
        return "error", f"the run ended before every test ran ({detail}); did it exit or crash?"
    if score == max_score:
        return "passed", ""
    return ("partial" if score else "failed"), ""


def _category(status: str, error: str) -> str:
    """What a hidden test shows: a word from a fixed vocabulary, never the submission's text
    (an exception class it names itself could carry the hidden inputs out)."""
    if status == "timeout":
        return "timed out"
    if status == "forbidden":
        return "forbidden call"
    if status == "bad_output":
        return "bad output"
    if status == "modified":
        return MODIFIED
    name = error.split(":", 1)[0].strip()
    if name in _EXCEPTION_NAMES:
        return f"error: {name}"
    return "error"


def _unrun(
    spec: ExerciseSpec,
    status: GradeStatus,
    message: str,
    why: str = "not run",
    *,
    seed: int | None = None,
) -> GradeResult:
    tests = tuple(
        TestResult(test.name, False, 0, test.points, test.visible, why) for test in spec.tests
    )
    return GradeResult(spec.id, status, 0, spec.max_score, tests, message=message, seed=seed)


def _tensors(data: bytes | None) -> Leaves:
    """The outputs file; a missing or corrupt one (the submission's doing) holds nothing."""
    if data is None:
        return {}
    try:
        return dict(load_tensors(data))
    except Exception:  # safetensors raises its own error types for malformed files
        return {}


def _json(data: bytes | None) -> dict[str, Any]:
    """A small JSON object written by the harness (or forged by the submission: untrusted).

    Bounded in size and nesting before it is parsed: anything else reads as nothing.
    """
    if data is None or len(data) > _MAX_JSON or _nesting(data) > _MAX_JSON_DEPTH:
        return {}
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _nesting(data: bytes) -> int:
    """How deeply JSON arrays and objects nest in `data`, strings skipped, in one linear pass
    that stops once past the limit (a regular expression over crafted escapes is quadratic)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > _MAX_JSON_DEPTH:
                    break
        elif byte in b"]}":
            depth -= 1
    return deepest
