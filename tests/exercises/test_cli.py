"""`studybot grade EXERCISE FILE` prints one JSON object and exits 0 only on a full pass."""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from quizzes.exercises import cli
from tests.exercises.conftest import ForkServerExecutor
from tests.exercises.solutions import SOLUTIONS


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="studybot")
    cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.fixture
def graded_without_sandbox(monkeypatch: pytest.MonkeyPatch, executor: ForkServerExecutor) -> None:
    @asynccontextmanager
    async def fork_server(settings: Any = None) -> AsyncIterator[ForkServerExecutor]:
        yield executor

    monkeypatch.setattr(cli, "open_executor", fork_server)


def test_grade_is_registered_with_a_callable_default(tmp_path: Path) -> None:
    args = parse("grade", "softmax", str(tmp_path / "answer.py"), "--seed", "3")
    assert (args.exercise, args.file, args.seed) == ("softmax", tmp_path / "answer.py", 3)
    assert args.func is cli.cmd_grade


@pytest.mark.usefixtures("graded_without_sandbox")
def test_grading_a_correct_file_prints_the_result_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text(SOLUTIONS["softmax"])
    args = parse("grade", "softmax", str(answer), "--seed", "3")
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {"exercise", "status", "score", "max_score", "tests"} <= printed.keys()
    assert (printed["exercise"], printed["status"]) == ("softmax", "passed")
    assert printed["score"] == printed["max_score"] == 8
    assert {"name", "passed", "points", "visible", "message"} <= printed["tests"][0].keys()


@pytest.mark.usefixtures("graded_without_sandbox")
def test_grading_a_wrong_file_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text("def softmax(X):\n    return X\n")
    args = parse("grade", "softmax", str(answer))
    assert args.func(args) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "failed"


def test_an_unknown_exercise_or_missing_file_exits_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text("x = 1\n")
    unknown = parse("grade", "no_such_exercise", str(answer))
    assert unknown.func(unknown) == 2
    assert "known: " in capsys.readouterr().err
    missing = parse("grade", "softmax", str(tmp_path / "absent.py"))
    assert missing.func(missing) == 2
    assert "cannot read" in capsys.readouterr().err
