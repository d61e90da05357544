"""A grading result on every platform (issue 21): program output in a code block, at most
10 lines or 1,000 characters, the rest attached; a long diagnostic never cut mid-word."""

from __future__ import annotations

import json

from bot.platforms.console import render_plain
from bot.platforms.discord_bot import render as render_discord
from bot.platforms.slack_app._render import render as render_slack
from handlers.grading_reply import cut_at_word, result_reply

DIAGNOSTIC = (
    "output differs at 3 of 4 positions, worst at index [0]: expected 3, got 2.5 (tolerance 1e-05)"
)
RESULT = {
    "exercise": "softmax",
    "status": "partial",
    "score": 1,
    "max_score": 4,
    "tests": [
        {"name": "example", "passed": True, "points": 1, "max_points": 1, "visible": True},
        {
            "name": "worst_case",
            "passed": False,
            "points": 0,
            "max_points": 3,
            "visible": True,
            "message": DIAGNOSTIC,
        },
    ],
    "stdout": "",
    "stderr": "",
}


def test_a_long_diagnostic_is_cut_at_a_word_in_the_table_and_shown_whole_below() -> None:
    reply = result_reply(RESULT, submission_id=4)
    code = reply.code or ""
    row = next(line for line in code.splitlines() if line.startswith("worst_case"))
    note = row.split("0/3", 1)[1].strip()
    assert note.endswith("…") and DIAGNOSTIC.startswith(note[:-1])
    assert DIAGNOSTIC[len(note) - 1] in " ,:"  # cut between words, never "expected 3, g"
    assert f"worst_case: {DIAGNOSTIC}" in code.split("Notes in full:")[1]
    for shown in (
        render_plain(reply),
        json.dumps(render_slack(reply).blocks, ensure_ascii=False),
        json.dumps([e.to_dict() for e in render_discord(reply).embeds], ensure_ascii=False),
    ):
        assert "got 2.5 (tolerance 1e-05)" in shown


def test_a_short_note_is_shown_once() -> None:
    short = dict(RESULT, tests=[dict(RESULT["tests"][1], message="NaN in output")])  # type: ignore[call-overload]
    assert "Notes in full" not in (result_reply(short, submission_id=1).code or "")


def test_cut_at_word() -> None:
    assert cut_at_word("short", 60) == "short"
    assert cut_at_word("aaaa bbbb cccc", 10) == "aaaa bbbb…"
    assert cut_at_word("aaaa bbbbbb cccc", 10) == "aaaa…"
    assert cut_at_word("x" * 20, 10) == "x" * 9 + "…"  # one long word: cut inside it


def test_one_long_line_of_output_shows_1000_characters_and_attaches_the_rest() -> None:
    printed = "".join(f"{i:04d} " for i in range(1000))  # 5,000 characters on one line
    reply = result_reply(dict(RESULT, stdout=printed), submission_id=8)
    output = (reply.code or "").split("Output:\n")[1]
    assert len(output) <= 1000 + len("\n… (cut here)")
    slack = render_slack(reply)
    discord = render_discord(reply)
    for files in (slack.files, discord.files):
        attached = {f.name: f.content for f in files}
        assert attached["output-8.txt"].decode() == printed
    assert "0999" not in json.dumps(slack.blocks)
    assert "0999" not in json.dumps([e.to_dict() for e in discord.embeds])
    assert "0100" in json.dumps([e.to_dict() for e in discord.embeds])
