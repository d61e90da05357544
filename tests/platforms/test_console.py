"""The console adapter, as a newcomer and a test script use it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import App
from bot.platforms.console import ConsoleAdapter, ConsoleMessage, read_script
from handlers.types import Reply, ReplyFile

STUDYBOT = Path(sys.executable).with_name("studybot")


def test_each_line_is_a_message_from_the_current_member() -> None:
    messages = list(read_script(["d2l help\n", "d2l next\n"]))
    assert messages == [ConsoleMessage(None, "d2l help"), ConsoleMessage(None, "d2l next")]


def test_an_at_name_line_is_sent_by_that_member() -> None:
    messages = list(read_script(["@alice d2l next", "@bob.k d2l help", "d2l schedule"]))
    assert [(m.sender, m.text) for m in messages] == [
        ("alice", "d2l next"),
        ("bob.k", "d2l help"),
        (None, "d2l schedule"),
    ]


def test_a_message_continues_while_a_fence_is_open() -> None:
    lines = [
        "@carol d2l submit softmax",
        "```python",
        "def softmax(x):",
        "    return x",
        "```",
        "d2l next",
    ]
    lines[0] += " " + lines.pop(1)  # "d2l submit softmax ```python"
    messages = list(read_script(lines))
    assert len(messages) == 2
    assert messages[0].sender == "carol"
    assert messages[0].text.endswith("def softmax(x):\n    return x\n```")
    assert messages[1].text == "d2l next"


def test_an_unclosed_fence_at_the_end_still_delivers_the_message() -> None:
    messages = list(read_script(["d2l submit f ```", "x = 1"]))
    assert messages == [ConsoleMessage(None, "d2l submit f ```\nx = 1")]


@given(st.lists(st.text(max_size=80), max_size=30))
def test_the_script_reader_never_loses_or_invents_lines(lines: list[str]) -> None:
    clean = [line.replace("\r", "").replace("\n", "") for line in lines]
    messages = list(read_script(clean))
    # Every non-sender character typed comes out in some message, in order.
    joined = "\n".join(m.text for m in messages)
    for line in clean:
        body = line.split(" ", 1)[1] if line.startswith("@") and " " in line else line
        assert body.strip() in joined or body.startswith("@")


async def test_files_the_bot_sends_are_written_to_the_output_folder(
    app: App, tmp_path: Path
) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(
        app,
        user="alice",
        out_dir=tmp_path / "out",
        stdin=io.StringIO(),
        stdout=out,
        interactive=False,
    )
    reply = Reply(text="Your calendar", files=(ReplyFile("../../etc/cal.ics", b"BEGIN"),))
    adapter.show(reply, "alice")
    adapter.show(reply, "alice")
    written = sorted((tmp_path / "out").iterdir())
    assert [p.read_bytes() for p in written] == [b"BEGIN", b"BEGIN"]
    assert all(p.parent == tmp_path / "out" for p in written)  # no path traversal
    assert f"(file written: {written[0]})" in out.getvalue()


async def test_a_scripted_conversation_runs_to_the_end_of_input(app: App, tmp_path: Path) -> None:
    script = "d2l help\n@bob d2l next\n\n:quit\nd2l schedule\n"
    out = io.StringIO()
    adapter = ConsoleAdapter(
        app,
        user="alice",
        out_dir=tmp_path,
        stdin=io.StringIO(script),
        stdout=out,
        interactive=False,
    )
    assert await adapter.run() == 0
    text = out.getvalue()
    assert "[bot → @alice, private]" in text and "[bot → @bob]" in text
    assert "Next session 1" in text
    assert "20 sessions" not in text  # :quit stopped before `schedule`


def run_console(tmp_path: Path, stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "STUDYBOT_COHORT__FIRST_SESSION": "2027-01-12",
        "STUDYBOT_COHORT__TIMEZONE": "Europe/Berlin",
        "STUDYBOT_COHORT__SESSION_TIME": "18:00",
    }
    return subprocess.run(
        [str(STUDYBOT), "console", *args],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_the_readme_transcript_works_without_a_tty(tmp_path: Path) -> None:
    result = run_console(
        tmp_path, b"d2l help\nd2l schedule\nd2l next\n", "--clock", "2027-01-04T09:00"
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "d2l schedule" in out and "d2l session N" in out  # the help
    for number in range(1, 21):
        assert f"{number:>2}. " in out
    assert "Linear neural networks for regression (Ch. 3 Linear Neural Networks for" in out
    assert "Next session 1: Introduction and preliminaries" in out
    assert "Readings: https://d2l.ai/" in out
    assert "Traceback" not in result.stderr.decode()


@pytest.mark.slow
def test_binary_input_does_not_crash_the_console(tmp_path: Path) -> None:
    result = run_console(tmp_path, bytes(range(256)) * 50 + b"\nd2l next\n")
    assert result.returncode == 0, result.stderr.decode()
    assert "Next session 1" in result.stdout.decode()
    assert "Traceback" not in result.stderr.decode()


def test_code_may_follow_a_bare_submit_on_the_next_line() -> None:
    lines = ["d2l submit softmax", "```python", "x = 1", "```", "d2l submit adam", "d2l next"]
    messages = list(read_script(lines))
    assert [m.text for m in messages] == [
        "d2l submit softmax\n```python\nx = 1\n```",
        "d2l submit adam",
        "d2l next",
    ]


def test_a_bare_submit_at_the_end_of_input_is_still_sent() -> None:
    assert [m.text for m in read_script(["@bob d2l submit softmax"])] == ["d2l submit softmax"]
