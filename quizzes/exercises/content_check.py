"""`studybot content check [DIR]`: validates exercises and questions before members see them.

For each exercise: the schema, its Python file (cases that follow the test plan, a reference
per function, inputs left alone where the statement says so), the statement's examples
against the reference, the model solution scoring full marks through the real sandbox, every
listed mistake scoring less than full and being named by the diagnosis, and the starter code
failing cleanly. For questions, the checks of `studybot quiz validate`. One line per item;
any problem names the file and line. `studybot run` runs the same check on the content
folder and refuses to start on a problem.
"""

from __future__ import annotations

import math
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizzes.content import ContentError, ContentProblem, import_answers, question_modules
from quizzes.exercises.catalog import Entry, builtin_dir, line_of, read_folder

if TYPE_CHECKING:
    from bot.sandbox.types import Executor

SEEDS = (1, 2, 3)  # seeds the solution and the mistakes are graded with


@dataclass
class ItemReport:
    """One exercise or question file: what was checked, and what is wrong."""

    kind: str
    name: str
    path: Path
    problems: list[ContentProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.problems:
            return "\n".join(f"FAIL {problem}" for problem in self.problems)
        return f"ok   {self.kind} {self.name} ({self.path}): {', '.join(self.notes)}"


async def check_content(directory: Path | None, executor: Executor) -> list[ItemReport]:
    """Every item of `directory` (a content folder), or of the built-in content when None."""
    reports: list[ItemReport] = []
    try:
        entries, problems, others = _read(directory)
    except FileNotFoundError:
        assert directory is not None
        return [ItemReport("folder", str(directory), directory, [_missing(directory)])]
    builtins = others or entries
    for problem in problems:
        reports.append(ItemReport("exercise", problem.path.stem, problem.path, [problem]))
    known = {entry.spec.id: entry.yaml_path for entry in others}
    for entry in entries:
        report = ItemReport("exercise", entry.spec.id, entry.yaml_path)
        if entry.spec.id in known:
            message = f"exercise id {entry.spec.id!r} is already defined in {known[entry.spec.id]}"
            report.problems.append(
                ContentProblem(entry.yaml_path, line_of(entry.yaml_path, "id"), message)
            )
        else:
            known[entry.spec.id] = entry.yaml_path
            with _exercise_registered(entry, builtins):
                await _check_exercise(entry, executor, report)
        reports.append(report)
    if directory is not None:
        reports += _check_questions(directory)
    return reports


def _read(directory: Path | None) -> tuple[list[Entry], list[ContentProblem], list[Entry]]:
    """The exercises to check, the files that could not be read, and the exercises already
    there (the built-in ones, for a folder: its ids must not repeat theirs)."""
    if directory is None:
        entries, problems = read_folder(builtin_dir(), builtin=True)
        return entries, problems, []
    if not directory.is_dir():
        raise FileNotFoundError(directory)
    others, _ = read_folder(builtin_dir(), builtin=True)
    if not (directory / "exercises").is_dir():
        return [], [], others
    entries, problems = read_folder(directory / "exercises", builtin=False)
    return entries, problems, others


@contextmanager
def _exercise_registered(entry: Entry, builtins: list[Entry]) -> Iterator[None]:
    """The grader finds exercises through the catalogue: while an exercise is checked, the
    catalogue is the built-in exercises and this one, whatever STUDYBOT_CONTENT_DIR holds
    (the folder checked may be another one, or the broken one `studybot run` refuses)."""
    from quizzes.exercises import catalog

    original = catalog._entries
    known = tuple(builtins) if entry.code_path is None else (*builtins, entry)

    def entries() -> tuple[Entry, ...]:
        return known

    catalog._entries = entries  # type: ignore[assignment]
    try:
        yield
    finally:
        catalog._entries = original


async def _check_exercise(entry: Entry, executor: Executor, report: ItemReport) -> None:
    from quizzes.exercises.grader import grade, load_code, prepare

    spec, where = entry.spec, entry.code_path or entry.yaml_path
    try:
        code = load_code(spec.id)
        for function in spec.functions:
            if function not in code.references:
                raise ValueError(f"no reference for {function}()")
        prepared = [prepare(spec, code, "", seed) for seed in SEEDS]
    except Exception as exc:
        report.problems.append(_code_problem(where, exc))
        return
    report.notes.append(f"cases follow the plan for seeds {SEEDS[0]}-{SEEDS[-1]}")
    report.problems += _check_examples(entry, code.references)
    if not spec.solution:
        message = "no `solution`: write a model solution for members"
        report.problems.append(ContentProblem(entry.yaml_path, 1, message))
    else:
        for seed in SEEDS:
            result = await grade(spec.id, spec.solution, executor, seed=seed)
            if result.score != result.max_score:
                failed = [t.name for t in result.tests if not t.passed]
                why = result.message or f"failed {', '.join(failed)}"
                message = f"solution scores {result.score}/{result.max_score} at seed {seed}: {why}"
                line = line_of(entry.yaml_path, "solution")
                report.problems.append(ContentProblem(entry.yaml_path, line, message[:400]))
                break
        else:
            report.notes.append("solution scores full marks in the sandbox")
    report.problems += _check_mistakes(entry, code, prepared)
    if code.mistakes:
        report.notes.append(f"{len(code.mistakes)} mistake(s) lose points and are recognised")
    starter = await grade(spec.id, spec.starter, executor, seed=SEEDS[0])
    if starter.status != "failed":
        message = f"the starter code should run and score 0, got {starter.status} "
        message += f"{starter.score}/{starter.max_score}: {starter.message}"
        line = line_of(entry.yaml_path, "starter")
        report.problems.append(ContentProblem(entry.yaml_path, line, message[:400]))
    else:
        report.notes.append("starter fails cleanly")


def _check_mistakes(entry: Entry, code: Any, prepared: list[Any]) -> list[ContentProblem]:
    from quizzes.exercises.grader import judge
    from quizzes.exercises.local_run import run_functions

    problems = []
    where = entry.code_path or entry.yaml_path
    for mistake in code.mistakes:
        missing = set(entry.spec.functions) - set(mistake.functions)
        if missing and mistake.recognise is None:
            message = f"mistake {mistake.id}: no function for {', '.join(sorted(missing))}"
            problems.append(ContentProblem(where, _def_line(where, mistake.id), message))
            continue
        for job in prepared:
            result = judge(job, run_functions(job, mistake.functions))
            named = {t.mistake["id"] for t in result.tests if t.mistake}
            if result.score >= result.max_score or mistake.id not in named:
                what = (
                    "scores full marks"
                    if result.score >= result.max_score
                    else f"is not recognised (diagnosed: {', '.join(sorted(named)) or 'nothing'})"
                )
                message = f"mistake {mistake.id} {what} at seed {job.seed}"
                problems.append(ContentProblem(where, _def_line(where, mistake.id), message))
                break
    return problems


def _check_examples(entry: Entry, references: Any) -> list[ContentProblem]:
    """Each example's call, run with the reference, prints what the statement says."""
    import torch

    problems = []
    for example in entry.spec.examples:
        namespace: dict[str, Any] = {"torch": torch, "math": math, **references}
        try:
            value = eval(example.call, namespace)  # trusted: the exercise's own text
            if _same_text(str(value), example.result) or _close(value, example.result):
                continue
            message = f"example {example.call[:60]!r} gives {str(value)[:120]!r}"
        except Exception as exc:
            message = f"example {example.call[:60]!r} fails: {type(exc).__name__}: {exc}"
        line = _text_line(entry.yaml_path, example.call[:40]) or line_of(
            entry.yaml_path, "examples"
        )
        problems.append(ContentProblem(entry.yaml_path, line, message[:400]))
    return problems


def _same_text(got: str, want: str) -> bool:
    return " ".join(got.split()) == " ".join(want.split())


def _close(value: Any, text: str) -> bool:
    """The printed result, read back, equals the value to the digits it shows."""
    import torch

    names = {"tensor": torch.tensor, "torch": torch, "inf": math.inf, "nan": math.nan}
    try:
        shown = eval(text, names)  # trusted: the exercise's own text
        got = torch.as_tensor(value, dtype=torch.float64)
        want = torch.as_tensor(shown, dtype=torch.float64)
        return got.shape == want.shape and bool(
            torch.allclose(got, want, rtol=1e-3, atol=1e-4, equal_nan=True)
        )
    except Exception:
        return False


def _check_questions(directory: Path) -> list[ItemReport]:
    from quizzes.questions import load_bank
    from quizzes.questions._loader import BANK_DIR
    from quizzes.questions._validate import validate_bank

    folder = directory / "questions"
    if not folder.is_dir():
        return []
    reports = []
    for path in question_modules(directory):
        try:
            import_answers(path)
        except Exception as exc:
            item = ItemReport("answers", path.stem, path, [_code_problem(path, exc)])
            reports.append(item)
    if any(r.problems for r in reports):
        return reports
    builtin = {q.id: path for path in sorted(BANK_DIR.glob("*.yaml")) for q in _ids(path)}
    for path in sorted(folder.glob("*.yaml")):
        report = ItemReport("questions", path.stem, path)
        for qid in _ids_text(path):
            if qid in builtin:
                message = f"question id {qid!r} is already defined in {builtin[qid]}"
                report.problems.append(ContentProblem(path, _id_line(path, qid), message))
        for line in validate_bank_file(path, validate_bank):
            report.problems.append(line)
        if not report.problems:
            count = len(load_bank(_single(path)).questions())
            report.notes.append(f"{count} question(s) pass the checks of `quiz validate`")
        reports.append(report)
    return reports


def validate_bank_file(path: Path, validate: Any) -> list[ContentProblem]:
    """`quiz validate`'s problems for one bank file, each with the line of its question."""
    problems = []
    for text in validate(_single(path)):
        match = re.search(r"question ([\w.-]+)", text)
        line = _id_line(path, match.group(1)) if match else _yaml_line(text)
        detail = text.split(": ", 1)[1] if text.startswith(str(_single(path))) else text
        problems.append(ContentProblem(path, line, detail))
    return problems


def _single(path: Path) -> Path:
    """A folder holding only this bank file (validate_bank reads folders)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="studybot-check-"))
    (folder / path.name).write_bytes(path.read_bytes())
    return folder


def _ids(path: Path) -> list[Any]:
    from quizzes.questions._loader import load_topic

    try:
        return list(load_topic(path).questions)
    except Exception:
        return []


def _ids_text(path: Path) -> list[str]:
    return re.findall(r"^\s*-\s*id:\s*([\w.-]+)", path.read_text(encoding="utf-8"), re.M)


def _id_line(path: Path, qid: str) -> int:
    return _text_line(path, f"id: {qid}") or 1


def _yaml_line(text: str) -> int:
    match = re.search(r"line (\d+)", text)
    return int(match.group(1)) if match else 1


def _text_line(path: Path, needle: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return None


def _def_line(path: Path, name: str) -> int:
    return _text_line(path, f'"{name}"') or _text_line(path, name) or 1


def _missing(directory: Path) -> ContentProblem:
    return ContentProblem(directory, 1, "no such folder")


def _code_problem(path: Path, exc: BaseException) -> ContentProblem:
    """An error raised by an exercise's Python: the deepest line of that file."""
    line = 1
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == path.resolve() and frame.lineno:
            line = frame.lineno
    if isinstance(exc, SyntaxError) and exc.lineno:
        line = exc.lineno
    return ContentProblem(path, line, f"{type(exc).__name__}: {exc}"[:400])


def folder_problems_text(reports: list[ItemReport]) -> str | None:
    """The problems as `path:line: message` lines, or None when there are none."""
    problems = [str(p) for report in reports for p in report.problems]
    return "\n".join(problems) if problems else None


__all__ = ["ContentError", "ItemReport", "check_content", "folder_problems_text"]
