"""A grading result as a chat reply: status, a per-test table, the score, and the program's
output, truncated and neutralised (no pings, no fence breaking, no terminal escapes)."""

from __future__ import annotations

import re
from typing import Any

from handlers.types import Reply, ReplyFile

MAX_OUTPUT_LINES = 10
MAX_OUTPUT_CHARS = 1000
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PINGS = re.compile(r"@(everyone|here|channel)|<!(channel|here|everyone)>|<@[!&]?\w+>", re.I)
ICONS = {"passed": "✅", "partial": "🟡", "failed": "❌"}
STATUS_WORDS = {
    "passed": "all tests passed",
    "partial": "some tests passed",
    "failed": "no test passed",
    "error": "the code did not run to the end",
    "timeout": "it ran out of time",
    "memory": "it ran out of memory",
    "output_limit": "it printed too much",
    "forbidden": "it uses something this exercise forbids",
    "refused": "the sandbox is not available on this server",
}


def neutralise(text: str) -> str:
    """Program output made safe to echo: no ANSI, no mentions, no closing fences."""
    text = _ANSI.sub("", text)
    text = _PINGS.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<", "‹"), text)
    return text.replace("```", "ʼʼʼ")


def truncate(text: str) -> tuple[str, bool]:
    lines = text.splitlines()
    short = "\n".join(lines[:MAX_OUTPUT_LINES])[:MAX_OUTPUT_CHARS]
    return short, short != text.rstrip("\n")


def result_reply(result: dict[str, Any], *, submission_id: int, late: bool = False) -> Reply:
    """The message a member gets when their submission is graded."""
    status = str(result.get("status", "error"))
    exercise = str(result.get("exercise", "?"))
    score, top = result.get("score", 0), result.get("max_score", 0)
    icon = ICONS.get(status, "⚠️")
    lines = [f"{STATUS_WORDS.get(status, status)}. Score: {score}/{top}."]
    if result.get("message"):
        lines.append(neutralise(str(result["message"]))[:500])
    if late:
        lines.append("Submitted after the due time: recorded as late.")
    tests = list(result.get("tests", []))
    table = _table(tests) if tests else None
    files: list[ReplyFile] = []
    output = neutralise(str(result.get("stdout", "")) + str(result.get("stderr", "")))
    if output.strip():
        short, cut = truncate(output)
        lines.append("Output:\n" + short + ("\n… (full output attached)" if cut else ""))
        if cut:
            files.append(ReplyFile(f"output-{submission_id}.txt", output.encode(), "text/plain"))
    return Reply(
        title=f"{icon} {exercise}: {score}/{top}",
        text="\n".join(lines),
        code=table,
        files=tuple(files),
        footer=f"Submission #{submission_id}. Your best attempt counts; submit again any time.",
    )


def _table(tests: list[dict[str, Any]]) -> str:
    width = min(28, max(len(str(t.get("name", ""))) for t in tests))
    rows = [f"{'test':<{width}}  result  points  note"]
    for test in tests:
        mark = "pass" if test.get("passed") else "FAIL"
        name = str(test.get("name", ""))[:width]
        kind = "" if test.get("visible") else " (hidden)"
        note = neutralise(str(test.get("message", "")))[:60]
        points = f"{test.get('points', 0)}/{test.get('max_points', 0)}"
        rows.append(f"{name:<{width}}  {mark:<6}  {points:<6}  {note}{kind}".rstrip())
    return "\n".join(rows)
