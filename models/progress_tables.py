"""Tables for progress and identity: certificates, one-time link codes, failed link
attempts (for the rate limit) and members who turned the progress nudges off."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Certificate(Base):
    """A certificate of completion. What it states is frozen when it is issued, so asking
    again (or verifying it) gives the same certificate even if the work changes later."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("cohort_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    cohort_name: Mapped[str] = mapped_column(String(100))
    share: Mapped[float] = mapped_column(Float)
    first_session: Mapped[int] = mapped_column(Integer)
    last_session: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # "course": measured against the whole plan's required work. "work_so_far": issued by
    # releases before 0005, against the work assigned when asked; still valid.
    rule: Mapped[str] = mapped_column(String(16), default="course")
    # The day the course's last session with required work took place (or, for an early
    # certificate, is planned); None for the old rule.
    course_ended_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    # Issued by an organizer before the course ended (`d2l admin certificate @user`).
    early: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )


class LinkCode(Base):
    """A one-time code that joins another platform's identity to the issuing member.
    Only a hash of the code is stored."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class LinkFailure(Base):
    """A wrong, expired or refused link code entered by a member (for the rate limit)."""

    __tablename__ = "link_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class NudgeOptOut(Base):
    """A member who does not want progress nudges in this cohort (`d2l nudges off`)."""

    __tablename__ = "nudge_opt_outs"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
