"""What the bot keeps about the group's GitHub repository (issue 20): whether a cohort
publishes there, the schedule file's planned version, and the Discussion of each session."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class GitHubSync(Base):
    """One cohort's GitHub publishing: set from the environment when a chat process starts
    (`enabled` is off when no token is set, so nothing is planned for GitHub then)."""

    __tablename__ = "github_sync"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    repo: Mapped[str] = mapped_column(String(140))
    category: Mapped[str] = mapped_column(String(100))
    schedule_path: Mapped[str] = mapped_column(String(200))
    # A fingerprint of the plan as last queued for the schedule file, and how many plan
    # changes have been queued: each change is one outbox row `schedule:<cohort>:<version>`.
    schedule_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    schedule_version: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_sync: Mapped[str | None] = mapped_column(String(300), default=None)


class GitHubDiscussion(Base):
    """The Discussion that announces a session, and the start time its text gives."""

    __tablename__ = "github_discussions"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(500))
    announced_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # How often the bot edited it: a part of the edit's key, so moving a session back to a
    # time it had before is edited again.
    edits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
