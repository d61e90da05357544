"""Is this process fit to serve? One report for `GET /healthz` and `studybot worker --check`.

Healthy means: the database answers, its schema is at the code's migration head, and every
chat platform this process runs is connected. The age of the last message the outbox sent is
reported but never makes a process unhealthy: a quiet cohort may send nothing for days.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import one_line
from models.tables import OutboxMessage

if TYPE_CHECKING:
    from bot.app import App

HEALTH_PATH = "/healthz"
# A load balancer's probe must not hang on a database that accepts and never answers.
DATABASE_TIMEOUT = 5.0

# Whether each platform of this process is connected (name → check).
PlatformChecks = Mapping[str, Callable[[], bool]]


@dataclass(frozen=True)
class HealthReport:
    database: bool
    schema: str | None  # the database's migration revision (None: unknown or none)
    head: str
    platforms: dict[str, bool] = field(default_factory=dict)
    last_send_age_seconds: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "problems": self.problems,
            "database": "reachable" if self.database else "unreachable",
            "migrations": {
                "database": self.schema,
                "code": self.head,
                "current": self.schema == self.head,
            },
            "platforms": {
                name: "connected" if up else "disconnected" for name, up in self.platforms.items()
            },
            "last_outbox_send_age_seconds": self.last_send_age_seconds,
        }

    def lines(self) -> list[str]:
        """The same, for a terminal."""
        out = [f"database: {'reachable' if self.database else 'unreachable'}"]
        if self.database:
            current = "current" if self.schema == self.head else f"code is at {self.head}"
            out.append(f"migrations: {self.schema or 'none'} ({current})")
            age = self.last_send_age_seconds
            out.append(
                "last outbox send: never" if age is None else f"last outbox send: {age:.0f} s ago"
            )
        out += [
            f"{name}: {'connected' if up else 'disconnected'}"
            for name, up in self.platforms.items()
        ]
        out.append("healthy" if self.healthy else "unhealthy: " + "; ".join(self.problems))
        return out


@functools.cache
def code_head() -> str:
    """The migration head this code expects (read once: the scripts don't change at run time)."""
    from alembic.script import ScriptDirectory

    from models.migrate import MIGRATIONS, alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, f"no migrations in {MIGRATIONS}"
    return head


async def check_health(
    engine: AsyncEngine, now: dt.datetime, platforms: PlatformChecks | None = None
) -> HealthReport:
    """Ask the database (within `DATABASE_TIMEOUT`) and the platforms; never raises."""
    head = code_head()
    states = {name: _safe(check) for name, check in (platforms or {}).items()}
    problems = [f"{name} is disconnected" for name, up in states.items() if not up]
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            schema, last_sent = await _ask_database(engine)
    except Exception as exc:  # any failure to answer is the report, not an error
        reason = "timed out" if isinstance(exc, TimeoutError) else one_line(exc)
        problems.insert(0, f"database unreachable: {reason}")
        return HealthReport(False, None, head, states, None, problems)
    if schema != head:
        problems.insert(
            0,
            f"database schema is at {schema or 'no revision'}, the code needs {head}: "
            "run `studybot migrate`",
        )
    age = None if last_sent is None else max(0.0, (now - last_sent).total_seconds())
    return HealthReport(True, schema, head, states, age, problems)


async def _ask_database(engine: AsyncEngine) -> tuple[str | None, dt.datetime | None]:
    async with engine.connect() as conn:
        try:
            schema = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except Exception:
            # No alembic_version table: never migrated. Anything else is the outage itself.
            await conn.rollback()
            await conn.execute(text("SELECT 1"))
            schema = None
        last = (
            (
                await conn.execute(
                    select(func.max(OutboxMessage.sent_at)).where(OutboxMessage.status == "sent")
                )
            ).scalar()
            if schema is not None
            else None
        )
    return schema, last


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        return False


def mount_health(web_app: web.Application, app: App) -> None:
    """Serve `GET /healthz` on `web_app`: 200 and the report when healthy, else 503 with the
    reasons in `problems`. The platforms are read at each request (they start later)."""

    async def healthz(request: web.Request) -> web.Response:
        report = await check_health(app.engine, app.services.clock.now(), app.platform_checks)
        return web.json_response(report.to_json(), status=200 if report.healthy else 503)

    web_app.router.add_get(HEALTH_PATH, healthz)
