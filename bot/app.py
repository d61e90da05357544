"""The composition root: settings and services are built here, once, and passed down."""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.grading_queue import GradingQueue
from bot.settings import Settings, next_monday
from handlers import build_router
from handlers.catalog import WorkCatalog, default_catalog
from handlers.context import Services
from handlers.router import Router
from handlers.types import Invocation, Reply
from models.cohorts import bind, cohort_for_channel, create_cohort, first_cohort
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade_async
from models.tables import Cohort
from quizzes.curriculum import default_curriculum

log = logging.getLogger(__name__)


@dataclass
class App:
    """A running bot core: what every adapter (console, Slack, Discord) talks to."""

    services: Services
    router: Router
    engine: AsyncEngine
    grading: GradingQueue
    # Said once at start (the console prints them; every process logs them): cohort
    # settings in the environment that the database's cohort doesn't follow.
    start_notes: list[str] = field(default_factory=list)
    # Whether each chat platform this process runs is connected (name → check), for
    # `GET /healthz` (bot/health.py); filled in by bot/runner.py as platforms start.
    platform_checks: dict[str, Callable[[], bool]] = field(default_factory=dict)

    @classmethod
    async def create(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        catalog: WorkCatalog | None = None,
    ) -> App:
        """Connect, migrate (unless told not to) and make sure the default cohort exists."""
        if migrate:
            await upgrade_async(settings.database_url)
        engine = create_engine(settings.database_url)
        grading = GradingQueue(settings.database_url)
        if not grading.postgres:
            await grading.open()  # the in-process queue; on PostgreSQL workers open theirs
        services = Services(
            settings=settings,
            sessions=create_sessionmaker(engine),
            clock=clock or SystemClock(),
            curriculum=default_curriculum(),
            grading=grading,
            catalog=catalog if catalog is not None else default_catalog(),
        )
        app = cls(services=services, router=build_router(), engine=engine, grading=grading)
        await app.ensure_default_cohort()
        return app

    async def ensure_default_cohort(self) -> None:
        defaults = self.services.settings.cohort
        now = self.services.clock.now()
        try:
            async with self.services.sessions() as db, db.begin():
                existing = await first_cohort(db)
                if existing is not None:
                    self._report_differences(existing)
                    return
                cohort = await create_cohort(
                    db,
                    name=defaults.name,
                    timezone=defaults.timezone,
                    first_session=defaults.first_session or next_monday(now.date()),
                    session_time=defaults.session_time,
                    cadence_days=defaults.cadence_days,
                    session_count=defaults.sessions,
                    curriculum=self.services.curriculum,
                    now=now,
                    quiz_pass_mark=defaults.quiz_pass_mark,
                )
                name, count = cohort.name, len(cohort.sessions)
        except IntegrityError:
            # Several processes started at once on an empty database: another one created
            # it first (cohort names are unique). Anything else is a real error.
            async with self.services.sessions() as db:
                if await first_cohort(db) is None:
                    raise
            return
        log.info("created cohort %r with %d sessions", name, count)

    def _report_differences(self, cohort: Cohort) -> None:
        """The environment's cohort settings only shape a new cohort; say so when one set
        explicitly differs from the cohort in the database, instead of ignoring it silently."""
        defaults = self.services.settings.cohort
        for note in cohort_differences(defaults.model_fields_set, defaults, cohort):
            log.warning("%s", note)
            self.start_notes.append(note)

    async def bind_channel(self, platform: str, workspace_id: str, channel_id: str) -> None:
        """Bind a channel to the default cohort (if it isn't bound yet): it gets the cohort's
        announcements and reminders."""
        async with self.services.sessions() as db, db.begin():
            cohort = await cohort_for_channel(db, platform, workspace_id, channel_id)
            if cohort is None:
                return
            await bind(db, cohort.id, platform, workspace_id, channel_id, self.services.clock.now())

    async def handle(self, invocation: Invocation) -> list[Reply]:
        return await self.router.handle(self.services, invocation)

    async def close(self) -> None:
        if not self.grading.postgres:
            await self.grading.close()
        await self.engine.dispose()


# Cohort setting -> (its value in the database, the command that changes it)
_COHORT_SETTINGS: dict[str, tuple[Callable[[Cohort], object], str]] = {
    "name": (lambda c: c.name, "admin cohort name"),
    "timezone": (lambda c: c.timezone, "admin cohort timezone"),
    "first_session": (lambda c: c.first_session, "admin cohort start"),
    "session_time": (lambda c: c.session_time, "admin cohort time"),
    "cadence_days": (lambda c: c.cadence_days, "admin cohort cadence"),
    "quiz_pass_mark": (lambda c: c.quiz_pass_mark, "admin cohort quizpass"),
    "sessions": (lambda c: len(c.sessions), ""),
}


def cohort_differences(explicit: set[str], defaults: object, cohort: Cohort) -> list[str]:
    """One sentence per cohort setting given in the environment that the cohort differs from."""
    notes = []
    for name, (current, command) in _COHORT_SETTINGS.items():
        wanted = getattr(defaults, name)
        if name not in explicit or wanted is None or wanted == current(cohort):
            continue
        variable = f"STUDYBOT_COHORT__{name.upper()}"
        change = (
            f"change it with `{command}`"
            if command
            else "it only applies when a new cohort is created"
        )
        notes.append(
            f"{variable} is {_shown(name, wanted)} but the cohort uses "
            f"{_shown(name, current(cohort))}; {change}."
        )
    return notes


def _shown(name: str, value: object) -> str:
    if name == "quiz_pass_mark" and isinstance(value, float):
        return f"{value:.0%}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def freeze_heap() -> None:
    """Keep what start-up allocated (modules, settings, curriculum, clients) out of the
    collector's full passes, which otherwise stop the event loop for 80-250 ms about twice a
    minute under load (measured with `studybot bench load`). Call once a process is up."""
    gc.collect()
    gc.freeze()
