"""The composition root: settings and services are built here, once, and passed down."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.grading_queue import GradingQueue
from bot.settings import Settings
from handlers import build_router
from handlers.catalog import WorkCatalog, default_catalog
from handlers.context import Services
from handlers.router import Router
from handlers.types import Invocation, Reply
from models.cohorts import bind, cohort_for_channel, create_cohort, first_cohort
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade_async
from quizzes.curriculum import default_curriculum

log = logging.getLogger(__name__)


@dataclass
class App:
    """A running bot core: what every adapter (console, Slack, Discord) talks to."""

    services: Services
    router: Router
    engine: AsyncEngine
    grading: GradingQueue

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
        try:
            async with self.services.sessions() as db, db.begin():
                if await first_cohort(db) is not None:
                    return
                cohort = await create_cohort(
                    db,
                    name=defaults.name,
                    timezone=defaults.timezone,
                    first_session=defaults.first_session,
                    session_time=defaults.session_time,
                    cadence_days=defaults.cadence_days,
                    session_count=defaults.sessions,
                    curriculum=self.services.curriculum,
                    now=self.services.clock.now(),
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


def freeze_heap() -> None:
    """Keep what start-up allocated (modules, settings, curriculum, clients) out of the
    collector's full passes, which otherwise stop the event loop for 80-250 ms about twice a
    minute under load (measured with `studybot bench load`). Call once a process is up."""
    gc.collect()
    gc.freeze()
