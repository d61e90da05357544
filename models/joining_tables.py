"""What joining the group leaves behind (issue 16): the code of conduct and who agreed to it,
private reports to the organizers, each session's discussion thread per channel, and the
Discord scheduled event of each session per server."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ConductSettings(Base):
    """A cohort's code of conduct: the organizers' text (None: the settings' file or the
    shipped default) and whether agreeing is required before submitting work."""

    __tablename__ = "conduct_settings"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str | None] = mapped_column(Text, default=None)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ConductAgreement(Base):
    """A member agreed to the cohort's code of conduct, at this time."""

    __tablename__ = "conduct_agreements"
    __table_args__ = (UniqueConstraint("cohort_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    agreed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Report(Base):
    """A private report to the organizers. An anonymous one has no reporter: the id of the
    person who sent it is never written anywhere."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("cohort_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # the reference shown, per cohort
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class SessionThread(Base):
    """The discussion thread of a session in one channel: the announcement's message
    (Slack `ts`, Discord message id, which is also the id of the thread opened on it)."""

    __tablename__ = "session_threads"
    __table_args__ = (UniqueConstraint("session_id", "binding_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    binding_id: Mapped[int] = mapped_column(ForeignKey("platform_bindings.id", ondelete="CASCADE"))
    thread_ref: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DiscordEvent(Base):
    """The Discord guild scheduled event of a session in one server, as last synced."""

    __tablename__ = "discord_events"
    __table_args__ = (UniqueConstraint("session_id", "guild_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), default=None
    )
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    guild_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    # What the event says now: a difference from the session means an edit is due.
    fingerprint: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # | cancelled
    interested: Mapped[int | None] = mapped_column(Integer, default=None)
    synced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DiscordEventError(Base):
    """Why a server's events can't be kept (a 403 without Manage Events): one row per
    server, shown in `admin outbox`, cleared when a sync works again."""

    __tablename__ = "discord_event_errors"

    guild_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    error: Mapped[str] = mapped_column(String(500))
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
