"""A grading result as a chat reply: status, a per-test table, the score, and the program's
output, truncated and neutralised (no pings, no fence breaking, no terminal escapes).

The output goes in the reply's code block, below the table, so every platform shows it
verbatim: a member's `# heading`, `**bold**` or `__init__` is never read as Markdown."""

from __future__ import annotations

import re
from typing import Any

from handlers.types import Reply, ReplyFile
from quizzes.exercises.result import OUTPUT_NOTE

MAX_OUTPUT_LINES = 10
MAX_OUTPUT_CHARS = 1000
NOTE_WIDTH = 60  # a test's note in the table
MAX_NOTE_CHARS = 500  # the same note in full, under the table
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
    lines += _diagnoses(tests)
    blocks = [_table(tests)] if tests else []
    files: list[ReplyFile] = []
    output = neutralise(str(result.get("stdout", "")) + str(result.get("stderr", "")))
    if output.startswith(OUTPUT_NOTE):  # the grader's note about hidden tests: ours, not theirs
        lines.append(OUTPUT_NOTE)
        output = output[len(OUTPUT_NOTE) :].lstrip("\n")
    if output.strip():
        short, cut = truncate(output)
        blocks.append("Output:\n" + short + ("\n… (cut here)" if cut else ""))
        if cut:
            name = f"output-{submission_id}.txt"
            lines.append(f"The output is cut short below: all of it is in {name}.")
            files.append(ReplyFile(name, output.encode(), "text/plain"))
    return Reply(
        title=f"{icon} {exercise}: {score}/{top}",
        text="\n".join(lines),
        code="\n\n".join(blocks) if blocks else None,
        files=tuple(files),
        footer=f"Submission #{submission_id}{_seed(result)}. Your best attempt counts; "
        "submit again any time.",
    )


def _diagnoses(tests: list[dict[str, Any]]) -> list[str]:
    """The recognised mistakes (issue 22), one line each with the book's page: written by the
    exercise's authors and free of the hidden inputs, so hidden tests show them too."""
    found: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for test in tests:
        mistake = test.get("mistake")
        if isinstance(mistake, dict):
            names, _ = found.setdefault(str(mistake.get("id")), ([], mistake))
            names.append(neutralise(str(test.get("name", "")))[:40])
    if not found:
        return []
    lines = ["What went wrong:"]
    for names, mistake in list(found.values())[:5]:
        text = neutralise(str(mistake.get("message", "")))[:300]
        link = str(mistake.get("link", ""))
        where = ", ".join(names)
        lines.append(f"• {where}: {text}" + (f" {link}" if link.startswith("https://") else ""))
    return lines


def _seed(result: dict[str, Any]) -> str:
    """The grade's seed: an organizer's `studybot grade --seed N` reproduces the grade."""
    seed = result.get("seed")
    return f" (seed {seed})" if isinstance(seed, int) else ""


def _table(tests: list[dict[str, Any]]) -> str:
    """One row per test. A note too long for its row is cut at a word, and written whole
    under the table: the got value and the tolerance are what the member needs (issue 21)."""
    width = min(28, max(len(str(t.get("name", ""))) for t in tests))
    rows = [f"{'test':<{width}}  result  points  note"]
    whole: list[str] = []
    for test in tests:
        mark = "pass" if test.get("passed") else "FAIL"
        name = str(test.get("name", ""))[:width]
        kind = "" if test.get("visible") else " (hidden)"
        message = neutralise(str(test.get("message", "")))[:MAX_NOTE_CHARS]
        note = cut_at_word(message, NOTE_WIDTH)
        if note != message:
            whole.append(f"{name}: {message}")
        points = f"{test.get('points', 0)}/{test.get('max_points', 0)}"
        rows.append(f"{name:<{width}}  {mark:<6}  {points:<6}  {note}{kind}".rstrip())
    if whole:
        rows += ["", "Notes in full:", *whole]
    return "\n".join(rows)


def cut_at_word(text: str, limit: int) -> str:
    """`text` if it fits, else its start up to the last whole word and "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if not text[len(head)].isspace() and space > limit // 3:  # head ends inside a word
        head = head[:space]
    return head.rstrip(" ,;:") + "…"
