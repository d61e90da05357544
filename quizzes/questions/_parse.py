"""Reading what a person types: numbers, choice letters, lists of letters, true/false.

Each parser returns the value or raises `UnreadableAnswer` with a message meant for the
member; `check_answer` turns that into a result, so callers never see an exception.
"""

from __future__ import annotations

import math
import re
import unicodedata

from quizzes.questions._render import LETTERS, format_number

MAX_LENGTH = 200
_DECIMAL = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(rf"^(?P<num>{_DECIMAL})(?:/(?P<den>{_DECIMAL}))?(?P<pct>%)?$")
_TRUE = {"t", "true", "yes", "y"}
_FALSE = {"f", "false", "no", "n"}
_LETTER = re.compile(r"^\(?([a-z])[).]?$")


class UnreadableAnswer(ValueError):
    """The text cannot be read as an answer of the expected kind; str() says why."""


def normalize(text: str) -> str:
    """Unicode-normalize, lower-case, unify minus signs and collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("\u2013", "-")
    return " ".join(text.lower().split())


def parse_number(text: str) -> float:
    """`0.375`, `3/8`, `37.5%`, `3.75e-1`, `.375`, `-2`, `3 / 8` -> a finite float."""
    s = _bounded(text).replace(" ", "")
    if "," in s:
        raise UnreadableAnswer("Use a dot for decimals (0.375) and no thousands separators.")
    match = _NUMBER.match(s)
    if match is None:
        raise UnreadableAnswer(
            f"Could not read {text.strip()[:40]!r} as a number; "
            "try a form like 0.375, 3/8, 37.5% or 3.75e-1."
        )
    try:
        value = float(match["num"])
        if match["den"] is not None:
            den = float(match["den"])
            if den == 0:
                raise UnreadableAnswer("A fraction cannot have zero in the denominator.")
            value /= den
    except OverflowError:
        value = math.inf
    if match["pct"]:
        value /= 100
    if not math.isfinite(value):
        raise UnreadableAnswer("That number is too large to be an answer.")
    return value


def check_range(value: float, low: float | None, high: float | None) -> float:
    """`value` if it lies within [low, high] (either end may be open); else UnreadableAnswer,
    so an impossible answer (a probability of 1.5) is refused rather than counted wrong."""
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "−∞" if low is None else format_number(low)
        hi = "∞" if high is None else format_number(high)
        raise UnreadableAnswer(
            f"{format_number(value)} is out of range: the answer lies between {lo} and {hi}."
        )
    return value


def parse_true_false(text: str) -> bool:
    """t/f, true/false, yes/no, y/n (and a/b for the shown True/False choices)."""
    s = _bounded(text).rstrip(".!")
    if s in _TRUE or s == "a":
        return True
    if s in _FALSE or s == "b":
        return False
    raise UnreadableAnswer("Answer true or false (t/f, yes/no also work).")


def parse_single(text: str, choices: tuple[str, ...]) -> str:
    """A letter (`b`, `(b)`, `b)`), a number (`2`) or the choice's text -> its letter."""
    s = _bounded(text)
    by_text = _match_text(s, choices)
    if by_text is not None:
        return by_text
    letters = _tokens(s, len(choices))
    if len(letters) != 1:
        raise UnreadableAnswer(f"Pick one choice: a letter from a to {LETTERS[len(choices) - 1]}.")
    return letters[0]


def parse_multiple(text: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    """`a,c`, `a c`, `ac`, `1 3`, `a and c`, or one choice's text -> sorted unique letters."""
    s = _bounded(text)
    by_text = _match_text(s, choices)
    if by_text is not None:
        return (by_text,)
    return tuple(sorted(set(_tokens(s, len(choices)))))


def _bounded(text: str) -> str:
    if len(text) > MAX_LENGTH:
        raise UnreadableAnswer(f"That answer is too long (over {MAX_LENGTH} characters).")
    s = normalize(text)
    if not s:
        raise UnreadableAnswer("The answer is empty.")
    return s


def _match_text(s: str, choices: tuple[str, ...]) -> str | None:
    for i, choice in enumerate(choices):
        if normalize(choice) == s:
            return LETTERS[i]
    return None


def _tokens(s: str, n: int) -> list[str]:
    last = LETTERS[n - 1]
    raw = [t for t in re.split(r"\s*(?:,|;|\s|\band\b|&)\s*", s) if t and t != "and"]
    if len(raw) == 1 and re.fullmatch(r"[a-z]{2,}", raw[0]):
        raw = list(raw[0])  # "ac" means a and c
    letters: list[str] = []
    for token in raw:
        letter = _LETTER.match(token)
        if letter is not None and letter[1] <= last:
            letters.append(letter[1])
        elif re.fullmatch(r"[0-9]{1,3}", token) and 1 <= int(token) <= n:
            letters.append(LETTERS[int(token) - 1])
        else:
            raise UnreadableAnswer(
                f"Could not read {token[:20]!r} as a choice: use letters a to {last} "
                f"or numbers 1 to {n}."
            )
    if not letters:
        raise UnreadableAnswer(f"Pick a choice: a letter from a to {last}.")
    return letters
