"""SM-2 spaced repetition (SuperMemo 2): the easiness factor starts at 2.5 and never drops
below 1.3; intervals are 1 day, 6 days, then the previous interval times the easiness; a
failed recall (quality below 3) starts the card over without changing its easiness."""

from __future__ import annotations

from dataclasses import dataclass

START_EASINESS = 2.5
MIN_EASINESS = 1.3


@dataclass(frozen=True)
class Sm2:
    easiness: float = START_EASINESS
    interval_days: int = 1
    repetitions: int = 0


def next_state(card: Sm2, quality: int) -> Sm2:
    """The card after a recall graded 0-5."""
    if quality < 3:
        return Sm2(card.easiness, 1, 0)
    repetitions = card.repetitions + 1
    if repetitions == 1:
        interval = 1
    elif repetitions == 2:
        interval = 6
    else:
        interval = round(card.interval_days * card.easiness)
    miss = 5 - quality
    easiness = max(MIN_EASINESS, card.easiness + 0.1 - miss * (0.08 + miss * 0.02))
    return Sm2(easiness, interval, repetitions)


def quality(correct: bool, taken_ms: int, limit_ms: float) -> int:
    """A grade from what the server saw: wrong or late is 1; a correct answer is 5 in the
    first third of the time limit, 4 in the second and 3 (hard) in the last."""
    if not correct or taken_ms > limit_ms:
        return 1
    if taken_ms <= limit_ms / 3:
        return 5
    return 4 if taken_ms <= 2 * limit_ms / 3 else 3
