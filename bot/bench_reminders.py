"""`studybot bench reminders`: how late do reminders go out when many fall due at once?

Creates 100 cohorts with 10,000 pending reminders whose due times are spread over a short
window, runs the real scheduler and dispatcher against a sender that only records the time,
and prints the lateness (sent − due) percentiles and the process memory as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import resource
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module for every command: load the bot lazily
    from bot.app import App
    from handlers.types import Reply
    from models.tables import OutboxMessage

LEAD_SECONDS = 12


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    benches: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    parser = benches.add_parser("reminders", help="reminder dispatch lateness under load")
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--cohorts", type=int, default=100)
    parser.add_argument("--window", type=float, default=20.0, help="seconds the due times span")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.set_defaults(func=run)


class TimingSender:
    def __init__(self, expected: int) -> None:
        self.lateness: list[float] = []
        self.expected = expected
        self.done = asyncio.Event()

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        if message.key.startswith("bench:"):  # not the cohorts' own announcements
            late = (dt.datetime.now(dt.UTC) - message.due_at).total_seconds()
            self.lateness.append(late)
            if len(self.lateness) >= self.expected:
                self.done.set()
        return None


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(_bench(url, args.reminders, args.cohorts, args.window))
    print(json.dumps(result))
    return 0


async def _bench(url: str, total: int, cohorts: int, window: float) -> dict[str, object]:
    from bot.app import App
    from bot.delivery import Dispatcher
    from bot.scheduler import DeliveryScheduler
    from bot.settings import CohortDefaults, Settings

    settings = Settings(
        _env_file=None,
        database_url=url,
        cohort=CohortDefaults(sessions=1),
    )
    app = await App.create(settings)
    try:
        # Enough lead for seeding and the scheduler's first (planning) sweep, so the first
        # reminders aren't late before delivery even starts.
        start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=LEAD_SECONDS)
        await _seed(app, total, cohorts, start, window)
        if dt.datetime.now(dt.UTC) > start - dt.timedelta(seconds=2):
            raise RuntimeError("seeding took longer than the lead time; raise LEAD_SECONDS")
        sender = TimingSender(total)
        scheduler = DeliveryScheduler(Dispatcher(app.services, {"bench": sender}))
        scheduler.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sender.done.wait(), timeout=window + 120)
        await scheduler.shutdown()
    finally:
        await app.close()
    lateness = sorted(sender.lateness)
    return {
        "reminders": total,
        "cohorts": cohorts,
        "window_s": window,
        "sent": len(lateness),
        "lateness_p50_ms": round(_pct(lateness, 50) * 1000, 1),
        "lateness_p99_ms": round(_pct(lateness, 99) * 1000, 1),
        "lateness_max_ms": round((lateness[-1] if lateness else 0) * 1000, 1),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "database": url.split(":", 1)[0],
    }


async def _seed(app: App, total: int, cohorts: int, start: dt.datetime, window: float) -> None:
    from models.cohorts import bind, create_cohort
    from models.outbox import Planned, enqueue

    now = dt.datetime.now(dt.UTC)
    async with app.services.sessions() as db, db.begin():
        planned: list[Planned] = []
        per_cohort = total // cohorts
        for index in range(cohorts):
            cohort = await create_cohort(
                db,
                name=f"bench cohort {index}",
                timezone="UTC",
                first_session=(now + dt.timedelta(days=2)).date(),
                session_time=dt.time(12),
                cadence_days=14,
                session_count=1,
                curriculum=app.services.curriculum,
                now=now,
            )
            binding = await bind(db, cohort.id, "bench", "w", f"c{index}", now)
            session = cohort.sessions[0]
            for n in range(per_cohort if index < cohorts - 1 else total - per_cohort * index):
                due = start + dt.timedelta(seconds=window * ((index * per_cohort + n) / total))
                planned.append(
                    Planned(
                        key=f"bench:{cohort.id}:{n}",
                        kind="reminder",
                        platform="bench",
                        workspace_id="w",
                        target=binding.channel_id,
                        payload={"session_id": session.id},
                        due_at=due,
                        expires_at=session.starts_at,
                        cohort_id=cohort.id,
                    )
                )
        await enqueue(db, planned, now, reschedule=False)


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, round(pct / 100 * (len(values) - 1)))
    return values[index]
