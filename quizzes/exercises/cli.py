"""`studybot grade EXERCISE FILE`: grade a file in the sandbox and print one JSON object;
`studybot content check [DIR]`: validate exercises and questions (quizzes.exercises.content_check).

Imported by every `studybot` command, so it imports nothing heavy: the grader (and torch) load
only when a grade actually runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from quizzes.content import ContentError
from quizzes.exercises.catalog import UnknownExercise, get_exercise

if TYPE_CHECKING:
    from bot.sandbox.types import Executor

EXIT_PASSED, EXIT_NOT_PASSED, EXIT_USAGE = 0, 1, 2


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `grade` to the `studybot` command line."""
    grade = commands.add_parser(
        "grade",
        help="grade a file for a code exercise in the sandbox; prints one JSON object",
        description="Exit code: 0 when every test passed, 1 otherwise, 2 for bad arguments.",
    )
    grade.add_argument("exercise", metavar="EXERCISE", help="exercise id, e.g. softmax")
    grade.add_argument("file", metavar="FILE", type=Path, help="the Python file to grade")
    grade.add_argument(
        "--seed", type=int, default=None, help="seed of the hidden inputs (default: random)"
    )
    grade.set_defaults(func=cmd_grade)

    content = commands.add_parser("content", help="check exercises and questions (issue 22)")
    actions = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a content folder (default: $STUDYBOT_CONTENT_DIR, else the built-in "
        "exercises): one line per item, exit 1 on any problem",
    )
    check.add_argument("dir", metavar="DIR", type=Path, nargs="?", default=None)
    check.set_defaults(func=cmd_content_check)


def cmd_content_check(args: argparse.Namespace) -> int:
    """Check every item; print one line each; 0 when all are fine, 1 otherwise."""
    from quizzes.content import content_dir

    directory = args.dir if args.dir is not None else content_dir()
    reports = asyncio.run(_check(directory, getattr(args, "settings", None)))
    for report in reports:
        print(report.line(), file=sys.stderr if report.problems else sys.stdout)
    failed = sum(1 for report in reports if report.problems)
    print(f"{len(reports)} item(s) checked, {failed} with problems.")
    return EXIT_NOT_PASSED if failed else EXIT_PASSED


def start_refusal(settings: Any) -> str | None:
    """Why `studybot run` must not start: the content folder's problems, as `content check`
    prints them (None when STUDYBOT_CONTENT_DIR is unset or the folder is fine).

    The check grades, so it imports torch: it runs as `studybot content check` in a child
    process, and the chat process stays free of torch."""
    from quizzes.content import content_dir

    directory = content_dir()
    if directory is None:
        return None
    check = subprocess.run(
        [sys.executable, "-c", CHECK_SCRIPT, str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode == 0:
        return None
    problems = [line[5:] for line in check.stderr.splitlines() if line.startswith("FAIL ")]
    detail = "\n".join(problems) or check.stderr.strip()[-2000:]
    return f"the content folder {directory} has problems (`studybot content check`):\n{detail}"


CHECK_SCRIPT = (
    "import sys; from bot.cli import main; sys.exit(main(['content', 'check', sys.argv[1]]))"
)


async def _check(directory: Path | None, settings: Any) -> list[Any]:
    from quizzes.exercises.content_check import check_content

    async with open_executor(settings, mode="warm") as executor:
        return await check_content(directory, executor)


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade `args.file` for `args.exercise`; print the result as JSON."""
    try:
        get_exercise(args.exercise)
        source = args.file.read_text(encoding="utf-8")
    except UnknownExercise as exc:
        print(f"studybot grade: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as exc:
        print(f"studybot grade: the exercises cannot be read:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, UnicodeDecodeError) as exc:
        print(f"studybot grade: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = asyncio.run(_grade(args.exercise, source, args.seed, getattr(args, "settings", None)))
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_PASSED if result["status"] == "passed" else EXIT_NOT_PASSED


async def _grade(exercise: str, source: str, seed: int | None, settings: Any) -> dict[str, Any]:
    from quizzes.exercises.grader import grade  # imports torch: only here

    async with open_executor(settings) as executor:
        result = await grade(exercise, source, executor, seed=seed)
    return result.to_json()


@asynccontextmanager
async def open_executor(
    settings: Any = None, mode: Literal["warm", "cold"] = "cold"
) -> AsyncIterator[Executor]:
    """THE place where grading meets the sandbox: the bubblewrap Evaluator of bot/sandbox.

    `settings` is the bot's Settings (its `sandbox` section sets the limits), or None for the
    evaluator's defaults. Tests replace this function to grade without a sandbox.
    """
    from bot.sandbox import Evaluator, SandboxLimits

    sandbox = getattr(settings, "sandbox", None)
    # One job ("cold"): a warm interpreter would not pay off; `content check` runs many.
    limits = sandbox.to_limits(mode=mode) if sandbox is not None else SandboxLimits(mode=mode)
    evaluator = Evaluator(limits)
    try:
        await evaluator.start()
        yield evaluator
    finally:
        await evaluator.close()
