"""What the web pages keep (issue 17): the key that signs private links, each session's
calendar revision, and the names members chose for the public leaderboard."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class WebKey(Base):
    """The secret that signs private page links. Made on first use and kept in the database,
    so a link sent by the Discord process opens on the web process without any setting."""

    __tablename__ = "web_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CalendarRevision(Base):
    """A session's event as calendars last saw it: a fingerprint of what the event says and
    its SEQUENCE, which grows by one each time the fingerprint changes."""

    __tablename__ = "calendar_revisions"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)


class PublicName(Base):
    """A member who chose to appear by name on the public leaderboard (absent: "a member")."""

    __tablename__ = "public_names"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(100))
    chosen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
