"""The ORM tables: cohorts and their channels, members and identities, the session plan,
work (assignments, quiz attempts, submissions) and the outbox of messages to deliver."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    first_session: Mapped[dt.date] = mapped_column(Date)
    session_time: Mapped[dt.time] = mapped_column(Time)
    cadence_days: Mapped[int] = mapped_column(Integer)
    pass_threshold: Mapped[float] = mapped_column(Float, default=0.8)
    # A quiz counts toward the certificate when at least this share of the member's answers
    # of its topic are right (over at least QUIZ_ASSIGNMENT_LENGTH answers).
    quiz_pass_mark: Mapped[float] = mapped_column(Float, default=0.6)
    # Holidays: a session that would fall on one of these dates moves one cadence later.
    skipped_dates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What each `admin skip` moved: {date: {session number: its start after the skip}}, so
    # `admin unskip` moves exactly those back (issue 21), leaving the organizer's own edits.
    skip_moves: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    # How long a session lasts: its calendar event, "happening now", when it is over.
    session_minutes: Mapped[int] = mapped_column(Integer, default=90)
    announce_days_before: Mapped[int] = mapped_column(Integer, default=3)
    # Minutes before a session / an assignment's due time.
    reminder_offsets: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1440, 60])
    assignment_offsets: Mapped[list[int]] = mapped_column(JSON, default=lambda: [2880, 120])
    # Where sessions are held (a Zoom/Meet link) unless a session has its own.
    meeting_url: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    sessions: Mapped[list[Session]] = relationship(
        back_populates="cohort", order_by="Session.number", cascade="all, delete-orphan"
    )


class PlatformBinding(Base):
    """A chat channel (Slack workspace + channel, Discord guild + channel) bound to a cohort."""

    __tablename__ = "platform_bindings"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Member(Base):
    """A person. One person may have identities on several platforms."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The name printed on certificates (`d2l name`); the display name when unset.
    certificate_name: Mapped[str | None] = mapped_column(String(100), default=None)

    identities: Mapped[list[Identity]] = relationship(back_populates="member")


class Identity(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(back_populates="identities")


class Enrollment(Base):
    """A person's place in a cohort: whether they take part (`status`) and whether they run
    it (`role`). Everyone who talks to the bot has one; only members get direct messages,
    count in the statistics and can earn a certificate."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("cohort_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | organizer
    # member (joined, or recorded work) | visitor (only read) | left (`d2l leave`)
    status: Mapped[str] = mapped_column(String(16), default="visitor")
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # Assignment reminders by direct message: on for members unless they turn them off.
    assignment_reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    # Personal reminders by direct message, opt-in, at these minutes before each session.
    dm_reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    dm_offsets: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1440, 60])
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Session(Base):
    """One meeting of the study group: a chapter (or part of one) of the book."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("cohort_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    title: Mapped[str] = mapped_column(String(200))
    chapters: Mapped[list[int]] = mapped_column(JSON)
    sections: Mapped[list[str]] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(500))
    prepare: Mapped[str] = mapped_column(Text, default="")
    speaker: Mapped[str | None] = mapped_column(String(100), default=None)
    recording_url: Mapped[str | None] = mapped_column(String(500), default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    # This session's own meeting link; None: the cohort's (see `meeting_link`).
    meeting_url: Mapped[str | None] = mapped_column(String(500), default=None)
    # An organizer pinned this date by hand: cadence changes leave it alone.
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")


class Assignment(Base):
    """Work attached to a session: a code exercise or a quiz, due at a time."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("cohort_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # exercise | quiz
    ref: Mapped[str] = mapped_column(String(100))  # exercise id or quiz topic
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class QuizAttempt(Base):
    """One answer to one rendered question instance; an instance counts once."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("member_id", "question_id", "seed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answer_given: Mapped[str | None] = mapped_column(Text, default=None)
    correct: Mapped[bool | None] = mapped_column(Boolean, default=None)
    points: Mapped[float] = mapped_column(Float, default=0.0)
    mode: Mapped[str] = mapped_column(String(16), default="personal")  # personal | live | review
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    time_ms: Mapped[int | None] = mapped_column(Integer, default=None)


class Submission(Base):
    """One code submission for an exercise; every attempt is kept, the best one counts."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[str] = mapped_column(String(100), index=True)
    code: Mapped[str] = mapped_column(Text)
    # The hidden inputs' seed, 62 bits (issue 22): `studybot grade --seed N` reproduces a grade.
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    max_score: Mapped[float | None] = mapped_column(Float, default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the result goes back to (platform, workspace, channel) when grading ends.
    reply_to: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The queue: queued → running (claimed by a worker until claim_until) → a final status.
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    claim_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class OutboxMessage(Base):
    """A message the bot sends on its own. The unique key makes a double send impossible."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), default=None
    )
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))  # channel id, or user id for a DM
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # Past this time the message is useless (the session has started): skipped, not sent.
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # pending | claimed | sent | failed | skipped | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    claim_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    delivered_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class Rsvp(Base):
    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("session_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(8))  # yes | no | maybe
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Question(Base):
    """A question for the live Q&A of a session."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # shown to members, per session
    text: Mapped[str] = mapped_column(Text)
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class QuestionVote(Base):
    __tablename__ = "question_votes"
    __table_args__ = (UniqueConstraint("question_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
