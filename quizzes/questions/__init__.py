"""The quiz engine: question banks in YAML, answers computed by named Python functions.

Typical use from a chat handler (no database access here; the caller stores attempts)::

    bank = load_bank()                                   # cached
    seed = instance_seed(member_key, f"quiz:{topic}", attempt)
    for q in pick_questions(bank, n=5, seed=seed, topic=topic, exclude=answered_ids):
        rq = render_for(bank, q.id, member_key, attempt)  # numbers differ per member
        ... show rq.prompt and rq.choices ...
        result = check_answer(rq, typed_text)             # never raises
        ... reply result.message, then explain(rq) ...
"""

from quizzes.questions._check import AnswerResult, check_answer, explain, tolerance_hint
from quizzes.questions._loader import Bank, BankError, BankProblem, load_bank, load_topic
from quizzes.questions._params import instance_seed, sample_params
from quizzes.questions._parse import UnreadableAnswer, check_range, parse_number
from quizzes.questions._registry import (
    answer_function,
    common_mistake,
    get_answer_function,
    get_mistake_function,
)
from quizzes.questions._render import (
    RenderedQuestion,
    RenderError,
    format_answer,
    format_number,
    render,
)
from quizzes.questions._schema import Question, Tolerance, Topic
from quizzes.questions._select import pick_questions
from quizzes.questions._topics import TopicInfo, list_topics, render_for
from quizzes.questions._validate import export_questions, validate_bank

__all__ = [
    "AnswerResult",
    "Bank",
    "BankError",
    "BankProblem",
    "Question",
    "RenderError",
    "RenderedQuestion",
    "Tolerance",
    "Topic",
    "TopicInfo",
    "UnreadableAnswer",
    "answer_function",
    "check_answer",
    "check_range",
    "common_mistake",
    "explain",
    "export_questions",
    "format_answer",
    "format_number",
    "get_answer_function",
    "get_mistake_function",
    "instance_seed",
    "list_topics",
    "load_bank",
    "load_topic",
    "parse_number",
    "pick_questions",
    "render",
    "render_for",
    "sample_params",
    "tolerance_hint",
    "validate_bank",
]
