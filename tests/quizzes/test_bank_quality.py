"""The bank as members read it, over 1,000 seeds per parametrized question: common mistakes are
rejected, renderings read cleanly, true/false answers are balanced, choice keys move around."""

from __future__ import annotations

import functools
import re
from collections import Counter

import pytest

from quizzes.questions import (
    Bank,
    RenderedQuestion,
    get_mistake_function,
    instance_seed,
    load_bank,
    render,
)
from quizzes.questions._check import is_correct
from tests.quizzes.conftest import instances

SEEDS_1000 = 1000
# A minus sign that is not inside a number, then digits: "-0", "-0.0", "−0.00" but not "-0.5".
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0(?:\.0+)?(?![\d.]*[1-9])(?![\d.])")
# "1 steps", "1 updates": the number one followed by a plural noun.
ONE_PLURAL = re.compile(
    r"(?<![\w.,−-])1 (?:[a-z]+ )?(steps|updates|times|draws|tosses|images|"
    r"requests|examples|gradients|measurements|samples|runs|trials|heads|"
    r"tails|seconds|values|members)\b"
)
# A negative number directly raised to a power, as in "-0.5²" or "-2^3" (needs brackets).
BARE_NEGATIVE_POWER = re.compile(r"(?<![(\w.])[-−]\d+(?:\.\d+)?(?:[²³⁴]|\^)")


@functools.cache
def thousand(question_id: str) -> tuple[RenderedQuestion, ...]:
    """The question as 1,000 members see it, rendered once for all the tests here."""
    return tuple(instances(load_bank(), question_id, SEEDS_1000))


def texts(rq: RenderedQuestion) -> list[str]:
    return [rq.prompt, rq.explanation, *rq.choices]


def test_the_patterns_catch_what_they_should() -> None:
    # The checks themselves can fail: each catches its slip and passes the correct form.
    assert NEGATIVE_ZERO.search("x = -0.0 now") and NEGATIVE_ZERO.search("is −0")
    assert not NEGATIVE_ZERO.search("x = -0.5 and 10.0 and -0.05")
    assert ONE_PLURAL.search("after 1 steps") and ONE_PLURAL.search("for 1 more updates")
    assert not ONE_PLURAL.search("after 11 steps, 0.1 steps, 2 steps")
    assert BARE_NEGATIVE_POWER.search("so -0.5² · 4") and BARE_NEGATIVE_POWER.search("−3^2")
    assert not BARE_NEGATIVE_POWER.search("(−0.5)² and 1 − 0.9^3 and x-2²")


PARAMETRIZED = [q.id for q in load_bank().questions() if q.parametrized]
NUMERIC = [i for i in PARAMETRIZED if load_bank().question(i).type == "numeric"]
TRUE_FALSE = [i for i in PARAMETRIZED if load_bank().question(i).type == "true_false"]


def test_every_parametrized_numeric_question_lists_a_common_mistake(bank: Bank) -> None:
    assert [i for i in NUMERIC if not bank.question(i).mistakes] == []


@pytest.mark.parametrize("question_id", NUMERIC)
def test_common_mistakes_are_rejected_for_99_percent_of_1000_seeds(
    bank: Bank, question_id: str
) -> None:
    for name in bank.question(question_id).mistakes:
        mistake = get_mistake_function(name)
        accepted = [
            rq.params for rq in thousand(question_id) if is_correct(rq, float(mistake(**rq.params)))
        ]
        assert len(accepted) <= SEEDS_1000 // 100, f"{name} accepted for {accepted[:3]}..."


@pytest.mark.parametrize("question_id", NUMERIC)
def test_the_key_rounded_as_the_prompt_asks_is_accepted(bank: Bank, question_id: str) -> None:
    for rq in thousand(question_id):
        assert isinstance(rq.answer, float) and rq.tolerance is not None
        rounded = float(f"{rq.answer:.{rq.tolerance.sig or 3}g}")
        assert is_correct(rq, rounded), (rq.params, rq.answer, rounded)


@pytest.mark.parametrize("question_id", PARAMETRIZED)
def test_renderings_over_1000_seeds_read_cleanly(bank: Bank, question_id: str) -> None:
    for rq in thousand(question_id):
        for text in texts(rq):
            for name, pattern in (
                ("negative zero", NEGATIVE_ZERO),
                ("one with a plural", ONE_PLURAL),
                ("unbracketed negative power", BARE_NEGATIVE_POWER),
            ):
                found = pattern.search(text)
                assert found is None, f"{name} {found[0]!r} in {text!r} ({rq.params})"


@pytest.mark.parametrize("question_id", TRUE_FALSE)
def test_true_false_answers_are_balanced(bank: Bank, question_id: str) -> None:
    share = sum(bool(rq.answer) for rq in thousand(question_id)) / SEEDS_1000
    assert 0.4 <= share <= 0.6, share


def test_choice_keys_are_not_stuck_at_one_letter(bank: Bank) -> None:
    stuck = []
    for q in bank.questions():
        if q.type not in ("single", "multiple") or not q.shuffle:
            continue
        topic = bank.topic_of(q.id).topic
        seeds = (instance_seed(f"m{i}", q.id, 0) for i in range(40))
        keys = Counter(str(render(q, seed, topic).answer) for seed in seeds)
        if len(keys) == 1:
            stuck.append(q.id)
    assert stuck == []


def test_every_choice_question_is_shuffled(bank: Bank) -> None:
    # A written order puts the key wherever the author wrote it (it was always a) for three).
    assert [q.id for q in bank.questions() if q.choices and not q.shuffle] == []


def test_questions_shown_with_one_seed_get_different_orders(bank: Bank) -> None:
    # A live round renders every question with seeds from one round id; the question's id is
    # part of the shuffle, so two four-choice questions shown with one seed differ.
    def order(question_id: str, seed: int) -> tuple[int, ...]:
        q = bank.question(question_id)
        written = [c.text for c in q.choices]
        return tuple(written.index(c) for c in render(q, seed, "").choices)

    pairs = [(order("opt-saddle-point", s), order("opt-jensen-direction", s)) for s in range(20)]
    assert any(a != b for a, b in pairs)
