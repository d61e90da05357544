"""The command grammar: prefixes, words, fenced code; and it never breaks on odd input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.parsing import parse_message, strip_prefix


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("d2l help", "help"),
        ("/d2l help", "help"),
        ("!d2l next", "next"),
        ("  D2L schedule", "schedule"),
        ("d2l", ""),
        ("d2lx help", None),
        ("hello d2l", None),
    ],
)
def test_prefixes_are_the_same_on_every_platform(text: str, rest: str | None) -> None:
    assert strip_prefix(text) == rest


def test_quotes_group_words_and_unbalanced_quotes_do_not_fail() -> None:
    assert parse_message('admin cohort name "Berlin group"').words == (
        "admin",
        "cohort",
        "name",
        "Berlin group",
    )
    assert parse_message("ask what's a tensor").words == ("ask", "what's", "a", "tensor")


def test_code_after_a_fence_is_separated_from_the_command() -> None:
    parsed = parse_message("submit softmax\n```python\ndef softmax(x):\n    return x\n```")
    assert parsed.words == ("submit", "softmax")
    assert parsed.code == "def softmax(x):\n    return x"
    assert parsed.code_language == "python"


def test_an_unclosed_fence_keeps_all_the_code() -> None:
    parsed = parse_message("submit softmax ```\nx = 1\ny = 2")
    assert parsed.words == ("submit", "softmax")
    assert parsed.code == "x = 1\ny = 2"


def test_one_line_fence() -> None:
    parsed = parse_message("submit f ```print(1)```")
    assert parsed.code == "print(1)"


def test_control_characters_are_dropped() -> None:
    assert parse_message("he\x00lp\x1b[31m").words == ("help[31m",)


@given(st.text(max_size=400))
def test_parsing_any_text_never_raises(text: str) -> None:
    parsed = parse_message(text)
    assert all(isinstance(word, str) for word in parsed.words)
    assert parsed.code is None or "```" not in parsed.code


def test_code_on_the_fence_line_is_not_mistaken_for_a_language() -> None:
    parsed = parse_message("submit f\n```x = torch.ones(3)\nprint(x)\n```")
    assert parsed.code == "x = torch.ones(3)\nprint(x)"
    assert parsed.code_language == ""
