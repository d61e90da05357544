"""Invalid bank files fail with the file's path, the question id and the field."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from quizzes.questions import BankError, answer_function, load_bank, load_topic, validate_bank

FIXTURES = Path(__file__).parent / "fixtures"

GOOD_QUESTION = """\
  - id: {qid}
    type: numeric
    section: "2.6"
    link: https://d2l.ai/chapter_preliminaries/probability.html
    params:
      pa: {{uniform: [0.1, 0.9], decimals: 2}}
      pb: {{uniform: [0.1, 0.9], decimals: 2}}
    prompt: Independent events with P(A) = {{pa}} and P(B) = {{pb}}. P(A or B)?
    answer: {answer}
    tolerance: {{rel: 0.01}}
    explanation: Inclusion-exclusion with P(A and B) = P(A) P(B).
"""


def bank_file(tmp_path: Path, *questions: str, header: str = "") -> Path:
    path = tmp_path / "topic.yaml"
    head = header or "topic: demo\ntitle: Demo topic\nchapter: '2'\n"
    path.write_text(head + "questions:\n" + "".join(questions), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(BankError) as info:
        load_topic(path)
    return [str(p) for p in info.value.problems]


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = bank_file(tmp_path, GOOD_QUESTION.format(qid="demo-1", answer="independent_union"))
    assert load_topic(path).questions[0].id == "demo-1"


def test_bad_yaml_syntax_names_the_file_and_line() -> None:
    path = FIXTURES / "bad_syntax.yaml"
    [problem] = problems_of(path)
    assert str(path) in problem and "line" in problem and "invalid YAML" in problem


def test_a_missing_field_names_the_question_and_field() -> None:
    path = FIXTURES / "missing_field.yaml"
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: question demo-no-explanation: explanation:")


def test_an_unknown_answer_function_is_rejected(tmp_path: Path) -> None:
    path = bank_file(tmp_path, GOOD_QUESTION.format(qid="demo-1", answer="no_such_function"))
    [problem] = problems_of(path)
    assert "question demo-1: answer:" in problem and "no_such_function" in problem


def test_an_answer_function_whose_parameters_do_not_match_is_rejected(tmp_path: Path) -> None:
    path = bank_file(tmp_path, GOOD_QUESTION.format(qid="demo-1", answer="bayes_one_test"))
    [problem] = problems_of(path)
    assert "question demo-1: answer:" in problem and "do not match" in problem


def test_a_duplicate_id_is_rejected() -> None:
    path = FIXTURES / "duplicate_id.yaml"
    assert f"{path}: question demo-twice: id: duplicate id in this file" in problems_of(path)


def test_a_template_naming_an_undeclared_parameter_is_rejected(tmp_path: Path) -> None:
    question = GOOD_QUESTION.format(qid="demo-1", answer="independent_union")
    path = bank_file(tmp_path, question.replace("P(A or B)?", "P(A or B) given {pc}?"))
    [problem] = problems_of(path)
    assert "question demo-1: prompt:" in problem and "{pc}" in problem


def test_template_attribute_access_is_rejected(tmp_path: Path) -> None:
    question = GOOD_QUESTION.format(qid="demo-1", answer="independent_union")
    path = bank_file(tmp_path, question.replace("{pa}", "{pa.__class__}", 1))
    [problem] = problems_of(path)
    assert "plain parameter name" in problem


def test_a_choice_question_without_a_correct_choice_is_rejected() -> None:
    problems = problems_of(FIXTURES / "no_correct_choice.yaml")
    assert any("question demo-choice: question:" in p and "correct" in p for p in problems)


def test_a_retired_id_cannot_be_reused(tmp_path: Path) -> None:
    header = "topic: demo\ntitle: Demo topic\nchapter: '2'\nretired_ids: [demo-1]\n"
    q = GOOD_QUESTION.format(qid="demo-1", answer="independent_union")
    bank_file(tmp_path, q, header=header)
    with pytest.raises(BankError, match="demo-1: id: id was retired"):
        load_bank(tmp_path)


def test_validate_lists_every_broken_file_in_a_directory() -> None:
    problems = validate_bank(FIXTURES)
    for name in ("bad_syntax", "missing_field", "duplicate_id", "no_correct_choice"):
        assert any(f"{name}.yaml" in p for p in problems), name


@answer_function
def _test_only_not_a_number(pa: float, pb: float) -> float:
    return math.nan


def test_validate_reports_an_answer_function_that_returns_nan(tmp_path: Path) -> None:
    bank_file(tmp_path, GOOD_QUESTION.format(qid="demo-1", answer="_test_only_not_a_number"))
    [problem] = validate_bank(tmp_path)
    assert "question demo-1: answer: seed 0" in problem and "not a finite number" in problem
