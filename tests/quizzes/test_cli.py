"""`quiz validate` and `quiz export`, run through an argparse parser like bot/cli.py's."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from quizzes.questions.cli import register

FIXTURES = Path(__file__).parent / "fixtures"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="studybot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_validate_passes_on_the_shipped_bank(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["quiz", "validate"]) == 0
    assert capsys.readouterr().out.startswith("OK: 2 topic(s)")


def test_validate_fails_and_lists_the_problems(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["quiz", "validate", "--bank", str(FIXTURES)]) == 1
    err = capsys.readouterr().err
    assert "duplicate_id.yaml: question demo-twice: id" in err
    assert "problem(s) found" in err


def test_export_prints_rendered_questions_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["quiz", "export", "--seed", "7", "--topic", "optimization"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) >= 30
    assert all(item["topic"] == "optimization" for item in items)
    keys = ["id", "topic", "section", "type", "prompt", "choices", "answer", "tolerance"]
    assert all(list(item) == keys for item in items)
    numeric = next(i for i in items if i["type"] == "numeric")
    assert isinstance(numeric["answer"], float) and "rel" in numeric["tolerance"]


def test_export_is_reproducible_for_a_seed(capsys: pytest.CaptureFixture[str]) -> None:
    run(["quiz", "export", "--seed", "3"])
    first = capsys.readouterr().out
    run(["quiz", "export", "--seed", "3"])
    assert capsys.readouterr().out == first


def test_export_rejects_an_unknown_topic(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["quiz", "export", "--seed", "1", "--topic", "nope"]) == 1
    assert "Unknown topic" in capsys.readouterr().err


def test_export_with_seed_1_shows_the_new_questions(capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 18's additions: random variables, the Gaussian, expectations of functions,
    # minibatch noise, Nesterov, Yogi and AMSGrad.
    assert run(["quiz", "export", "--seed", "1"]) == 0
    items = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    new = {
        "prob-pdf-normalize", "prob-exponential-cdf", "prob-die-cdf-interval",
        "prob-gaussian-within", "prob-gaussian-sum-sd", "prob-uniform-second-moment",
        "prob-two-point-second-moment", "opt-minibatch-variance", "opt-nesterov-two-steps",
        "opt-yogi-state", "opt-yogi-two-steps", "opt-amsgrad-denominator",
    }  # fmt: skip
    assert new <= set(items)
    assert items["opt-yogi-state"]["tolerance"]["sig"] == 3
