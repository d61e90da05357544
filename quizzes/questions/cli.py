"""`studybot quiz validate` and `studybot quiz export`; the lead wires `register` into
bot/cli.py."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from quizzes.questions._loader import BankError, load_bank
from quizzes.questions._validate import export_questions, validate_bank


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `quiz` command group (validate, export) to a subparsers action."""
    quiz = commands.add_parser("quiz", help="check and export the quiz question bank")
    sub = quiz.add_subparsers(dest="quiz_command", required=True)

    validate = sub.add_parser("validate", help="check every bank file; exit 1 on problems")
    validate.add_argument("--bank", type=Path, default=None, help="bank directory to check")
    validate.set_defaults(func=run_validate)

    export = sub.add_parser("export", help="print rendered questions as JSON")
    export.add_argument("--seed", type=int, required=True, help="the seed to render with")
    export.add_argument("--topic", default=None, help="only this topic (default: all)")
    export.add_argument("--bank", type=Path, default=None, help="bank directory to read")
    export.set_defaults(func=run_export)


def run_validate(args: argparse.Namespace) -> int:
    """Print every problem in the bank; 0 if there are none, else 1."""
    problems = validate_bank(args.bank)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    bank = load_bank(args.bank)
    count = sum(len(t.questions) for t in bank.topics)
    print(f"OK: {len(bank.topics)} topic(s), {count} question(s).")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Print the rendered questions as a JSON list; 1 if the bank or topic is invalid."""
    try:
        bank = load_bank(args.bank)
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.topic is not None and args.topic not in {t.topic for t in bank.topics}:
        known = ", ".join(t.topic for t in bank.topics)
        print(f"Unknown topic {args.topic!r}; known topics: {known}.", file=sys.stderr)
        return 1
    text = json.dumps(export_questions(bank, args.seed, args.topic), indent=2)
    try:
        print(text)
    except BrokenPipeError:
        # The reader (say, `head`) stopped early; silence the interpreter's flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
