"""Small conveniences for the chat side: topic listings and one-call rendering."""

from __future__ import annotations

from dataclasses import dataclass

from quizzes.questions._loader import Bank
from quizzes.questions._params import instance_seed
from quizzes.questions._render import RenderedQuestion, render


@dataclass(frozen=True)
class TopicInfo:
    """What `d2l quiz` lists: a topic's id, title, d2l chapter and question count."""

    id: str
    title: str
    chapter: str
    questions: int


def list_topics(bank: Bank) -> list[TopicInfo]:
    """Every topic in the bank, in file order."""
    return [TopicInfo(t.topic, t.title, t.chapter, len(t.questions)) for t in bank.topics]


def render_for(bank: Bank, question_id: str, member_key: str, attempt: int) -> RenderedQuestion:
    """Render a question for one member's attempt (the seed is `instance_seed` of the three),
    so the same member, question and attempt always see the same numbers."""
    question = bank.question(question_id)
    seed = instance_seed(member_key, question_id, attempt)
    return render(question, seed, bank.topic_of(question_id).topic)
