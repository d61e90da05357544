"""How a grading result reads in chat, and that program output cannot abuse it."""

from __future__ import annotations

from handlers.grading_reply import neutralise, result_reply

RESULT = {
    "exercise": "softmax",
    "status": "partial",
    "score": 5,
    "max_score": 8,
    "message": "",
    "tests": [
        {
            "name": "example",
            "passed": True,
            "points": 1,
            "max_points": 1,
            "visible": True,
            "message": "",
        },
        {
            "name": "huge_logits",
            "passed": False,
            "points": 0,
            "max_points": 3,
            "visible": False,
            "message": "NaN in output",
        },
    ],
    "stdout": "",
    "stderr": "",
}


def test_the_table_shows_each_test_with_points() -> None:
    reply = result_reply(RESULT, submission_id=7)
    assert reply.title == "🟡 softmax: 5/8"
    assert "some tests passed. Score: 5/8." in reply.text
    lines = (reply.code or "").splitlines()
    assert lines[1].split()[:3] == ["example", "pass", "1/1"]
    assert "huge_logits  FAIL" in lines[2]
    assert "(hidden)" in lines[2]


def test_output_cannot_ping_break_fences_or_colour_the_terminal() -> None:
    text = neutralise("@everyone <!channel> @here <@123> ```\x1b[31mred\x1b[0m")
    assert "@everyone" not in text
    assert "<!channel>" not in text
    assert "<@123>" not in text
    assert "```" not in text
    assert "\x1b" not in text
    assert "red" in text


def test_long_output_is_cut_to_ten_lines_with_the_full_text_attached() -> None:
    noisy = dict(RESULT, stdout="".join(f"line {i}\n" for i in range(50)))
    reply = result_reply(noisy, submission_id=9)
    shown = (reply.code or "").split("Output:\n")[1]
    assert "line 9" in shown
    assert "line 10" not in shown
    assert "all of it is in output-9.txt" in reply.text
    assert reply.files[0].name == "output-9.txt"
    assert b"line 49" in reply.files[0].content


def test_output_is_shown_verbatim_in_the_code_block_never_as_markdown() -> None:
    printed = "# not a heading\n**not bold** __init__ _x_\n"
    reply = result_reply(dict(RESULT, stdout=printed), submission_id=3)
    assert "not a heading" not in reply.text
    assert (reply.code or "").endswith("Output:\n# not a heading\n**not bold** __init__ _x_")
    assert (reply.code or "").startswith("test ")  # the table first, in the same block
