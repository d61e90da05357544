"""Storage: SQLAlchemy ORM tables, engine set-up, queries and Alembic migrations."""

from models.base import Base
from models.feedback_tables import ExerciseSettings, HintUse
from models.github_tables import GitHubDiscussion, GitHubSync
from models.joining_tables import (
    ConductAgreement,
    ConductSettings,
    DiscordEvent,
    DiscordEventError,
    Report,
    SessionThread,
)
from models.progress_tables import Certificate, LinkCode, LinkFailure, NudgeOptOut
from models.quiz_tables import LiveRound, QuizRun, QuizSettings, ReviewCard
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
from models.web_tables import CalendarRevision, PublicName, WebKey

__all__ = [
    "Assignment",
    "Base",
    "CalendarRevision",
    "Certificate",
    "Cohort",
    "ConductAgreement",
    "ConductSettings",
    "DiscordEvent",
    "DiscordEventError",
    "Enrollment",
    "ExerciseSettings",
    "GitHubDiscussion",
    "GitHubSync",
    "HintUse",
    "Identity",
    "LinkCode",
    "LinkFailure",
    "LiveRound",
    "Member",
    "NudgeOptOut",
    "OutboxMessage",
    "PlatformBinding",
    "PublicName",
    "Question",
    "QuestionVote",
    "QuizAttempt",
    "QuizRun",
    "QuizSettings",
    "Report",
    "ReviewCard",
    "Rsvp",
    "Session",
    "SessionThread",
    "Submission",
    "WebKey",
]
