"""What the bot keeps for feedback on exercises (issue 22): the hints each member has taken
and whether a cohort shows model solutions after the due time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

SOLUTION_POLICIES = ("after-due", "never")


class HintUse(Base):
    """How many of an exercise's hints a member has taken (shown to organizers; no effect on
    the score)."""

    __tablename__ = "hint_uses"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    exercise_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ExerciseSettings(Base):
    """A cohort's exercise options: `solutions` is "after-due" (the default) or "never"."""

    __tablename__ = "exercise_settings"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    solutions: Mapped[str] = mapped_column(String(16), default="after-due")
