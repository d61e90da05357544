"""Answer functions, registered by name; importing this package registers all of them."""

from quizzes.questions.answers import optimization, probability

__all__ = ["optimization", "probability"]
