"""What every quiz mode shares: seeds, rendering, time limits, scoring and the question card."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from string import ascii_lowercase as LETTERS

from handlers.context import Refused
from handlers.text import when
from handlers.types import AnswerBox, Choice, Picker, PickOption, Reply
from quizzes.questions import (
    Bank,
    RenderedQuestion,
    instance_seed,
    list_topics,
    load_bank,
    render,
    tolerance_hint,
)

DEFAULT_COUNT = 5
MAX_COUNT = 20
DEFAULT_TIME_LIMIT_S = 120
FULL_POINTS = 1000
FAST_ANSWER_MS = 500
# A button's command ends with a reference to the question it answers, so a late or double
# press can never answer the next question: `q42` (personal/review attempt 42) or `r7-3`
# (live round 7, question 3).
ANSWER_REF = re.compile(r"^(?:q(?P<attempt>\d{1,12})|r(?P<round>\d{1,12})-(?P<number>\d{1,3}))$")


def bank() -> Bank:
    """The shipped question bank (loaded once per process)."""
    return load_bank()


def fold_seed(seed: int) -> int:
    """The engine's 63-bit seed folded to 31 bits: `quiz_attempts.seed` is a 32-bit INTEGER
    on PostgreSQL. Still unique enough per (member, question) and reproducible with
    `render(question, seed)`."""
    return seed >> 32


def personal_seed(member_id: int, question_id: str, run_id: int) -> int:
    """Numbers for one member's run: a new run (the attempt) draws new numbers."""
    return fold_seed(instance_seed(f"member:{member_id}", question_id, run_id))


def live_seed(round_id: int, question_id: str) -> int:
    """Everyone in a live round sees the same numbers (the bank README's recipe)."""
    return fold_seed(instance_seed(f"live:{round_id}", question_id, 0))


def live_pick_seed(round_id: int) -> int:
    """The seed that picks a live round's questions."""
    return fold_seed(instance_seed(f"live:{round_id}", "pick", 0))


def rendered(question_id: str, seed: int) -> RenderedQuestion:
    """Recreate a stored question instance exactly."""
    the_bank = bank()
    return render(the_bank.question(question_id), seed, the_bank.topic_of(question_id).topic)


def known_question(question_id: str) -> bool:
    try:
        bank().question(question_id)
    except KeyError:
        return False
    return True


def time_limit(rq: RenderedQuestion) -> dt.timedelta:
    return dt.timedelta(seconds=rq.time_limit_s or DEFAULT_TIME_LIMIT_S)


def elapsed_ms(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, round((end - start).total_seconds() * 1000))


def speed_points(correct: bool, taken_ms: int, limit: dt.timedelta) -> int:
    """Kahoot's rule: round(1000·(1 − (t/T)/2)) for a correct answer, so at least half the
    points; full points under half a second; nothing for a wrong or late answer."""
    limit_ms = limit.total_seconds() * 1000
    if not correct or taken_ms > limit_ms:
        return 0
    if taken_ms < FAST_ANSWER_MS:
        return FULL_POINTS
    return round(FULL_POINTS * (1 - (taken_ms / limit_ms) / 2))


def resolve_topic(word: str) -> str:
    """A topic id from what the member typed (exact or a unique prefix); UsageError with
    the closest topics otherwise."""
    topics = [t.id for t in list_topics(bank())]
    typed = word.lower()
    if typed in topics:
        return typed
    prefixed = [t for t in topics if t.startswith(typed)]
    if len(prefixed) == 1:
        return prefixed[0]
    close = difflib.get_close_matches(typed, topics, n=2, cutoff=0.5)
    hint = f" Did you mean {' or '.join(f'`{t}`' for t in close)}?" if close else ""
    raise Refused(f"There is no quiz topic `{word[:40]}`.{hint} Topics: {', '.join(topics)}.")


def parse_count(word: str | None) -> int:
    if word is None:
        return DEFAULT_COUNT
    if not word.isdigit() or not 1 <= int(word) <= MAX_COUNT:
        raise Refused(f"The number of questions must be 1 to {MAX_COUNT}, not `{word[:20]}`.")
    return int(word)


def format_seconds(ms: int) -> str:
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def question_card(
    rq: RenderedQuestion,
    *,
    title: str,
    ref: str,
    deadline: dt.datetime,
    ephemeral: bool,
    how: str = "",
) -> Reply:
    """A question as shown: prompt, choices as buttons that answer it, how to answer."""
    lines = [rq.prompt.strip()]
    choices: tuple[Choice, ...] = ()
    if rq.type == "true_false":
        choices = (
            Choice("True", f"answer true {ref}"),
            Choice("False", f"answer false {ref}"),
        )
    elif rq.choices:
        lettered = [(LETTERS[i], text) for i, text in enumerate(rq.choices)]
        lines.extend(f"{letter}) {text}" for letter, text in lettered)
        if rq.type == "single":
            choices = tuple(
                Choice(f"{letter}) {text}"[:75], f"answer {letter} {ref}")
                for letter, text in lettered
            )
    picker, box = None, None
    if rq.type == "numeric":
        lines.append(
            "Press **Answer**, or type `d2l answer VALUE` (0.375, 3/8 and 37.5% all work). "
            f"{tolerance_hint(rq)}"
        )
        low, high = rq.answer_range or (None, None)
        box = AnswerBox(
            label="Answer",
            title="Your answer",
            prompt=rq.prompt.strip(),
            command=f"answer {{text}} {ref}",
            low=low,
            high=high,
        )
    elif rq.type == "multiple":
        lines.append("Tick every correct choice and submit, or type `d2l answer a c`.")
        picker = Picker(
            options=tuple(
                PickOption(f"{LETTERS[i]}) {text}", LETTERS[i]) for i, text in enumerate(rq.choices)
            ),
            command=f"answer {{picked}} {ref}",
        )
    seconds = int(time_limit(rq).total_seconds())
    footer = f"{rq.id} · d2l {rq.section} · {seconds} s to answer (until {when(deadline, 'T')})"
    if how:
        footer += f" · {how}"
    return Reply(
        title=title,
        text="\n".join(lines),
        choices=choices,
        picker=picker,
        answer_box=box,
        footer=footer,
        ephemeral=ephemeral,
    )
