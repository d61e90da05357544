"""What a handler gets: the services of the running bot and the resolved caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.settings import Settings
from handlers.catalog import WorkCatalog
from handlers.links import Downloads
from handlers.types import Invocation
from models.tables import Cohort, Enrollment, Member
from quizzes.curriculum import Curriculum


class GradingJobs(Protocol):
    """The task queue grading jobs go to (bot.grading_queue.GradingQueue)."""

    async def defer(self, db: AsyncSession, submission_id: int) -> None:
        """Queue the grading of the submission `db`'s transaction is inserting."""
        ...


@dataclass(frozen=True)
class Services:
    """Built once by the composition root (bot.app) and shared by every invocation."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    curriculum: Curriculum
    grading: GradingJobs
    catalog: WorkCatalog = field(default_factory=WorkCatalog)
    downloads: Downloads = field(default_factory=Downloads)


@dataclass
class Context:
    """One invocation being handled: its database session, caller, cohort and arguments."""

    services: Services
    db: AsyncSession
    invocation: Invocation
    member: Member
    cohort: Cohort
    enrollment: Enrollment
    is_organizer: bool
    args: list[str]
    code: str | None
    code_language: str = ""

    @property
    def timezone(self) -> str:
        return self.cohort.timezone

    @property
    def now(self) -> dt.datetime:
        return self.services.clock.now()


class UsageError(Exception):
    """The arguments don't fit the command; the router answers with its usage."""

    show_usage = True

    def __init__(self, problem: str = "") -> None:
        super().__init__(problem)
        self.problem = problem


class Refused(UsageError):
    """The arguments fit but can't be done (a date that has passed, no such session): the
    router answers with the reason alone, since the usage is not the problem (issue 21)."""

    show_usage = False


class NotAllowed(Exception):
    """The caller may not do this (e.g. an organizer command by a member)."""
