"""What the platforms share about answer controls: the command a `Picker` sends, and the
check of what a member typed into an `AnswerBox` form before the command runs, so the
platform can show the problem inside the form (Slack's `response_action: errors`, a private
reply on Discord) instead of sending the command."""

from __future__ import annotations

from handlers.types import AnswerBox
from quizzes.questions import UnreadableAnswer, check_range, parse_number


def box_error(box: AnswerBox, text: str) -> str | None:
    """Why `text` can't be sent as the box's answer (not a number, out of range), or None."""
    try:
        check_range(parse_number(text), box.low, box.high)
    except UnreadableAnswer as exc:
        return str(exc)
    return None


def picked_command(command: str, values: list[str]) -> str | None:
    """A picker's command with the picked values in place of `{picked}`; None if nothing was
    picked or the command has no place for it (a damaged control)."""
    words = [v for v in dict.fromkeys(values) if v and v.isalnum()]
    if not words or "{picked}" not in command:
        return None
    return command.replace("{picked}", " ".join(words))
