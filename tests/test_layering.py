"""The architecture's rules hold: chat SDKs only in bot/platforms, torch only in the evaluator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
RUFF = Path(sys.executable).with_name("ruff")


def ruff_on(filename: str, source: str) -> str:
    result = subprocess.run(
        [str(RUFF), "check", "--select", "TID251", "--stdin-filename", filename, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return result.stdout


@pytest.mark.parametrize("module", ["discord", "slack_bolt", "slack_sdk", "torch"])
@pytest.mark.parametrize(
    "where", ["handlers/quiz.py", "models/x.py", "bot/app.py", "quizzes/questions/x.py"]
)
def test_platform_and_torch_imports_are_banned_outside_their_homes(module: str, where: str) -> None:
    assert "TID251" in ruff_on(where, f"import {module}\n")


@pytest.mark.parametrize(
    ("module", "where"),
    [
        ("discord", "bot/platforms/discord/client.py"),
        ("slack_bolt", "bot/platforms/slack.py"),
        ("torch", "bot/sandbox/zygote.py"),
        ("torch", "quizzes/exercises/softmax.py"),
    ],
)
def test_the_allowed_homes_may_import_them(module: str, where: str) -> None:
    assert "TID251" not in ruff_on(where, f"import {module}\n")


def test_the_chat_side_never_imports_torch() -> None:
    code = (
        "import sys, bot.app, bot.cli, handlers, bot.platforms.console\n"
        "bot.cli.build_parser()\n"
        "heavy = [m for m in ('torch', 'numpy') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""
