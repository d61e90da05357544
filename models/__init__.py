"""Storage: SQLAlchemy ORM tables, engine set-up, queries and Alembic migrations."""

from models.base import Base
from models.tables import (
    Assignment,
    Cohort,
    Enrollment,
    Identity,
    Member,
    OutboxMessage,
    PlatformBinding,
    Question,
    QuestionVote,
    QuizAttempt,
    Rsvp,
    Session,
    Submission,
)

__all__ = [
    "Assignment",
    "Base",
    "Cohort",
    "Enrollment",
    "Identity",
    "Member",
    "OutboxMessage",
    "PlatformBinding",
    "Question",
    "QuestionVote",
    "QuizAttempt",
    "Rsvp",
    "Session",
    "Submission",
]
